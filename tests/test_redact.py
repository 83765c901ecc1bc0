"""Redaction keeps tokens, keys and passwords out of logs and tracebacks, and nothing else is harmed."""

import io
import logging

import pytest

from tokenlab import Clock, demo_key, sign
from tokenlab.redact import REDACTED, RedactingFilter, redact

TOKEN = sign({"sub": "alice", "exp": Clock.frozen().timestamp() + 300}, demo_key("HS256"))


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Bearer {TOKEN}",
        f"authorization:Basic {TOKEN}",
        f"GET /api/orders?access_token={TOKEN}&page=2",
        f'{{"access_token": "{TOKEN}", "token_type": "Bearer"}}',
        f"{{'refresh_token': '{TOKEN}'}}",
        f"token verification failed for {TOKEN}",
        f"client_secret=web-app-secret-8f2d4c1e9b7a6350&grant_type=refresh_token&refresh_token={TOKEN}",
        f"Cookie: tokenlab_session={TOKEN}",
    ],
)
def test_a_token_never_survives_redaction_wherever_it_sits(text):
    assert TOKEN not in redact(text)
    assert TOKEN[-20:] not in redact(text)


def test_secrets_in_forms_and_json_are_replaced_but_the_rest_is_kept():
    assert redact("grant_type=client_credentials&client_secret=s3cr3t&scope=reports") == (
        f"grant_type=client_credentials&client_secret={REDACTED}&scope=reports"
    )
    assert (
        redact('{"password": "hunter2", "username": "alice"}') == f'{{"password": "{REDACTED}", "username": "alice"}}'
    )


def test_a_bare_jwt_keeps_its_prefix_and_last_characters_so_log_lines_can_be_matched():
    redacted = redact(f"saw {TOKEN} twice")
    assert redacted.startswith("saw eyJ") and redacted.endswith(f"{TOKEN[-4:]} twice")
    assert "…" in redacted


def test_text_without_secrets_is_unchanged():
    text = 'GET /api/orders?page=2 HTTP/1.1\nHost: 127.0.0.1\nAccept: */*\n{"orders": [1, 2]}\ncodex=1 tokens: 3'
    assert redact(text) == text
    assert redact("") == ""


def test_the_logging_filter_redacts_messages_arguments_and_tracebacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    log = logging.getLogger("tokenlab-test-redact")
    log.propagate = False
    log.addHandler(handler)
    try:
        log.warning("calling the API with headers %s", {"Authorization": f"Bearer {TOKEN}"})
        try:
            raise ValueError(f"the API refused {TOKEN}")
        except ValueError:
            log.exception("request failed")
    finally:
        log.removeHandler(handler)
    written = stream.getvalue()
    assert TOKEN not in written
    assert "calling the API with headers" in written and "ValueError: the API refused eyJ" in written
