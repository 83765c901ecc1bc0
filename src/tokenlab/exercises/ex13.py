"""Checks for the exercises of notebook 13 (Signing requests with HMAC)."""

from __future__ import annotations

import hashlib
import hmac
import re
import types
from typing import Any

from tokenlab.exercises._feedback import Feedback, is_stub, run_learner_code

__all__ = ["WEBHOOK_SECRET", "check_canonical_query", "check_verify_webhook", "sign_webhook"]

_QUERY_CASES = (
    # (decoded pairs, canonical query, what the case is about)
    ([("status", "open"), ("limit", "2")], "limit=2&status=open", "two parameters out of order"),
    ([("q", "tea set")], "q=tea%20set", "a value with a space"),
    ([("path", "/a/b")], "path=%2Fa%2Fb", "a value with slashes"),
    ([("tag", "~x"), ("empty", "")], "empty=&tag=~x", "a tilde and an empty value"),
    ([("a", "2"), ("a", "10"), ("a", "1")], "a=1&a=10&a=2", "one name given three times"),
    ([("a-b", "1"), ("a", "2")], "a=2&a-b=1", "a name that is the start of another"),
    ([("b", "1"), ("B", "1")], "B=1&b=1", "names that differ only in case"),
    ([("z", "1"), ("é", "1")], "%C3%A9=1&z=1", "a name outside ASCII"),
    ([("sum", "1+1=2")], "sum=1%2B1%3D2", "a value with + and ="),
    ([], "", "no parameters at all"),
)


def _query_hint(answer: str, expected: str, about: str) -> str:
    """A hint aimed at the likely mistake, never the expected string."""
    if re.sub(r"%[0-9a-fA-F]{2}", lambda m: m.group().upper(), answer) == expected:
        return "percent-encoding uses upper-case hex digits: %2F, not %2f."
    if sorted(answer.split("&")) == sorted(expected.split("&")):
        return {
            "a name that is the start of another": "sort the (name, value) pairs, not the joined 'name=value' "
            "texts: '-' sorts before '='.",
            "names that differ only in case": "sort by code point, as a plain sorted() does: upper-case letters "
            "come before lower-case ones.",
            "a name outside ASCII": "encode first, then sort: an encoded name starts with '%', which sorts before 'z'.",
        }.get(about, "sort by name, then by value, both after encoding.")
    return {
        "a value with a space": "SigV4 writes a space as %20, never '+': urllib.parse.quote, not quote_plus."
        if "+" in answer
        else "a space is not unreserved: it must be percent-encoded.",
        "a value with slashes": "quote() keeps '/' as it is unless given safe='': only A-Z a-z 0-9 - . _ ~ stay.",
        "a tilde and an empty value": "'~' is unreserved (RFC 3986 §2.3), never encoded; and an empty value still "
        "gets its '='.",
        "a value with + and =": "'+' and '=' inside a value must be encoded, or they would read as a space and a "
        "separator.",
        "a name outside ASCII": "encode from the UTF-8 bytes, one %XX per byte.",
    }.get(about, "encode each name and value from its UTF-8 bytes; keep only A-Z a-z 0-9 - . _ ~ as they are.")


def check_canonical_query(canonical_query: Any) -> Feedback:
    """Exercise 13.1: ``canonical_query(pairs)`` builds SigV4's canonical query string from decoded pairs."""
    name = "Exercise 13.1 (the canonical query string)"
    if not callable(canonical_query) or is_stub(canonical_query):
        return Feedback.unanswered(name, "a function canonical_query(pairs) that returns a string")
    for right, (pairs, expected, about) in enumerate(_QUERY_CASES):
        answer, problem = run_learner_code(canonical_query, list(pairs))
        if problem is not None:
            return Feedback.not_yet(name, f"with {about}: {problem}.", "pairs is a list of (name, value) tuples.")
        if not isinstance(answer, str):
            return Feedback.not_yet(name, f"with {about}, it returned {answer!r}; return a string.")
        if answer != expected:
            return Feedback.not_yet(
                name,
                f"{right} of {len(_QUERY_CASES)} cases right; with {about} it gives {answer!r}.",
                _query_hint(answer, expected, about),
            )
    return Feedback.solved(
        name,
        "one order, one encoding, as SigV4 signs it: any copy of the query gives the same bytes (RFC 9421's @query, signed as sent, does not).",
    )


WEBHOOK_SECRET = b"whsec-tokenlab-demo-7f3a9c1e5b2d8046a1c3e5f7"
"""The demo webhook's shared secret (public, for the exercise only)."""


def sign_webhook(body: bytes, secret: bytes, timestamp: int) -> str:
    """What the sender puts in its signature header: ``t=<unix time>,v1=<hex HMAC-SHA256 of "t." + body>``."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _webhook_cases() -> list[tuple[bytes, str, int, bool, str]]:
    body, now = b'{"event": "order.paid", "order": "order-3001"}', 1767603600
    good = sign_webhook(body, WEBHOOK_SECRET, now - 20)
    t_part, v1_part = good.split(",")
    flipped = good[:-1] + ("0" if good[-1] != "0" else "1")
    return [
        # (body, header, now, expected, what the case is about)
        (body, good, now, True, "a fresh, correct delivery"),
        (body.replace(b"3001", b"3002"), good, now, False, "a delivery whose body was changed"),
        (body, flipped, now, False, "a delivery whose signature was changed"),
        (body, sign_webhook(body, b"another-secret-of-32-bytes-or-more!!", now), now, False, "another secret"),
        (body, good, now - 20 + 300, True, "a delivery exactly 300 s old"),
        (body, good, now - 20 + 301, False, "a delivery 301 s old"),
        (body, sign_webhook(body, WEBHOOK_SECRET, now + 600), now, False, "a delivery dated 10 minutes ahead"),
        (body, f"{v1_part},{t_part}", now, True, "the same fields in the other order"),
        (body, "", now, False, "an empty header"),
        (body, "garbage", now, False, "a header that is not t=...,v1=..."),
        (body, v1_part, now, False, "a header without t"),
        (body, t_part, now, False, "a header without v1"),
        (body, f"t=yesterday,{v1_part}", now, False, "a t that is not a number"),
    ]


def _uses_compare_digest(function: Any) -> bool:
    code = getattr(function, "__code__", None)
    stack = [code] if code is not None else []
    while stack:
        current = stack.pop()
        if "compare_digest" in current.co_names:
            return True
        stack += [c for c in current.co_consts if isinstance(c, types.CodeType)]
    return False


def check_verify_webhook(verify_webhook: Any) -> Feedback:
    """Exercise 13.2: ``verify_webhook(body, header, secret, now)`` accepts only fresh, authentic deliveries."""
    name = "Exercise 13.2 (verify a webhook)"
    if not callable(verify_webhook) or is_stub(verify_webhook):
        return Feedback.unanswered(name, "a function verify_webhook(body, header, secret, now) returning True or False")
    cases = _webhook_cases()
    for right, (body, header, now, expected, about) in enumerate(cases):
        answer, problem = run_learner_code(verify_webhook, body, header, WEBHOOK_SECRET, now)
        if problem is not None:
            return Feedback.not_yet(
                name,
                f"with {about}: {problem}.",
                "a header that cannot be read is simply not valid: return False instead of raising.",
            )
        if not isinstance(answer, bool):
            return Feedback.not_yet(name, f"with {about}, it returned {answer!r}; return True or False.")
        if answer != expected:
            hints = {
                "a delivery exactly 300 s old": "300 s old is still within the tolerance: compare with <=, not <.",
                "a delivery 301 s old": "check the age: refuse a timestamp more than 300 s before now.",
                "a delivery dated 10 minutes ahead": "a timestamp in the future is as suspicious as an old one: "
                "compare the absolute difference.",
                "the same fields in the other order": "split the header on ',' and each part on '=', then look the "
                "fields up by name rather than by position.",
                "a fresh, correct delivery": "the MAC covers the bytes f'{t}.'.encode() + body, and v1 is its hex digest.",
            }
            return Feedback.not_yet(
                name,
                f"{right} of {len(cases)} cases right; it goes wrong with {about}.",
                hints.get(about, "recompute the MAC over f'{t}.'.encode() + body and compare it with v1."),
            )
    if not _uses_compare_digest(verify_webhook):
        return Feedback.not_yet(
            name,
            f"all {len(cases)} cases right, but the MAC is compared with something other than hmac.compare_digest.",
            "== stops at the first differing character, and that timing can be measured: use hmac.compare_digest.",
        )
    return Feedback.solved(name, "authentic, fresh and compared in constant time: what GitHub and Stripe receivers do.")
