"""The checks of notebook 11 accept the worked solutions and hint (never answer) otherwise."""

import pytest

from solutions import ex11
from tokenlab import decode_unverified, exercises, verify


def test_token_jobs_solution_is_solved():
    assert exercises.check_token_jobs(ex11.TOKEN_JOBS).passed


def _swapped(*jobs):
    other = {"id_token": "access_token", "access_token": "id_token"}
    return {k: (other[v] if k in jobs else v) for k, v in ex11.TOKEN_JOBS.items()}


def test_swapped_jobs_get_the_count_and_both_questions():
    feedback = exercises.check_token_jobs(_swapped("a", "b"))
    assert not feedback.passed and "3 of 5" in feedback.message
    assert "who logged in" in " ".join(feedback.hints) and "calling an API" in " ".join(feedback.hints)


def test_the_hints_are_the_same_whichever_job_is_wrong_so_they_never_point_at_an_answer():
    hints = {tuple(exercises.check_token_jobs(_swapped(job)).hints) for job in ex11.TOKEN_JOBS}
    assert len(hints) == 1
    (same,) = hints
    assert same, "no hints to check"
    assert not any(hint.startswith(f"{job}:") or f"job {job}" in hint for job in ex11.TOKEN_JOBS for hint in same)


@pytest.mark.parametrize(
    ("answers", "words"), [({"a": "jwt"}, "exactly 'id_token'"), (["a"], "expected a dict"), (..., "no answer yet")]
)
def test_odd_job_answers(answers, words):
    assert words in str(exercises.check_token_jobs(answers))


def test_id_token_validator_solution_is_solved():
    assert exercises.check_id_token_validator(ex11.validate).passed


def forgets_nonce(id_token, keys, client_id, issuer, nonce, clock):
    return verify(id_token, keys, algorithms=["ES256"], audience=client_id, issuer=issuer, clock=clock)


def forgets_typ(id_token, keys, client_id, issuer, nonce, clock):
    claims = verify(id_token, keys, algorithms=["ES256"], audience=client_id, issuer=issuer, clock=clock)
    if claims.get("nonce") != nonce:
        raise ValueError("nonce")
    return claims


def requires_typ_jwt(id_token, keys, client_id, issuer, nonce, clock):
    claims = verify(id_token, keys, algorithms=["ES256"], audience=client_id, issuer=issuer, clock=clock, typ="JWT")
    if claims.get("nonce") != nonce:
        raise ValueError("nonce")
    return claims


def wrong_audience(id_token, keys, client_id, issuer, nonce, clock):
    return verify(
        id_token,
        keys,
        algorithms=["ES256"],
        audience=["shop-app", "orders-api", "other-app"],
        issuer=issuer,
        clock=clock,
    )


@pytest.mark.parametrize(
    ("attempt", "words"),
    [(forgets_nonce, "another nonce"), (forgets_typ, "access token passed off"), (wrong_audience, "another nonce")],
)
def test_validators_that_skip_a_check_are_caught(attempt, words):
    feedback = exercises.check_id_token_validator(attempt)
    assert not feedback.passed and words in feedback.message


def test_requiring_typ_jwt_is_refused_because_oidc_core_asks_for_no_typ():
    feedback = exercises.check_id_token_validator(requires_typ_jwt)
    assert not feedback.passed
    assert "refuses a valid ID token whose header has no typ" in feedback.message
    assert "don't require typ JWT" in " ".join(feedback.hints)


def test_an_id_token_without_typ_and_one_with_typ_jwt_are_both_accepted_by_the_solution():
    from tokenlab.exercises import ex11 as checker

    good = [token for _, token, ok in checker._cases() if ok]
    assert [decode_unverified(token).header.get("typ") for token in good] == [None, "JWT"]


def test_the_access_token_hint_names_the_type_without_giving_the_code():
    feedback = exercises.check_id_token_validator(forgets_typ)
    hint = " ".join(feedback.hints)
    assert "at+jwt" in hint and "RFC 9068 §2.1" in hint
    assert "removeprefix" not in hint and "decode_unverified" not in hint


def test_a_validator_that_refuses_everything_is_told_so():
    def refuse(*args):
        raise ValueError("no")

    feedback = exercises.check_id_token_validator(refuse)
    assert "it refuses a valid ID token" in feedback.message


def test_a_stub_is_unanswered():
    def validate(id_token, keys, client_id, issuer, nonce, clock): ...

    assert "no answer yet" in str(exercises.check_id_token_validator(validate))


def test_answering_access_token_for_every_job_gets_the_count_and_both_questions():
    feedback = exercises.check_token_jobs(dict.fromkeys(ex11.TOKEN_JOBS, "access_token"))
    assert not feedback.passed and "2 of 5" in feedback.message
    assert "who logged in" in " ".join(feedback.hints) and "calling an API" in " ".join(feedback.hints)


def test_the_names_written_with_a_space_or_capitals_are_read_as_the_names():
    answers = {k: v.replace("_", " ").upper() for k, v in ex11.TOKEN_JOBS.items()}
    assert exercises.check_token_jobs(answers).passed
