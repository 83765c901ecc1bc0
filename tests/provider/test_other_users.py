"""On a shared host a lesson's provider answers only its own Unix user; ``tokenlab serve`` answers everyone.

The cross-user tests connect from a child process that has switched to another uid (``nobody``), which takes
root: they are how the guard is proved on a real socket, and CI runs as root. The parser is tested everywhere.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import warnings

import pytest

from tokenlab.provider import MockProvider, peer
from tokenlab.provider.peer import UNKNOWN, client_uid, peer_uid, sock_diag_uid

NOBODY = 65534
HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"


def row(n: int, local: str, remote: str, uid: int) -> str:
    return f"   {n}: {local} {remote} 01 00000000:00000000 00:00000000 00000000  {uid}        0 {n + 1} 1\n"


def test_the_owner_of_the_client_end_is_read_from_the_table():
    table = HEADER + row(0, "0100007F:A1B2", "0100007F:20D6", 1002) + row(1, "0100007F:20D6", "0100007F:A1B2", 1001)
    assert peer_uid(table, client=("127.0.0.1", 0xA1B2), server_port=0x20D6) == 1002


def test_a_big_endian_table_is_read_as_well():
    table = HEADER + row(0, "7F000001:A1B2", "7F000001:20D6", 1002)
    assert peer_uid(table, client=("127.0.0.1", 0xA1B2), server_port=0x20D6) == 1002


def test_only_the_servers_end_listed_is_unknown_and_so_refused():
    table = HEADER + row(0, "0100007F:20D6", "0100007F:A1B2", 1001)
    assert peer_uid(table, client=("127.0.0.1", 0xA1B2), server_port=0x20D6) == UNKNOWN


def test_a_table_listing_neither_end_tells_nothing():
    table = HEADER + row(0, "0100007F:1111", "0100007F:2222", 1002)
    assert peer_uid(table, client=("127.0.0.1", 0xA1B2), server_port=0x20D6) is None
    assert peer_uid("", client=("127.0.0.1", 1), server_port=2) is None


def test_other_addresses_and_malformed_lines_are_ignored():
    table = (
        HEADER
        + row(0, "0200000A:A1B2", "0100007F:20D6", 1002)  # 10.0.0.2, not loopback
        + "   1: garbage\n"
        + row(2, "0100007F:ZZZZ", "0100007F:20D6", 1003)
        + row(3, "0100007F:A1B2", "0100007F:20D6", 1004)
    )
    assert peer_uid(table, client=("127.0.0.1", 0xA1B2), server_port=0x20D6) == 1004


linux = pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="asks Linux about its TCP sockets")


@linux
def test_both_ways_of_asking_name_this_process_as_the_owner_of_its_own_connection():
    with MockProvider() as op, socket.create_connection(("127.0.0.1", op.port)) as conn:
        client_port = conn.getsockname()[1]
        assert sock_diag_uid(("127.0.0.1", client_port), op.port) == os.geteuid()
        table = peer.TCP_TABLE.read_text()
        assert peer_uid(table, client=("127.0.0.1", client_port), server_port=op.port) == os.geteuid()
        assert client_uid(("127.0.0.1", client_port), op.port) == os.geteuid()


@linux
def test_sock_diag_knows_no_socket_that_does_not_exist():
    with MockProvider() as op:
        assert sock_diag_uid(("127.0.0.1", 1), op.port) == UNKNOWN


@pytest.fixture(params=["sock_diag", "table"])
def lookup(request, monkeypatch):
    """Run a test with the kernel asked over sock_diag, and again with only /proc/net/tcp to read."""
    if request.param == "table":

        def no_sock_diag(*args):
            raise OSError("no NETLINK_SOCK_DIAG here")

        monkeypatch.setattr(peer, "sock_diag_uid", no_sock_diag)
    return request.param


def fetch_as(
    uid: int | None, port: int, path: str = "/.well-known/openid-configuration", source: str = "127.0.0.1"
) -> bytes:
    """The raw HTTP response to GET ``path``, sent over a fresh socket from ``source`` by a child running as ``uid``."""
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork beside the provider's threads: the child only talks
        pid = os.fork()
    if pid == 0:  # the child: become uid, ask, hand the answer back through the pipe, leave without any cleanup
        try:
            os.close(read_end)
            if uid is not None:
                os.setgid(uid)
                os.setuid(uid)
            with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0)) as conn:
                conn.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
                while chunk := conn.recv(65536):
                    os.write(write_end, chunk)
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        answer = pipe.read()
    os.waitpid(pid, 0)
    return answer


needs_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="connecting as another Unix user takes root"
)


@needs_root
def test_another_users_connection_gets_403_and_is_never_recorded(lookup):
    with MockProvider() as op:
        response = fetch_as(NOBODY, op.port)
        assert response.startswith(b"HTTP/1.1 403 "), response[:200]
        assert f"comes from Unix user {NOBODY}".encode() in response
        assert op.exchanges == []
        assert fetch_as(None, op.port).startswith(b"HTTP/1.1 200 ")  # its own user, on the same provider
        assert len(op.exchanges) == 1


@needs_root
def test_another_user_connecting_from_another_loopback_address_is_refused_too(lookup):
    with MockProvider() as op:
        assert fetch_as(NOBODY, op.port, source="127.0.0.2").startswith(b"HTTP/1.1 403 ")
        assert fetch_as(None, op.port, source="127.0.0.2").startswith(b"HTTP/1.1 200 ")
        assert len(op.exchanges) == 1


@needs_root
def test_another_user_cannot_reach_the_login_page_either(lookup):
    with MockProvider() as op:
        assert fetch_as(NOBODY, op.port, "/authorize?client_id=notebook-app").startswith(b"HTTP/1.1 403 ")
        assert op.exchanges == []


@needs_root
def test_a_provider_opened_to_other_users_answers_them():
    with MockProvider(allow_other_users=True) as op:
        assert fetch_as(NOBODY, op.port).startswith(b"HTTP/1.1 200 ")


@needs_root
def test_tokenlab_serve_stays_open_to_every_local_client():
    with subprocess.Popen(
        [sys.executable, "-m", "tokenlab", "serve", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as serve:
        try:
            issuer = json.loads(serve.stdout.readline())["issuer"]
            port = int(issuer.rsplit(":", 1)[1])
            response = fetch_as(NOBODY, port)
            assert response.startswith(b"HTTP/1.1 200 "), response[:200]
            assert json.loads(response.split(b"\r\n\r\n", 1)[1])["issuer"] == issuer
        finally:
            serve.terminate()
            serve.communicate(timeout=10)


def as_nobody(action) -> None:
    """Run ``action()`` in a forked child that has become ``nobody``; wait for it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        try:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            action()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


@linux
def test_a_client_that_has_closed_is_vouched_for_by_nobody():
    """A closed client socket lingers as a time-wait socket, which Linux lists with uid 0 and no inode."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        address = client.getsockname()
        client.sendall(b"x")
        client.close()
        server_end, _ = listener.accept()
        with server_end:
            server_end.recv(1)
            assert server_end.recv(1) == b""  # the client's FIN has arrived: its end is in FIN-WAIT-2 / time-wait
            assert sock_diag_uid(address, port) == UNKNOWN
            assert peer_uid(peer.TCP_TABLE.read_text(), client=address, server_port=port) == UNKNOWN


BODY = b"grant_type=client_credentials&client_id=reporting-service&client_secret=reporting-secret-3c9e7a1f5d2b8046"


@needs_root
def test_another_user_cannot_get_a_token_from_a_root_run_provider_by_closing_early(lookup):
    """5 MB of headers, then close: a check made after parsing them would find a time-wait socket (uid 0)."""
    pad = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"a" * 60000) for i in range(90))
    request = (
        b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: %d\r\n%s\r\n%s" % (len(BODY), pad, BODY)
    )
    with MockProvider() as op:

        def attack():
            for _ in range(3):
                with socket.create_connection(("127.0.0.1", op.port)) as conn, contextlib.suppress(OSError):
                    conn.sendall(request)

        as_nobody(attack)
        op.stop()  # joins every thread: whatever the attack started has finished
        assert op.exchanges == []


@needs_root
def test_another_user_cannot_hold_threads_in_a_learners_provider():
    """Connections that never finish their headers are refused when accepted, before a handler thread is spent."""
    with MockProvider() as op:
        before = threading.active_count()
        ready_read, ready_write = os.pipe()
        release_read, release_write = os.pipe()

        def attack():
            conns = [socket.create_connection(("127.0.0.1", op.port)) for _ in range(100)]
            for conn in conns:
                with contextlib.suppress(OSError):
                    conn.sendall(b"GET / HTTP/1.1\r\n")  # and never the blank line that ends the headers
            os.write(ready_write, b"x")
            os.read(release_read, 1)

        child = threading.Thread(target=as_nobody, args=(attack,))
        child.start()
        os.read(ready_read, 1)
        deadline = time.monotonic() + 0.5
        most = 0
        while time.monotonic() < deadline:
            most = max(most, threading.active_count() - before)
        os.write(release_write, b"x")
        child.join()
        assert most <= 5, f"{most} threads held by another user's unfinished requests"
        assert fetch_as(None, op.port).startswith(b"HTTP/1.1 200 ")


@linux
def test_the_table_fallback_answers_the_owners_dual_stack_client(monkeypatch):
    """A client on an IPv6 socket connected to ::ffff:127.0.0.1 (Java's default) is listed in /proc/net/tcp6."""

    def no_sock_diag(*args):
        raise OSError("no NETLINK_SOCK_DIAG here")

    monkeypatch.setattr(peer, "sock_diag_uid", no_sock_diag)
    with MockProvider() as op, socket.socket(socket.AF_INET6) as conn:
        conn.connect(("::ffff:127.0.0.1", op.port))
        conn.sendall(b"GET /.well-known/openid-configuration HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert conn.recv(100).startswith(b"HTTP/1.1 200 ")


@needs_root
def test_the_attack_labs_key_server_drops_another_users_requests_and_logs_none():
    from tokenlab import attacks

    with attacks.attacker_key_server() as server:
        port = int(server.url.rsplit(":", 1)[1].split("/")[0])
        assert fetch_as(NOBODY, port, "/jwks.json") == b""
        assert server.requests == []
        assert fetch_as(None, port, "/jwks.json").startswith(b"HTTP/1.0 200 ")
        assert len(server.requests) == 1
