"""The checks of notebook 09 accept the worked solutions and hint (never answer) otherwise."""

import pytest

from solutions import ex09
from tokenlab import exercises


def test_store_tokens_solution_is_solved():
    assert exercises.check_store_tokens(ex09.store_tokens).passed


def test_the_one_line_merge_is_also_solved():
    assert exercises.check_store_tokens(lambda saved, response: {**saved, **response}).passed


def _update_in_place(saved, response):
    saved.update(response)
    return saved


def _forgets_to_return(saved, response):
    new = dict(saved)
    new.update(response)


@pytest.mark.parametrize(
    ("attempt", "words", "hint"),
    [
        (lambda saved, response: response, "it loses the refresh token", "MAY issue a new refresh token"),
        (
            lambda saved, response: {"access_token": response["access_token"], "refresh_token": saved["refresh_token"]},
            "the refresh token it keeps is 'RT1'",
            "MUST discard the old one",
        ),
        (
            lambda saved, response: {
                "access_token": response["access_token"],
                "refresh_token": response["refresh_token"],
            },
            "KeyError",
            "MAY issue a new refresh token",
        ),
        (lambda saved, response: {**response, **saved}, "the access token it keeps is 'AT1'", "which one works now"),
        (_update_in_place, "changed saved", "new dict"),
        (_forgets_to_return, "returned None", "return a dict"),
        (lambda saved, response: (response["access_token"], saved["refresh_token"]), "returned (", "return a dict"),
    ],
    ids=["returns-response", "keeps-old-refresh", "key-error", "old-access", "mutates", "no-return", "tuple"],
)
def test_wrong_bookkeeping_gets_the_rule_not_the_code(attempt, words, hint):
    feedback = exercises.check_store_tokens(attempt)
    assert not feedback.passed
    assert words in str(feedback)
    hints = " ".join(feedback.hints)
    assert hint in hints
    assert ".get(" not in hints and "response[" not in hints  # the rule, never the line of code


def test_a_mistake_at_a_later_refresh_counts_the_earlier_ones():
    feedback = exercises.check_store_tokens(lambda saved, response: response)
    assert feedback.message.startswith("1 of 3 refreshes right")


@pytest.mark.parametrize("answer", [..., None, "store_tokens"])
def test_no_function_yet_is_unanswered(answer):
    assert "no answer yet" in str(exercises.check_store_tokens(answer))


def test_a_stub_is_unanswered():
    def store_tokens(saved, response): ...

    assert "no answer yet" in str(exercises.check_store_tokens(store_tokens))


def test_still_usable_solution_is_solved():
    feedback = exercises.check_still_usable(ex09.STILL_USABLE)
    assert feedback.passed, str(feedback)


def test_the_story_names_every_token_asked_about():
    story = " ".join(text for _, text in exercises.DEVICE_STORY)
    assert all(token in story for token in exercises.DEVICE_TOKENS)
    assert set(ex09.STILL_USABLE) == set(exercises.DEVICE_TOKENS)


def _flipped(*tokens):
    return {k: (not v if k in tokens else v) for k, v in ex09.STILL_USABLE.items()}


@pytest.mark.parametrize(
    ("tokens", "rule_words"),
    [
        (("laptop AT2",), "revokes the whole grant"),
        (("laptop RT2",), "revokes the whole grant"),
        (("tablet RT1",), "two lifetimes"),
        (("phone AT1", "phone RT1"), "every login starts a grant of its own"),
    ],
    ids=["access-token-outlives-its-family", "unused-refresh-survives", "ignores-idle", "user-wide-revocation"],
)
def test_wrong_predictions_get_the_rule_and_never_the_fate_of_a_token(tokens, rule_words):
    feedback = exercises.check_still_usable(_flipped(*tokens))
    assert not feedback.passed
    assert f"{5 - len(tokens)} of 5 right" in feedback.message
    text = str(feedback)
    assert rule_words in text
    assert len(exercises.DEVICE_TOKENS) == 5 and feedback.hints
    for token in exercises.DEVICE_TOKENS:
        assert token not in text  # which tokens are wrong would give the answer away
    assert "True" not in " ".join(feedback.hints) and "False" not in " ".join(feedback.hints)


def test_the_family_hint_calls_revoking_the_whole_grant_tokenlabs_choice_and_cites_no_revocation_endpoint_rule():
    hints = " ".join(exercises.check_still_usable(_flipped("laptop AT2")).hints)
    assert "tokenlab's provider revokes the whole grant" in hints
    assert "RFC 7009" not in hints  # §2.1 is about revocation requests, not about a reused refresh token


def test_every_wrong_answer_gets_the_three_rules():
    feedback = exercises.check_still_usable({k: not v for k, v in ex09.STILL_USABLE.items()})
    assert feedback.message.startswith("0 of 5 right")
    assert len(feedback.hints) == 3


def test_the_hints_are_the_same_whichever_token_is_wrong_so_they_never_point_at_one():
    # a hint chosen by the wrong token (the idle rule only for tablet RT1) would say which answer to flip
    hints = {tuple(exercises.check_still_usable(_flipped(token)).hints) for token in exercises.DEVICE_TOKENS}
    assert len(hints) == 1 and all(hints), hints


@pytest.mark.parametrize(
    ("prediction", "words"),
    [
        (..., "no answer yet"),
        ({token: ... for token in exercises.DEVICE_TOKENS}, "no answer yet"),
        ({**ex09.STILL_USABLE, "tablet RT1": ...}, "answer True or False for tablet RT1 too"),
        ({**ex09.STILL_USABLE, "phone AT1": "yes"}, "phone AT1: answer True"),
        ({**ex09.STILL_USABLE, "phone AT1": 1}, "phone AT1: answer True"),
        (["laptop AT2"], "expected a dict"),
    ],
)
def test_odd_predictions_are_not_yet_and_never_raise(prediction, words):
    feedback = exercises.check_still_usable(prediction)
    assert not feedback.passed and words in str(feedback)


def test_the_outcome_comes_from_replaying_the_story_on_a_provider():
    from tokenlab.exercises import ex09 as checks

    checks._device_story_outcome.cache_clear()
    assert checks._device_story_outcome() == ex09.STILL_USABLE


class _Hostile(dict):
    def get(self, *args):
        raise RuntimeError("no")

    def __getitem__(self, key):
        raise RuntimeError("no")


def test_hostile_objects_become_feedback_not_tracebacks():
    assert not exercises.check_store_tokens(lambda saved, response: _Hostile()).passed
    assert not exercises.check_still_usable(_Hostile()).passed
