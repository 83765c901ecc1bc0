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
_HINTS = {
    401: "does the API know and trust *who* is calling? If not, which status says 'authenticate first' (RFC 9110 §15.5.2)?",
    403: "the caller is known and the token is good: which status says 'I know you, and no' (RFC 9110 §15.5.4)?",
    400: "is the request itself malformed, or sending the token in a way this API refuses (RFC 6750 §2.3)?",
    200: "look again: is anything actually wrong with this request?",
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
        return Feedback.not_yet(name, f"{', '.join(odd)}: answer with one of the numbers 200, 400, 401 or 403.")
    wrong = sorted(k for k in _EXPECTED if answers[k] != _EXPECTED[k])
    if not wrong:
        return Feedback.solved(name, "401 means 'who are you?', 403 means 'not allowed', 400 means 'not like that'.")
    hints = [f"{k}: {_HINTS[_EXPECTED[k]]}" for k in wrong]
    return Feedback.not_yet(name, f"{len(_EXPECTED) - len(wrong)} of {len(_EXPECTED)} right.", *hints)
