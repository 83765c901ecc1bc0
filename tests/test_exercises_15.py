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


def test_a_verifier_that_never_checks_the_signature_is_caught():
    import jwt

    def check_token(token, keys):
        header, claims = jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})
        issued_for_us = claims["iss"] == "https://login.example.com" and claims["aud"] == "orders-api"
        if (
            header["alg"] != "RS256"
            or header.get("typ") != "at+jwt"
            or not issued_for_us
            or claims["exp"] <= 1767603600
        ):
            raise ValueError("refused")
        return claims

    feedback = str(exercises.check_capstone({**ex15.APP, "check_token": check_token}))
    assert "somebody else's key" in feedback and "3 of 4" in feedback


def test_the_lesson_states_everything_the_capstone_checks_without_the_code():
    import json
    from pathlib import Path

    notebook = json.loads(
        (Path(__file__).resolve().parent.parent / "notebooks" / "15-Handling-Tokens-Safely.ipynb").read_text()
    )
    page = "".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown")
    page += exercises.AUDIT_APP
    for needed in ("ORDERS_API_KEY", "https://login.example.com", "orders-api", "RS256", "at+jwt", "Clock.frozen()"):
        assert needed in page, needed
    assert "verify(token" not in page  # what to check is stated; the code is the learner's
