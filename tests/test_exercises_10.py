"""The checks of notebook 10 accept the worked solutions and hint (never answer) otherwise."""

import pytest

from solutions import ex10
from tokenlab import exercises


def test_purge_solution_is_solved():
    assert exercises.check_purge(ex10.purge).passed


@pytest.mark.parametrize(
    ("attempt", "words"),
    [
        (lambda denylist, now: {j: e for j, e in denylist.items() if e >= now}, "exactly now"),
        (lambda denylist, now: denylist, "one entry is past its exp"),
        (lambda denylist, now: [j for j, e in denylist.items() if e > now], "not a dict"),
        (lambda denylist, now: denylist.clear(), "returned None"),
        (lambda denylist, now: denylist.pop("zzz"), "KeyError"),
    ],
    ids=["keeps-at-exp", "keeps-everything", "returns-a-list", "returns-none", "crashes"],
)
def test_wrong_purges_name_the_case(attempt, words):
    feedback = exercises.check_purge(attempt)
    assert not feedback.passed and words in str(feedback)


def test_rotation_order_solution_is_solved():
    assert exercises.check_rotation_order(ex10.ROTATION_ORDER).passed
    assert exercises.check_rotation_order("C, D, B, E, A").passed


@pytest.mark.parametrize(
    ("steps", "words"),
    [
        (["B", "C", "D", "E", "A"], "step 1 is not"),
        (["C", "B", "D", "E", "A"], "step 2 is not"),
        (["C", "D", "B", "A", "E"], "step 4 is not"),
        (["C", "C", "B", "E", "A"], "exactly once"),
        (42, "expected a list"),
        ([..., ..., ..., ..., ...], "no answer yet"),
    ],
)
def test_wrong_orders_say_where_it_goes_wrong(steps, words):
    feedback = exercises.check_rotation_order(steps)
    assert not feedback.passed and words in str(feedback)
    assert "C, D, B" not in str(feedback)


def test_placeholders_are_unanswered():
    def purge(denylist, now): ...

    assert "no answer yet" in str(exercises.check_purge(purge))
    assert "no answer yet" in str(exercises.check_rotation_order(...))
