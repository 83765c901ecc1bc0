"""Checks for the exercises of notebook 02, "Anatomy of a JWT".

- 2.1 :func:`check_b64url_decode` — the learner's base64url decoder, run on test vectors
  (RFC 4648 §10, RFC 7519 §3.1) that cover every padding case and the '-' and '_' letters.
- 2.2 :func:`check_token_reading` — the subject and expiry time read from :func:`token_to_read`.
- 2.3 :func:`check_predicted_warnings` — which warnings the decoder gives for :func:`suspicious_token`.

Every check returns a :class:`~tokenlab.exercises.Feedback` and never raises, whatever it is given.
"""

from __future__ import annotations

import binascii
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from tokenlab.clock import DEMO_START, Clock, format_utc, humanize_delta
from tokenlab.exercises._feedback import Feedback, is_unanswered, never_raises, run_learner_code, show
from tokenlab.keys import demo_key
from tokenlab.tokens import decode_unverified, sign

__all__ = [
    "WARNING_CODES",
    "check_b64url_decode",
    "check_predicted_warnings",
    "check_token_reading",
    "suspicious_token",
    "token_to_read",
]


# --- Exercise 2.1: base64url by hand ------------------------------------------

_EX21 = "Exercise 2.1"

# (input, expected bytes): RFC 4648 §10's vectors written in base64url without padding,
# then inputs that use '-' and '_', then two real segments from RFC 7519 §3.1.
_B64URL_VECTORS: tuple[tuple[str, bytes], ...] = (
    ("Zm9v", b"foo"),
    ("Zg", b"f"),
    ("Zm8", b"fo"),
    ("Zm9vYg", b"foob"),
    ("Zm9vYmE", b"fooba"),
    ("Zm9vYmFy", b"foobar"),
    ("", b""),
    ("-_8", b"\xfb\xff"),
    ("____", b"\xff\xff\xff"),
    ("-_-_", b"\xfb\xff\xbf"),
    ("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9", b'{"typ":"JWT",\r\n "alg":"HS256"}'),
    (
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
        b'{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}',
    ),
)

# run_learner_code's report of a binascii.Error: the error came from inside the base64 module,
# so the line it names (if any) is base64's, not the learner's.
_BASE64_ERROR = re.compile(r"your code raised Error: (.*?)(?: \(line \d+: .*\))?$", re.DOTALL)

_PADDING_HINT = (
    "Python's base64 decoders want a length that is a multiple of 4, and JWTs leave the '=' padding "
    "out (RFC 7515 §2): put back as many '=' as are missing. The table in section 2 shows how many "
    "for each remainder of len(text) % 4."
)
_ALPHABET_HINT = (
    "base64url writes '-' and '_' where plain base64 writes '+' and '/' (RFC 4648 §5); a plain base64 "
    "decoder silently drops the two letters it does not know. Use the URL-safe alphabet."
)


_SURPLUS_PADDING_HINT = (
    "Padding only completes the last group of 4 characters (RFC 4648 §4): a group that is already full takes "
    "none, and JWTs leave it out altogether (RFC 7515 §2). Python's decoders quietly ignore '=' beyond what is "
    "needed, so adding a fixed amount seems to work; a strict decoder refuses it. Put back exactly as many as "
    "are missing: the table in section 2 shows how many for each remainder of len(text) % 4."
)
_BASE64_LETTERS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_")
_SPY_LOCK = threading.Lock()


def _surplus_padding(data: Any) -> int:
    """How many '=' ``data`` carries beyond what its last group of 4 needs (0 when it is not base64 text)."""
    try:
        raw = data.encode("ascii") if isinstance(data, str) else bytes(data)
    except (TypeError, ValueError):
        return 0
    body = raw.rstrip(b"=")
    letters = sum(byte in _BASE64_LETTERS for byte in body)
    if letters % 4 == 1:  # not base64 at all: the decoder refuses it whatever the padding
        return 0
    return (len(raw) - len(body)) - (-letters % 4)


@contextmanager
def _what_base64_is_given() -> Iterator[list[Any]]:
    """Record what this thread hands to the base64 decoder (binascii.a2b_base64) while the block runs.

    Every decoder of the base64 module ends there, so this sees ``text + "=="`` however the learner wrote
    it; other threads (the provider's server) are passed through unrecorded.
    """
    seen: list[Any] = []
    me = threading.get_ident()
    with _SPY_LOCK:
        original: Callable[..., bytes] = binascii.a2b_base64

        def spy(data: Any, *args: Any, **kwargs: Any) -> bytes:
            if threading.get_ident() == me:
                seen.append(data)
            return original(data, *args, **kwargs)

        binascii.a2b_base64 = spy
        try:
            yield seen
        finally:
            binascii.a2b_base64 = original


def _run_with_padding_seen(function: Callable[..., Any], text: str) -> tuple[Any, str | None, Any]:
    """``run_learner_code(function, text)``, plus the first text it handed base64 with surplus '=' (or None)."""
    with _what_base64_is_given() as seen:
        result, problem = run_learner_code(function, text)
    padded = next((data for data in seen if _surplus_padding(data) > 0), None)
    return result, problem, padded


@never_raises(_EX21)
def check_b64url_decode(function: Any) -> Feedback:
    """Exercise 2.1: does ``function(text)`` decode unpadded base64url text into the right bytes?"""
    if is_unanswered(function):
        return Feedback.unanswered(_EX21, "your function")
    if not callable(function):
        return Feedback.not_yet(
            _EX21,
            f"expected a function, got {show(function)}.",
            "Pass the function itself, without calling it: check_b64url_decode(my_b64url_decode).",
        )
    runs = [(text, expected, *_run_with_padding_seen(function, text)) for text, expected in _B64URL_VECTORS]
    outcomes = [(text, expected, result, problem) for text, expected, result, problem, _ in runs]
    if all(result is None and problem is None for _, _, result, problem in outcomes):
        return Feedback.unanswered(_EX21, "the body of your function (it still returns None)")

    def right(result: Any, problem: str | None, expected: bytes) -> bool:
        return problem is None and isinstance(result, (bytes, bytearray)) and bytes(result) == expected

    failures = [
        (text, expected, result, problem)
        for text, expected, result, problem in outcomes
        if not right(result, problem, expected)
    ]
    if failures:
        passed = len(outcomes) - len(failures)
        text, expected, result, problem = failures[0]
        so_far = f"{passed} of {len(outcomes)} test inputs decode correctly. "
        only_url_letters_fail = all("-" in t or "_" in t for t, *_ in failures)
        if problem is not None:
            library = _BASE64_ERROR.match(problem)
            if library:  # base64 itself refused the input: show its complaint, not a line inside base64.py
                message = f"{so_far}For {text!r} base64 refused the input: {library.group(1)}."
            else:
                message = f"{so_far}For {text!r} {problem}."
            if only_url_letters_fail:
                return Feedback.not_yet(_EX21, message, _ALPHABET_HINT)
            if "padding" in problem or "multiple of 4" in problem:
                return Feedback.not_yet(_EX21, message, _PADDING_HINT)
            return Feedback.not_yet(
                _EX21, message, "Run your function on that input in a cell of its own to see what happens."
            )
        if isinstance(result, str):
            return Feedback.not_yet(
                _EX21,
                f"{so_far}For {text!r} your function returned text (a str), not bytes.",
                "Decoding goes from base64url text back to bytes. Don't .decode() the result: "
                "the signature part of a token is not text at all.",
            )
        message = f"{so_far}For {text!r} your function returned {show(result)}, but that text encodes {expected!r}."
        if only_url_letters_fail:
            return Feedback.not_yet(_EX21, message, _ALPHABET_HINT)
        if result is None:
            return Feedback.not_yet(_EX21, message, "Does every path through your function end with a return?")
        return Feedback.not_yet(
            _EX21, message, "Compare with base64.urlsafe_b64decode on the same input, padded to a multiple of 4."
        )
    surplus = [(text, padded) for text, _, _, _, padded in runs if padded is not None]
    if surplus:
        text, padded = surplus[0]
        shown = padded.decode("ascii", "replace") if isinstance(padded, (bytes, bytearray)) else str(padded)
        extra = _surplus_padding(padded)
        return Feedback.not_yet(
            _EX21,
            f"the bytes come out right, but only because Python's decoder forgives: for {text!r} "
            f"({len(text)} characters) your function handed base64 {shown!r}, {extra} '=' more than it needs "
            f"({len(surplus)} of {len(runs)} test inputs get surplus padding).",
            _SURPLUS_PADDING_HINT,
        )
    return Feedback.solved(
        _EX21,
        f"all {len(outcomes)} test inputs decode correctly: every padding case, '-' and '_', and two "
        "segments of the example JWT in RFC 7519 §3.1. That is the recipe of RFC 7515 Appendix C.",
    )


# --- Exercise 2.2: read a token ---------------------------------------------------

_EX22 = "Exercise 2.2"
_READ_ISSUED = DEMO_START - timedelta(minutes=7, seconds=30)
_READ_EXPIRES = DEMO_START + timedelta(minutes=7, seconds=30)
_READ_CLAIMS: dict[str, Any] = {
    "iss": "https://login.example.com",
    "sub": "u-7f3a9c2e",
    "aud": "https://api.example.com",
    "client_id": "mobile-app",
    "scope": "orders:read profile",
    "iat": int(_READ_ISSUED.timestamp()),
    "exp": int(_READ_EXPIRES.timestamp()),
    "jti": "9b1d6c0e-6f1a-4c55-a4f4-2f0c9d8e7b31",
}


def token_to_read() -> str:
    """The access token of Exercise 2.2, as an API would receive it (signed with the demo RS256 key)."""
    return sign(_READ_CLAIMS, demo_key("RS256"), typ="at+jwt")


def _parse_iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def _check_subject(subject: Any) -> tuple[bool, str, str]:
    """(right?, what to say, hint) for the subject part of Exercise 2.2."""
    if isinstance(subject, str) and subject.strip() == _READ_CLAIMS["sub"]:
        return True, "the subject is right", ""
    if not isinstance(subject, str):
        return False, f"the subject should be a string, not {show(subject)}", "Copy the value of the claim as text."
    others = {
        "iss": "that is the issuer (iss), who made the token",
        "aud": "that is the audience (aud), the API the token is for",
        "client_id": "that is the client (client_id): the app the token was issued to, not the user it is about",
        "jti": "that is the token's own id (jti)",
        "scope": "that is the scope: what the token allows, not whom it is about",
    }
    for name, why in others.items():
        if subject.strip() == _READ_CLAIMS[name]:
            return (
                False,
                f"the subject is not right yet: {why}",
                "The subject has a registered claim of its own (RFC 7519 §4.1.2).",
            )
    return (
        False,
        f"the subject {subject!r} is not the one in this token",
        "Decode token_to_read() and read the claim that says whom the token is about (RFC 7519 §4.1.2).",
    )


def _check_expiry(expires_at: Any) -> tuple[bool, str, str]:
    """(right?, what to say, hint) for the expiry part of Exercise 2.2."""
    if isinstance(expires_at, (int, float)):  # bool is an int too
        return (
            False,
            f"the expiry {expires_at!r} is a number",
            "That is the raw NumericDate, seconds since 1970 (RFC 7519 §2): turn it into an ISO 8601 string, "
            "e.g. with datetime.fromtimestamp(..., tz=timezone.utc).isoformat().",
        )
    if isinstance(expires_at, datetime):
        return False, "the expiry is a datetime object", "The exercise asks for a string: call .isoformat() on it."
    if not isinstance(expires_at, str):
        return (
            False,
            f"the expiry should be a string, not {show(expires_at)}",
            "Write it as text, such as '2026-01-05T09:00:00Z'.",
        )
    moment = _parse_iso(expires_at)
    if moment is None:
        if expires_at.strip().endswith("UTC"):
            return (
                False,
                f"{expires_at!r} is how the decoder prints a time, not ISO 8601",
                "ISO 8601 puts a 'T' between date and time and writes UTC as 'Z' or '+00:00': '2026-01-05T09:00:00Z'.",
            )
        return False, f"{expires_at!r} is not an ISO 8601 time", "Write it like '2026-01-05T09:00:00Z'."
    if moment.tzinfo is None:
        return (
            False,
            f"{expires_at!r} has no time zone, so a reader has to guess which clock it means",
            "End it with 'Z' (or '+00:00') to say it is UTC.",
        )
    if moment == _READ_EXPIRES:
        if moment.utcoffset() != timedelta(0):
            return (
                False,
                "the expiry names the right moment, but in another time zone",
                "Write it in UTC, ending in 'Z' or '+00:00': tokens and logs are compared in UTC.",
            )
        return True, "the expiry is right", ""
    if moment == _READ_ISSUED:
        return (
            False,
            "that is when the token was issued (iat), not when it expires",
            "Expiry has a claim of its own (RFC 7519 §4.1.4).",
        )
    off = (moment - _READ_EXPIRES).total_seconds()
    if off and off % 1800 == 0 and abs(off) <= 14 * 3600:
        return (
            False,
            f"the expiry is {humanize_delta(off)} {'late' if off > 0 else 'early'}: a whole number of hours, the mark of a time-zone slip",
            "Convert the NumericDate in UTC: datetime.fromtimestamp(value, tz=timezone.utc). Without tz= Python uses your computer's zone.",
        )
    return (
        False,
        f"the expiry {expires_at!r} is not when this token expires",
        "Find the claim that says when the token stops being valid (RFC 7519 §4.1.4) and convert its NumericDate.",
    )


@never_raises(_EX22)
def check_token_reading(subject: Any = ..., expires_at: Any = ...) -> Feedback:
    """Exercise 2.2: the subject of :func:`token_to_read` and its expiry as an ISO 8601 UTC string."""
    if is_unanswered(subject) and is_unanswered(expires_at):
        return Feedback.unanswered(_EX22, "the subject and the expiry time")
    if is_unanswered(subject):
        return Feedback.unanswered(_EX22, "the subject (a string)")
    if is_unanswered(expires_at):
        return Feedback.unanswered(_EX22, "the expiry time (an ISO 8601 UTC string)")
    sub_ok, sub_says, sub_hint = _check_subject(subject)
    exp_ok, exp_says, exp_hint = _check_expiry(expires_at)
    if sub_ok and exp_ok:
        return Feedback.solved(
            _EX22,
            f"you read the subject and the expiry correctly ({format_utc(_READ_EXPIRES)}). "
            "Remember that you read them without verifying anything: so far they are only claims.",
        )
    hints = [hint for hint in (sub_hint, exp_hint) if hint]
    return Feedback.not_yet(_EX22, f"{sub_says}; {exp_says}.", *hints)


# --- Exercise 2.3: predict the decoder's warnings ----------------------------------

_EX23 = "Exercise 2.3"

WARNING_CODES: dict[str, str] = {
    "alg_none": "the header says alg 'none': no signature at all",
    "weak_secret": "an HMAC token signed with a guessable secret",
    "header_jku": "the header tells the verifier where to fetch keys",
    "no_exp": "no expiry time",
    "expired": "the expiry time has passed",
    "no_aud": "no audience",
    "readable_secrets": "the payload holds something secret",
    "long_lived": "valid for more than a day",
}
"""The menu of Exercise 2.3: some of the warnings :func:`~tokenlab.decode_unverified` can give."""

_SUSPICIOUS_CLAIMS: dict[str, Any] = {
    "iss": "https://legacy-login.example.net",
    "sub": "bob",
    "iat": int((DEMO_START - timedelta(hours=1)).timestamp()),
    "exp": int((DEMO_START + timedelta(days=30)).timestamp()),
    "role": "support",
    "password": "hunter2",
}

_WHERE_TO_LOOK: dict[str, str] = {
    "alg_none": "Read the header's alg: does it name a real signing algorithm?",
    "weak_secret": "Which algorithms use a shared secret at all? Compare with the header's alg.",
    "header_jku": "Read every header parameter: would you let a token tell you where to fetch keys?",
    "no_exp": "Look for the claim that says when the token stops being valid.",
    "expired": "Compare the exp claim with clock.timestamp(), the course's 'now'.",
    "no_aud": "Which registered claim says who the token is for (RFC 7519 §4.1.3)? Is it there?",
    "readable_secrets": "Read every claim name in the payload: would you want any of them in a log file?",
    "long_lived": "Subtract iat from exp: how long is this token valid?",
}


def suspicious_token() -> str:
    """The token of Exercise 2.3: well formed, properly signed, and still worrying."""
    return sign(_SUSPICIOUS_CLAIMS, demo_key("RS256"), headers={"jku": "https://keys.example.net/jwks.json"})


def _expected_warnings() -> set[str]:
    decoded = decode_unverified(suspicious_token(), clock=Clock.frozen())
    return {w.code for w in decoded.warnings} & set(WARNING_CODES)


def _as_codes(predicted: Any) -> set[str] | None:
    if isinstance(predicted, str):
        predicted = predicted.replace(",", " ").split()
    if isinstance(predicted, dict) or not isinstance(predicted, Iterable):
        return None
    codes = set()
    for item in predicted:
        if not isinstance(item, str):
            return None
        codes.add(item.strip().strip("'\"").lower())
    return codes


@never_raises(_EX23)
def check_predicted_warnings(predicted: Any) -> Feedback:
    """Exercise 2.3: the set of :data:`WARNING_CODES` the decoder gives for :func:`suspicious_token`."""
    if is_unanswered(predicted):
        return Feedback.unanswered(_EX23, 'a set of codes from the table, such as {"code_one", "code_two"}')
    codes = _as_codes(predicted)
    if codes is None:
        return Feedback.not_yet(
            _EX23,
            f"expected a set of code strings, got {show(predicted)}.",
            'Write the codes from the table as a set of strings: {"code_one", "code_two"}.',
        )
    unknown = sorted(codes - set(WARNING_CODES))
    if unknown:
        return Feedback.not_yet(
            _EX23,
            f"{', '.join(repr(u) for u in unknown)} {'is' if len(unknown) == 1 else 'are'} not in the table.",
            f"Use only these codes: {', '.join(WARNING_CODES)}.",
        )
    if not codes:
        return Feedback.not_yet(
            _EX23,
            "you predicted no warnings at all, but this token has several problems.",
            _WHERE_TO_LOOK["no_aud"],
        )
    expected = _expected_warnings()
    found, missed, wrong = codes & expected, sorted(expected - codes), sorted(codes - expected)
    if not missed and not wrong:
        return Feedback.solved(
            _EX23,
            f"you spotted all {len(expected)} problems, and nothing else. Now print decode_unverified(suspect, "
            "clock=clock) to read the decoder's own explanation of each one.",
        )
    if len(codes) == 1:
        verdict = "your pick is right" if found else "your pick does not apply to this token"
    else:
        verdict = f"of your {len(codes)} picks, {len(found)} {'is' if len(found) == 1 else 'are'} right"
        if wrong:
            verdict += f" and {len(wrong)} {'does' if len(wrong) == 1 else 'do'} not apply to this token"
    parts = [verdict]
    if missed:
        parts.append(f"{len(missed)} more problem{'s are' if len(missed) > 1 else ' is'} still hiding in the token")
    hints = [_WHERE_TO_LOOK[code] for code in (wrong[:1] + missed[:1])]
    return Feedback.not_yet(_EX23, "; ".join(parts) + ".", *hints)
