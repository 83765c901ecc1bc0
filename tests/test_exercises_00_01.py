"""The checks of notebooks 00 and 01 accept the worked solutions, and give hints (never the answer) otherwise."""

import math

import pytest

from solutions import ex00, ex01
from tokenlab import Clock, exercises


def test_time_travel_solution_is_solved():
    assert exercises.check_time_travel(ex00.time_travel()).passed


@pytest.mark.parametrize(
    ("minutes", "words"),
    [(0, "before the target"), (60, "before the target"), (120, "past the target")],
)
def test_time_travel_at_the_wrong_time_says_which_way_to_go(minutes, words):
    clock = Clock.frozen()
    clock.advance(minutes=minutes)
    feedback = exercises.check_time_travel(clock)
    assert not feedback.passed
    assert words in feedback.message
    assert feedback.hints


@pytest.mark.parametrize("answer", ["clock", 42, Clock.system()])
def test_time_travel_with_something_else_than_a_frozen_clock_is_not_yet(answer):
    feedback = exercises.check_time_travel(answer)
    assert not feedback.passed and feedback.hints


def test_placeholder_answers_are_reported_as_unanswered():
    for feedback in (
        exercises.check_time_travel(...),
        exercises.check_entropy_bits(...),
        exercises.check_authn_or_authz(...),
    ):
        assert not feedback.passed
        assert "no answer yet" in str(feedback)


def test_entropy_solution_is_solved():
    assert exercises.check_entropy_bits(ex01.ENTROPY_BITS).passed
    assert exercises.check_entropy_bits(round(ex01.ENTROPY_BITS, 1)).passed


def test_solved_entropy_says_the_key_falls_short_of_rfc_6749s_128_bits_and_how_long_it_should_be():
    text = str(exercises.check_entropy_bits(ex01.ENTROPY_BITS))
    assert "beyond brute force" not in text
    assert "short of the 128 bits RFC 6749 §10.10" in text
    assert "need 22 characters to reach 128 bits, and 27 for the 160 bits" in text


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (20 * 62, "counts symbols"),
        (20 * math.log2(26), "alphabet is bigger"),
        (20 * math.log10(62), "wrong logarithm"),
        (7, "not it"),
        ("many", "not a number"),
        (True, "not a number"),
    ],
)
def test_entropy_wrong_answers_get_a_matching_hint_without_the_answer(answer, words):
    feedback = exercises.check_entropy_bits(answer)
    assert not feedback.passed and feedback.hints
    assert words in str(feedback)
    assert "119" not in str(feedback)


def test_authn_or_authz_solution_is_solved():
    assert exercises.check_authn_or_authz(ex01.AUTHN_OR_AUTHZ).passed


def test_authn_or_authz_names_the_wrong_scenarios_but_not_their_answers():
    answers = {**ex01.AUTHN_OR_AUTHZ, "c": "authorization", "d": "authentication"}
    feedback = exercises.check_authn_or_authz(answers)
    assert not feedback.passed
    assert "3 of 5" in feedback.message
    text = str(feedback)
    assert "look again at c" in text and "look again at d" in text
    assert "authentication" not in " ".join(feedback.hints)


@pytest.mark.parametrize("label", ["authentication", "authorization"])
def test_a_signature_is_never_accepted_as_telling_who_sent_the_request(label):
    scenario = exercises.AUTH_SCENARIOS["e"]
    assert "signature" in scenario and "sent the request" in scenario
    feedback = exercises.check_authn_or_authz({**ex01.AUTHN_OR_AUTHZ, "e": label})
    assert not feedback.passed
    assert "look again at e" in str(feedback)


def test_every_wrong_scenario_gets_the_same_hint_whatever_its_answer():
    wrong = {k: ("neither" if v != "neither" else "authentication") for k, v in ex01.AUTHN_OR_AUTHZ.items()}
    hints = exercises.check_authn_or_authz(wrong).hints
    assert len(hints) == 5
    assert len({hint.replace(f"look again at {k}", "") for k, hint in zip(sorted(wrong), hints, strict=True)}) == 1


def test_the_solved_message_teaches_that_a_signature_proves_the_issuer_not_the_presenter():
    text = str(exercises.check_authn_or_authz(ex01.AUTHN_OR_AUTHZ))
    assert "never 'who is presenting it?'" in text and "RFC 6750 §1.2" in text


@pytest.mark.parametrize("answers", [["a"], {"a": "authentication"}, {k: "who" for k in "abcde"}])
def test_authn_or_authz_incomplete_or_malformed_answers_are_not_yet(answers):
    feedback = exercises.check_authn_or_authz(answers)
    assert not feedback.passed


def test_feedback_reads_as_one_verdict_line_then_hints():
    feedback = exercises.check_entropy_bits(7)
    lines = str(feedback).splitlines()
    assert len(lines) > 1, "no hint line to check"
    assert lines[0].startswith("🔎 Exercise 1.2 (entropy) — not yet:")
    assert all(line.startswith("   hint: ") for line in lines[1:])
    assert repr(feedback) == str(feedback)
    assert not bool(feedback)


# --- Exercise 0.1: the mistakes a learner makes with advance() -------------------------------------------------


@pytest.mark.parametrize("step", [{"hours": 10, "minutes": 30}, {"hours": 10.5}], ids=["hours_and_minutes", "hours"])
def test_advancing_by_the_time_of_day_is_told_that_advance_adds_to_the_current_time(step):
    clock = Clock.frozen()
    clock.advance(**step)
    feedback = exercises.check_time_travel(clock)
    assert not feedback.passed
    assert "19:30" in feedback.message and "added 10 h 30 min to the 09:00" in feedback.message
    assert "adds a step to the time the clock reads now; it does not set the time" in " ".join(feedback.hints)
    assert "90" not in str(feedback) and "1 h 30" not in str(feedback)


def test_overshooting_says_how_far_advance_moved_the_clock_from_nine():
    clock = Clock.frozen()
    clock.advance(hours=2)
    feedback = exercises.check_time_travel(clock)
    assert "past the target: advance() added 2 h to the 09:00" in feedback.message
    assert "adds to the current time" in feedback.hints[0]


def test_passing_what_advance_returns_instead_of_the_clock_is_told_to_keep_the_clock():
    feedback = exercises.check_time_travel(Clock.frozen().advance(minutes=20))
    assert not feedback.passed
    assert "the time advance() returns, not the clock itself" in feedback.message
    assert "without `clock = `" in feedback.hints[0]


def test_a_time_written_as_text_is_not_a_clock():
    feedback = exercises.check_time_travel("10:30")
    assert not feedback.passed
    assert "'10:30' is text, not a clock" in feedback.message
    assert "clock.advance(...)" in feedback.hints[0]
