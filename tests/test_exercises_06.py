"""The checks of notebook 06 accept the worked solutions and hint (never answer) otherwise."""

from urllib.parse import urlencode

import pytest

from solutions import ex06
from tokenlab import client, exercises

META = {"authorization_endpoint": "http://127.0.0.1:8406/authorize"}
GOOD = {
    "response_type": "code",
    "client_id": "web-app",
    "redirect_uri": "http://127.0.0.1/web/callback",
    "scope": "orders:read",
    "state": "Xq3v9kP0a7YtL2mNwC5e1A",
    "code_challenge": client.PKCE.make("a" * 43).challenge,
    "code_challenge_method": "S256",
}


def url(**changes):
    params = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    return f"{META['authorization_endpoint']}?{urlencode(params)}"


def test_authorization_request_solution_is_solved():
    assert exercises.check_authorization_request(ex06.authorization_request(META)).passed
    assert exercises.check_authorization_request(url()).passed


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"response_type": "token"}, "response_type"),
        ({"client_id": "notebook-app"}, "client_id"),
        ({"redirect_uri": "http://127.0.0.1/web/callback/"}, "byte for byte"),
        ({"scope": "openid orders:read orders:write"}, "more than the task needs"),
        ({"scope": "orders"}, "does not ask for reading orders"),
        ({"state": None}, "state is missing"),
        ({"state": "abc"}, "too short"),
        ({"code_challenge_method": "plain"}, "plain sends the verifier"),
        ({"code_challenge": "a" * 43 + "="}, "not an S256 challenge"),
    ],
)
def test_each_flaw_of_the_request_gets_its_own_hint(changes, words):
    feedback = exercises.check_authorization_request(url(**changes))
    assert not feedback.passed
    assert words in str(feedback)


def test_a_repeated_parameter_is_named():
    feedback = exercises.check_authorization_request(url() + "&scope=orders%3Aread")
    assert "scope appear more than once" in feedback.message


@pytest.mark.parametrize("answer", [..., None])
def test_no_url_yet_is_unanswered(answer):
    assert "no answer yet" in str(exercises.check_authorization_request(answer))


def test_defences_solution_is_solved():
    assert exercises.check_defences(ex06.DEFENCES).passed


def test_swapped_defences_get_hints_that_do_not_name_the_answer():
    feedback = exercises.check_defences({**ex06.DEFENCES, "1": "pkce", "2": "state"})
    assert not feedback.passed and "2 of 4" in feedback.message
    hints = " ".join(feedback.hints)
    assert "state" not in hints.replace("statement", "") and "pkce" not in hints.lower()


@pytest.mark.parametrize(
    ("answers", "words"),
    [({"1": "csrf"}, "answer with one of"), ({k: ... for k in "1234"}, "no answer yet"), ("state", "expected a dict")],
)
def test_odd_defence_answers_are_not_yet(answers, words):
    assert words in str(exercises.check_defences(answers))
