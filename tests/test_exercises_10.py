"""The checks of notebook 10 accept the worked solutions and hint (never answer) otherwise."""

import pytest

from solutions import ex10
from tokenlab import exercises


def test_purge_solution_is_solved():
    assert exercises.check_purge(ex10.purge).passed


@pytest.mark.parametrize(
    ("attempt", "words"),
    [
        (lambda denylist, now, leeway: {j: e for j, e in denylist.items() if e + leeway >= now}, "exactly now"),
        (lambda denylist, now, leeway: {j: e for j, e in denylist.items() if e > now}, "60 s of leeway"),
        (lambda denylist, now, leeway: denylist, "one entry is past its exp"),
        (lambda denylist, now, leeway: [j for j, e in denylist.items() if e > now], "not a dict"),
        (lambda denylist, now, leeway: denylist.clear(), "returned None"),
        (lambda denylist, now, leeway: denylist.pop("zzz"), "KeyError"),
        (lambda denylist, now: {j: e for j, e in denylist.items() if now < e}, "three arguments"),
    ],
    ids=["keeps-at-exp", "ignores-leeway", "keeps-everything", "returns-a-list", "returns-none", "crashes", "two-args"],
)
def test_wrong_purges_name_the_case(attempt, words):
    feedback = exercises.check_purge(attempt)
    assert not feedback.passed and words in str(feedback)


def test_a_purge_that_drops_entries_at_exp_is_refused_while_verifiers_allow_leeway():
    def drops_at_exp(denylist, now, leeway):
        return {jti: exp for jti, exp in denylist.items() if now < exp}

    feedback = exercises.check_purge(drops_at_exp)
    assert not feedback.passed and "leeway" in " ".join(feedback.hints)


def test_rotation_order_solution_is_solved():
    assert exercises.check_rotation_order(ex10.ROTATION_ORDER).passed
    assert exercises.check_rotation_order("C, D, B, E, A").passed


@pytest.mark.parametrize(
    ("steps", "words"),
    [
        (["B", "C", "D", "E", "A"], "step 1 (B) comes too early"),
        (["C", "B", "D", "E", "A"], "step 2 (B) comes too early"),
        (["C", "D", "B", "A", "E"], "step 4 (A) comes too early"),
        (["C", "C", "B", "E", "A"], "exactly once"),
        (42, "expected a list"),
        ([..., ..., ..., ..., ...], "no answer yet"),
    ],
)
def test_wrong_orders_say_where_it_goes_wrong(steps, words):
    feedback = exercises.check_rotation_order(steps)
    assert not feedback.passed and words in str(feedback)
    assert "C, D, B" not in str(feedback)


def test_a_rotation_hint_is_chosen_by_the_misplaced_step_not_by_the_step_that_belongs_there():
    # step 2 should be D in both; the learner put B there once and E the other time: the hints differ
    hint_for_b = exercises.check_rotation_order(["C", "B", "D", "E", "A"]).hints
    hint_for_e = exercises.check_rotation_order(["C", "E", "D", "B", "A"]).hints
    assert hint_for_b != hint_for_e


def test_placeholders_are_unanswered():
    def purge(denylist, now, leeway): ...

    assert "no answer yet" in str(exercises.check_purge(purge))
    assert "no answer yet" in str(exercises.check_rotation_order(...))


def test_a_purge_that_deletes_from_the_denylist_it_was_given_is_told_to_build_a_new_dict():
    def purge_in_place(denylist, now, leeway):
        for jti in [jti for jti, exp in denylist.items() if now >= exp + leeway]:
            del denylist[jti]
        return denylist

    feedback = exercises.check_purge(purge_in_place)
    assert not feedback.passed
    assert "your function changed the denylist it was given instead of returning a new dict" in feedback.message
    assert "build a new dict" in feedback.hints[0]


def test_a_purge_that_returns_the_very_dict_it_was_given_is_not_yet():
    feedback = exercises.check_purge(lambda denylist, now, leeway: denylist)
    assert not feedback.passed
    assert "returned the denylist it was given" in feedback.message


def test_a_purge_that_subtracts_the_leeway_is_told_how_leeway_works():
    feedback = exercises.check_purge(lambda d, now, leeway: {j: e for j, e in d.items() if now + leeway < e})
    assert not feedback.passed
    assert "50 s ago" in feedback.message and "leeway keeps a token accepted after its exp" in feedback.hints[0]
