"""DELIBERATELY WRONG: the naive verifier that notebook 14 attacks, and the plumbing it stands on.

:func:`naive_verify` makes, on purpose, the mistakes that real JWT libraries and
hand-written verifiers have made (RFC 8725 §2; PortSwigger's JWT labs; CVE-2015-9235,
CVE-2022-29217, CVE-2018-0114):

1. the token decides whether it is signed: ``alg: none`` in any letter case, or an
   empty signature, is accepted without a check (RFC 8725 §3.1);
2. a signature checked once is trusted again, whatever payload arrives with it
   (a "cache" keyed by the signature: RFC 7515 §5.2 says it covers every byte);
3. the token decides where its key comes from: an embedded ``jwk``, a ``jku`` URL
   it fetches, or a ``kid`` used as a file name (RFC 8725 §3.10);
4. the token decides the algorithm, so an HS256 header turns the RSA public key
   into an HMAC secret (algorithm confusion, RFC 8725 §2.1), and any secret,
   however short or guessable, is used (§3.5);
5. ``exp``, ``aud``, ``iss`` and ``typ`` are never looked at (RFC 7519 §4.1).

It is never imported by the provider or by :mod:`tokenlab.tokens`; tokenlab's
real verifier is :func:`tokenlab.verify`. The lab keeps to this machine: the
``jku`` fetch refuses every host but ``127.0.0.1``, ignores proxy settings and
never follows a redirect, and key files live in a temporary directory the lab
creates.
"""

from __future__ import annotations

import ast
import atexit
import hashlib
import hmac
import inspect
import json
import shutil
import tempfile
import textwrap
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tokenlab.tokens import b64url_decode

__all__ = [
    "EXPECTED_AUDIENCE",
    "LabSafetyError",
    "NaiveVerificationError",
    "fetch_jwk",
    "forget_checked_signatures",
    "hmac_signature",
    "lab_directory",
    "lab_key_directory",
    "naive_verifier_source",
    "naive_verify",
    "public_key_verifies",
    "split_token",
    "upload",
]

EXPECTED_AUDIENCE = "demo-api"
"""The name of the API the naive verifier guards: tokens meant for it say so in ``aud``. It never checks."""

_checked_signatures: set[bytes] = set()


class NaiveVerificationError(Exception):
    """The only thing the naive verifier ever refuses: a signature that does not match."""


class LabSafetyError(RuntimeError):
    """The lab refused to do something outside this machine (it only ever talks to 127.0.0.1)."""


# --- the naive verifier ------------------------------------------------------------------------------------------


def naive_verify(token, key):
    """DELIBERATELY WRONG — never use this: it lets the token decide how it is checked.

    ``key`` is what the API was configured with (the provider's public key as PEM
    text). Returns the claims, or raises :class:`NaiveVerificationError` when a
    signature it did check does not match. Notebook 14 shows an attack on each line.
    """
    header, claims, signature, signing_input = split_token(token)
    alg = header["alg"]

    # The token decides whether it is signed at all.
    if alg.lower() == "none" or not signature:
        return claims
    # Checking signatures is slow: a signature seen before is taken as good.
    if signature in _checked_signatures:
        return claims
    # The token decides where the key comes from.
    if "jwk" in header:
        key = header["jwk"]
    elif "jku" in header:
        key = fetch_jwk(header["jku"], header.get("kid"))
    elif "kid" in header:
        key = (lab_key_directory() / header["kid"]).read_bytes()
    # The token decides which algorithm checks the signature.
    if alg.startswith("HS"):
        valid = hmac.compare_digest(hmac_signature(alg, key, signing_input), signature)
    else:
        valid = public_key_verifies(alg, key, signing_input, signature)
    if not valid:
        raise NaiveVerificationError("the signature does not match")
    _checked_signatures.add(signature)
    # Nothing else is checked: not exp, not aud (EXPECTED_AUDIENCE), not iss, not typ.
    return claims


def forget_checked_signatures() -> None:
    """Empty the naive verifier's memory of signatures it has checked (tests start from a clean slate)."""
    _checked_signatures.clear()


_COPY_IMPORTS = """\
import hmac

from tokenlab.attacks.naive import (
    NaiveVerificationError,
    fetch_jwk,
    hmac_signature,
    lab_key_directory,
    public_key_verifies,
    split_token,
)

EXPECTED_AUDIENCE = "demo-api"  # this API's name: tokens meant for it carry it in "aud"
_checked_signatures = set()
"""


def naive_verifier_source(name: str = "naive_verify") -> str:
    """The naive verifier's code as a learner can paste and patch it: imports, then the function as ``name``.

    >>> "def my_verify(token, key):" in naive_verifier_source("my_verify")
    True
    """
    source = textwrap.dedent(inspect.getsource(naive_verify))
    function = ast.parse(source).body[0]
    docstring = function.body[0]
    lines = source.splitlines()
    indent = " " * docstring.col_offset
    note = f'{indent}"""Your copy of the naive verifier: fix it until every attack of the lab fails."""'
    lines[docstring.lineno - 1 : docstring.end_lineno] = [note]
    lines[0] = lines[0].replace("def naive_verify(", f"def {name}(", 1)
    return _COPY_IMPORTS + "\n\n" + "\n".join(lines) + "\n"


# --- its plumbing (correct code: the mistakes are all in naive_verify) --------------------------------------------


def split_token(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """``(header, claims, signature, signing_input)`` of a compact JWS, decoded and **not verified**."""
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = json.loads(b64url_decode(header_b64, part="header"))
    claims = json.loads(b64url_decode(payload_b64, part="payload"))
    signature = b64url_decode(signature_b64, part="signature")
    return header, claims, signature, f"{header_b64}.{payload_b64}".encode("ascii")


_HMAC_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def _secret_bytes(key: Any) -> bytes:
    if isinstance(key, (bytes, bytearray)):
        return bytes(key)
    if isinstance(key, str):
        return key.encode("utf-8")
    if isinstance(key, Mapping) and isinstance(key.get("k"), str):  # a symmetric JWK (RFC 7518 §6.4)
        return b64url_decode(key["k"], part="jwk")
    raise NaiveVerificationError(f"a {type(key).__name__} cannot be used as an HMAC secret")


def hmac_signature(alg: str, key: Any, signing_input: bytes) -> bytes:
    """The HMAC of ``signing_input`` under ``key`` taken as raw bytes, whatever it is: a PEM public key, an empty
    file, a word. Computed with :mod:`hmac` directly, since PyJWT and tokenlab rightly refuse such keys."""
    try:
        digest = _HMAC_HASHES[alg]
    except KeyError:
        raise NaiveVerificationError(f"unknown HMAC algorithm {alg!r}") from None
    return hmac.new(_secret_bytes(key), signing_input, digest).digest()


def public_key_verifies(alg: str, key: Any, signing_input: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is valid for ``alg`` under a public key given as PEM text or bytes, JWK text or a
    JWK dict (PyJWT's algorithms do the cryptography)."""
    from jwt.algorithms import get_default_algorithms

    algorithms = get_default_algorithms()
    if alg not in algorithms or alg.startswith("HS") or alg == "none":
        raise NaiveVerificationError(f"unknown public-key algorithm {alg!r}")
    algorithm = algorithms[alg]
    if isinstance(key, Mapping):
        parsed = algorithm.from_jwk(dict(key))
    elif isinstance(key, (str, bytes)) and key.lstrip()[:1] in ("{", b"{"):
        parsed = algorithm.from_jwk(key)
    else:
        parsed = algorithm.prepare_key(key)
    return bool(algorithm.verify(signing_input, parsed, signature))


# --- where keys come from ----------------------------------------------------------------------------------------


def fetch_jwk(url: str, kid: Any = None) -> dict[str, Any]:
    """GET the JWKS at ``url`` and return the key with this ``kid`` (or the first).

    For the lab's safety, only ``http://127.0.0.1`` is ever fetched: any other
    host raises :class:`LabSafetyError` before a connection is made; proxies
    from the environment are ignored and redirects are not followed.
    """
    import requests

    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1":
        raise LabSafetyError(
            f"the attack lab only fetches from http://127.0.0.1, never {parts.hostname or url!r}: "
            "it never touches the network (run your own key server with attacks.attacker_key_server())"
        )
    with requests.Session() as http:
        http.trust_env = False  # no proxy: 127.0.0.1 must mean this machine
        response = http.get(url, timeout=5, allow_redirects=False)
    if response.status_code != 200:
        raise NaiveVerificationError(f"{url} answered {response.status_code}")
    keys = response.json()["keys"]
    return next((jwk for jwk in keys if jwk.get("kid") == kid), keys[0])


_LAB: dict[str, Path] = {}
_LAB_LOCK = threading.Lock()


def lab_directory() -> Path:
    """The lab's own temporary directory (made on first use, removed when Python exits).

    ``keys/`` holds the provider's public keys in files named by ``kid``, as the
    naive verifier expects them; ``uploads/`` is where the demo app stores the
    files its users upload (see :func:`upload`).
    """
    with _LAB_LOCK:
        if "root" not in _LAB:
            from tokenlab.keys import demo_key

            root = Path(tempfile.mkdtemp(prefix="tokenlab-attack-lab-"))
            atexit.register(shutil.rmtree, root, ignore_errors=True)
            (root / "keys").mkdir()
            (root / "uploads").mkdir()
            for generation in (1, 2):
                key = demo_key("RS256", generation=generation)
                (root / "keys" / key.kid).write_text(key.public_pem(), encoding="ascii")
            _LAB["root"] = root
        return _LAB["root"]


def lab_key_directory() -> Path:
    """Where the naive verifier looks for a key file named by the token's ``kid``."""
    return lab_directory() / "keys"


def upload(name: str, content: bytes) -> Path:
    """What the demo app's "upload a profile picture" button does: store ``content`` as ``uploads/name``."""
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise LabSafetyError(f"an upload needs a plain file name, not {name!r}")
    path = lab_directory() / "uploads" / name
    path.write_bytes(content)
    return path
