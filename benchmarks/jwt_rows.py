"""verify, sign and decode_unverified, each against the PyJWT call that does the same work."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import jwt

from benchmarks.measure import Comparison, Settings, compare
from benchmarks.report import NO_TARGET, Row, verdict
from tokenlab.keys import DEMO_ALGORITHMS, demo_key
from tokenlab.tokens import decode_unverified, sign, verify

TARGET_RATIO = 1.2
AUDIENCE = "https://api.example.com"
ISSUER = "https://login.example.com"


def access_token_claims() -> dict[str, Any]:
    """A typical OAuth access token (RFC 9068 §2.2), valid for one hour of real time."""
    now = int(time.time())
    return {
        "iss": ISSUER,
        "sub": "alice",
        "aud": AUDIENCE,
        "client_id": "notebook-client",
        "scope": "read:orders write:orders",
        "jti": "0f8c2a4e-6d1b-4a7e-9c3d-5b2e8f1a7c90",
        "iat": now,
        "exp": now + 3600,
    }


def _ratio_row(name: str, result: Comparison) -> Row:
    return Row(
        name,
        result.a,
        result.b,
        result.ratio,
        f"≤ {TARGET_RATIO}×",
        verdict(result.ratio <= TARGET_RATIO),
        result.spread(),
    )


def verify_rows(settings: Settings) -> Iterator[Row]:
    """tokenlab.verify vs jwt.decode: signature, exp (required), aud and iss, same key object."""
    claims = access_token_claims()
    for alg in DEMO_ALGORITHMS:
        key = demo_key(alg)
        token = sign(claims, key)

        def tokenlab_side(token=token, key=key, alg=alg):
            return verify(token, key, algorithms=[alg], audience=AUDIENCE, issuer=ISSUER, clock=None)

        def pyjwt_side(token=token, key=key.verifying, alg=alg):
            return jwt.decode(
                token, key, algorithms=[alg], audience=AUDIENCE, issuer=ISSUER, options={"require": ["exp"]}
            )

        if tokenlab_side() != pyjwt_side():  # both must accept the token and agree on it
            raise AssertionError(f"verify {alg}: tokenlab and PyJWT return different claims")
        yield _ratio_row(f"verify {alg}", compare(tokenlab_side, pyjwt_side, settings))


def sign_rows(settings: Settings) -> Iterator[Row]:
    """tokenlab.sign vs jwt.encode with the same parsed private key and the same kid header."""
    claims = access_token_claims()
    for alg in DEMO_ALGORITHMS:
        key = demo_key(alg)

        def tokenlab_side(key=key):
            return sign(claims, key)

        def pyjwt_side(key=key, alg=alg):
            return jwt.encode(claims, key.signing, algorithm=alg, headers={"kid": key.kid})

        for token in (tokenlab_side(), pyjwt_side()):  # each side's token must verify on the other
            jwt.decode(token, key.verifying, algorithms=[alg], audience=AUDIENCE, issuer=ISSUER)
            verify(token, key, algorithms=[alg], audience=AUDIENCE, issuer=ISSUER)
        yield _ratio_row(f"sign {alg}", compare(tokenlab_side, pyjwt_side, settings))


def decode_unverified_row(settings: Settings) -> Row:
    """decode_unverified also explains every claim and looks for warnings; PyJWT only parses."""
    token = sign(access_token_claims(), demo_key("RS256"))

    def tokenlab_side():
        return decode_unverified(token)

    def pyjwt_side():
        return jwt.decode(token, options={"verify_signature": False})

    result = compare(tokenlab_side, pyjwt_side, settings)
    notes = "report only: tokenlab also explains each claim and checks for warnings; " + result.spread()
    return Row("decode_unverified RS256", result.a, result.b, result.ratio, NO_TARGET, NO_TARGET, notes, unit="µs")


def rows(settings: Settings) -> list[Row]:
    return [*verify_rows(settings), *sign_rows(settings), decode_unverified_row(settings)]
