"""Bad bodies, huge bodies, lying clients, internal errors and load (SECURITY.md H1–H4)."""

import json
import socket
import threading
import time

import pytest
import requests

from tokenlab import decode_unverified
from tokenlab.provider import MockProvider, ProviderConfig

from .conftest import MACHINE


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (json.dumps({"grant_type": "client_credentials"}), "application/json"),
        ("grant_type=client_credentials", "text/plain"),
        ("grant_type=client_credentials", None),
        (b"grant_type=\xff\xfe", "application/x-www-form-urlencoded"),
    ],
    ids=["json", "text-plain", "no-content-type", "not-utf8"],
)
def test_h1_malformed_body_or_wrong_content_type_is_400_invalid_request(op, http, body, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = http.post(op.url("/token"), data=body, headers=headers, auth=MACHINE)
    if content_type is None:
        assert "Content-Type" not in response.request.headers
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_h1_a_parameter_given_twice_is_invalid_request(op, http):
    body = "grant_type=client_credentials&scope=reports%3Aread&scope=reports%3Aread"
    response = http.post(
        op.url("/token"), data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}, auth=MACHINE
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_h2_a_body_over_64_kib_is_refused_with_413_before_it_is_read(op, http):
    response = http.post(
        op.url("/token"), data="a=" + "x" * (64 * 1024), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413
    assert response.json()["error"] == "invalid_request"


def raw_request(port: int, data: bytes, timeout: float = 5) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def test_h2_a_content_length_that_lies_is_cut_off_quickly_while_others_are_served():
    config = ProviderConfig.demo(read_timeout=0.5)
    with MockProvider(config) as op, requests.Session() as http:
        result = {}

        def liar():
            head = b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
            start = time.monotonic()
            result["answer"] = raw_request(op.port, head + b"grant_type=client_credentials")
            result["seconds"] = time.monotonic() - start

        thread = threading.Thread(target=liar)
        thread.start()
        assert http.post(op.url("/token"), data={"grant_type": "client_credentials"}, auth=MACHINE).status_code == 200
        thread.join()
        assert result["answer"].startswith(b"HTTP/1.1 400")
        assert b"shorter than its Content-Length" in result["answer"]
        assert result["seconds"] < 3
        assert op.app.errors == []


def test_h2_a_huge_declared_content_length_is_refused_without_reading(op):
    head = b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 999999999\r\n\r\n"
    answer = raw_request(op.port, head, timeout=3)
    assert answer.startswith(b"HTTP/1.1 413")


def test_h3_an_internal_error_is_a_json_server_error_without_a_stack_trace(op, http, monkeypatch):
    from tokenlab.provider import discovery

    def broken(app):
        raise RuntimeError("secret internal detail at /srv/app.py line 12")

    monkeypatch.setattr(discovery, "metadata", broken)
    response = http.get(op.url("/.well-known/openid-configuration"))
    assert response.status_code == 500
    assert response.json() == {"error": "server_error", "error_description": "The provider met an unexpected error."}
    assert "Traceback" not in response.text and "secret internal detail" not in response.text
    assert [type(e) for e in op.app.errors] == [RuntimeError]
    op.app.errors.clear()


def test_h3_unknown_paths_and_methods_answer_json(op, http):
    missing = http.get(op.url("/nothing-here"))
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong_method = http.get(op.url("/token"))
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"] == "invalid_request"
    assert "POST" in wrong_method.headers["Allow"]


def test_h4_many_concurrent_token_requests_issue_unique_jtis_without_deadlock(op):
    tokens: list[str] = []
    lock = threading.Lock()

    def worker():
        with requests.Session() as session:
            for _ in range(15):
                body = session.post(op.url("/token"), data={"grant_type": "client_credentials"}, auth=MACHINE).json()
                with lock:
                    tokens.append(body["access_token"])

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "deadlock: workers still running"
    jtis = [decode_unverified(t).claims["jti"] for t in tokens]
    assert len(jtis) == 120 and len(set(jtis)) == 120
    assert len(op.exchanges) == 120
