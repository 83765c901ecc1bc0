"""Checks for the exercises of notebook 10 (Revocation and introspection)."""

from __future__ import annotations

from typing import Any

from tokenlab.exercises._feedback import Feedback, is_stub, is_unanswered, run_learner_code

__all__ = ["ROTATION_STEPS", "check_purge", "check_rotation_order"]

_CASES = (
    # (denylist jti -> exp, now, expected, about)
    ({}, 1000, {}, "the denylist is empty"),
    ({"a": 1500, "b": 900}, 1000, {"a": 1500}, "one entry is past its exp"),
    ({"a": 1000}, 1000, {}, "an entry's exp is exactly now"),
    ({"a": 1001, "b": 2000}, 1000, {"a": 1001, "b": 2000}, "every token is still unexpired"),
)


def check_purge(purge: Any) -> Feedback:
    """Exercise 10.1: ``purge(denylist, now)`` keeps only the entries whose token has not expired."""
    name = "Exercise 10.1 (a denylist that forgets)"
    if not callable(purge) or is_stub(purge):
        return Feedback.unanswered(name, "a function purge(denylist, now) that returns the entries to keep")
    for right, (denylist, now, expected, about) in enumerate(_CASES):
        given = dict(denylist)
        answer, problem = run_learner_code(purge, given, now)
        if problem is not None:
            return Feedback.not_yet(
                name, f"when {about}, {problem}.", "build and return a new dict; the values are exp times."
            )
        if answer is None:
            return Feedback.not_yet(name, f"when {about}, it returned None.", "return the dict of entries to keep.")
        if not isinstance(answer, dict):
            return Feedback.not_yet(name, f"when {about}, it returned a {type(answer).__name__}, not a dict.")
        if answer != expected:
            hint = (
                "RFC 7519 §4.1.4: a token is expired on or after exp, so its entry is no longer needed then."
                if about == "an entry's exp is exactly now"
                else "an entry is needed while its token could still pass the signature and exp checks: while now < exp."
            )
            return Feedback.not_yet(name, f"{right} of {len(_CASES)} cases right; it goes wrong when {about}.", hint)
    return Feedback.solved(
        name, "entries live exactly as long as their tokens: the denylist never grows without bound."
    )


ROTATION_STEPS = {
    "A": "remove the old key from the JWKS",
    "B": "start signing new tokens with the new key",
    "C": "publish the new key in the JWKS, beside the old one",
    "D": "wait until every verifier's cached copy of the JWKS has expired (its max-age)",
    "E": "wait until the last token signed with the old key has expired, and caches again",
}
_ORDER = ["C", "D", "B", "E", "A"]
_WHY = {
    "C": "nothing can verify a key it has never seen: what must exist before anything is signed with it?",
    "D": "a verifier that fetched the JWKS just before the new key appeared still has the old copy: how long might that last?",
    "B": "signing with the new key is safe only once every verifier can know it.",
    "E": "old tokens keep arriving until they expire: the old key must still be published for them.",
    "A": "retiring is the very last step: which tokens would fail if it came earlier?",
}


def check_rotation_order(steps: Any) -> Feedback:
    """Exercise 10.2: put the steps of a zero-downtime key rotation in order."""
    name = "Exercise 10.2 (rotate without breaking anyone)"
    if is_unanswered(steps) or (isinstance(steps, (list, tuple)) and all(is_unanswered(s) for s in steps)):
        return Feedback.unanswered(name, 'the five letters in order, e.g. ["A", "B", "C", "D", "E"]')
    if isinstance(steps, str):
        steps = list(steps.replace(",", "").replace(" ", ""))
    if not isinstance(steps, (list, tuple)):
        return Feedback.not_yet(name, f"expected a list of letters, got {type(steps).__name__}.")
    letters = [str(s).strip().upper() for s in steps]
    if sorted(letters) != sorted(_ORDER):
        return Feedback.not_yet(name, "use each of the letters A to E exactly once.")
    for position, (given, wanted) in enumerate(zip(letters, _ORDER, strict=True), start=1):
        if given != wanted:
            return Feedback.not_yet(
                name,
                f"the first {position - 1} step(s) are in the right order; step {position} is not.",
                _WHY[wanted],
            )
    return Feedback.solved(name, "publish, wait, switch, wait, retire: no verifier ever meets a kid it cannot find.")
