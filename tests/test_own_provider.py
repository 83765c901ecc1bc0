"""tokenlab.own_provider: settings from the environment, checks on the issuer, and every lesson's flow.

The flows run here against the course's provider on the system clock, as if it were a provider of the
learner's own (no notebook fixture, no port, no seed); tests/realprovider runs them on panva's oidc-provider.
"""

from __future__ import annotations

import socket

import pytest

from tokenlab import Clock, sign
from tokenlab.errors import AudienceMismatchError, InvalidClientError, OAuthError, UsageError
from tokenlab.keys import demo_key
from tokenlab.own_provider import ENVIRONMENT, OwnProvider, Report, Step, run_lesson
from tokenlab.provider import MockProvider


@pytest.fixture(scope="module")
def op():
    with MockProvider(clock=Clock.system()) as provider:
        yield provider


@pytest.fixture
def mine(op):
    return OwnProvider(
        issuer=op.issuer,
        client_id="reporting-service",
        client_secret="reporting-secret-3c9e7a1f5d2b8046",
        scope="reports:read",
        audience="demo-api",
        login_client_id="web-app",
        login_client_secret="web-app-secret-8f2d4c1e9b7a6350",
        redirect_uri="http://127.0.0.1/web/callback",
        login_scope="openid profile orders:read offline_access",
        username="alice",
        password="wonderland",
    )


def _outcomes(report: Report) -> dict[str, str]:
    return {step.title: step.outcome for step in report.steps}


def test_from_environment_reads_every_tokenlab_variable_and_strips_spaces():
    environ = {variable: f" value-of-{name} " for name, variable in ENVIRONMENT.items()}
    provider = OwnProvider.from_environment(environ)
    assert provider is not None
    assert provider.client_secret == "value-of-client_secret"
    assert provider.redirect_uri == "value-of-redirect_uri"


def test_without_an_issuer_no_provider_is_chosen_even_with_other_settings():
    assert OwnProvider.from_environment({"TOKENLAB_CLIENT_ID": "x", "TOKENLAB_ISSUER": "  "}) is None


def test_defaults_fill_what_the_environment_leaves_out():
    provider = OwnProvider.from_environment({"TOKENLAB_ISSUER": "https://id.example.com", "TOKENLAB_RESOURCE": "r"})
    assert provider.redirect_uri == "http://127.0.0.1/callback"
    assert provider.login_scope == "openid"
    assert provider.expected_audience == "r"
    assert not provider.can_log_in


def test_with_no_provider_chosen_the_report_says_how_to_choose_one_and_what_would_run():
    report = run_lesson(11, environ={})
    text = str(report)
    assert not report.ran
    assert "TOKENLAB_ISSUER" in text
    assert "TOKENLAB_LOGIN_CLIENT_ID" in text
    assert "    3. the ID token validated" in text
    assert repr(report) == text


@pytest.mark.parametrize(
    ("issuer", "says"),
    [
        ("id.example.com", "must be an https:// URL"),
        ("ftp://id.example.com", "must be an https:// URL"),
        ("https://id.example.com/?realm=x", "no query or fragment (RFC 8414 §2)"),
        ("http://id.example.com", "plain http: an issuer must use https (RFC 8414 §2"),
    ],
)
def test_a_bad_issuer_fails_before_any_request_with_the_rule_it_breaks(issuer, says):
    report = run_lesson(5, OwnProvider(issuer=issuer))
    assert [step.outcome for step in report.steps] == ["failed"]
    assert says in str(report)
    assert not report.ok


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_plain_http_is_allowed_on_loopback_only(host):
    assert OwnProvider(issuer=f"http://{host}:8080").problem() is None


def test_an_issuer_that_does_not_answer_is_one_failed_step_and_the_rest_are_skipped():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the request: nothing listens there
    report = run_lesson(5, OwnProvider(issuer=f"http://127.0.0.1:{port}", client_id="c", client_secret="s"))
    outcomes = _outcomes(report)
    assert outcomes["1. discovery"] == "failed"
    assert set(list(outcomes.values())[1:]) == {"skipped"}
    assert f"could not connect to http://127.0.0.1:{port}" in str(report)


def test_an_issuer_that_is_not_a_provider_is_a_failed_discovery_that_names_the_answer(op):
    report = run_lesson(5, OwnProvider(issuer=op.url("/api/orders")))
    assert _outcomes(report)["1. discovery"] == "failed"
    assert "answered 404" in str(report)


def test_an_unknown_lesson_is_a_usage_error_naming_the_lessons_that_have_a_flow():
    with pytest.raises(UsageError, match="lessons 5, 6, 10, 11"):
        run_lesson(7)


@pytest.mark.parametrize("lesson", [5, 6, 10, 11])
def test_every_step_succeeds_on_a_standard_provider(mine, lesson):
    report = run_lesson(lesson, mine)
    assert set(_outcomes(report).values()) == {"ok"}, str(report)
    assert report.ok


def test_lesson_10_shows_that_a_revoked_jwt_still_passes_an_offline_check(mine):
    text = str(run_lesson(10, mine))
    assert "6. an offline check after revocation: an API that only checks the signature still ACCEPTS it" in text


def test_a_provider_that_accepts_a_wrong_secret_is_a_failed_step():
    from tokenlab.own_provider.flow import refused

    with pytest.raises(OAuthError, match="the provider accepted it"):
        refused(lambda: None, InvalidClientError, "RFC 6749 §5.2")


def test_without_an_audience_the_api_check_is_skipped_saying_which_variable_to_set(mine):
    from dataclasses import replace

    report = run_lesson(5, replace(mine, audience=None))
    assert _outcomes(report)["4. verified with the JWKS"] == "skipped"
    assert "set TOKENLAB_AUDIENCE" in str(report)


def test_a_step_prints_its_mark_and_indents_further_lines():
    assert str(Step("2. x", "failed", "first\nsecond")) == "✗ 2. x: first\n    second"


def test_lesson_11_refuses_an_rfc_9068_access_token_as_an_id_token_by_its_typ(mine):
    text = str(run_lesson(11, mine))
    assert "4. an access token used as an ID token: refused: its typ is at+jwt, an access token (RFC 9068 §2.1)" in text


def test_lesson_11_does_not_require_typ_jwt_of_an_id_token_and_refuses_a_jwt_typed_access_token_by_its_audience():
    from tokenlab.own_provider import steps
    from tokenlab.own_provider.flow import Flow

    class _Verifier:
        def verify(self, token, **checks):
            assert "typ" not in checks  # OIDC Core §3.1.3.7 asks no typ of an ID token
            raise AudienceMismatchError("the token is for demo-api, not web-app.", claim="aud")

    flow = Flow(OwnProvider(issuer="https://id.example.com", login_client_id="web-app"))
    flow.values["tokens"] = {"access_token": sign({"aud": "demo-api"}, demo_key("RS256"), typ="JWT")}
    flow.verifier = _Verifier
    flow.algorithms = lambda: ["RS256"]
    assert steps._swap(flow).startswith("refused (AudienceMismatchError)")
