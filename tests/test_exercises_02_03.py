"""The exercise checks of notebooks 02 and 03 accept the worked solutions, coach typical
wrong answers with hints, never reveal the answer, and never raise."""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from tokenlab import Clock, decode_unverified, demo_key, demo_key_set, exercises, generate_key, sign, verify
from tokenlab.errors import InvalidTokenError
from tokenlab.exercises import Feedback
from tokenlab.tokens import b64url_encode

ROOT = Path(__file__).resolve().parent.parent
API = "https://api.example.com"


def _load_solution(name: str) -> ModuleType:
    path = ROOT / "solutions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"solutions_{name}", path)
    assert spec is not None and spec.loader is not None, f"cannot load {path}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sol02 = _load_solution("ex02")
sol03 = _load_solution("ex03")
clock = Clock.frozen()


def _text(feedback: Feedback) -> str:
    return "\n".join([feedback.message, *feedback.hints])


def assert_solved(feedback: Feedback) -> None:
    assert isinstance(feedback, Feedback)
    assert feedback.passed, str(feedback)
    assert "solved" in str(feedback)


def assert_not_yet_with_hint(feedback: Feedback, *, hiding: tuple[str, ...] = ()) -> None:
    assert isinstance(feedback, Feedback)
    assert not feedback.passed, str(feedback)
    assert feedback.hints, f"no hint in: {feedback}"
    for secret in hiding:
        assert secret not in _text(feedback), f"{secret!r} revealed in: {feedback}"


def assert_unanswered(feedback: Feedback) -> None:
    assert isinstance(feedback, Feedback)
    assert not feedback.passed
    assert feedback.message.startswith("no answer yet — replace the ..."), str(feedback)


ODD_ANSWERS = [None, ..., 42, 3.5, True, "", "x.y.z", b"\xff", [], {}, {"keys": []}, object(), Feedback, print]


def _raises(*_args: object) -> object:
    raise RuntimeError("learner bug")


# --- the checks are exported where the notebooks look for them --------------------


def test_checks_are_reexported_from_tokenlab_exercises():
    for name in (
        "check_b64url_decode",
        "check_token_reading",
        "check_predicted_warnings",
        "token_to_read",
        "suspicious_token",
        "WARNING_CODES",
        "check_es256_token",
        "check_pick_key",
        "check_api_verifier",
    ):
        assert hasattr(exercises, name), name


@pytest.mark.parametrize(
    "check",
    [
        exercises.check_b64url_decode,
        exercises.check_token_reading,
        exercises.check_predicted_warnings,
        exercises.check_es256_token,
        exercises.check_pick_key,
        exercises.check_api_verifier,
    ],
)
@pytest.mark.parametrize("answer", ODD_ANSWERS, ids=lambda a: type(a).__name__)
def test_no_check_raises_on_odd_answers(check, answer):
    feedback = check(answer)
    assert isinstance(feedback, Feedback)
    assert not feedback.passed


@pytest.mark.parametrize(
    "check",
    [exercises.check_b64url_decode, exercises.check_pick_key, exercises.check_api_verifier],
)
def test_a_learner_function_that_raises_becomes_feedback(check):
    assert_not_yet_with_hint(check(_raises))


# --- Exercise 2.1: base64url by hand ----------------------------------------------

B64_SECRETS = ("-len(", "% 4)", '"=" *', "'=' *")


def test_2_1_solution_is_solved():
    assert_solved(exercises.check_b64url_decode(sol02.my_b64url_decode))


def test_2_1_placeholder_and_empty_body_are_unanswered():
    assert_unanswered(exercises.check_b64url_decode(...))

    def my_b64url_decode(text):
        """Decode unpadded base64url text (RFC 7515 §2) into bytes."""
        ...

    assert_unanswered(exercises.check_b64url_decode(my_b64url_decode))


@pytest.mark.parametrize(
    ("wrong", "hint_says"),
    [
        (lambda t: base64.urlsafe_b64decode(t), "padding"),
        (lambda t: base64.b64decode(t + "=" * (-len(t) % 4)), "'-' and '_'"),
        (lambda t: base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)).decode("latin-1"), "bytes"),
        (lambda t: t.encode(), "urlsafe_b64decode"),
        (lambda t: base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)) if len(t) % 4 == 0 else None, "return"),
    ],
    ids=["no padding", "plain alphabet", "returns str", "returns input", "forgets a branch"],
)
def test_2_1_typical_mistakes_get_a_hint(wrong, hint_says):
    feedback = exercises.check_b64url_decode(wrong)
    assert_not_yet_with_hint(feedback, hiding=B64_SECRETS)
    assert hint_says in _text(feedback)


def test_2_1_feedback_counts_what_is_right_so_far():
    feedback = exercises.check_b64url_decode(lambda t: base64.b64decode(t + "=" * (-len(t) % 4)))
    assert feedback.message.startswith("9 of 12 test inputs decode correctly.")


def test_2_1_reports_a_base64_error_without_pointing_into_the_base64_module():
    feedback = exercises.check_b64url_decode(lambda t: base64.urlsafe_b64decode(t))
    assert "base64 refused the input: Incorrect padding." in feedback.message
    assert "binascii" not in feedback.message


# --- Exercise 2.2: read a token -----------------------------------------------------

SUBJECT, EXPIRES_AT = sol02.read_token()
READ_SECRETS = (SUBJECT, EXPIRES_AT)


def test_2_2_solution_is_solved_and_matches_the_token():
    assert (SUBJECT, EXPIRES_AT) == ("u-7f3a9c2e", "2026-01-05T09:07:30Z")
    assert_solved(exercises.check_token_reading(SUBJECT, EXPIRES_AT))
    assert_solved(exercises.check_token_reading(SUBJECT, "2026-01-05T09:07:30+00:00"))


def test_2_2_placeholders_are_unanswered():
    assert_unanswered(exercises.check_token_reading(..., ...))
    assert_unanswered(exercises.check_token_reading(SUBJECT, ...))
    assert_unanswered(exercises.check_token_reading(..., EXPIRES_AT))


@pytest.mark.parametrize(
    ("subject", "expires_at", "hint_says"),
    [
        ("mobile-app", EXPIRES_AT, "RFC 7519 §4.1.2"),
        ("https://login.example.com", EXPIRES_AT, "RFC 7519 §4.1.2"),
        ("alice", EXPIRES_AT, "whom the token is about"),
        (SUBJECT, 1767604050, "NumericDate"),
        (SUBJECT, "2026-01-05T08:52:30Z", "RFC 7519 §4.1.4"),
        (SUBJECT, "2026-01-05T10:07:30Z", "timezone.utc"),
        (SUBJECT, "2026-01-05T09:07:30", "'Z'"),
        (SUBJECT, "2026-01-05 09:07:30 UTC", "ISO 8601"),
        (SUBJECT, "2026-01-05T10:07:30+01:00", "UTC"),
        (SUBJECT, "next tuesday", "2026-01-05T09:00:00Z"),
    ],
)
def test_2_2_typical_mistakes_get_a_hint(subject, expires_at, hint_says):
    feedback = exercises.check_token_reading(subject, expires_at)
    assert_not_yet_with_hint(feedback, hiding=READ_SECRETS)
    assert hint_says in _text(feedback)


def test_2_2_the_token_is_deterministic_and_signed_by_the_demo_issuer():
    token = exercises.token_to_read()
    assert token == exercises.token_to_read()
    claims = verify(token, demo_key("RS256").public(), algorithms=["RS256"], audience=API, clock=clock)
    assert claims["sub"] == SUBJECT


# --- Exercise 2.3: predict the warnings ---------------------------------------------

PREDICTED = sol02.predicted_warnings()


def test_2_3_solution_is_solved_and_is_what_the_decoder_says():
    decoded = decode_unverified(exercises.suspicious_token(), clock=clock)
    assert {w.code for w in decoded.warnings} & set(exercises.WARNING_CODES) == PREDICTED
    assert_solved(exercises.check_predicted_warnings(PREDICTED))
    assert_solved(exercises.check_predicted_warnings(sorted(PREDICTED)))
    assert_solved(exercises.check_predicted_warnings(", ".join(sorted(PREDICTED))))


def test_2_3_placeholder_is_unanswered():
    assert_unanswered(exercises.check_predicted_warnings(...))


@pytest.mark.parametrize(
    "predicted",
    [
        set(),
        {"no_aud"},
        {"alg_none"},
        {"header_jku", "no_aud", "long_lived"},
        PREDICTED | {"weak_secret"},
        PREDICTED | {"expired"},
        {"no_exp", "alg_none", "weak_secret"},
        {"no_audience"},
        {1, 2},
    ],
    ids=repr,
)
def test_2_3_wrong_predictions_get_a_hint_without_the_answer(predicted):
    feedback = exercises.check_predicted_warnings(predicted)
    assert_not_yet_with_hint(feedback, hiding=(str(sorted(PREDICTED)), ", ".join(sorted(PREDICTED)), str(PREDICTED)))


# --- Exercise 3.1: sign an ES256 token ----------------------------------------------

ES256_TOKEN = sol03.es256_token()


def test_3_1_solution_is_solved():
    assert_solved(exercises.check_es256_token(ES256_TOKEN))


def test_3_1_placeholder_is_unanswered():
    assert_unanswered(exercises.check_es256_token(...))


@pytest.mark.parametrize(
    ("claims", "alg", "hint_says"),
    [
        ({"sub": "alice", "aud": API, "exp": clock.timestamp() + 300}, "RS256", "ES256 demo key"),
        ({"sub": "alice", "aud": API, "exp": clock.timestamp() + 3000}, "ES256", "five minutes"),
        ({"sub": "alice", "aud": API, "exp": 300}, "ES256", "clock.timestamp()"),
        ({"sub": "alice", "aud": API}, "ES256", "exp"),
        ({"sub": "alice", "aud": API, "exp": 1e300}, "ES256", "clock.timestamp()"),
        ({"sub": "alice", "aud": API, "exp": "09:05"}, "ES256", "NumericDate"),
        ({"sub": "bob", "aud": API, "exp": clock.timestamp() + 300}, "ES256", "RFC 7519 §4.1.2"),
        ({"sub": "alice", "exp": clock.timestamp() + 300}, "ES256", "RFC 7519 §4.1.3"),
        ({"sub": "alice", "aud": "api.example.com", "exp": clock.timestamp() + 300}, "ES256", "exactly"),
        (
            {"sub": "alice", "aud": API, "exp": clock.timestamp() + 300, "nbf": clock.timestamp() + 60},
            "ES256",
            "Leave out",
        ),
    ],
)
def test_3_1_typical_mistakes_get_a_hint(claims, alg, hint_says):
    feedback = exercises.check_es256_token(sign(claims, demo_key(alg)))
    assert_not_yet_with_hint(feedback, hiding=(ES256_TOKEN,))
    assert hint_says in _text(feedback)


def test_3_1_a_token_from_another_es256_key_or_tampered_is_not_yet():
    stranger = sign({"sub": "alice", "aud": API, "exp": clock.timestamp() + 300}, generate_key("ES256"))
    assert_not_yet_with_hint(exercises.check_es256_token(stranger), hiding=(ES256_TOKEN,))
    header, payload, signature = ES256_TOKEN.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "mallory"
    tampered = f"{header}.{b64url_encode(json.dumps(claims).encode())}.{signature}"
    assert_not_yet_with_hint(exercises.check_es256_token(tampered), hiding=(ES256_TOKEN,))


# --- Exercise 3.2: pick the key by kid ----------------------------------------------

PICK_SECRETS = ('get("kid") == kid', "get('kid') == kid", "isinstance(kid, str)")


def test_3_2_solution_is_solved():
    assert_solved(exercises.check_pick_key(sol03.pick_key))


def test_3_2_placeholder_and_empty_body_are_unanswered():
    assert_unanswered(exercises.check_pick_key(...))

    def pick_key(token, jwks):
        """Return the entry of jwks["keys"] whose "kid" is the token header's kid, or None."""
        ...

    assert_unanswered(exercises.check_pick_key(pick_key))


def test_3_2_a_stricter_answer_that_also_checks_alg_is_solved():
    def pick_key(token, jwks):
        entry = sol03.pick_key(token, jwks)
        return entry if entry and entry.get("alg") == decode_unverified(token).header.get("alg") else None

    assert_solved(exercises.check_pick_key(pick_key))


def _header(token):
    return decode_unverified(token).header


def _by_kid(token, jwks):
    kid = _header(token).get("kid")
    return next((entry for entry in jwks["keys"] if entry.get("kid") == kid), None)


@pytest.mark.parametrize(
    ("wrong", "hint_says"),
    [
        (lambda token, jwks: jwks["keys"][0], "nothing else"),
        (
            lambda token, jwks: next((e for e in jwks["keys"] if e["alg"] == _header(token)["alg"]), None),
            "rotation",
        ),
        (
            lambda token, jwks: next((e for e in jwks["keys"] if e["kid"] == _header(token)["kid"]), None),
            ".get('kid')",
        ),
        (lambda token, jwks: _header(token).get("kid"), "whole entry"),
        (lambda token, jwks: demo_key_set().get(_header(token).get("kid")), "whole entry"),
        (lambda token, jwks: _by_kid(token, jwks) or jwks["keys"][0], "RFC 7515 §4.1.4"),
        (lambda token, jwks: _header(token).get("jwk") or _by_kid(token, jwks), "RFC 7515 §4.1.3"),
        (
            lambda token, jwks: next(
                (e for e in jwks["keys"] if str(_header(token).get("kid", "")).endswith(e["kid"][-4:])), None
            ),
            "whole strings",
        ),
        (
            lambda token, jwks: next((e for e in jwks["keys"] if str(_header(token).get("kid")) in e["kid"]), None),
            "whole strings",
        ),
    ],
    ids=[
        "first key",
        "by alg",
        "header['kid']",
        "returns kid",
        "returns Key",
        "falls back",
        "trusts jwk",
        "suffix",
        "substring",
    ],
)
def test_3_2_typical_mistakes_get_a_hint(wrong, hint_says):
    feedback = exercises.check_pick_key(wrong)
    assert_not_yet_with_hint(feedback, hiding=PICK_SECRETS)
    assert hint_says in _text(feedback)


# --- Exercise 3.3: verify like an API -----------------------------------------------

VERIFY_SECRETS = ("['RS256', 'ES256', 'EdDSA']", '["RS256", "ES256", "EdDSA"]', "RS256, ES256, EdDSA")
JWKS = demo_key_set().jwks()
ALGS = ["RS256", "ES256", "EdDSA"]


def test_3_3_solution_is_solved():
    assert_solved(exercises.check_api_verifier(sol03.verify_for_api))


def test_3_3_placeholder_and_empty_body_are_unanswered():
    assert_unanswered(exercises.check_api_verifier(...))

    def verify_for_api(token):
        """Return the verified claims of a token meant for API, or raise InvalidTokenError."""
        ...

    assert_unanswered(exercises.check_api_verifier(verify_for_api))


def _swallowing(token):
    try:
        return sol03.verify_for_api(token)
    except InvalidTokenError:
        return None


def _rewrapping(token):
    try:
        return sol03.verify_for_api(token)
    except InvalidTokenError as err:
        raise ValueError("bad token") from err


@pytest.mark.parametrize(
    ("wrong", "hint_says"),
    [
        (lambda token: verify(token, JWKS, algorithms=ALGS, audience=API), "clock=clock"),
        (lambda token: verify(token, JWKS, algorithms=ALGS, clock=clock), "audience"),
        (lambda token: verify(token, JWKS, algorithms=["RS256"], audience=API, clock=clock), "alg"),
        (
            lambda token: verify(token, demo_key("RS256").public(), algorithms=ALGS, audience=API, clock=clock),
            "whole key set",
        ),
        (lambda token: decode_unverified(token).claims, "RFC 8725 §3.1"),
        (lambda token: verify(token, JWKS, algorithms=ALGS, audience=API, clock=clock, require=()), "exp"),
        (
            lambda token: verify(
                token, JWKS, algorithms=ALGS, audience=[API, "https://billing.example.com"], clock=clock
            ),
            "audience",
        ),
        (_swallowing, "raising"),
        (_rewrapping, "Let verify() raise"),
        (lambda token: {"sub": "alice"}, "claims"),
        (lambda token: verify(token, JWKS, algorithms=ALGS, audience=API, clock=clock), "Name the issuer"),
    ],
    ids=[
        "no clock",
        "no audience",
        "one alg",
        "one key",
        "decodes only",
        "no exp needed",
        "two audiences",
        "returns None",
        "ValueError",
        "fixed dict",
        "no issuer",
    ],
)
def test_3_3_typical_mistakes_get_a_hint(wrong, hint_says):
    feedback = exercises.check_api_verifier(wrong)
    assert_not_yet_with_hint(feedback, hiding=VERIFY_SECRETS)
    assert hint_says in _text(feedback)


def test_3_3_bad_tokens_are_each_refused_by_the_solution_for_the_reason_named():
    from tokenlab.exercises import ex03

    reasons = {}
    for case in ex03._bad_tokens():
        with pytest.raises(InvalidTokenError) as caught:
            sol03.verify_for_api(case.token)
        reasons[case.name.split(" ")[0]] = type(caught.value).__name__
    assert reasons == {
        "unsigned": "AlgorithmNotAllowedError",
        "algorithm-confusion": "AlgorithmNotAllowedError",
        "unknown-key": "UnknownKeyError",
        "tampered": "InvalidSignatureError",
        "expired": "TokenExpiredError",
        "meant": "AudienceMismatchError",
        "other-tenant": "IssuerMismatchError",
        "never-expiring": "MissingClaimError",
    }


def test_exercise_tokens_are_the_same_on_every_call():
    from tokenlab.exercises import ex03

    assert exercises.suspicious_token() == exercises.suspicious_token()
    assert ex03._fixed_ec_key("x", "k").public_jwk() == ex03._fixed_ec_key("x", "k").public_jwk()
    assert sol03.es256_token() == ES256_TOKEN


def test_no_3_2_hint_cites_rfc_8725_section_3_10_for_what_it_does_not_say():
    # RFC 8725 §3.10 is about sanitizing kid and not following jku blindly; that an unknown kid means
    # no trusted key, and that a key in the token proves nothing, are RFC 7515 §4.1.4 and §10.3.
    from tokenlab.exercises.ex03 import _kid_cases

    hints = [case.hint_if_entry for case in _kid_cases() if "kid is in no entry" in case.what or "own key" in case.what]
    assert len(hints) == 2
    assert all("RFC 8725 §3.10" not in hint for hint in hints)
    assert "RFC 7515 §4.1.4" in hints[0] and "RFC 7515 §10.3" in hints[1]


def test_the_3_3_hint_for_a_token_without_exp_says_requiring_exp_is_tokenlabs_choice():
    from tokenlab.exercises.ex03 import _bad_tokens

    hint = next(case.hint for case in _bad_tokens() if "no exp" in case.name)
    assert "tokenlab's verify() chooses to require exp" in hint
    assert "RFC 7519 §4.1" in hint and "RFC 9068 §2.2" in hint
