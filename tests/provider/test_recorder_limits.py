"""The recorder is bounded: the last CAPACITY exchanges, bodies cut at RECORDED_BODY_CHARS; bad lengths are 400s."""

import json
import socket

import pytest

from tokenlab.provider.recorder import CAPACITY, RECORDED_BODY_CHARS


def raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


# Header bytes are ISO-8859-1 on the wire (RFC 9110 §5.5): 0xB2 is '²', which str.isdigit() accepts and int() refuses.
@pytest.mark.parametrize("length", ["²", "5³", "¹", "+5", "-5", "0x5", "5.0"])
def test_a_content_length_that_is_not_ascii_digits_is_a_400_and_never_a_traceback(op, capfd, length):
    request = (
        f"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\ngrant_type=x"
    ).encode("latin-1")
    answer = raw(op.port, request)
    status_line = answer.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 400"), answer[:300]
    body = answer.partition(b"\r\n\r\n")[2]
    if body:
        assert json.loads(body)["error"] == "invalid_request"
    assert "Traceback" not in capfd.readouterr().err


def test_the_recorder_keeps_the_last_capacity_exchanges_and_numbers_keep_counting(op, http):
    for _ in range(CAPACITY + 25):
        http.get(op.url("/jwks.json"))
    kept = op.exchanges
    assert len(kept) == CAPACITY
    assert [kept[0].number, kept[-1].number] == [26, CAPACITY + 25]
    assert op.app.recorder.recorded == CAPACITY + 25


def test_clear_forgets_every_exchange_and_the_next_one_gets_the_next_number(op, http):
    http.get(op.url("/jwks.json"))
    http.get(op.url("/jwks.json"))
    op.app.recorder.clear()
    assert op.exchanges == []
    http.get(op.url("/jwks.json"))
    assert [e.number for e in op.exchanges] == [3]


def test_a_large_body_is_recorded_cut_short_with_a_note_saying_how_much_is_missing(op, http):
    junk = "a=" + "x" * 60_000
    http.post(op.url("/token"), data=junk, headers={"Content-Type": "application/x-www-form-urlencoded"})
    body = op.exchanges[-1].request_body
    assert len(body) < RECORDED_BODY_CHARS + 100
    assert body.endswith(f"… ({len(junk) - RECORDED_BODY_CHARS} more characters not recorded)")
