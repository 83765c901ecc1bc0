"""On a shared host a lesson's provider answers only its own Unix user; ``tokenlab serve`` answers everyone.

The cross-user tests connect from a child process that has switched to another uid (``nobody``), which takes
root: they are how the guard is proved on a real socket, and CI runs as root. The parser is tested everywhere.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import warnings

import pytest

from tokenlab.provider import MockProvider, peer
from tokenlab.provider.peer import UNKNOWN, client_uid, peer_uid, sock_diag_uid

NOBODY = 65534
HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"


def row(n: int, local: str, remote: str, uid: int) -> str:
    return f"   {n}: {local} {remote} 01 00000000:00000000 00:00000000 00000000  {uid}        0 {n} 1\n"


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
