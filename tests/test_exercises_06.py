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
        ({"state": "0123456789abcdef"}, "128 random bits"),  # 16 hex characters: 64 bits
        ({"code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "fixed example pair"),
        ({"code_challenge": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}, "fixed example pair"),
        ({"code_challenge_method": "plain"}, "plain sends the verifier"),
        ({"code_challenge": "a" * 43 + "="}, "not an S256 challenge"),
    ],
)
def test_each_flaw_of_the_request_gets_its_own_hint(changes, words):
    feedback = exercises.check_authorization_request(url(**changes))
    assert not feedback.passed and feedback.hints
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
    assert [h[:8] for h in feedback.hints] == ["threat 1", "threat 2"]


NAMES = {
    "state": ("state",),
    "pkce": ("pkce",),
    "exact redirect_uri": ("redirect_uri", "redirect uri"),
    "nonce": ("nonce",),
}


@pytest.mark.parametrize("threat", sorted(ex06.DEFENCES))
@pytest.mark.parametrize("given", exercises.DEFENCES)
def test_each_wrong_defence_gets_a_reason_it_fails_that_never_names_the_right_one(threat, given):
    expected = ex06.DEFENCES[threat]
    feedback = exercises.check_defences({**ex06.DEFENCES, threat: given})
    if given == expected:
        assert feedback.passed
        return
    assert not feedback.passed and "3 of 4" in feedback.message
    (hint,) = feedback.hints
    assert not any(name in hint.lower() for name in NAMES[expected]), hint


def test_only_state_stops_csrf_when_neither_pkce_nor_openid_connect_is_there():
    threat = exercises.THREATS["1"]
    assert "neither PKCE nor OpenID Connect" in threat and "does not support PKCE" in threat
    for other in ("pkce", "nonce", "exact redirect_uri"):
        assert not exercises.check_defences({**ex06.DEFENCES, "1": other}).passed
    solved = exercises.check_defences(ex06.DEFENCES)
    assert "RFC 9700 §4.7.1" in str(solved)  # and says that with PKCE or a nonce, those stop CSRF too


@pytest.mark.parametrize(
    ("answers", "words"),
    [({"1": "csrf"}, "answer with one of"), ({k: ... for k in "1234"}, "no answer yet"), ("state", "expected a dict")],
)
def test_odd_defence_answers_are_not_yet(answers, words):
    assert words in str(exercises.check_defences(answers))


def test_the_hint_answers_the_defence_chosen_so_it_cannot_be_read_as_a_pointer_to_the_expected_one():
    def hint(given):
        return exercises.check_defences({**ex06.DEFENCES, "2": given}).hints[0]

    assert len({hint("state"), hint("nonce"), hint("exact redirect_uri")}) == 3
    assert "state" in hint("state") and "nonce" in hint("nonce")  # it explains why that choice fails here
