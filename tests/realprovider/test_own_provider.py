"""Lessons 05, 06, 10 and 11's flows on your own provider (tokenlab.own_provider), run on panva's oidc-provider.

The provider is chosen the way a learner chooses theirs: by ``TOKENLAB_*`` variables, read by
``OwnProvider.from_environment``; discovery finds every endpoint.
"""

from __future__ import annotations

import pytest

from tokenlab.own_provider import OwnProvider, run_lesson

from .test_oidc_provider import API, MACHINE, REDIRECT_URI, SPA


@pytest.fixture
def environ(issuer):
    return {
        "TOKENLAB_ISSUER": issuer,
        "TOKENLAB_CLIENT_ID": MACHINE["client_id"],
        "TOKENLAB_CLIENT_SECRET": MACHINE["client_secret"],
        "TOKENLAB_RESOURCE": API,
        "TOKENLAB_SCOPE": "api:read",
        "TOKENLAB_LOGIN_CLIENT_ID": SPA,
        "TOKENLAB_REDIRECT_URI": REDIRECT_URI,
        "TOKENLAB_USERNAME": "alice",
        "TOKENLAB_PASSWORD": "any password will do",
    }


def _outcomes(report):
    return {step.title: step.outcome for step in report.steps}


@pytest.mark.parametrize("lesson", [5, 6, 10, 11])
def test_every_step_of_the_lesson_succeeds_on_the_real_provider(environ, lesson):
    report = run_lesson(lesson, environ=environ)
    assert report.ran
    assert set(_outcomes(report).values()) == {"ok"}, str(report)


def test_lesson_05_verifies_the_rfc_9068_token_and_sees_the_wrong_secret_refused(environ):
    text = str(run_lesson(5, environ=environ))
    assert "a JWT, alg RS256, typ at+jwt" in text
    assert "signature, iss, aud and exp check out" in text
    assert "refused with invalid_client, as RFC 6749 §5.2 requires" in text


def test_lesson_06_sees_pkce_and_single_use_codes_enforced(environ):
    text = str(run_lesson(6, environ=environ))
    assert "4. a code with the wrong verifier: refused with invalid_grant" in text
    assert "access_token, id_token, refresh_token" in text
    assert "6. the same code again: refused with invalid_grant" in text


def test_lesson_10_sees_the_revoked_token_inactive_and_the_revoked_refresh_token_refused(environ):
    text = str(run_lesson(10, environ=environ))
    assert "3. introspection: active: true" in text
    assert "5. introspection after revocation: active: false" in text
    assert "7. revoking the refresh token: revoked; using it again was refused with invalid_grant" in text


def test_lesson_11_validates_the_id_token_and_logs_in_again_silently(environ):
    text = str(run_lesson(11, environ=environ))
    assert "nonce, at_hash; sub 'alice'" in text
    assert "prompt=none gave a code without any page" in text
    assert "(the same auth_time)" in text


def test_without_login_settings_the_login_steps_are_skipped_with_what_to_set(environ):
    machine_only = {k: v for k, v in environ.items() if "LOGIN" not in k}
    report = run_lesson(6, environ=machine_only)
    assert _outcomes(report)["1. discovery"] == "ok"
    assert _outcomes(report)["3. log in"] == "skipped"
    assert "set TOKENLAB_LOGIN_CLIENT_ID" in str(report)
    assert report.ok


def test_a_wrong_password_is_a_failed_step_that_says_so_not_a_traceback(environ):
    provider = OwnProvider.from_environment({**environ, "TOKENLAB_CLIENT_SECRET": "nope"})
    report = run_lesson(5, provider)
    assert _outcomes(report)["2. client credentials"] == "failed"
    assert "invalid_client" in str(report)
    assert not report.ok
