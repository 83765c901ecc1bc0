"""Checks for the exercises of notebook 07 (Device authorization grant)."""

from __future__ import annotations

from typing import Any

from tokenlab.exercises._feedback import Feedback, is_stub, run_learner_code

__all__ = ["check_next_wait"]

_CASES = (
    # (error, current interval, expected answer, what the case is about)
    ("authorization_pending", 5, 5, "the user has not answered yet"),
    ("authorization_pending", 10, 10, "the user has not answered yet and the interval is already 10 s"),
    ("slow_down", 5, 10, "the server says slow_down at an interval of 5 s"),
    ("slow_down", 10, 15, "the server says slow_down again, at 10 s"),
    ("access_denied", 5, None, "the user pressed Deny"),
    ("expired_token", 5, None, "the device code expired"),
    ("invalid_grant", 5, None, "the device code is unknown or already used"),
    ("invalid_client", 5, None, "the provider does not accept the device's client_id"),
)
_HINTS = {
    "authorization_pending": "pending means: keep waiting at the same pace (RFC 8628 §3.5).",
    "slow_down": "slow_down means: this interval and every later one grow by 5 seconds (RFC 8628 §3.5).",
    "access_denied": "some errors end the flow for good: polling again can never succeed (RFC 8628 §3.5).",
    "expired_token": "some errors end the flow for good: the device must start over with a new code (RFC 8628 §3.5).",
    "invalid_grant": "only two errors mean 'poll again'; on any other one the device must stop (RFC 8628 §3.5).",
    "invalid_client": "only two errors mean 'poll again'; on any other one the device must stop (RFC 8628 §3.5).",
}


def check_next_wait(next_wait: Any) -> Feedback:
    """Exercise 7.1: after a polling error, how long to wait (seconds), or None to stop."""
    name = "Exercise 7.1 (polling politely)"
    if not callable(next_wait):
        return Feedback.unanswered(name, "a function next_wait(error, interval)")
    if is_stub(next_wait):
        return Feedback.unanswered(name, "a function body that returns a number of seconds or None")
    for right, (error, interval, expected, about) in enumerate(_CASES):
        answer, problem = run_learner_code(next_wait, error, interval)
        if problem is not None:
            return Feedback.not_yet(name, f"when {about}, {problem}.", _HINTS[error])
        if isinstance(answer, bool) or not (answer is None or isinstance(answer, (int, float))):
            return Feedback.not_yet(name, f"when {about}, it returned {answer!r}: return seconds (a number) or None.")
        if answer != expected:
            return Feedback.not_yet(
                name, f"{right} of {len(_CASES)} cases right; it goes wrong when {about}.", _HINTS[error]
            )
    return Feedback.solved(name, "patient on pending, slower on slow_down, and it knows when to give up.")
