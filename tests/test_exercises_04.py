"""The check of notebook 04 accepts the worked solution and hints (never answers) otherwise."""

import pytest

from solutions import ex04
from tokenlab import exercises


def test_status_codes_solution_is_solved():
    assert exercises.check_status_codes(ex04.STATUS_CODES).passed


def test_the_classic_mix_up_of_401_and_403_gets_a_hint_per_wrong_scenario():
    answers = {**ex04.STATUS_CODES, "a": 403, "c": 401}
    feedback = exercises.check_status_codes(answers)
    assert not feedback.passed
    assert "4 of 6" in feedback.message
    assert [h[:2] for h in feedback.hints] == ["a:", "c:"]
    assert "401" not in feedback.hints[0] and "403" not in feedback.hints[1]  # hints never state the answer


@pytest.mark.parametrize(
    ("answers", "words"),
    [
        ({"a": 401}, "have no answer yet"),
        ({k: "401" for k in "abcdef"}, "one of the numbers"),
        ({k: 500 for k in "abcdef"}, "one of the numbers"),
        ([401, 401], "expected a dict"),
        ({k: ... for k in "abcdef"}, "no answer yet"),
        (..., "no answer yet"),
    ],
)
def test_incomplete_or_odd_answers_are_not_yet(answers, words):
    feedback = exercises.check_status_codes(answers)
    assert not feedback.passed
    assert words in str(feedback)
