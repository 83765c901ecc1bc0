"""Redaction keeps tokens, keys and passwords out of logs and tracebacks, by position and by shape, and nothing else
is harmed.

Each position test puts one random opaque secret (no JWT or API-key shape to recognise) in one place a secret is
written, so that a rule that stops working makes exactly the test of its place fail.
"""

import contextlib
import io
import json
import logging
import signal
import string
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenlab import Clock, demo_key, sign
from tokenlab.redact import REDACTED, RedactingFilter, is_secret_name, redact

TOKEN = sign({"sub": "alice", "exp": Clock.frozen().timestamp() + 300}, demo_key("HS256"))

# Opaque secrets: the characters of random tokens that survive URL encoding unchanged, none of the shapes the
# scanner knows (a JWT starts with "eyJ"), and no piece of the text around them (Hypothesis tries this module's own
# strings as examples, and a secret "refresh_toke" would be found in the name refresh_token that stays).
SURROUNDINGS = Path(__file__).read_text().lower()


def stands_apart(secret):
    return not secret.startswith("ey") and all(
        piece.lower() not in SURROUNDINGS for piece in (secret, secret[:8], secret[-8:])
    )


opaque_secrets = st.text(alphabet=string.ascii_letters + string.digits + "-._~", min_size=12, max_size=64).filter(
    stands_apart
)
SCHEMES = ("Bearer", "Basic", "DPoP", "Token", "Digest", "Negotiate", "bearer")
KEY_HEADERS = ("X-Api-Key", "Api-Key", "X-Auth-Token", "Private-Token", "X-Access-Token", "x-api-key", "DPoP")
SECRET_NAMES = (
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "accessToken",
    "client_secret",
    "secret",
    "password",
    "passwd",
    "DB_PASSWORD",
    "passphrase",
    "code",
    "device_code",
    "code_verifier",
    "auth_code",
    "pwd",
    "client_assertion",
    "assertion",
    "api_key",
    "apikey",
    "apiKey",
    "private_key",
    "session",
    "session_id",
    "sessid",
    "credentials",
    "cookie",
    "Authorization",
)
position_settings = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])


def assert_gone(secret, text):
    redacted = redact(text)
    for piece in (secret, secret[:8], secret[-8:]):
        assert piece not in redacted, redacted
    return redacted


@position_settings
@given(secret=opaque_secrets, scheme=st.sampled_from(SCHEMES))
def test_an_authorization_value_in_a_dict_repr_is_redacted_and_its_scheme_kept(secret, scheme):
    redacted = assert_gone(secret, str({"Authorization": f"{scheme} {secret}", "Accept": "application/json"}))
    assert redacted == f"{{'Authorization': '{scheme} {REDACTED}', 'Accept': 'application/json'}}"


@position_settings
@given(secret=opaque_secrets, header=st.sampled_from(KEY_HEADERS))
def test_an_api_key_header_in_a_dict_repr_is_redacted(secret, header):
    assert_gone(secret, f"calling with headers { ({header: secret, 'Accept': '*/*'}) }")


@pytest.mark.parametrize("name", SECRET_NAMES)
@position_settings
@given(secret=opaque_secrets)
def test_a_secret_named_field_in_a_dict_repr_is_redacted(name, secret):
    redacted = assert_gone(secret, str({name: secret, "scope": "orders:read"}))
    assert redacted == f"{{'{name}': '{REDACTED}', 'scope': 'orders:read'}}"


@position_settings
@given(secret=opaque_secrets, name=st.sampled_from(SECRET_NAMES))
def test_a_secret_named_field_in_json_is_redacted(secret, name):
    redacted = assert_gone(secret, json.dumps({"token_type": "Bearer", name: secret, "expires_in": 600}))
    assert json.loads(redacted) == {"token_type": "Bearer", name: REDACTED, "expires_in": 600}


@position_settings
@given(secret=opaque_secrets, name=st.sampled_from(SECRET_NAMES))
def test_json_escaped_inside_a_string_is_redacted_too(secret, name):
    assert_gone(secret, json.dumps({"body": json.dumps({name: secret})}))


@position_settings
@given(secret=opaque_secrets, name=st.sampled_from(SECRET_NAMES))
def test_a_secret_named_parameter_in_a_form_or_query_string_is_redacted(secret, name):
    query = urlencode({"grant_type": "refresh_token", name: secret, "scope": "orders:read"})
    redacted = assert_gone(secret, f"POST /token?{query} HTTP/1.1")
    assert redacted.endswith("&scope=orders:read HTTP/1.1".replace(":", "%3A"))


@position_settings
@given(secret=opaque_secrets, name=st.sampled_from(SECRET_NAMES), quote=st.sampled_from(["'", '"']))
def test_a_secret_named_keyword_argument_in_a_repr_is_redacted(secret, name, quote):
    redacted = assert_gone(secret, f"Grant({name}={quote}{secret}{quote}, scope='orders:read')")
    assert redacted == f"Grant({name}={quote}{REDACTED}{quote}, scope='orders:read')"


@position_settings
@given(secret=opaque_secrets, scheme=st.sampled_from(SCHEMES))
def test_an_authorization_header_line_is_redacted_whatever_its_scheme(secret, scheme):
    text = f"GET /api/orders HTTP/1.1\nHost: 127.0.0.1\nAuthorization: {scheme} {secret}\nAccept: */*"
    redacted = assert_gone(secret, text)
    assert redacted == text.replace(secret, REDACTED)


@position_settings
@given(secret=opaque_secrets, header=st.sampled_from((*KEY_HEADERS, "Proxy-Authorization", "X-Session")))
def test_an_api_key_header_line_is_redacted(secret, header):
    assert_gone(secret, f"INFO api: request with {header}: {secret}")


@position_settings
@given(secret=opaque_secrets, header=st.sampled_from(["Cookie", "Set-Cookie"]))
def test_cookie_values_are_redacted_whatever_the_cookie_is_called(secret, header):
    assert_gone(secret, f"{header}: prefs={secret}; Path=/; HttpOnly")


@position_settings
@given(secret=opaque_secrets)
def test_the_password_in_a_url_is_redacted(secret):
    redacted = assert_gone(secret, f"connecting to postgres://shop:{secret}@db.internal:5432/shop")
    assert redacted == f"connecting to postgres://shop:{REDACTED}@db.internal:5432/shop"


@position_settings
@given(secret=opaque_secrets, name=st.sampled_from(SECRET_NAMES))
def test_redacting_twice_changes_nothing_more(secret, name):
    text = f"{ ({name: secret}) } {name}={secret}\nAuthorization: Basic {secret}"
    assert redact(redact(text)) == redact(text)


# Ordinary text: names that only describe a token, and everyday fields, in every position a secret could be in.
ORDINARY_NAMES = (
    "token_type",
    "token_type_hint",
    "token_endpoint",
    "tokenEndpoint",
    "authorization_endpoint",
    "introspection_endpoint_auth_methods_supported",
    "expires_in",
    "max_tokens",
    "tokens",
    "client_id",
    "redirect_uri",
    "grant_type",
    "scope",
    "state",
    "page",
    "status",
    "Accept",
    "Content-Type",
    "codex",
    "cookie_name",
    # a secret word, then an ending that says the name only describes a token: one name per ending
    "token_uri",
    "session_url",
    "token_endpoint_auth_methods_supported",
    "token_endpoint_auth_method",
    "token_auth_methods",
    "refresh_token_expires_in",
    "refresh_token_expires_at",
    "session_lifetime",
    "token_ttl",
    "token_count",
    "secret_length",
)
ordinary_values = st.text(alphabet=string.ascii_lowercase + string.digits + "-", min_size=1, max_size=24)


@settings(max_examples=200, deadline=None)
@given(
    fields=st.lists(st.tuples(st.sampled_from(ORDINARY_NAMES), ordinary_values), min_size=1, max_size=5),
    form=st.integers(min_value=0, max_value=4),
)
def test_ordinary_fields_are_left_alone_in_every_format(fields, form):
    record = dict(fields)
    text = [
        str(record),
        json.dumps(record),
        urlencode(record),
        "\n".join(f"{name}: {value}" for name, value in record.items()),
        ", ".join(f"{name}={value!r}" for name, value in record.items()),
    ][form]
    assert redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        'GET /api/orders?page=2 HTTP/1.1\nHost: 127.0.0.1\nAccept: */*\n{"orders": [1, 2]}\ncodex=1 tokens: 3',
        "HTTP status code: 401, pwd: /home/alice",
        'WWW-Authenticate: Bearer error="invalid_token", error_description="The access token expired"',
        '{"token_type": "Bearer", "expires_in": 600, "scope": "orders:read"}',
        "https://login.example.com/authorize?client_id=web-app&response_type=code&state=xyz",
        "see https://example.com:8443/docs for the token rules",
    ],
)
def test_text_without_secrets_is_unchanged(text):
    assert redact(text) == text
    assert redact("") == ""


@pytest.mark.parametrize(
    ("name", "secret"),
    [("refresh_token", True), ("X-Api-Key", True), ("clientSecret", True), ("token_type", False), ("nonce", False)],
)
def test_a_name_says_whether_it_carries_a_secret(name, secret):
    assert is_secret_name(name) is secret


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Bearer {TOKEN}",
        f"token verification failed for {TOKEN}",
        f"Cookie: tokenlab_session={TOKEN}",
    ],
)
def test_a_jwt_never_survives_redaction_wherever_it_sits(text):
    assert TOKEN not in redact(text)
    assert TOKEN[-20:] not in redact(text)


@pytest.mark.parametrize(
    ("secret", "shown"),
    [("xoxb-" + "7" * 10, "xoxb-…"), ("sk_test_" + "Q" * 10, "sk_test_…"), ("xoxb-" + "7" * 14, "xoxb-…7777")],
)
def test_a_short_secret_shows_its_prefix_and_its_last_characters_only_if_eight_more_stay_hidden(secret, shown):
    assert redact(f"found {secret} in the build log") == f"found {shown} in the build log"


def test_a_bare_jwt_keeps_its_prefix_and_last_characters_so_log_lines_can_be_matched():
    redacted = redact(f"saw {TOKEN} twice")
    assert redacted.startswith("saw eyJ") and redacted.endswith(f"{TOKEN[-4:]} twice")
    assert "…" in redacted


def private_key_pem(kind: str) -> str:
    """A freshly generated private key in PEM, as code that loads one might log it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    key = ec.generate_private_key(ec.SECP256R1()) if kind == "EC" else rsa.generate_private_key(65537, 2048)
    fmt = serialization.PrivateFormat.TraditionalOpenSSL if kind == "EC" else serialization.PrivateFormat.PKCS8
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


@pytest.mark.parametrize("kind", ["EC", "PKCS8"])
@pytest.mark.parametrize(
    "place",
    [
        lambda pem: pem,
        lambda pem: f"loaded key {pem!r} from disk",
        lambda pem: json.dumps({"signing": pem}),
        lambda pem: "config dump: " + pem[: len(pem) // 2],
    ],
    ids=["as-is", "repr", "json", "cut-off"],
)
def test_a_pem_private_key_keeps_its_begin_line_and_loses_every_line_of_its_body(kind, place):
    pem = private_key_pem(kind)
    body = pem.strip().splitlines()[1:-1]
    assert len(body) >= 3, pem
    redacted = redact(place(pem))
    assert "PRIVATE KEY-----" in redacted and REDACTED in redacted
    assert not [line for line in body if line[:16] in redacted], redacted


def logged(secret_logging, *, formatted_first=False):
    """What a handler with the filter writes, as the only handler of its logger (pytest's own capturing handlers
    are set aside: each formats a traceback into the record before ours sees it); ``formatted_first`` puts a
    handler that does so before it on purpose."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(RedactingFilter())
    log = logging.getLogger("tokenlab-test-redact")
    log.propagate = False
    before = log.handlers[:]
    log.handlers = [logging.StreamHandler(io.StringIO())] * formatted_first + [handler]
    try:
        secret_logging(log)
    finally:
        log.handlers = before
    return stream.getvalue()


@position_settings
@given(secret=opaque_secrets)
def test_the_logging_filter_redacts_messages_and_their_arguments(secret):
    written = logged(lambda log: log.warning("calling the API with headers %s", {"X-Api-Key": secret}))
    assert secret not in written and "calling the API with headers {'X-Api-Key': '[redacted]'}" in written


@pytest.mark.parametrize("formatted_first", [False, True], ids=["only-handler", "after-a-handler-that-formats"])
@position_settings
@given(secret=opaque_secrets)
def test_the_logging_filter_redacts_tracebacks(secret, formatted_first):
    def fail(log):
        try:
            raise ValueError(f"the API refused password={secret}")
        except ValueError:
            log.exception("request failed")

    written = logged(fail, formatted_first=formatted_first)
    assert secret not in written and "ValueError: the API refused password=[redacted]" in written


@position_settings
@given(secret=opaque_secrets)
def test_the_logging_filter_redacts_stack_information(secret):
    def with_stack(log):
        record = log.makeRecord(log.name, logging.INFO, __file__, 1, "stack follows", None, None)
        record.stack_info = f'Stack (most recent call last):\n  File "app.py", line 3\n    client_secret="{secret}"'
        log.handle(record)

    written = logged(with_stack)
    assert secret not in written and 'client_secret="[redacted]"' in written


@position_settings
@given(secret=opaque_secrets)
def test_a_message_whose_arguments_do_not_fit_its_format_is_still_written_and_still_redacted(secret):
    errors = io.StringIO()  # where logging reports a record it could not format, with its arguments
    with contextlib.redirect_stderr(errors):
        written = logged(lambda log: log.warning("token: %s, for %s", secret))  # two %s, one argument
    assert secret not in written + errors.getvalue()
    assert written == "token: [redacted]\n"


MEGABYTE = 1_000_000


@pytest.mark.parametrize(
    "text",
    [
        "'token': '" * (MEGABYTE // 10),  # quoted pairs that never close
        '\\"token\\": \\"' * (MEGABYTE // 14),  # escaped JSON that never closes
        "token " * (MEGABYTE // 6),  # a secret name, again and again, with nothing after it
        "Authorization: " + " " * MEGABYTE,  # a header whose value never starts
        "x" * 100 + "token" * (MEGABYTE // 5),  # one enormous name
        "eyJ" + "a" * MEGABYTE + ".",  # a JWT that never gets its payload
        "http://a:" * (MEGABYTE // 9),  # URLs whose password never ends
    ],
    ids=["quoted", "escaped-json", "names", "header", "long-name", "jwt", "userinfo"],
)
def test_redaction_finishes_on_a_megabyte_of_hostile_input(text):
    # Linear patterns take about a second here; one that backtracks would take hours. The alarm only stops a
    # run that hangs: it measures nothing.
    def hung(signum, frame):
        raise AssertionError("redaction is still running after 120 s: a pattern backtracks")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)
    try:
        redact(text)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
