"""Worked solutions for notebook 03, "Signatures and keys" (not part of the learner's copy).

Each function is one exercise's answer; its docstring explains the reasoning.
``tests/test_exercises_02_03.py`` checks that every answer here is accepted.
"""

from __future__ import annotations

from typing import Any

from tokenlab import Clock, decode_unverified, demo_key, demo_key_set, sign, verify

API = "https://api.example.com"
clock = Clock.frozen()  # 2026-01-05 09:00 UTC, as in the notebook
issuer_jwks = demo_key_set().jwks()  # the issuer's published keys, as in the notebook


def es256_token() -> str:
    """Exercise 3.1 — sign a token with the ES256 demo key.

    ``sign`` takes the claims and the private key; the key decides the header's
    ``alg`` (ES256) and ``kid``. The audience names the API (RFC 7519 §4.1.3), the
    subject is alice (§4.1.2), and ``exp`` is a NumericDate (§2, §4.1.4): the clock's
    "now" in seconds plus 5 × 60 seconds, i.e. 09:05 UTC.
    """
    claims = {"sub": "alice", "aud": API, "exp": clock.timestamp() + 5 * 60}
    return sign(claims, demo_key("ES256"))


def pick_key(token: str, jwks: dict[str, Any]) -> dict[str, Any] | None:
    """Exercise 3.2 — choose the key by ``kid``, and by nothing else.

    The ``kid`` is only a hint for finding a key in the verifier's *own* set
    (RFC 7515 §4.1.4, RFC 7517 §4.5). Compare it as a whole string with each
    entry's ``kid``; with no kid, or an unknown one, return None so that the
    verifier rejects the token. Never use a key the token brings (``jwk``,
    ``jku``: RFC 7515 §4.1.2–4.1.3): a key whose origin is not authenticated says
    nothing about who signed (RFC 7515 §10.3). Never treat the kid as a path or a
    query (RFC 8725 §3.10), and don't choose by ``alg``: during a rotation two keys
    share the same alg.
    """
    kid = decode_unverified(token).header.get("kid")
    if not isinstance(kid, str):
        return None
    for entry in jwks.get("keys", []):
        if entry.get("kid") == kid:
            return entry
    return None


def verify_for_api(token: str) -> dict[str, Any]:
    """Exercise 3.3 — verify like an API.

    The API trusts the issuer's key set, so the ``kid`` picks the key; it lists
    the algorithms it accepts — exactly those of the issuer's keys — so the token
    cannot choose (RFC 8725 §3.1); it names the issuer it trusts (RFC 8725 §3.8)
    and itself as the audience (RFC 8725 §3.9), and reads the time from the
    course clock. tokenlab's ``verify`` chooses to
    require ``exp`` by default (RFC 7519 §4.1 makes it optional; RFC 9068 §2.2
    requires it in access tokens), and raises an ``InvalidTokenError`` for every
    bad token.
    """
    return verify(
        token,
        issuer_jwks,
        algorithms=["RS256", "ES256", "EdDSA"],
        issuer="https://login.example.com",
        audience=API,
        clock=clock,
    )
