"""The checks of notebook 13 accept the worked solutions and hint (never answer) otherwise."""

import hashlib
import hmac
from urllib.parse import quote, quote_plus

import pytest

from solutions import ex13
from tokenlab import exercises
from tokenlab.signing import canonical_query as library_canonical_query


def test_canonical_query_solution_is_solved():
    assert exercises.check_canonical_query(ex13.canonical_query).passed


@pytest.mark.parametrize(
    ("query", "pairs"),
    [
        ("status=open&limit=2", [("status", "open"), ("limit", "2")]),
        ("q=tea+set&path=%2Fa&é=~", [("q", "tea set"), ("path", "/a"), ("é", "~")]),
        ("a-b=1&a=2&B=3&a=10", [("a-b", "1"), ("a", "2"), ("B", "3"), ("a", "10")]),
    ],
)
def test_the_solution_agrees_with_the_library_that_signs_requests(query, pairs):
    assert ex13.canonical_query(pairs) == library_canonical_query(query)


def _encoded(pairs, encode=lambda text: quote(text, safe="")):
    return [(encode(name), encode(value)) for name, value in pairs]


@pytest.mark.parametrize(
    ("attempt", "words"),
    [
        (lambda pairs: "&".join(f"{n}={v}" for n, v in pairs), "two parameters out of order"),
        (
            lambda pairs: "&".join(f"{n}={v}" for n, v in sorted(_encoded(pairs, quote_plus))),
            "quote_plus",
        ),
        (lambda pairs: "&".join(f"{n}={v}" for n, v in sorted(_encoded(pairs, quote))), "safe=''"),
        (
            lambda pairs: "&".join(sorted(f"{n}={v}" for n, v in _encoded(pairs))),
            "not the joined 'name=value' texts",
        ),
        (
            lambda pairs: "&".join(f"{n}={v}" for n, v in sorted(_encoded(pairs), key=lambda p: (p[0].lower(), p[1]))),
            "upper-case letters come before",
        ),
        (
            lambda pairs: "&".join(f"{quote(n, safe='')}={quote(v, safe='')}" for n, v in sorted(pairs)),
            "encode first, then sort",
        ),
        (
            lambda pairs: "&".join(f"{n}={v}".lower() for n, v in sorted(_encoded(pairs))),
            "upper-case hex",
        ),
        (lambda pairs: pairs[5], "IndexError"),
    ],
    ids=["unsorted", "quote-plus", "slash-kept", "sorted-texts", "case-folded", "sorted-before-encoding", "lower-hex",
         "crashes"],
)  # fmt: skip
def test_wrong_canonical_queries_get_a_hint_about_their_mistake(attempt, words):
    feedback = exercises.check_canonical_query(attempt)
    assert not feedback.passed and feedback.hints
    assert words in str(feedback), str(feedback)


def test_an_answer_that_is_not_a_string_is_told_what_to_return():
    feedback = exercises.check_canonical_query(lambda pairs: sorted(pairs))
    assert not feedback.passed
    assert feedback.message.endswith("; return a string.")


def test_hints_never_give_away_an_expected_query():
    feedback = exercises.check_canonical_query(lambda pairs: "&".join(f"{n}={v}" for n, v in pairs))
    assert not feedback.passed and feedback.hints
    assert "limit=2&status=open" not in " ".join(feedback.hints)


def test_verify_webhook_solution_is_solved():
    assert exercises.check_verify_webhook(ex13.verify_webhook).passed


def _fields(header):
    return dict(part.split("=", 1) for part in header.split(",") if "=" in part)


def _mac(body, t, secret):
    return hmac.new(secret, f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def no_time_check(body, header, secret, now):
    fields = _fields(header)
    return "t" in fields and "v1" in fields and hmac.compare_digest(_mac(body, fields["t"], secret), fields["v1"])


def only_past_check(body, header, secret, now):
    fields = _fields(header)
    if not fields.get("t", "").isdigit() or "v1" not in fields or now - int(fields["t"]) > 300:
        return False
    return hmac.compare_digest(_mac(body, fields["t"], secret), fields["v1"])


def strict_bound(body, header, secret, now):
    fields = _fields(header)
    if not fields.get("t", "").isdigit() or "v1" not in fields or abs(now - int(fields["t"])) >= 300:
        return False
    return hmac.compare_digest(_mac(body, fields["t"], secret), fields["v1"])


def by_position(body, header, secret, now):
    parts = header.split(",")
    if len(parts) != 2 or not parts[0].startswith("t=") or not parts[1].startswith("v1="):
        return False
    t, v1 = parts[0][2:], parts[1][3:]
    if not t.isdigit() or abs(now - int(t)) > 300:
        return False
    return hmac.compare_digest(_mac(body, t, secret), v1)


def with_double_equals(body, header, secret, now):
    fields = _fields(header)
    if not fields.get("t", "").isdigit() or "v1" not in fields or abs(now - int(fields["t"])) > 300:
        return False
    return _mac(body, fields["t"], secret) == fields["v1"]


def raises_on_garbage(body, header, secret, now):
    fields = dict(part.split("=", 1) for part in header.split(","))
    return abs(now - int(fields["t"])) <= 300 and hmac.compare_digest(_mac(body, fields["t"], secret), fields["v1"])


def mac_over_body_only(body, header, secret, now):
    fields = _fields(header)
    mac = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return "v1" in fields and hmac.compare_digest(mac, fields["v1"])


@pytest.mark.parametrize(
    ("attempt", "words"),
    [
        (no_time_check, "301 s old"),
        (only_past_check, "10 minutes ahead"),
        (strict_bound, "exactly 300 s old"),
        (by_position, "other order"),
        (with_double_equals, "hmac.compare_digest"),
        (raises_on_garbage, "return False instead of raising"),
        (mac_over_body_only, "a fresh, correct delivery"),
        (lambda body, header, secret, now: "yes", "return True or False"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_wrong_webhook_verifiers_are_told_which_case_fails(attempt, words):
    feedback = exercises.check_verify_webhook(attempt)
    assert not feedback.passed
    assert words in str(feedback), str(feedback)


def test_the_sender_side_is_given_and_matches_the_scheme():
    header = exercises.sign_webhook(b"{}", exercises.WEBHOOK_SECRET, 1767603600)
    assert header == f"t=1767603600,v1={_mac(b'{}', 1767603600, exercises.WEBHOOK_SECRET)}"
    assert len(exercises.WEBHOOK_SECRET) >= 32


def test_placeholders_are_unanswered():
    def canonical_query(pairs): ...

    def verify_webhook(body, header, secret, now): ...

    assert "no answer yet" in str(exercises.check_canonical_query(canonical_query))
    assert "no answer yet" in str(exercises.check_verify_webhook(verify_webhook))
    assert "no answer yet" in str(exercises.check_verify_webhook(...))
