"""The capstone check of notebook 15 accepts the fixed app, and names each finding still open without fixing it."""

import requests

from solutions import ex15
from tokenlab import exercises


def original_app():
    namespace = {}
    exec(exercises.AUDIT_APP, namespace)
    return namespace


def test_the_fixed_app_is_solved():
    assert exercises.check_capstone(ex15.APP).passed


def test_the_original_app_has_all_four_findings_open():
    feedback = exercises.check_capstone(original_app())
    assert not feedback.passed and "0 of 4" in feedback.message
    hints = " ".join(feedback.hints)
    assert "ORDERS_API_KEY" in hints and "in the URL" in hints and "log line" in hints and "another API" in hints


def test_each_finding_is_judged_on_its_own():
    app = {**original_app(), "build_request": ex15.build_request, "log_call": ex15.log_call}
    feedback = exercises.check_capstone(app)
    assert "2 of 4" in feedback.message
    assert len(feedback.hints) == 2


def test_a_key_kept_as_a_fallback_in_the_source_is_still_a_finding():
    def load_api_key(environ):
        return environ.get("ORDERS_API_KEY", "tl_live_3xKq9VbT2mWcR7pLzN4yHd8sJf6gAe1uQ0rt9a4P")

    feedback = exercises.check_capstone({**ex15.APP, "load_api_key": load_api_key})
    assert "fail loudly" in str(feedback)


def test_a_log_line_that_keeps_the_authorization_header_is_caught():
    def log_call(logger, request):
        logger.info("%s %s %s", request.method, request.url, dict(request.headers))

    assert "log line still carries the token" in str(exercises.check_capstone({**ex15.APP, "log_call": log_call}))


def test_a_verifier_without_typ_lets_an_id_token_through():
    from tokenlab import Clock, verify

    def check_token(token, keys):
        return verify(
            token,
            keys,
            algorithms=["RS256"],
            issuer="https://login.example.com",
            audience="orders-api",
            clock=Clock.frozen(),
        )

    assert "ID token" in str(exercises.check_capstone({**ex15.APP, "check_token": check_token}))


def test_a_request_with_the_header_but_still_the_query_token_is_caught():
    def build_request(base_url, token):
        return requests.Request(
            "GET", f"{base_url}/orders?access_token={token}", headers={"Authorization": f"Bearer {token}"}
        )

    assert "still in the URL" in str(exercises.check_capstone({**ex15.APP, "build_request": build_request}))


def test_stubs_are_unanswered():
    def load_api_key(environ): ...

    assert "no answer yet" in str(exercises.check_capstone({"load_api_key": load_api_key}))
