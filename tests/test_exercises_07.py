"""The check of notebook 07 accepts the worked solution and hints (never answers) otherwise."""

import pytest

from solutions import ex07
from tokenlab import exercises


def test_next_wait_solution_is_solved():
    assert exercises.check_next_wait(ex07.next_wait).passed


@pytest.mark.parametrize(
    ("attempt", "words"),
    [
        (lambda error, interval: interval, "the server says slow_down"),
        (lambda error, interval: interval * 2 if error == "slow_down" else interval, "slow_down again"),
        (lambda error, interval: interval + 5 if error == "slow_down" else interval, "the user pressed Deny"),
        (lambda error, interval: {"authorization_pending": interval, "slow_down": interval + 5}[error], "KeyError"),
    ],
    ids=["ignores-slow-down", "doubles", "never-stops", "crashes"],
)
def test_wrong_policies_get_the_case_and_a_hint(attempt, words):
    feedback = exercises.check_next_wait(attempt)
    assert not feedback.passed and feedback.hints
    assert words in str(feedback)


def test_an_answer_that_is_not_a_number_is_told_what_to_return():
    feedback = exercises.check_next_wait(lambda error, interval: "later")
    assert not feedback.passed
    assert "it returned 'later': return seconds (a number) or None." in feedback.message


def test_a_placeholder_is_unanswered():
    def next_wait(error, interval): ...

    assert "no answer yet" in str(exercises.check_next_wait(next_wait))
    assert "no answer yet" in str(exercises.check_next_wait(...))


def test_a_device_that_keeps_polling_after_a_final_error_is_told_where_the_rule_is():
    def polls_forever(error, interval):
        return interval + 5 if error == "slow_down" else interval

    feedback = exercises.check_next_wait(polls_forever)
    assert not feedback.passed
    assert "RFC 8628 §3.5" in " ".join(feedback.hints)


def test_a_device_that_stops_only_on_the_errors_it_knows_is_not_accepted():
    def stops_on_a_blocklist(error, interval):
        if error in ("access_denied", "expired_token", "invalid_grant"):
            return None
        return interval + 5 if error == "slow_down" else interval

    feedback = exercises.check_next_wait(stops_on_a_blocklist)
    assert not feedback.passed
    assert "client_id" in str(feedback)
