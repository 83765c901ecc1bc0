"""The provider's HTTP/1.1 server, read off the wire with raw sockets: keep-alive, pipelining, slow clients that
hold no thread, and a Content-Length that is no number answered 400 without a traceback."""

import socket
import threading

import requests

from tokenlab.provider import MockProvider, ProviderConfig

DISCOVERY = b"GET /.well-known/openid-configuration HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def read_response(sock: socket.socket, buffered: bytearray) -> tuple[bytes, dict[str, str], bytes]:
    """One response off ``sock`` (``buffered`` holds bytes already read past the previous one): status line,
    headers by lower-case name, and the body of exactly ``Content-Length`` bytes."""
    while b"\r\n\r\n" not in buffered:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection after {bytes(buffered)[:80]!r}"
        buffered += chunk
    head, _, rest = bytes(buffered).partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    length = int(headers["content-length"])
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection in the middle of a body"
        rest += chunk
    buffered[:] = rest[length:]
    return status.encode("latin-1"), headers, rest[:length]


def connect(op: MockProvider) -> socket.socket:
    return socket.create_connection(("127.0.0.1", op.port), timeout=10)


def test_ten_requests_on_one_socket_get_ten_answers_and_none_says_connection_close(op):
    with connect(op) as sock:
        buffered = bytearray()
        for _ in range(10):
            sock.sendall(DISCOVERY)
            status, headers, body = read_response(sock, buffered)
            assert status == b"HTTP/1.1 200 OK"
            assert headers.get("connection", "keep-alive").lower() != "close"
            assert b'"issuer"' in body
    assert len(op.exchanges) == 10


def test_keep_alive_reuses_one_connection_for_many_requests(op, http):
    client_ports = set()
    for _ in range(5):
        response = http.get(op.url("/jwks.json"), stream=True)
        assert response.headers.get("Connection", "keep-alive").lower() != "close"
        client_ports.add(response.raw.connection.sock.getsockname()[1])  # the client's end of the socket it used
        response.content  # noqa: B018 (read to the end, so that the connection goes back to the pool)
    assert len(client_ports) == 1, f"{len(client_ports)} connections for 5 requests"


def test_pipelined_requests_are_answered_in_order(op):
    paths = ["/jwks.json", "/.well-known/openid-configuration", "/nothing-here", "/jwks.json"]
    with connect(op) as sock:
        sock.sendall(b"".join(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode() for path in paths))
        buffered = bytearray()
        answers = [read_response(sock, buffered) for _ in paths]
    assert [status.split()[1] for status, _, _ in answers] == [b"200", b"200", b"404", b"200"]
    assert b'"keys"' in answers[0][2] and b'"issuer"' in answers[1][2]
    assert [e.path for e in op.exchanges] == paths


def test_a_burst_of_slow_half_sent_requests_neither_blocks_a_normal_client_nor_grows_the_thread_count():
    # The slow clients may stall for a minute; a normal client that had to wait behind them would hit its own
    # 5-second timeout and fail the test. No duration is measured.
    with MockProvider(ProviderConfig.demo(read_timeout=60.0)) as op:
        with requests.Session() as http:
            http.get(op.url("/jwks.json")).raise_for_status()  # the server's threads are all started
        threads = threading.active_count()
        slow = [connect(op) for _ in range(50)]
        try:
            for sock in slow:
                sock.sendall(b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")  # and no more, for now
            with requests.Session() as http:
                for _ in range(5):
                    assert http.get(op.url("/.well-known/openid-configuration"), timeout=5).status_code == 200
            assert threading.active_count() == threads
        finally:
            for sock in slow:
                sock.close()


def test_a_slow_client_is_cut_off_after_the_read_timeout():
    with MockProvider(ProviderConfig.demo(read_timeout=0.5)) as op, connect(op) as sock:
        sock.sendall(b"GET /jwks.json HTTP/1.1\r\nHost: 127.")
        # closed, unanswered: it never finished its request (a server that never cut it would leave recv to
        # the socket's 10-second timeout, which raises)
        assert sock.recv(65536) == b""


def test_an_idle_keep_alive_connection_is_closed_after_the_read_timeout():
    with MockProvider(ProviderConfig.demo(read_timeout=0.5)) as op, connect(op) as sock:
        sock.sendall(DISCOVERY)
        assert read_response(sock, bytearray())[0] == b"HTTP/1.1 200 OK"
        assert sock.recv(65536) == b""  # closed by the server (else the socket's 10-second timeout raises)


def test_a_content_length_with_non_ascii_digits_is_a_400_that_cites_rfc_9110_not_a_500_or_a_traceback(op, capfd):
    assert "²".isdigit()  # what a server that trusts str.isdigit() (then int()) would take for a length
    with connect(op) as sock:
        sock.sendall(
            "POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: ²\r\n\r\nGET /jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
        )
        status, headers, body = read_response(sock, bytearray())
        assert sock.recv(65536) == b""  # what follows a length that is no length is never read as a request
    assert [e.path for e in op.exchanges] == ["/token"]
    assert status.startswith(b"HTTP/1.1 400 ")
    assert b"RFC 9110 section 8.6" in body and b"Traceback" not in body
    assert headers["connection"] == "close"
    assert headers["x-content-type-options"] == "nosniff"
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
    assert op.app.errors == []


def test_a_header_block_over_64_kib_is_a_431_and_the_server_goes_on(op):
    with connect(op) as sock:
        sock.sendall(b"GET /jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Junk: " + b"x" * (65 * 1024) + b"\r\n\r\n")
        status, headers, _ = read_response(sock, bytearray())
    assert status.split()[1] == b"431"  # answered before the request line is trusted, so as HTTP/1.0
    assert headers["x-content-type-options"] == "nosniff"
    with connect(op) as sock:
        sock.sendall(DISCOVERY)
        assert read_response(sock, bytearray())[0] == b"HTTP/1.1 200 OK"


def test_a_body_declared_over_the_limit_is_answered_at_once_and_never_read():
    # The server would wait a minute for a body it meant to read; the client gives up after 10 seconds (and the
    # test fails), so an answer means it came without the body.
    with MockProvider(ProviderConfig.demo(read_timeout=60.0)) as op, connect(op) as sock:
        sock.sendall(
            b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 999999999\r\n\r\n" + b"x" * 1000
        )
        status, headers, body = read_response(sock, bytearray())
    assert status.startswith(b"HTTP/1.1 413 ")
    assert b"accepts at most 65536" in body
    assert headers["connection"] == "close"
