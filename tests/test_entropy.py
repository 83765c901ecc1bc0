"""Entropy and brute-force figures are right, and bad arguments get a clear UsageError."""

import math

import pytest

from tokenlab.entropy import (
    ATTACKERS,
    TOKEN_FORMATS,
    entropy_bits,
    expected_guess_seconds,
    format_duration,
    guessing_bar,
)
from tokenlab.errors import UsageError


def test_entropy_is_length_times_log2_of_the_alphabet():
    assert entropy_bits(length=32, alphabet_size=16) == 128
    assert entropy_bits(length=20, alphabet_size=62) == pytest.approx(119.08, abs=0.01)
    assert entropy_bits(length=0, alphabet_size=62) == 0


@pytest.mark.parametrize(("length", "size"), [(-1, 10), (1.5, 10), (True, 10), (4, 0), (4, "10")])
def test_entropy_refuses_impossible_lengths_and_alphabets(length, size):
    with pytest.raises(UsageError):
        entropy_bits(length=length, alphabet_size=size)


def test_expected_guess_time_is_half_the_space_over_the_rate():
    assert expected_guess_seconds(bits=10, guesses_per_second=1) == 512
    assert expected_guess_seconds(bits=2000, guesses_per_second=1) == math.inf
    with pytest.raises(UsageError):
        expected_guess_seconds(bits=10, guesses_per_second=0)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1e-9, "< 1 µs"),
        (2e-4, "200 µs"),
        (0.5, "500 ms"),
        (100, "1 min 40 s"),
        (1e12, "31,688 years"),
        (1e16, "3.2 × 10^8 years"),
        (1e19, "23 × the universe's age"),
        (1e40, "10^22 × the universe's age"),
        (math.inf, "forever"),
    ],
)
def test_durations_read_as_a_person_would_say_them(seconds, text):
    assert format_duration(seconds) == text


def test_a_negative_duration_is_a_usage_error():
    with pytest.raises(UsageError):
        format_duration(-1)


def test_the_course_examples_span_weak_to_strong_and_attackers_are_ordered():
    bits = sorted(f.bits for f in TOKEN_FORMATS)
    assert bits[0] < 20 and bits[-1] == 256
    uuid = next(f for f in TOKEN_FORMATS if f.name.startswith("UUID"))
    assert uuid.bits == 122
    rates = [a.guesses_per_second for a in ATTACKERS]
    assert rates == sorted(rates)


@pytest.mark.parametrize(
    ("bits", "bar"),
    [(122, "below 128"), (127.9, "below 128"), (128, "≥ 128, < 160"), (159.9, "≥ 128, < 160"), (160, "≥ 160")],
)
def test_the_guessing_bar_is_rfc_6749_section_10_10s_128_and_160_bits(bits, bar):
    assert guessing_bar(bits) == bar


def test_a_uuid_is_named_as_an_identifier_not_a_secret_and_falls_below_the_bar():
    uuid = next(f for f in TOKEN_FORMATS if f.name.startswith("UUID"))
    assert "not a secret" in uuid.name
    assert guessing_bar(uuid.bits) == "below 128"


def test_the_one_gpu_speed_says_it_is_an_estimate_for_hs256_cracking():
    gpu = next(a for a in ATTACKERS if a.name == "offline, one GPU")
    assert gpu.guesses_per_second == 1e10
    assert "16500" in gpu.why and "HS256" in gpu.why
