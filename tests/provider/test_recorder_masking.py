"""The recorder masks every secret the provider parses, however the client spelled it (SECURITY.md I6, CWE-532).

Each test sends real HTTP to a running provider, checks that the provider *did* read the secret (the request
succeeded), and then that the recorded exchange does not contain it.
"""

import json
import re
import socket
from html.parser import HTMLParser

import pytest

from tokenlab import client, decode_unverified
from tokenlab.provider.recorder import MASK

from .conftest import MACHINE, WEB

STUB = re.compile(r"^[A-Za-z0-9_-]{4}…[A-Za-z0-9_-]{4}$")  # an opaque secret as recorded: first 4 … last 4


def everything(exchange) -> str:
    return str(exchange) + exchange.query + exchange.path


def raw_request(port: int, request: bytes) -> bytes:
    """Send bytes as they are (no client library normalises them) and read the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += sock.recv(65536)
        head, _, rest = answer.partition(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
        while len(rest) < length:
            rest += sock.recv(65536)
    return head + b"\r\n\r\n" + rest


def post(port: int, path: str, body: bytes, content_type: str, extra: str = "") -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n"
    )
    return raw_request(port, head.encode() + body)


# --- client secrets, however the form spells them -------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "name"),
    [
        ("application/x-www-form-urlencoded", "client%5Fsecret"),
        ("application/x-www-form-urlencoded", "client%5fsecret"),
        ("application/x-www-form-urlencoded", "%63lient_secret"),
        ("Application/X-WWW-Form-URLEncoded", "client_secret"),
        ("APPLICATION/X-WWW-FORM-URLENCODED; charset=UTF-8", "client_secret"),
    ],
)
def test_a_client_secret_is_masked_however_the_form_spells_it_as_long_as_the_provider_reads_it(op, content_type, name):
    body = f"grant_type=client_credentials&client_id={MACHINE[0]}&{name}={MACHINE[1]}".encode()
    answer = post(op.port, "/token", body, content_type)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]  # the token endpoint parsed the secret
    recorded = op.exchanges[-1]
    assert MACHINE[1] not in everything(recorded)
    assert f"{name}={MASK}" in recorded.request_body  # the name as sent, the value masked


def test_a_client_secret_in_the_query_string_is_masked_too(op, http):
    http.post(op.url(f"/token?client%5Fsecret={MACHINE[1]}"), data={"grant_type": "client_credentials"})
    assert MACHINE[1] not in everything(op.exchanges[-1])


def test_a_secret_in_a_json_body_is_masked_even_where_the_provider_refuses_json(op, http):
    http.post(op.url("/token"), json={"grant_type": "client_credentials", "client_secret": MACHINE[1]})
    recorded = op.exchanges[-1]
    assert recorded.status == 400
    assert MACHINE[1] not in everything(recorded)
    assert json.loads(recorded.request_body)["client_secret"] == MASK


def test_a_json_secret_spelled_with_unicode_escapes_is_still_masked(op):
    body = json.dumps({"client_secret": MACHINE[1]}).replace("c", "\\u0063").encode()
    post(op.port, "/token", body, "application/json")
    recorded = op.exchanges[-1].request_body
    assert json.loads(recorded)["client_secret"] == MASK  # read as JSON, the way any parser would read it


# --- passwords on the login page ------------------------------------------------------------------------------


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "input" and found.get("name") and found.get("type") == "hidden":
            self.fields[found["name"]] = found.get("value") or ""


def _login_page(op, browser) -> dict[str, str]:
    meta = client.discover(op.issuer)
    url = client.authorization_url(
        meta,
        client_id="notebook-app",
        redirect_uri="http://127.0.0.1/callback",
        scope="openid orders:read",
        state="st",
        pkce=client.PKCE.make(),
    )
    page = browser.get(url)
    assert page.status_code == 200
    form = _Form()
    form.feed(page.text)
    assert "request_id" in form.fields
    return form.fields


def _multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = "tokenlab-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    return (("".join(parts) + f"--{boundary}--\r\n").encode(), f"multipart/form-data; boundary={boundary}")


@pytest.mark.parametrize("spelling", ["pass%77ord", "multipart", "mixed-case Content-Type"])
def test_the_login_password_never_reaches_the_record_however_the_form_is_sent(op, browser, spelling):
    fields = {**_login_page(op, browser), "username": "alice", "password": "wonderland", "action": "allow"}
    if spelling == "multipart":
        body, content_type = _multipart(fields)
    else:
        name = "pass%77ord" if spelling == "pass%77ord" else "password"
        body = "&".join([f"{k}={v}" for k, v in fields.items() if k != "password"] + [f"{name}=wonderland"]).encode()
        content_type = (
            "Application/X-WWW-Form-Urlencoded"
            if spelling.startswith("mixed")
            else ("application/x-www-form-urlencoded")
        )
    answer = browser.post(
        op.url("/authorize"),
        data=body,
        headers={"Origin": op.issuer, "Content-Type": content_type},
        allow_redirects=False,
    )
    if spelling == "multipart":  # tokenlab's login page refuses it (400), but the record must not keep it either
        assert answer.status_code in (303, 400)
    else:
        assert answer.status_code == 303, answer.text[:300]  # the provider read the password and signed alice in
    recorded = op.exchanges[-1]
    assert recorded.method == "POST" and recorded.path == "/authorize"
    assert "wonderland" not in everything(recorded)
    assert "alice" in recorded.request_body  # what is no secret stays readable


def test_a_multipart_form_whose_secret_is_too_short_to_find_is_withheld_whole(op, browser):
    fields = {**_login_page(op, browser), "username": "alice", "password": "wond"}
    body, content_type = _multipart(fields)
    browser.post(op.url("/authorize"), data=body, headers={"Content-Type": content_type}, allow_redirects=False)
    recorded = op.exchanges[-1]
    assert "wond" not in recorded.request_body
    assert recorded.request_body.startswith("(body withheld")


def test_the_login_pages_request_id_is_shown_as_the_same_stub_on_the_page_and_in_the_post(op, browser):
    hidden = _login_page(op, browser)
    page = op.exchanges[-1]
    request_id = hidden["request_id"]
    stub = f"{request_id[:4]}…{request_id[-4:]}"
    assert request_id not in everything(page)
    assert f'value="{stub}"' in page.response_body
    browser.post(
        op.url("/authorize"),
        data={**hidden, "username": "alice", "password": "wonderland", "action": "allow"},
        headers={"Origin": op.issuer},
        allow_redirects=False,
    )
    posted = op.exchanges[-1]
    assert f"request_id={stub}" in posted.request_body and request_id not in everything(posted)
    assert posted.kind.label == "login and consent"


# --- codes, verifiers, refresh tokens: recognisable, not replayable ----------------------------------------------


def _code_flow(op, http):
    meta = client.discover(op.issuer)
    pkce = client.PKCE.make()
    url = client.authorization_url(
        meta,
        client_id="notebook-app",
        redirect_uri="http://127.0.0.1/callback",
        scope="openid profile orders:read",
        state="st",
        pkce=pkce,
    )
    redirect = client.login_as(url, "alice", "wonderland", session=http)
    tokens = client.exchange_code(
        meta, redirect.code, client_id="notebook-app", redirect_uri="http://127.0.0.1/callback", pkce=pkce
    )
    return meta, pkce, redirect, tokens


def test_codes_verifiers_and_refresh_tokens_are_recorded_as_prefix_and_last_characters(op, browser):
    _, pkce, redirect, tokens = _code_flow(op, browser)
    login, exchange = op.exchanges[-2], op.exchanges[-1]
    secrets = [redirect.code, pkce.verifier, tokens["refresh_token"]]
    for secret in secrets:
        assert secret not in everything(login) + everything(exchange)
    location = login.response_header("Location")
    assert f"code={redirect.code[:4]}…{redirect.code[-4:]}&state=st" in location
    assert f"code_verifier={pkce.verifier[:4]}…{pkce.verifier[-4:]}" in exchange.request_body
    recorded = exchange.json()
    assert STUB.match(recorded["refresh_token"])
    assert recorded["refresh_token"] == f"{tokens['refresh_token'][:4]}…{tokens['refresh_token'][-4:]}"
    # JWTs stay whole: the lessons decode them from the record
    assert recorded["access_token"] == tokens["access_token"]
    assert recorded["id_token"] == tokens["id_token"]
    assert decode_unverified(recorded["access_token"]).claims["sub"] == "user-alice"


def test_two_refresh_tokens_in_a_rotation_are_told_apart_in_the_record(op, browser):
    meta, _, _, tokens = _code_flow(op, browser)
    client.refresh(meta, tokens["refresh_token"], client_id="notebook-app")
    rotation = op.exchanges[-1]
    sent = rotation.request_body.split("refresh_token=")[1].split("&")[0]
    received = rotation.json()["refresh_token"]
    assert STUB.match(sent) and STUB.match(received) and sent != received


def test_a_device_code_is_recorded_as_a_stub_and_the_user_code_stays_readable(op, http):
    answer = http.post(op.url("/device_authorization"), data={"client_id": "tv-app", "scope": "openid"}).json()
    recorded = op.exchanges[-1].json()
    assert recorded["device_code"] == f"{answer['device_code'][:4]}…{answer['device_code'][-4:]}"
    assert recorded["user_code"] == answer["user_code"]  # shown on the TV for a person to type: not a secret


def test_an_opaque_access_token_is_a_stub_wherever_it_appears(op, http):
    tokens = op.mint("web-app", "alice", scope="orders:read")
    http.post(op.url("/revoke"), data={"token": tokens["refresh_token"]}, auth=WEB)
    assert tokens["refresh_token"] not in everything(op.exchanges[-1])
    http.get(op.url("/api/orders"), headers={"Authorization": "Bearer " + "o" * 20 + "paque-token-value"})
    assert op.exchanges[-1].request_header("Authorization") == "Bearer oooo…alue"


def test_a_jwt_bearer_token_stays_whole_so_a_lesson_can_decode_it(op, http):
    token = op.mint("web-app", "alice", scope="orders:read")["access_token"]
    http.get(op.url("/api/orders"), headers={"Authorization": f"Bearer {token}"})
    assert op.exchanges[-1].request_header("Authorization") == f"Bearer {token}"


# --- API keys -----------------------------------------------------------------------------------------------------


def test_an_api_key_is_recorded_as_its_prefix_and_last_four_wherever_it_appears(op, http):
    created = http.post(op.url("/keys"), data={"scope": "reports:read", "name": "ci"}, auth=MACHINE)
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    stub = f"tl_live_…{key[-4:]}"
    assert op.exchanges[-1].json()["key"] == stub
    http.get(op.url("/key-api/reports"), headers={"Authorization": f"Bearer {key}"})
    assert op.exchanges[-1].request_header("Authorization") == f"Bearer {stub}"
    http.get(op.url("/key-api/reports"), headers={"X-API-Key": key})
    assert op.exchanges[-1].request_header("X-Api-Key") == stub
    http.get(op.url("/key-api/reports"), headers={"Authorization": key})  # no scheme at all
    assert op.exchanges[-1].request_header("Authorization") == stub
    http.get(op.url(f"/key-api/reports?api%5Fkey={key}"))
    for exchange in op.exchanges:
        assert key not in everything(exchange)


def test_a_secret_is_masked_wherever_else_the_exchange_repeats_it(op, http):
    created = http.post(op.url("/keys"), data={"scope": "reports:read"}, auth=MACHINE).json()
    key = created["key"]
    answer = http.get(op.url(f"/nothing/{key}"), headers={"Authorization": f"Bearer {key}"})
    assert key in answer.text  # the 404 page names the path it was asked for
    recorded = op.exchanges[-1]
    assert key not in everything(recorded)
    assert recorded.path == f"/nothing/tl_live_…{key[-4:]}"
    assert f"tl_live_…{key[-4:]}" in recorded.response_body


def test_basic_credentials_cookies_and_session_cookies_stay_fully_hidden(op, http):
    http.post(op.url("/token"), data={"grant_type": "client_credentials"}, auth=MACHINE)
    assert op.exchanges[-1].request_header("Authorization") == f"Basic {MASK}"
    http.get(op.url("/jwks.json"), headers={"Cookie": "tokenlab_session=abcdefgh12345678"})
    assert op.exchanges[-1].request_header("Cookie") == MASK


def test_underscores_inside_a_random_code_are_not_mistaken_for_an_api_key_prefix():
    from tokenlab.provider.masking import redact

    assert redact("ALw7HEe_9exHHOc_Qz8bLw1x0r5YkPZkevo") == "ALw7…kevo"
    assert redact("tl_live_au1xiWY6iUIiETtBxcTkXCFRhs5avtZu0XrREr") == "tl_live_…rREr"
    assert redact("short-secret") == MASK  # under 16 characters: 8 shown would be most of it


def test_a_token_and_a_code_in_the_query_string_are_recorded_as_their_stubs_and_the_rest_as_sent(op, http):
    refresh = op.mint("web-app", "alice", scope="orders:read")["refresh_token"]
    code = "Zq81" + "c" * 24 + "x9Wk"  # opaque, as the provider issues codes
    answer = http.get(op.url(f"/api/orders?access_token={refresh}&page=2&code={code}"))
    assert answer.status_code == 400  # the provider read the token in the query, and refuses that method
    recorded = op.exchanges[-1]
    assert recorded.query == f"access_token={refresh[:4]}…{refresh[-4:]}&page=2&code=Zq81…x9Wk"
    assert recorded.url == f"/api/orders?{recorded.query}"
    assert refresh not in str(recorded) and code not in str(recorded)
