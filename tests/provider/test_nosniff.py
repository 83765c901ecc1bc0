"""Every response of the provider carries X-Content-Type-Options: nosniff, read on the wire with a raw socket:
JSON, HTML pages, errors of every kind, and the recorder's own answer to an oversized body. A browser then believes
the Content-Type it is given and never runs a JSON error that echoes a parameter as a page."""

import base64
import socket

import pytest

from tokenlab.client import PKCE

from .conftest import MACHINE


def exchange(op, request: bytes) -> bytes:
    """Send ``request`` on a fresh connection and read the response head (status line and headers) off the wire."""
    with socket.create_connection(("127.0.0.1", op.port), timeout=10) as sock:
        sock.sendall(request)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(65536)
            if not chunk:
                break
            head += chunk
    return head.split(b"\r\n\r\n")[0]


def headers_of(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    return {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def post(path: str, body: str, *, extra: str = "") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body.encode())}\r\n{extra}\r\n{body}"
    ).encode()


def basic(credentials) -> str:
    return "Authorization: Basic " + base64.b64encode(":".join(credentials).encode()).decode() + "\r\n"


AUTHORIZE = (
    "/authorize?response_type=code&client_id=notebook-app&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback"
    f"&scope=openid&state=s&code_challenge={PKCE.make('v' * 43).challenge}&code_challenge_method=S256"
)

REQUESTS = {
    "discovery (JSON)": (get("/.well-known/openid-configuration"), 200),
    "JWKS": (get("/jwks.json"), 200),
    "login page (HTML)": (get(AUTHORIZE), 200),
    "authorize error page (HTML)": (get("/authorize?client_id=nobody"), 400),
    "device page (HTML)": (get("/device"), 200),
    "token response": (post("/token", "grant_type=client_credentials", extra=basic(MACHINE)), 200),
    "token error 400": (post("/token", "grant_type=password"), 400),
    "token error 401": (post("/token", "grant_type=client_credentials", extra=basic(("web-app", "wrong"))), 401),
    "API without a token 401": (get("/api/orders"), 401),
    "unknown path 404": (get("/nothing-here"), 404),
    "wrong method 405": (get("/token"), 405),
    "revocation 200, empty body": (post("/revoke", "token=x", extra=basic(MACHINE)), 200),
}


@pytest.mark.parametrize("request_bytes, status", REQUESTS.values(), ids=REQUESTS.keys())
def test_every_kind_of_response_says_nosniff_on_the_wire(op, request_bytes, status):
    head = exchange(op, request_bytes)
    assert head.startswith(f"HTTP/1.1 {status} ".encode()), head[:80]
    assert headers_of(head)["x-content-type-options"] == "nosniff"


def test_the_recorders_own_answer_to_an_oversized_body_says_nosniff_too(op):
    too_big = op.config.max_body_bytes + 1
    request = (
        f"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {too_big}\r\n\r\n"
    ).encode()
    head = exchange(op, request)
    assert head.startswith(b"HTTP/1.1 413 ")
    assert headers_of(head)["x-content-type-options"] == "nosniff"


def test_nosniff_is_sent_once_and_the_recorder_shows_it_as_sent(op, http):
    answer = http.get(op.url("/.well-known/openid-configuration"))
    assert answer.raw.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    recorded = dict(op.exchanges[-1].response_headers)
    assert recorded["X-Content-Type-Options"] == "nosniff"
