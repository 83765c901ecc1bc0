"""Checks for the exercises of notebook 11 (OpenID Connect and single sign-on)."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

from tokenlab.clock import Clock
from tokenlab.exercises._feedback import Feedback, is_stub, is_unanswered, run_learner_code
from tokenlab.keys import Key, KeySet, as_key, demo_key
from tokenlab.tokens import b64url_encode, sign

__all__ = ["TOKEN_JOBS", "check_id_token_validator", "check_token_jobs"]

TOKEN_JOBS: dict[str, str] = {
    "a": "Show 'Hello, Alice' in the app's header right after the login, without another request.",
    "b": "Fetch Alice's orders from the orders API.",
    "c": "Decide whether Alice logged in recently enough to change her e-mail address.",
    "d": "Let the app's back end call the reporting API on Alice's behalf.",
    "e": "Check that this login is the one the app started (and not a replayed one).",
}
_JOBS = {"a": "id_token", "b": "access_token", "c": "id_token", "d": "access_token", "e": "id_token"}
# The same two questions for every wrong answer, never one picked by the job: the answers are one of two words,
# so a question chosen by the expected answer, or naming the wrong job, would give that answer away.
_WHY = (
    "ask of each job: is it about *who logged in, how and when*, for the app itself to read? That is what the ID "
    "token is for (OIDC Core §2).",
    "or is it about *calling an API*, which is the audience of the token it sends (RFC 9068 §2.2)?",
)


def check_token_jobs(answers: Any) -> Feedback:
    """Exercise 11.1: for each job, the ID token or the access token?"""
    name = "Exercise 11.1 (which token for which job)"
    if is_unanswered(answers) or (isinstance(answers, Mapping) and all(is_unanswered(answers.get(k)) for k in _JOBS)):
        return Feedback.unanswered(name, '"id_token" or "access_token" for each job')
    if not isinstance(answers, Mapping):
        return Feedback.not_yet(
            name, f"expected a dict, got {type(answers).__name__}.", 'write {"a": "id_token", ...}.'
        )
    given = {k: str(answers.get(k, "")).strip().lower().replace(" ", "_") for k in _JOBS}
    odd = sorted(k for k, v in given.items() if v not in ("id_token", "access_token"))
    if odd:
        return Feedback.not_yet(name, f"{', '.join(odd)}: answer with exactly 'id_token' or 'access_token'.")
    wrong = sorted(k for k in _JOBS if given[k] != _JOBS[k])
    if not wrong:
        return Feedback.solved(name, "the ID token is for the app, about the login; the access token is for the API.")
    return Feedback.not_yet(name, f"{len(_JOBS) - len(wrong)} of {len(_JOBS)} right.", *_WHY)


_ISSUER = "https://login.example.com"
_CLIENT = "shop-app"
_NONCE = "n-7Gq2"
_NOW = 1767603600


def _without_typ(claims: Mapping[str, Any], key: Key) -> str:
    """An ID token as some providers send it: a header with ``alg`` and ``kid`` only (OIDC Core §2 asks for no typ)."""
    header = json.dumps({"alg": key.alg, "kid": key.kid}, separators=(",", ":"))
    payload = json.dumps(dict(claims), separators=(",", ":"))
    signing_input = b64url_encode(header.encode()) + "." + b64url_encode(payload.encode())
    return signing_input + "." + b64url_encode(key.sign_bytes(signing_input.encode("ascii")))


@functools.cache
def _cases() -> tuple[tuple[str, str, bool], ...]:
    key = demo_key("ES256")
    good = {
        "iss": _ISSUER,
        "sub": "user-alice",
        "aud": _CLIENT,
        "iat": _NOW - 60,
        "exp": _NOW + 540,
        "auth_time": _NOW - 60,
        "nonce": _NONCE,
    }
    return (
        ("a valid ID token whose header has no typ (OIDC Core asks for none)", _without_typ(good, key), True),
        ("a valid ID token with typ JWT", sign(good, key), True),
        ("an ID token with another nonce (a replay)", sign({**good, "nonce": "n-old"}, key), False),
        ("an ID token without a nonce", _without_typ({k: v for k, v in good.items() if k != "nonce"}, key), False),
        ("an ID token issued to another app", _without_typ({**good, "aud": "other-app"}, key), False),
        (
            "an access token passed off as an ID token (same aud, typ at+jwt)",
            sign({**good, "scope": "orders:read"}, key, typ="at+jwt"),
            False,
        ),
        ("an expired ID token", _without_typ({**good, "iat": _NOW - 900, "exp": _NOW - 300}, key), False),
        (
            "an ID token from another issuer",
            sign({**good, "iss": "https://login.example.com.evil.example"}, key),
            False,
        ),
        (
            "an ID token signed by a stranger",
            _without_typ(good, as_key(demo_key("ES256", generation=2).signing, "ES256", kid=key.kid)),
            False,
        ),
    )


_HINTS = {
    "nonce": "compare the nonce in the token with the one this app sent (OIDC Core §3.1.3.7).",
    "another app": "an ID token is for the app named in its aud: that must be this client_id (OIDC Core §3.1.3.7).",
    "access token": (
        "a provider may list the app in an access token's aud too; the header's typ at+jwt (RFC 9068 §2.1) says "
        "what it is. Refuse that type here, without requiring any typ (RFC 8725 §3.11)."
    ),
    "expired": "pass the clock to verify, so exp is checked on the course clock (OIDC Core §3.1.3.7).",
    "issuer": "the issuer must match exactly, character for character (OIDC Core §3.1.3.7).",
    "stranger": (
        "check the signature with the issuer's keys: this exercise asks for it always, although "
        "OIDC Core §3.1.3.7 lets a client rely on TLS for an ID token it got straight from the token endpoint."
    ),
}


def check_id_token_validator(validate: Any) -> Feedback:
    """Exercise 11.2: ``validate(id_token, keys, client_id, issuer, nonce, clock)`` returns the claims of a good
    ID token and raises (any exception) for a bad one (OIDC Core §3.1.3.7)."""
    name = "Exercise 11.2 (validate an ID token)"
    if not callable(validate) or is_stub(validate):
        return Feedback.unanswered(name, "a function validate(id_token, keys, client_id, issuer, nonce, clock)")
    keys = KeySet([demo_key("ES256").public()])
    clock = Clock.frozen(_NOW)
    cases = _cases()
    for right, (about, token, good) in enumerate(cases):
        result, problem = run_learner_code(validate, token, keys, _CLIENT, _ISSUER, _NONCE, clock)
        if good and problem is not None:
            hint = (
                "OIDC Core §3.1.3.7 has no typ check, and a provider may send none: don't require typ JWT."
                if "typ" in problem
                else "use tokenlab's verify with the app's own client_id as the audience."
            )
            return Feedback.not_yet(name, f"it refuses {about}: {problem}.", hint)
        if good and not (isinstance(result, Mapping) and result.get("sub") == "user-alice"):
            return Feedback.not_yet(name, f"for {about} it returned {result!r}; return the claims.")
        if not good and problem is None:
            hint = next((h for k, h in _HINTS.items() if k in about), "every check of OIDC Core §3.1.3.7 applies.")
            return Feedback.not_yet(name, f"{right} of {len(cases)} cases right; it accepts {about}.", hint)
    return Feedback.solved(
        name,
        "signature, issuer, audience, expiry and nonce, as OIDC Core §3.1.3.7 asks, and no access token taken "
        "for an ID token.",
    )
