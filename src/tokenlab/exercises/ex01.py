"""Checks for the exercises of notebook 01 (What is an API token)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from tokenlab.exercises._feedback import Feedback, is_unanswered

__all__ = ["AUTH_SCENARIOS", "check_authn_or_authz", "check_entropy_bits"]

_ALPHABET = 62  # A–Z, a–z, 0–9
_LENGTH = 20


def check_entropy_bits(answer: Any) -> Feedback:
    """Exercise 1.2: the entropy of a 20-character key drawn uniformly from A–Z, a–z and 0–9."""
    name = "Exercise 1.2 (entropy)"
    expected = _LENGTH * math.log2(_ALPHABET)
    if is_unanswered(answer):
        return Feedback.unanswered(name, "a number of bits")
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        return Feedback.not_yet(name, f"{answer!r} is not a number.", "the answer is a number of bits, such as 42.5.")
    if abs(answer - expected) <= 0.1:
        return Feedback.solved(name, f"{answer:.1f} bits: far beyond brute force, even offline (see the chart).")
    if abs(answer - _LENGTH * _ALPHABET) < 1 or abs(answer - _ALPHABET**_LENGTH) / _ALPHABET**_LENGTH < 0.01:
        return Feedback.not_yet(
            name,
            "that counts symbols or keys, not bits.",
            "bits are the log₂ of the number of equally likely keys.",
        )
    if abs(answer - _LENGTH * math.log2(26)) <= 0.5 or abs(answer - _LENGTH * math.log2(36)) <= 0.5:
        return Feedback.not_yet(name, "the alphabet is bigger than that.", "count upper case, lower case and digits.")
    if abs(answer - _LENGTH * math.log10(_ALPHABET)) <= 0.5 or abs(answer - _LENGTH * math.log(_ALPHABET)) <= 0.5:
        return Feedback.not_yet(name, "right idea, wrong logarithm.", "entropy is measured in bits: use math.log2.")
    return Feedback.not_yet(
        name,
        f"{answer} bits is not it.",
        "each character adds log₂(alphabet size) bits; there are 20 characters.",
    )


AUTH_SCENARIOS: dict[str, str] = {
    "a": "The API checks that the password Alice typed matches the one it stores.",
    "b": "The API refuses to let a token with scope 'orders:read' delete an order.",
    "c": "A server checks the signature on a token to learn which client sent it.",
    "d": "An admin page is only shown to users whose role claim is 'admin'.",
}
_EXPECTED = {"a": "authentication", "b": "authorization", "c": "authentication", "d": "authorization"}


def check_authn_or_authz(answers: Any) -> Feedback:
    """Exercise 1.1: label each scenario 'authentication' or 'authorization'."""
    name = "Exercise 1.1 (authentication or authorization)"
    if is_unanswered(answers):
        return Feedback.unanswered(name, 'a dict such as {"a": "authentication", ...}')
    if not isinstance(answers, Mapping):
        return Feedback.not_yet(
            name, f"expected a dict, got {type(answers).__name__}.", 'write {"a": "...", "b": "...", ...}.'
        )
    if all(is_unanswered(answers.get(k)) for k in _EXPECTED):
        return Feedback.unanswered(name, '"authentication" or "authorization" for each scenario')
    missing = sorted(k for k in _EXPECTED if is_unanswered(answers.get(k)))
    if missing:
        return Feedback.not_yet(name, f"scenario(s) {', '.join(missing)} have no answer.", "answer all four.")
    unknown = {
        k: v
        for k, v in answers.items()
        if k in _EXPECTED and str(v).strip().lower() not in ("authentication", "authorization")
    }
    if unknown:
        return Feedback.not_yet(
            name,
            f"{', '.join(sorted(unknown))}: use exactly 'authentication' or 'authorization'.",
        )
    wrong = sorted(k for k in _EXPECTED if str(answers[k]).strip().lower() != _EXPECTED[k])
    if not wrong:
        return Feedback.solved(name, "authentication asks 'who are you?', authorization asks 'what may you do?'.")
    right = len(_EXPECTED) - len(wrong)
    hints = [f"look again at {k}: ask yourself whether it answers 'who?' or 'what may?'" for k in wrong]
    return Feedback.not_yet(name, f"{right} of 4 right.", *hints)
