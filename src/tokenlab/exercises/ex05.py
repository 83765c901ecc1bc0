"""Checks for the exercises of notebook 05 (Client credentials)."""

from __future__ import annotations

from typing import Any

from tokenlab.exercises._feedback import Feedback, run_learner_code

__all__ = ["check_needs_new_token"]

_CASES = (
    # (token response or None, fetched_at, now, expected, what the case is about)
    (None, None, 1000, True, "there is no token yet"),
    ({"expires_in": 600}, 1000, 1000, False, "the token was fetched just now"),
    ({"expires_in": 600}, 1000, 1300, False, "the token is halfway through its life"),
    ({"expires_in": 600}, 1000, 1539, False, "the token has 61 seconds left"),
    ({"expires_in": 600}, 1000, 1540, True, "the token has exactly 60 seconds left"),
    ({"expires_in": 600}, 1000, 1570, True, "the token has 30 seconds left"),
    ({"expires_in": 600}, 1000, 1700, True, "the token expired 100 seconds ago"),
    ({"expires_in": 30}, 1000, 1000, True, "the token lives only 30 seconds, less than the margin"),
)


def check_needs_new_token(needs_new_token: Any) -> Feedback:
    """Exercise 5.1: decide when a cached client-credentials token must be replaced (60 s margin)."""
    name = "Exercise 5.1 (when to fetch a new token)"
    if not callable(needs_new_token):
        return Feedback.unanswered(name, "a function needs_new_token(token, fetched_at, now)")
    for passed, (token, fetched_at, now, expected, about) in enumerate(_CASES):
        answer, problem = run_learner_code(needs_new_token, token, fetched_at, now)
        if problem is not None:
            return Feedback.not_yet(name, f"when {about}, {problem}.", _hint(token))
        if answer is Ellipsis or answer is None:
            return Feedback.unanswered(name, "a function body that returns True or False")
        if not isinstance(answer, bool):
            return Feedback.not_yet(name, f"when {about}, it returned {answer!r}; return True or False.")
        if answer != expected:
            return Feedback.not_yet(
                name,
                f"{passed} of {len(_CASES)} cases right; it goes wrong when {about}.",
                _hint(token),
            )
    return Feedback.solved(
        name, f"all {len(_CASES)} cases right: one token request per token lifetime, never a stale token."
    )


def _hint(token: Any) -> str:
    """A hint chosen by the case's input, never by its expected answer, so it cannot give the answer away."""
    if token is None:
        return "with no token at all (token is None) there is nothing to reuse."
    return (
        "fetched_at + expires_in is when the token expires; the margin is the last 60 seconds before that "
        "moment. Work out on which side of that line this case falls, boundary included."
    )
