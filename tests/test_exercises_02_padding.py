"""Exercise 2.1 refuses a decoder that pads blindly, although Python's base64 ignores the surplus '='."""

from __future__ import annotations

import base64
import binascii

import pytest

from tokenlab import exercises

SECRETS = ("-len(", "% 4)", '"=" *', "'=' *")


@pytest.mark.parametrize(
    ("wrong", "example", "handed"),
    [
        (lambda t: base64.urlsafe_b64decode(t + "=="), "for 'Zm9v' (4 characters)", "'Zm9v=='"),
        (lambda t: base64.urlsafe_b64decode(t + "=" * (4 - len(t) % 4)), "for 'Zm9v'", "'Zm9v===='"),
        (lambda t: base64.urlsafe_b64decode(t + "=" * (len(t) % 4)), "for 'Zm8' (3 characters)", "'Zm8==='"),
        (lambda t: base64.b64decode(t.encode() + b"==", altchars=b"-_"), "for 'Zm9v'", "'Zm9v=='"),
    ],
    ids=["always_two", "four_minus_remainder", "remainder", "bytes_and_altchars"],
)
def test_a_decoder_that_adds_padding_the_text_does_not_need_is_not_yet(wrong, example, handed):
    feedback = exercises.check_b64url_decode(wrong)
    assert not feedback.passed, str(feedback)
    assert "only because Python's decoder forgives" in feedback.message
    assert example in feedback.message and f"handed base64 {handed}" in feedback.message
    hint = " ".join(feedback.hints)
    assert "a group that is already full takes none" in hint and "RFC 4648 §4" in hint and "RFC 7515 §2" in hint
    for secret in SECRETS:
        assert secret not in str(feedback)


def test_a_decoder_that_strips_padding_before_adding_exactly_what_is_missing_is_solved():
    def decode(text):
        text = text.rstrip("=")
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    assert exercises.check_b64url_decode(decode).passed


def test_a_decoder_without_the_base64_module_is_judged_on_its_bytes_alone():
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    def decode(text):
        bits = "".join(f"{alphabet.index(c):06b}" for c in text)
        return bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits) - len(bits) % 8, 8))

    assert exercises.check_b64url_decode(decode).passed


def test_the_check_leaves_the_base64_decoder_as_it_found_it():
    original = binascii.a2b_base64
    exercises.check_b64url_decode(lambda t: base64.urlsafe_b64decode(t + "=="))
    exercises.check_b64url_decode(lambda t: 1 / 0)
    assert binascii.a2b_base64 is original
    assert base64.urlsafe_b64decode("Zm9v==") == b"foo"
