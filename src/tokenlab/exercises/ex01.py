"""Checks for the exercises of notebook 01 (What is an API token)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from tokenlab.entropy import MIN_TOKEN_BITS, RECOMMENDED_TOKEN_BITS
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
        per_symbol = math.log2(_ALPHABET)
        return Feedback.solved(
            name,
            f"{answer:.1f} bits: far too many to brute-force, yet short of the {MIN_TOKEN_BITS} bits RFC 6749 §10.10 "
            f"demands of the tokens an authorization server generates (a guessing probability of at most "
            f"2^-{MIN_TOKEN_BITS}). At {per_symbol:.2f} bits a character, such keys need "
            f"{math.ceil(MIN_TOKEN_BITS / per_symbol)} characters to reach {MIN_TOKEN_BITS} bits, and "
            f"{math.ceil(RECOMMENDED_TOKEN_BITS / per_symbol)} for the {RECOMMENDED_TOKEN_BITS} bits it recommends.",
        )
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
    "c": "The API checks the signature on an access token to make sure its authorization server issued it, unchanged.",
    "d": "An admin page is only shown to users whose role claim is 'admin'.",
    "e": "The API checks the signature on a bearer token to find out which app sent the request.",
}
_LABELS = ("authentication", "authorization", "neither")
_EXPECTED = {
    "a": "authentication",
    "b": "authorization",
    "c": "authentication",
    "d": "authorization",
    "e": "neither",
}


def check_authn_or_authz(answers: Any) -> Feedback:
    """Exercise 1.1: label each scenario 'authentication', 'authorization' or 'neither'."""
    name = "Exercise 1.1 (authentication or authorization)"
    if is_unanswered(answers):
        return Feedback.unanswered(name, 'a dict such as {"a": "authentication", ...}')
    if not isinstance(answers, Mapping):
        return Feedback.not_yet(
            name, f"expected a dict, got {type(answers).__name__}.", 'write {"a": "...", "b": "...", ...}.'
        )
    if all(is_unanswered(answers.get(k)) for k in _EXPECTED):
        return Feedback.unanswered(name, '"authentication", "authorization" or "neither" for each scenario')
    missing = sorted(k for k in _EXPECTED if is_unanswered(answers.get(k)))
    if missing:
        return Feedback.not_yet(
            name, f"scenario(s) {', '.join(missing)} have no answer.", f"answer all {len(_EXPECTED)}."
        )
    unknown = {k: v for k, v in answers.items() if k in _EXPECTED and str(v).strip().lower() not in _LABELS}
    if unknown:
        return Feedback.not_yet(
            name,
            f"{', '.join(sorted(unknown))}: use exactly 'authentication', 'authorization' or 'neither'.",
        )
    wrong = sorted(k for k in _EXPECTED if str(answers[k]).strip().lower() != _EXPECTED[k])
    if not wrong:
        return Feedback.solved(
            name,
            "authentication asks 'who are you?', authorization asks 'what may you do?'. And a signature "
            "answers 'who issued this token?', never 'who is presenting it?': any party in possession of a "
            "bearer token can use it (RFC 6750 §1.2).",
        )
    right = len(_EXPECTED) - len(wrong)
    hints = [
        f"look again at {k}: does the check answer 'who are you?', 'what may you do?', or can what it looks "
        "at not tell either?"
        for k in wrong
    ]
    return Feedback.not_yet(name, f"{right} of {len(_EXPECTED)} right.", *hints)
