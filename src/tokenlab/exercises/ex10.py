"""Checks for the exercises of notebook 10 (Revocation and introspection)."""

from __future__ import annotations

from typing import Any

from tokenlab.exercises._feedback import Feedback, is_stub, is_unanswered, run_learner_code

__all__ = ["ROTATION_STEPS", "check_purge", "check_rotation_order"]

_CASES = (
    # (denylist jti -> exp, now, leeway, expected, about)
    ({}, 1000, 0, {}, "the denylist is empty"),
    ({"a": 1500, "b": 900}, 1000, 0, {"a": 1500}, "one entry is past its exp, and verifiers allow no leeway"),
    ({"a": 1000}, 1000, 0, {}, "an entry's exp is exactly now, and verifiers allow no leeway"),
    ({"a": 950, "b": 800}, 1000, 60, {"a": 950}, "one token expired 50 s ago, and verifiers allow 60 s of leeway"),
    ({"a": 940}, 1000, 60, {}, "an entry's exp + leeway is exactly now"),
    ({"a": 1001, "b": 2000}, 1000, 60, {"a": 1001, "b": 2000}, "every token is still unexpired"),
)
_PURGE_HINTS = {
    "an entry's exp is exactly now, and verifiers allow no leeway": (
        "RFC 7519 §4.1.4: a token is refused on or after its exp; with no leeway, does anyone still accept it now?"
    ),
    "one token expired 50 s ago, and verifiers allow 60 s of leeway": (
        "leeway keeps a token accepted after its exp (lesson 08): until when could a verifier still take it?"
    ),
    "an entry's exp + leeway is exactly now": (
        "the 'on or after' rule of RFC 7519 §4.1.4 applies at exp + leeway too."
    ),
}


def check_purge(purge: Any) -> Feedback:
    """Exercise 10.1: ``purge(denylist, now, leeway)`` keeps the entries a verifier with ``leeway`` still needs."""
    name = "Exercise 10.1 (a denylist that forgets)"
    if not callable(purge) or is_stub(purge):
        return Feedback.unanswered(name, "a function purge(denylist, now, leeway) that returns the entries to keep")
    for right, (denylist, now, leeway, expected, about) in enumerate(_CASES):
        given = dict(denylist)
        answer, problem = run_learner_code(purge, given, now, leeway)
        if problem is not None:
            return Feedback.not_yet(
                name,
                f"when {about}, {problem}.",
                "purge takes three arguments (denylist, now, leeway); build and return a new dict; the values are "
                "exp times.",
            )
        if given != denylist or (answer is given and denylist):
            return Feedback.not_yet(
                name,
                f"when {about}, your function {'changed' if given != denylist else 'returned'} the denylist it was "
                "given instead of returning a new dict.",
                "verifiers keep reading the denylist while it is purged: leave it alone, and build a new dict of the "
                "entries to keep, for the caller to swap in at once.",
            )
        if answer is None:
            return Feedback.not_yet(name, f"when {about}, it returned None.", "return the dict of entries to keep.")
        if not isinstance(answer, dict):
            return Feedback.not_yet(name, f"when {about}, it returned a {type(answer).__name__}, not a dict.")
        if answer != expected:
            hint = _PURGE_HINTS.get(
                about, "an entry is needed for as long as some verifier could still accept its token."
            )
            return Feedback.not_yet(name, f"{right} of {len(_CASES)} cases right; it goes wrong when {about}.", hint)
    return Feedback.solved(
        name,
        "an entry lives as long as any verifier could still accept its token, exp plus leeway, and no longer: "
        "the denylist never grows without bound.",
    )


ROTATION_STEPS = {
    "A": "remove the old key from the JWKS",
    "B": "start signing new tokens with the new key",
    "C": "publish the new key in the JWKS, beside the old one",
    "D": "wait until every verifier's cached copy of the JWKS has expired (its max-age)",
    "E": "wait until the last token signed with the old key has expired, plus the largest leeway a verifier allows",
}
_ORDER = ["C", "D", "B", "E", "A"]
# The first misplaced step always belongs later than where it was put (every step before it is right), so the
# hint is chosen by the learner's own letter and says what that step depends on, never which letter is due.
_TOO_EARLY = {
    "A": "removing a key refuses every token it signed that a verifier could still accept: is none of them left?",
    "B": "a verifier refuses a token whose kid it cannot find, and refetches its JWKS only within its limits: "
    "can every verifier find the new key at this point?",
    "D": "waiting for caches helps only once the JWKS has something new for them to pick up.",
    "E": "tokens signed with the old key stop appearing only once something else signs the new ones.",
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
                f"the first {position - 1} step(s) are in the right order; step {position} ({given}) comes too early.",
                _TOO_EARLY[given],
            )
    return Feedback.solved(name, "publish, wait, switch, wait, retire: no verifier ever meets a kid it cannot find.")
