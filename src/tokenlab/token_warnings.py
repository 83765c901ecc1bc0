"""What a careful reader worries about in a JWT nobody has verified yet: one check per worry, each citing its rule.

:func:`token_warnings` is what :func:`tokenlab.tokens.decode_unverified` lists under "warnings";
:func:`signature_size_problem` is also what :func:`tokenlab.tokens.verify` says when a signature
cannot be the right length. Pure functions over plain data: no keys are fetched, nothing is trusted.

>>> signature_size_problem("ES256", 42)[:58]
'The signature is 42 bytes, but an ES256 signature is R and'
>>> signature_size_problem("ES256", 64) is None
True
"""

from __future__ import annotations

import hmac
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed448, ed25519

from tokenlab.clock import humanize_delta
from tokenlab.keys import Key, min_hmac_key_bytes

__all__ = ["WEAK_SECRETS", "TokenWarning", "signature_size_problem", "token_warnings"]

WEAK_SECRETS = (
    "your-256-bit-secret", "your-384-bit-secret", "your-512-bit-secret", "secret", "secretkey",
    "secret-key", "secret_key", "mysecret", "supersecret", "jwt", "jwt-secret", "jwt_secret",
    "key", "password", "changeme", "admin", "test", "default", "qwerty", "123456", "tokenlab",
)  # fmt: skip
"""Secrets seen in tutorials and leaks (jwt.io's example is the first); the
decoder tries these few so it can warn, the attack lab tries many more."""


@dataclass(frozen=True)
class TokenWarning:
    """Something in the token a careful reader should worry about."""

    code: str
    message: str


# --- how long a signature can be -----------------------------------------------------------------

_HMAC_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
_ECDSA_BYTES = {"ES256": 64, "ES384": 96, "ES512": 132}  # R || S, each as long as the curve's order
_EDDSA_BYTES = {"Ed25519": 64, "Ed448": 114}
_RSA = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
_MIN_RSA_BYTES = 256  # 2048 bits: RFC 7518 §3.3 and §3.5
_COMMON_RSA_STEP = 128  # 2048, 3072, 4096 and 8192-bit keys all give a multiple of 128 bytes
_NOT_REAL = "so it was cut off, damaged or never a real signature, and it cannot verify"


def _rfc_for_rsa(alg: str) -> str:
    return "RFC 7518 §3.5" if alg.startswith("PS") else "RFC 7518 §3.3"


def _fixed_size_rule(alg: str) -> tuple[tuple[int, ...], str] | None:
    """The sizes an ``alg`` signature always has, and the rule that says so (``None``: it depends on the key)."""
    if alg in _HMAC_BYTES:
        size = _HMAC_BYTES[alg]
        return (
            size,
        ), f"an {alg} signature is the whole HMAC-SHA-{alg[2:]} output, always {size} bytes (RFC 7518 §3.2)"
    if alg in _ECDSA_BYTES:
        size = _ECDSA_BYTES[alg]
        return (size,), (
            f"an {alg} signature is R and S side by side, {size // 2} bytes each, always {size} bytes (RFC 7518 §3.4)"
        )
    if alg == "EdDSA":
        return (64, 114), "an EdDSA signature is always 64 bytes with Ed25519, 114 with Ed448 (RFC 8037 §3.1)"
    if alg in _EDDSA_BYTES:
        size = _EDDSA_BYTES[alg]
        return (size,), f"an {alg} signature is always {size} bytes (RFC 8037 §3.1)"
    return None


def _key_signature_size(key: Key) -> tuple[int, str] | None:
    """How long every signature made by ``key`` is, and why; ``None`` when the key does not tell."""
    material = key.verifying
    if key.alg in _RSA and isinstance(getattr(material, "key_size", None), int):
        bits = material.key_size
        size = (bits + 7) // 8
        return size, (
            f"key {key.kid} has a {bits}-bit modulus, and an {key.alg} signature is as long as the modulus, "
            f"always {size} bytes ({_rfc_for_rsa(key.alg)})"
        )
    if key.alg == "EdDSA" and isinstance(material, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        size = 64 if isinstance(material, ed25519.Ed25519PublicKey) else 114
        curve = "Ed25519" if size == 64 else "Ed448"
        return size, f"key {key.kid} is an {curve} key, and its signatures are always {size} bytes (RFC 8037 §3.1)"
    return None


def signature_size_problem(alg: Any, size: int, key: Key | None = None) -> str | None:
    """One sentence saying why a signature of ``size`` bytes cannot be an ``alg`` signature (by ``key``,
    when it is known), or ``None`` when the size is possible. An empty signature is not judged here."""
    if not isinstance(alg, str) or size == 0:
        return None
    known = _key_signature_size(key) if key is not None and key.alg == alg else None
    if known is not None:
        expected, why = known
        return None if size == expected else f"The signature is {size} bytes, but {why}, {_NOT_REAL}."
    fixed = _fixed_size_rule(alg)
    if fixed is not None:
        sizes, why = fixed
        return None if size in sizes else f"The signature is {size} bytes, but {why}, {_NOT_REAL}."
    if alg not in _RSA:
        return None
    if size < _MIN_RSA_BYTES:
        return (
            f"The signature is {size} bytes, but an {alg} signature is as long as the RSA key's modulus, and "
            f"{_rfc_for_rsa(alg)} requires keys of 2048 bits (256 bytes) or more, so it was cut off, damaged or "
            "never a real signature, or the key is too small to trust."
        )
    if size % _COMMON_RSA_STEP:
        return (
            f"The signature is {size} bytes, the size of no common RSA key (2048, 3072 and 4096-bit keys give 256, "
            f"384 and 512 bytes), and an {alg} signature is as long as the key's modulus ({_rfc_for_rsa(alg)}): "
            "were characters cut off the end?"
        )
    return None


# --- the warnings ----------------------------------------------------------------------------------


def token_warnings(
    header: Mapping[str, Any], claims: Mapping[str, Any], signature: bytes, signing_input: bytes, now: int
) -> Iterable[TokenWarning]:
    """Every warning for a decoded token, in a fixed order: algorithm and signature, header, times, claims."""
    alg = header.get("alg")
    if not isinstance(alg, str):
        yield TokenWarning(
            "no_alg", "The header has no 'alg' string; every JWS must say its algorithm (RFC 7515 §4.1.1)."
        )
    elif alg.lower() == "none":
        yield TokenWarning(
            "alg_none",
            f"alg is {alg!r}: the token has no signature, so anyone could have written it; an implementation must not accept it unless the application allows it for this token (RFC 7518 §3.6, RFC 8725 §3.2).",
        )
    elif not signature:
        yield TokenWarning(
            "no_signature",
            f"alg says {alg} but the signature is empty: it was stripped, so nothing proves who wrote this (RFC 8725 §3.3).",
        )
    elif (size_problem := signature_size_problem(alg, len(signature))) is not None:
        yield TokenWarning("signature_size", size_problem)
    elif alg in _HMAC_BYTES:
        secret = _guess_weak_secret(signature, signing_input, alg)
        if secret is not None:
            yield TokenWarning(
                "weak_secret",
                f"Signed with the guessable secret {secret!r}: anyone can try it and then mint tokens at will; an HMAC secret must be at least as long as the hash, {min_hmac_key_bytes(alg)} bytes (RFC 7518 §3.2), random, and never a password (RFC 8725 §3.5).",
            )
    for name in ("jku", "jwk", "x5u", "x5c"):
        if name in header:
            yield TokenWarning(
                f"header_{name}",
                f"The header carries '{name}': a key the token names or brings proves nothing about who signed it "
                "(RFC 7515 §10.3), and fetching a URL the token names invites request forgery (RFC 8725 §3.10).",
            )
    kid = header.get("kid")
    if kid is not None and (not isinstance(kid, str) or re.search(r"[/\\'\";]|\.\.|\x00", kid)):
        yield TokenWarning(
            "odd_kid",
            f"kid {kid!r} looks like a path, a query or not text at all: a kid must only be looked up in the verifier's own key map (RFC 8725 §3.10).",
        )
    if "crit" in header:
        yield TokenWarning(
            "crit",
            f"The header marks {header['crit']!r} as critical: a verifier that does not implement those extensions must reject the token (RFC 7515 §4.1.11).",
        )
    yield from _time_warnings(claims, now)
    if "aud" not in claims:
        yield TokenWarning(
            "no_aud",
            "No 'aud': any service that trusts this issuer would accept the token, so it can be replayed between them (RFC 8725 §3.9).",
        )
    secret_looking = sorted(n for n in claims if re.search(r"pass(word|wd)?$|secret|ssn|card|api_?key", n, re.I))
    if secret_looking:
        yield TokenWarning(
            "readable_secrets",
            f"The payload holds {', '.join(secret_looking)}: a signed JWT is readable by anyone who has it; signing protects integrity, not confidentiality (RFC 7519 §12).",
        )


def _time_warnings(claims: Mapping[str, Any], now: int) -> Iterable[TokenWarning]:
    def number(name: str) -> float | None:
        value = claims.get(name)
        finite = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        return value if finite else None

    exp, nbf, iat = number("exp"), number("nbf"), number("iat")
    for name in ("exp", "nbf", "iat"):
        if name in claims and number(name) is None:
            yield TokenWarning(
                f"bad_{name}",
                f"'{name}' is {claims[name]!r}, not a number of seconds since 1970 (RFC 7519 §2, NumericDate).",
            )
    if "exp" not in claims:
        yield TokenWarning(
            "no_exp",
            "No 'exp': this token never expires, so a leaked copy works forever (RFC 9068 §2.2 requires exp in access tokens).",
        )
    elif exp is not None and now >= exp:
        yield TokenWarning(
            "expired", f"Expired {humanize_delta(now - exp)} ago: a verifier must reject it (RFC 7519 §4.1.4)."
        )
    if nbf is not None and now < nbf:
        yield TokenWarning(
            "not_yet_valid", f"Not valid for another {humanize_delta(nbf - now)} ('nbf', RFC 7519 §4.1.5)."
        )
    if iat is not None and now < iat:
        yield TokenWarning(
            "issued_in_future",
            f"Issued {humanize_delta(iat - now)} in the future: a skewed clock or a forgery (RFC 7519 §4.1.6).",
        )
    start = iat if iat is not None else nbf
    if exp is not None and start is not None and exp - start > 86400:
        yield TokenWarning(
            "long_lived",
            f"Lives {humanize_delta(exp - start)}: a leaked bearer token does damage for as long as it lives, and short lifetimes limit that (RFC 6819 §5.1.5.3); RFC 6750 §5.3 asks for an hour or less.",
        )


def _guess_weak_secret(signature: bytes, signing_input: bytes, alg: str) -> str | None:
    digest = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}[alg]
    for secret in WEAK_SECRETS:
        if hmac.compare_digest(hmac.new(secret.encode(), signing_input, digest).digest(), signature):
            return secret
    return None
