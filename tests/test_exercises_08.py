"""The checks of notebook 08 accept the worked solutions and hint (never answer) otherwise."""

import pytest

from solutions import ex08
from tokenlab import exercises


def test_leeway_solution_is_solved():
    assert exercises.check_leeway_choice(ex08.LEEWAY).passed


@pytest.mark.parametrize(
    ("leeway", "words"),
    [
        (39, "refuses a token the moment it is issued"),
        (74, "refuses a token before its exp"),
        (300, "more than needed"),
        (-5, "negative"),
    ],
)
def test_wrong_leeways_get_a_direction_but_not_the_number(leeway, words):
    feedback = exercises.check_leeway_choice(leeway)
    assert not feedback.passed and words in str(feedback)
    assert feedback.hints and "75" not in " ".join(feedback.hints)


def test_a_leeway_that_is_not_a_number_is_told_so():
    feedback = exercises.check_leeway_choice("75")
    assert not feedback.passed
    assert feedback.message == "'75' is not a number of seconds."


def test_is_expired_solution_is_solved():
    assert exercises.check_is_expired(ex08.is_expired).passed


@pytest.mark.parametrize(
    ("attempt", "words"),
    [
        (lambda claims, now, leeway: now > claims["exp"] + leeway, "exactly at exp"),
        (lambda claims, now, leeway: now >= claims["exp"], "30 s after exp"),
        (lambda claims, now, leeway: now >= claims["exp"] + leeway, "KeyError"),
        (lambda claims, now, leeway: "no", "return True or False"),
    ],
    ids=["strictly-after", "ignores-leeway", "no-exp-crashes", "not-a-bool"],
)
def test_wrong_expiry_checks_name_the_case(attempt, words):
    feedback = exercises.check_is_expired(attempt)
    assert not feedback.passed and words in str(feedback)


def test_placeholders_are_unanswered():
    def is_expired(claims, now, leeway): ...

    assert "no answer yet" in str(exercises.check_is_expired(is_expired))
    assert "no answer yet" in str(exercises.check_leeway_choice(...))


def test_an_expiry_check_that_subtracts_the_leeway_is_told_it_is_added_to_exp():
    feedback = exercises.check_is_expired(lambda claims, now, leeway: now >= claims.get("exp", now + 1) - leeway)
    assert not feedback.passed
    assert "goes wrong 30 s after exp, with 60 s of leeway" in feedback.message
    assert feedback.hints == ("leeway is added to exp before comparing.",)


def test_a_leeway_that_covers_only_the_clocks_behind_is_told_a_clock_ahead_sees_exp_early():
    feedback = exercises.check_leeway_choice(40)
    assert not feedback.passed
    assert "refuses a token before its exp has come" in feedback.message
    assert "a clock ahead sees exp early" in feedback.hints[0]
