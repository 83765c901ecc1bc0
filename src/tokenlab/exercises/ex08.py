"""Checks for the exercises of notebook 08 (Expiry and clock skew)."""

from __future__ import annotations

from typing import Any

from tokenlab.exercises._feedback import Feedback, is_stub, is_unanswered, run_learner_code

__all__ = ["MEASURED_SKEWS", "check_is_expired", "check_leeway_choice"]

MEASURED_SKEWS = {"api-1": 12, "api-2": -40, "api-3": 75, "api-4": 3, "login": 0, "api-5": -18}
"""How far each server's clock is ahead (+) or behind (−) the provider's, in seconds."""

_NEEDED = max(abs(s) for s in MEASURED_SKEWS.values())
_BEHIND = max(-s for s in MEASURED_SKEWS.values())  # a clock behind sees a fresh token's iat in the future


def check_leeway_choice(leeway: Any) -> Feedback:
    """Exercise 8.1: the smallest leeway, in whole seconds, that lets every server accept a fresh token."""
    name = "Exercise 8.1 (choose the leeway)"
    if is_unanswered(leeway):
        return Feedback.unanswered(name, "a number of seconds")
    if isinstance(leeway, bool) or not isinstance(leeway, (int, float)):
        return Feedback.not_yet(name, f"{leeway!r} is not a number of seconds.")
    if leeway < 0:
        return Feedback.not_yet(
            name, "leeway cannot be negative.", "it widens the window on both sides of a time claim."
        )
    if leeway < _NEEDED:
        # what goes wrong depends on the learner's number, so the message may say which end of the life fails
        refused = "a token the moment it is issued" if leeway < _BEHIND else "a token before its exp has come"
        return Feedback.not_yet(
            name,
            f"with {leeway} s, at least one server still refuses {refused}.",
            "a clock behind sees iat in the future, a clock ahead sees exp early: both directions count.",
        )
    if leeway > _NEEDED:
        return Feedback.not_yet(
            name,
            f"{leeway} s works, but is more than needed.",
            "every extra second of leeway is a second an expired token is still accepted: pick the smallest that covers every server.",
        )
    return Feedback.solved(name, "the largest skew in either direction, and not a second more.")


_CASES = (
    # (claims, now, leeway, expected, about)
    ({"exp": 1000}, 999, 0, False, "one second before exp"),
    ({"exp": 1000}, 1000, 0, True, "exactly at exp"),
    ({"exp": 1000}, 1001, 0, True, "one second after exp"),
    ({"exp": 1000}, 1030, 60, False, "30 s after exp, with 60 s of leeway"),
    ({"exp": 1000}, 1060, 60, True, "exactly at exp + leeway"),
    ({"sub": "alice"}, 1000, 0, False, "a token without exp (this function only judges expiry)"),
)


def check_is_expired(is_expired: Any) -> Feedback:
    """Exercise 8.2: ``is_expired(claims, now, leeway)`` as RFC 7519 §4.1.4 words it."""
    name = "Exercise 8.2 (is it expired?)"
    if not callable(is_expired) or is_stub(is_expired):
        return Feedback.unanswered(name, "a function is_expired(claims, now, leeway) that returns True or False")
    for right, (claims, now, leeway, expected, about) in enumerate(_CASES):
        answer, problem = run_learner_code(is_expired, dict(claims), now, leeway)
        if problem is not None:
            hint = (
                "a token may have no exp at all: claims.get('exp')"
                if "exp" not in claims
                else "compare numbers: exp and now are seconds since 1970."
            )
            return Feedback.not_yet(name, f"{about}: {problem}.", hint)
        if not isinstance(answer, bool):
            return Feedback.not_yet(name, f"{about}: it returned {answer!r}; return True or False.")
        if answer != expected:
            hints = {
                "exactly at exp": "RFC 7519 §4.1.4: the token must not be accepted *on or after* exp.",
                "exactly at exp + leeway": "leeway moves the limit to exp + leeway; the same 'on or after' rule applies there.",
                "30 s after exp, with 60 s of leeway": "leeway is added to exp before comparing.",
            }
            return Feedback.not_yet(
                name,
                f"{right} of {len(_CASES)} cases right; it goes wrong {about}.",
                hints.get(about, "compare now with exp + leeway."),
            )
    return Feedback.solved(name, "on or after exp + leeway, and not a moment before: exactly RFC 7519 §4.1.4.")
