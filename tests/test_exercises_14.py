"""The check of notebook 14 accepts the worked solution and hints (never answers) otherwise."""

import json
from pathlib import Path

import pytest

from solutions import ex14
from tokenlab import exercises, verify
from tokenlab.attacks.naive import NaiveVerificationError, public_key_verifies, split_token

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "14-Attack-Lab.ipynb"


def learners_copy():
    """The naive verifier as the learner receives it: exec'd from exercises.naive_verifier_source()."""
    namespace = {}
    exec(exercises.naive_verifier_source(), namespace)
    return namespace["my_verify"]


def test_the_solution_is_solved():
    feedback = exercises.check_hardened_verifier(ex14.my_verify)
    assert feedback.passed, str(feedback)
    assert "all 15 attacks fail" in str(feedback)


def test_tokenlabs_own_verifier_is_a_solution_too():
    def my_verify(token, key):
        return verify(token, key, algorithms=["RS256"], audience="demo-api", typ="at+jwt")

    assert exercises.check_hardened_verifier(my_verify).passed


def test_the_unchanged_copy_lets_every_attack_through_with_one_hint_per_family():
    feedback = exercises.check_hardened_verifier(learners_copy())
    assert not feedback.passed
    assert "15 of 15 attacks still get through" in feedback.message
    assert len(feedback.hints) == 8
    assert all("the rule:" in hint and "RFC " in hint for hint in feedback.hints)


def test_hints_name_tokenlabs_stricter_choices_as_such_and_state_what_rfc_8725_asks():
    # RFC 8725 §3.10 asks to validate or sanitize kid and not to follow jku/x5u blindly (e.g. an allowlist);
    # a dictionary-only kid and ignoring jku altogether are tokenlab's choices, not the standard's rule
    hints = {hint.split(" — ")[0]: hint for hint in exercises.check_hardened_verifier(learners_copy()).hints}
    kid, embedded = hints["kid used as a file name"], hints["keys carried or named by the token"]
    assert "validate or sanitize" in kid and "tokenlab's verifier chooses" in kid
    assert "list of allowed ones" in embedded and "tokenlab's verifier chooses" in embedded


def test_hints_point_at_rules_never_at_code():
    feedback = exercises.check_hardened_verifier(learners_copy())
    assert len(feedback.hints) == 8
    for hint in feedback.hints:
        for code in ("def ", "return", "raise", "==", "header[", "hmac.", "time.time", "if "):
            assert code not in hint, (code, hint)


def test_a_partial_fix_lists_only_the_attacks_that_still_get_through():
    def my_verify(token, key):  # pins RS256 and checks every signature, but never looks at exp or aud
        header, claims, signature, signing_input = split_token(token)
        if header.get("alg") != "RS256" or not public_key_verifies("RS256", key, signing_input, signature):
            raise NaiveVerificationError("refused")
        return claims

    feedback = exercises.check_hardened_verifier(my_verify)
    assert not feedback.passed
    assert feedback.message.endswith(
        "2 of 15 attacks still get through: expired token replayed; token for another API replayed."
    )
    assert [hint.split(" — ")[0] for hint in feedback.hints] == ["exp not checked", "aud not checked"]


def test_a_verifier_that_returns_none_refuses():
    def my_verify(token, key):
        try:
            return ex14.my_verify(token, key)
        except NaiveVerificationError:
            return None

    assert exercises.check_hardened_verifier(my_verify).passed


@pytest.mark.parametrize(
    ("my_verify", "words"),
    [
        (lambda token, key: 1 / 0, "ZeroDivisionError"),
        (lambda token, key: None if token else {}, "returned None"),
        (lambda token, key: {"sub": "somebody"}, "did not return the token's claims"),
        (lambda token, key: [token], "did not return the token's claims"),
    ],
    ids=["crashes", "refuses-everything", "invents-claims", "returns-a-list"],
)
def test_a_verifier_must_still_accept_a_genuine_token(my_verify, words):
    feedback = exercises.check_hardened_verifier(my_verify)
    assert not feedback.passed
    assert "a genuine access token from the provider must still pass" in feedback.message
    assert words in feedback.message


def test_placeholders_are_unanswered():
    def my_verify(token, key): ...

    assert "no answer yet" in str(exercises.check_hardened_verifier(my_verify))
    assert "no answer yet" in str(exercises.check_hardened_verifier(...))


def test_the_notebooks_exercise_cell_is_the_learners_copy_of_the_naive_verifier():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    exercise = [cell for cell in cells if "exercises.check_hardened_verifier(my_verify)" in "".join(cell["source"])]
    assert len(exercise) == 1
    source = "".join(exercise[0]["source"])
    assert source.startswith(exercises.naive_verifier_source())
    assert "not yet: 15 of 15 attacks still get through" in json.dumps(exercise[0]["outputs"])


def test_the_copy_is_the_naive_verifier_renamed():
    source = exercises.naive_verifier_source()
    assert "def my_verify(token, key):" in source and "naive_verify" not in source
    assert "DELIBERATELY WRONG" not in source  # the copy is the learner's to fix


def test_the_hints_state_what_the_standards_say_not_tokenlabs_own_choices():
    hints = " ".join(exercises.check_hardened_verifier(learners_copy()).hints)
    # RFC 8725 §3.8: the key must be the issuer's; §3.10 only asks that jku and x5u are not followed blindly.
    assert "the key must belong to the token's issuer" in hints and "RFC 8725 §3.8, §3.10" in hints
    assert "are ignored" not in hints
    # RFC 7518 §3.2 sets the HMAC key length; refusing shorter keys outright is tokenlab's verifier's choice.
    assert "at least as long as the hash (32 bytes for HS256)" in hints and "RFC 7518 §3.2" in hints
    assert "a verifier refuses shorter ones" not in hints
    # RFC 7518 §3.6: no Unsecured JWS by default; 'never none' is tokenlab's choice, not the standard's.
    assert "accepts no unsigned token by default" in hints and "RFC 7518 §3.6" in hints
    assert "RFC 7515 §4.1.4, RFC 8725 §3.10" in hints
