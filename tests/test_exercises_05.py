"""The check of notebook 05 accepts the worked solution and hints (never answers) otherwise."""

import pytest

from solutions import ex05
from tokenlab import exercises


def test_needs_new_token_solution_is_solved():
    assert exercises.check_needs_new_token(ex05.needs_new_token).passed


@pytest.mark.parametrize(
    ("attempt", "words"),
    [
        (lambda token, fetched_at, now: token is None, "exactly 60 seconds left"),
        (
            lambda token, fetched_at, now: token is None or now >= fetched_at + token["expires_in"],
            "exactly 60 seconds left",
        ),
        (lambda token, fetched_at, now: now >= fetched_at + token["expires_in"] - 60, "your code raised TypeError"),
        (lambda token, fetched_at, now: True, "fetched just now"),
    ],
    ids=["never-refreshes", "no-margin", "no-token-crashes", "always-refreshes"],
)
def test_wrong_policies_name_the_case_they_fail_and_hint(attempt, words):
    feedback = exercises.check_needs_new_token(attempt)
    assert not feedback.passed and feedback.hints
    assert words in str(feedback)


def test_an_answer_that_is_not_a_bool_is_told_what_to_return():
    feedback = exercises.check_needs_new_token(lambda token, fetched_at, now: "yes")
    assert not feedback.passed
    assert "it returned 'yes'; return True or False." in feedback.message


@pytest.mark.parametrize("answer", [..., None, 42])
def test_no_function_yet_is_unanswered(answer):
    assert "no answer yet" in str(exercises.check_needs_new_token(answer))


def test_an_empty_function_body_is_unanswered():
    def needs_new_token(token, fetched_at, now): ...

    assert "no answer yet" in str(exercises.check_needs_new_token(needs_new_token))


def test_the_hint_is_the_same_whichever_way_the_answer_goes_so_it_cannot_reveal_it():
    def refreshes_too_early(token, fetched_at, now):
        return token is None or now >= fetched_at + token["expires_in"] - 100

    def refreshes_too_late(token, fetched_at, now):
        return token is None or now > fetched_at + token["expires_in"] - 60

    early = exercises.check_needs_new_token(refreshes_too_early)  # wrong where the answer is False
    late = exercises.check_needs_new_token(refreshes_too_late)  # wrong where the answer is True
    assert not early.passed and not late.passed
    assert early.hints and early.hints == late.hints
