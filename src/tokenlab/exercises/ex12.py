"""Checks for the exercises of notebook 12 (API keys and personal access tokens)."""

from __future__ import annotations

import random
from typing import Any

from tokenlab.apikeys import RANDOM_LENGTH, checksum, new_api_key, random_base62
from tokenlab.exercises._feedback import Feedback, is_stub, is_unanswered, run_learner_code

__all__ = ["SECRETS_TO_STORE", "STORAGE_SCHEMES", "check_looks_like_valid_key", "check_storage_choices"]


# --- Exercise 12.1: a key's format and checksum, without a database -----------------------------------


def _with_checksum(body: str) -> str:
    """``body`` plus a checksum that matches it, so that only the format can make the key wrong."""
    return body + checksum(body)


def _cases() -> list[tuple[Any, bool, str, str]]:
    """(input, expected, what it is, hint if the answer is wrong). Built the same way on every call."""
    rng = random.Random(12)
    live = new_api_key("live", random_bytes=rng.randbytes)
    pat = new_api_key("pat", random_bytes=rng.randbytes)
    test = new_api_key("test", random_bytes=rng.randbytes)
    random_part = random_base62(RANDOM_LENGTH, rng.randbytes)
    typo_at = 20
    typo = live[:typo_at] + ("a" if live[typo_at] != "a" else "b") + live[typo_at + 1 :]
    at = next(i for i in range(30, len(live) - 1) if live[i] != live[i + 1])
    swapped = live[:at] + live[at + 1] + live[at] + live[at + 2 :]
    format_hint = "check the shape first: 'tl', a kind from KINDS, then 38 characters of ALPHABET, split by '_'."
    return [
        (live, True, "a valid live key", "a key made by new_api_key must pass: compare your parsing with its format."),
        (
            pat,
            True,
            "a valid personal access token (tl_pat_…, one character shorter)",
            "the kind can be live, test or pat: the total length depends on it, the part after the kind does not.",
        ),
        (
            typo,
            False,
            "a key with one mistyped character",
            "recompute the checksum of the rest of the key and compare.",
        ),
        (swapped, False, "a key with two characters swapped", "recompute the checksum of the rest of the key."),
        (
            "tl_live_" + random_part + "Ab12Cd",
            False,
            "a well-shaped key whose last 6 characters are not its checksum",
            "the last 6 characters must equal checksum(everything before them).",
        ),
        (
            test,
            True,
            "a valid key of the kind test",
            "every kind in KINDS is valid: look the kind up in KINDS instead of listing kinds yourself.",
        ),
        (_with_checksum("tk_live_" + random_part), False, "a key with the wrong prefix (tk_)", format_hint),
        (_with_checksum("tl_prod_" + random_part), False, "a key of an unknown kind (prod)", format_hint),
        (live[:-1], False, "a key one character too short", format_hint),
        (live + "x", False, "a key one character too long", format_hint),
        (
            _with_checksum("tl_live_" + random_part[:-1] + "-"),
            False,
            "a key with a '-' in it (its checksum matches!)",
            "every character after 'tl_<kind>_' must be in ALPHABET: a checksum does not check the alphabet.",
        ),
        (
            "tl_live_" + random_part[:-1] + "é" + live[-6:],
            False,
            "a key with an 'é' in it",
            "only the 62 characters of ALPHABET may appear: str.isalnum() also accepts letters and digits "
            "outside ASCII, and checksum() cannot even encode them.",
        ),
        (
            _with_checksum("tl_live_" + random_part + "x"),
            False,
            "a key one character too long (its checksum matches!)",
            "count the characters after 'tl_<kind>_': a checksum does not check the length.",
        ),
        (
            _with_checksum("tl_live_" + random_part[:-1]),
            False,
            "a key one character too short (its checksum matches!)",
            "count the characters after 'tl_<kind>_': a checksum does not check the length.",
        ),
        ("", False, "an empty string", format_hint),
        (None, False, "None (not a string)", "check isinstance(text, str) first and answer False for anything else."),
    ]


def check_looks_like_valid_key(looks_like_valid_key: Any) -> Feedback:
    """Exercise 12.1: ``looks_like_valid_key(text)`` says whether ``text`` has a tokenlab key's format and checksum."""
    name = "Exercise 12.1 (spot a real key without a database)"
    if not callable(looks_like_valid_key) or is_stub(looks_like_valid_key):
        return Feedback.unanswered(name, "a function looks_like_valid_key(text) that returns True or False")
    cases = _cases()
    for right, (text, expected, about, hint) in enumerate(cases):
        answer, problem = run_learner_code(looks_like_valid_key, text)
        if problem is not None:
            return Feedback.not_yet(name, f"for {about}, {problem}.", hint)
        if not isinstance(answer, bool):
            return Feedback.not_yet(
                name, f"for {about}, it returned {type(answer).__name__}, not True or False.", "return a bool."
            )
        if answer != expected:
            verdict = "accepted" if answer else "refused"
            return Feedback.not_yet(name, f"{right} of {len(cases)} cases right; it {verdict} {about}.", hint)
    return Feedback.solved(
        name,
        "format and checksum, all without a lookup: an API can refuse typos and look-alikes before touching "
        "its database, and a scanner can tell a real key from noise.",
    )


# --- Exercise 12.2: how to store each secret ------------------------------------------------------------

STORAGE_SCHEMES = {
    "A": "the secret itself, in plain text",
    "B": "encrypted (e.g. AES-GCM) with a key the server holds, so the server can get the secret back",
    "C": "its SHA-256, without salt",
    "D": "a slow, salted password hash (Argon2id or bcrypt)",
}
SECRETS_TO_STORE = {
    "password": "a user's password, typed on the login page",
    "api_key": "a tokenlab API key (190 random bits) that your API checks on every call",
    "webhook_secret": "the HMAC secret your server uses to sign the webhooks it sends to a customer",
}
_RIGHT = {"password": "D", "api_key": "C", "webhook_secret": "B"}
_WHY_NOT: dict[tuple[str, str], str] = {
    ("password", "C"): "people pick passwords from a small space, and a GPU computes billions of SHA-256 a second: "
    "what makes each guess expensive (OWASP Password Storage Cheat Sheet)?",
    ("password", "B"): "the server never needs the password back, only to check it; and a thief who takes the "
    "database may take the encryption key too.",
    ("api_key", "D"): "it works, but it costs tens of milliseconds on every call, and with a salt you cannot find "
    "the key's record by its hash. What do 190 random bits already do against guessing (compare NIST's rule for random look-up "
    "secrets, SP 800-63B §5.1.2.2)?",
    ("api_key", "B"): "the API only ever checks a key, it never shows it again: is there a form that can check "
    "but cannot be turned back into the key?",
    ("webhook_secret", "C"): "to sign a webhook, the server computes an HMAC with the secret itself: can it do "
    "that from a hash?",
    ("webhook_secret", "D"): "to sign a webhook, the server computes an HMAC with the secret itself: can it do "
    "that from a hash?",
}
_PLAIN = "plain text: one leaked backup or log of the database hands out every secret in it."


def check_storage_choices(choices: Any) -> Feedback:
    """Exercise 12.2: for each secret in ``SECRETS_TO_STORE``, the letter of the right scheme in ``STORAGE_SCHEMES``."""
    name = "Exercise 12.2 (store each secret the right way)"
    if is_unanswered(choices) or (isinstance(choices, dict) and all(is_unanswered(v) for v in choices.values())):
        return Feedback.unanswered(name, 'a letter for each secret, e.g. {"password": "A", ...}')
    if not isinstance(choices, dict):
        return Feedback.not_yet(name, f"expected a dict from secret to letter, got {type(choices).__name__}.")
    missing = [secret for secret in SECRETS_TO_STORE if is_unanswered(choices.get(secret))]
    if missing:
        return Feedback.not_yet(name, f"no letter yet for {', '.join(missing)}.", "answer every secret: A, B, C or D.")
    letters = {secret: str(choices[secret]).strip().upper() for secret in SECRETS_TO_STORE}
    unknown = sorted({letter for letter in letters.values() if letter not in STORAGE_SCHEMES})
    if unknown:
        return Feedback.not_yet(name, f"{', '.join(unknown)} is not a scheme; the schemes are A, B, C and D.")
    wrong = [secret for secret in SECRETS_TO_STORE if letters[secret] != _RIGHT[secret]]
    if wrong:
        first = wrong[0]
        hint = _PLAIN if letters[first] == "A" else _WHY_NOT[(first, letters[first])]
        right = len(SECRETS_TO_STORE) - len(wrong)
        return Feedback.not_yet(name, f"{right} of {len(SECRETS_TO_STORE)} right; look again at the {first}.", hint)
    return Feedback.solved(
        name,
        "a slow hash for what people choose, a fast hash for what is random and only checked, encryption for "
        "what the server must use itself.",
    )
