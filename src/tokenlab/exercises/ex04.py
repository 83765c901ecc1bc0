"""Checks for the exercises of notebook 04 (Bearer tokens, scopes and errors)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tokenlab.exercises._feedback import Feedback, is_unanswered

__all__ = ["STATUS_SCENARIOS", "check_status_codes"]

STATUS_SCENARIOS: dict[str, str] = {
    "a": "GET /api/orders with no Authorization header at all",
    "b": "GET /api/orders with a token that expired five minutes ago",
    "c": "POST /api/orders with a valid token whose scope is only 'orders:read'",
    "d": "GET /api/orders?access_token=... with a valid token in the URL",
    "e": "GET /api/orders with a valid token whose scope includes 'orders:read'",
    "f": "GET /api/orders with a token whose signature was made with another key",
}
_EXPECTED = {"a": 401, "b": 401, "c": 403, "d": 400, "e": 200, "f": 401}
# One hint per scenario, about what is (or is not) wrong with that request, pointing to where RFC 6750 §3.1
# pairs each kind of failure with its error code and status. No hint names a status code or its reason phrase,
# and the hints do not depend on the expected answer: each one describes its own request.
_HINTS = {
    "a": "this request carries no credentials at all. What does RFC 6750 §3 say an API answers, and does it give "
    "an error code when the client did not try to authenticate (§3.1)?",
    "b": "a token is there, but its time is up. Which RFC 6750 §3.1 error code covers a token that is expired, "
    "revoked or malformed, and which status does that section pair with it?",
    "c": "the token is genuine and unexpired; the question is what it allows. Which RFC 6750 §3.1 error code "
    "fits, and which status does that section pair with it?",
    "d": "the token is genuine, but look at where it travels (RFC 6750 §2.3, RFC 9700 §4.3.2) and what section 5 "
    "of the lesson shows this API doing with it. Which RFC 6750 §3.1 error code is for a request the server "
    "will not take in that form?",
    "e": "compare the scope this request needs with the scope the token carries, and check how the token is sent.",
    "f": "the token looks right, but the API cannot check its signature with any key of the provider's. Can it "
    "trust anything the token says? Find the RFC 6750 §3.1 error code for that, and its status.",
}


def check_status_codes(answers: Any) -> Feedback:
    """Exercise 4.1: predict the API's status code (200, 400, 401 or 403) for each scenario."""
    name = "Exercise 4.1 (predict the status code)"
    if is_unanswered(answers) or (
        isinstance(answers, Mapping) and all(is_unanswered(answers.get(k)) for k in _EXPECTED)
    ):
        return Feedback.unanswered(name, "a status code (a number such as 200) for each scenario")
    if not isinstance(answers, Mapping):
        return Feedback.not_yet(name, f"expected a dict, got {type(answers).__name__}.", 'write {"a": 200, "b": ...}.')
    missing = sorted(k for k in _EXPECTED if is_unanswered(answers.get(k)))
    if missing:
        return Feedback.not_yet(name, f"scenario(s) {', '.join(missing)} have no answer yet.", "answer all six.")
    odd = sorted(k for k in _EXPECTED if isinstance(answers[k], bool) or answers[k] not in (200, 400, 401, 403))
    if odd:
        texts = [k for k in odd if isinstance(answers[k], str) and answers[k].strip().isdigit()]
        hint = (
            f"{', '.join(texts)}: a status code is a number: write it without quotes."
            if texts
            else "a status code is a three-digit number; these four are the ones this API answers with."
        )
        return Feedback.not_yet(name, f"{', '.join(odd)}: answer with one of the numbers 200, 400, 401 or 403.", hint)
    wrong = sorted(k for k in _EXPECTED if answers[k] != _EXPECTED[k])
    if not wrong:
        return Feedback.solved(name, "401 means 'who are you?', 403 means 'not allowed', 400 means 'not like that'.")
    hints = [f"{k}: {_HINTS[k]}" for k in wrong]
    return Feedback.not_yet(name, f"{len(_EXPECTED) - len(wrong)} of {len(_EXPECTED)} right.", *hints)
