"""tokenlab.shortening: the one shortener, and the length each place that shows a secret keeps of it."""

import pytest

from tokenlab.apikeys import redact_api_key
from tokenlab.provider import masking
from tokenlab.redact import redact
from tokenlab.scanner import scan_text
from tokenlab.shortening import ELLIPSIS, shorten
from tokenlab.widgets import inspector

OPAQUE = "iJodAMeZRCU0eq6pz9cjliKVYngmLCz37LR9wsE6Hrw"  # 43 characters, as secrets.token_urlsafe(32) makes
KEY = "tl_live_" + "0" * 32 + "1BbUHp"  # a well-formed API key (checksum included)


def test_the_first_and_last_characters_are_kept_around_one_ellipsis():
    assert ELLIPSIS == "…"
    assert shorten(OPAQUE, 4, 4) == "iJod…6Hrw"
    assert shorten(OPAQUE, 12, 6) == "iJodAMeZRCU0…sE6Hrw"


def test_text_is_kept_whole_when_shortening_would_hide_nothing():
    assert shorten("abcdefgh", 4, 4) == "abcdefgh"
    assert shorten("abcdefghi", 4, 4) == "abcd…fghi"


def test_without_a_tail_only_the_head_is_kept():
    assert shorten("abcdefghij", 3) == "abc…"
    assert shorten("abc", 3) == "abc"


def test_keep_whole_up_to_leaves_short_values_alone_or_with_minus_one_always_shortens():
    assert shorten("a" * 24, 12, 6, keep_whole_up_to=24) == "a" * 24
    assert shorten("a" * 12 + "b" * 7 + "c" * 6, 12, 6, keep_whole_up_to=24) == "a" * 12 + "…" + "c" * 6
    assert shorten("abcd", 4, keep_whole_up_to=-1) == "abcd…"
    assert shorten("ab", 0, 4, keep_whole_up_to=-1) == "…ab"


def test_bytes_are_shortened_with_the_ellipsis_in_utf_8():
    assert shorten(b"ghp_abcdefghijkl", 4, 4) == "ghp_…ijkl".encode()
    assert shorten(b"ghp_", 4, keep_whole_up_to=-1) == "ghp_…".encode()


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        (lambda: inspector._short(OPAQUE), "iJodAMeZRCU0…sE6Hrw"),  # the flow inspector's token list
        (lambda: inspector._short("a" * 24), "a" * 24),  # ... which leaves 24 characters whole
        (lambda: inspector.shorten_tokens(f"code={OPAQUE}&state=abc"), "code=iJodAMeZRCU0…sE6Hrw&state=abc"),
        (lambda: masking.redact(OPAQUE), "iJod…6Hrw"),  # the provider's record
        (lambda: masking.redact(KEY), "tl_live_…bUHp"),
        (lambda: masking.redact("fifteen-chars15"), masking.MASK),  # too short to show any of it
        (lambda: redact_api_key(KEY), "tl_live_…bUHp"),  # an API key's hint
        (lambda: scan_text(f"key = {KEY}")[0].redacted, "tl_live_…bUHp"),  # a scanner finding
        (lambda: redact(f"key={KEY}"), "key=tl_live_…bUHp"),  # a log line
        (
            lambda: redact("-----BEGIN RSA PRIVATE KEY-----"),
            "-----BEGIN RSA PRIVATE KEY-----…",
        ),  # all prefix, still marked
    ],
)
def test_each_place_that_shows_a_secret_keeps_what_the_lessons_show(shown, expected):
    assert shown() == expected
