"""Which Unix user opened a loopback connection: the provider's guard on a shared host.

On The Littlest JupyterHub every learner is a Unix user of one machine, and every
kernel shares its loopback interface, so any learner's kernel (or their
jupyter-server-proxy) can connect to any other learner's provider on
127.0.0.1. A port number is no secret. What the other learner cannot forge is
the owner of the socket they connect from. Linux answers "who owns this
connection?" the way an ident server would, in two ways: one exact question over
a ``NETLINK_SOCK_DIAG`` socket (what ``ss -e`` asks; about 20 µs), or the table
of every TCP socket of the network namespace, ``/proc/net/tcp``, with the user id
that created each (what ``netstat -e`` reads; milliseconds on a busy host, since
the kernel writes out every socket). :func:`client_uid` asks the first and falls
back to the second.

>>> table = '''  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
...    0: 0100007F:A1B2 0100007F:20D6 01 00000000:00000000 00:00000000 00000000  1002        0 1 1
...    1: 0100007F:20D6 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000  1001        0 2 1'''
>>> peer_uid(table, client=("127.0.0.1", 0xA1B2), server_port=0x20D6)
1002

:func:`client_uid` returns ``None`` where Linux's answers are missing
(macOS, Windows: machines with one learner, where there is nobody to keep out).
"""

from __future__ import annotations

import contextlib
import socket
import struct
from pathlib import Path

__all__ = ["UNKNOWN", "client_uid", "peer_uid", "sock_diag_uid"]

TCP_TABLE = Path("/proc/net/tcp")
TCP6_TABLE = Path("/proc/net/tcp6")

UNKNOWN = -1
"""The table lists the provider's end of the connection but not the client's: refuse, nobody can vouch for it."""

SERVER = "127.0.0.1"
"""The address every provider listens on."""


def _table_forms(address: str) -> set[str]:
    """``address`` (IPv4) as /proc/net/tcp prints it (a 32-bit hex word, on little- and big-endian machines), and
    as /proc/net/tcp6 prints it mapped to IPv6 (``::ffff:a.b.c.d``, four such words)."""
    packed = socket.inet_aton(address)
    mapped = socket.inet_pton(socket.AF_INET6, "::ffff:" + address)
    words = [mapped[i : i + 4] for i in range(0, 16, 4)]
    return {
        packed[::-1].hex().upper(),
        packed.hex().upper(),
        "".join(w[::-1].hex() for w in words).upper(),
        mapped.hex().upper(),
    }


def peer_uid(table: str, *, client: tuple[str, int], server_port: int) -> int | None:
    """The uid owning the client end (``client``: address, port) of a connection to 127.0.0.1:``server_port``.

    Returns :data:`UNKNOWN` when only the server's end is listed, and ``None``
    when neither end is (a table that does not list this machine's sockets, as
    in some sandboxes, tells nothing).
    """
    client_addr, client_port = _table_forms(client[0]), client[1]
    server_addr = _table_forms(SERVER)
    server_end_seen = False
    for line in table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        (local_addr, _, local_port), (remote_addr, _, remote_port) = fields[1].partition(":"), fields[2].partition(":")
        try:
            ports = int(local_port, 16), int(remote_port, 16)
        except ValueError:
            continue
        if local_addr in client_addr and remote_addr in server_addr and ports == (client_port, server_port):
            if len(fields) < 10 or fields[9] == "0":  # no open file: a client that has closed (time-wait: uid 0)
                return UNKNOWN
            try:
                return int(fields[7])
            except ValueError:
                return UNKNOWN
        if local_addr in server_addr and remote_addr in client_addr and ports == (server_port, client_port):
            server_end_seen = True
    return UNKNOWN if server_end_seen else None


_NETLINK_SOCK_DIAG = 4  # linux/netlink.h
_SOCK_DIAG_BY_FAMILY = 20  # linux/sock_diag.h
_NLM_F_REQUEST = 1
_NLMSG_ERROR = 2
_NO_COOKIE = 0xFFFFFFFF  # INET_DIAG_NOCOOKIE: find the socket by its addresses alone
_UID_OFFSET = 16 + 4 + 48 + 12  # nlmsghdr, then inet_diag_msg: family..retrans, inet_diag_sockid, expires..wqueue
_STATE_OFFSET = 16 + 1  # inet_diag_msg.idiag_state
_PORTS_OFFSET = 16 + 4  # inet_diag_sockid.idiag_sport, idiag_dport (network order)
_TCP_LISTEN = 10


def sock_diag_uid(client: tuple[str, int], server_port: int) -> int:
    """Ask the kernel for the socket ``client`` → 127.0.0.1:``server_port`` (linux/inet_diag.h): its owner's uid.

    Returns :data:`UNKNOWN` if the kernel has no such socket. Raises ``OSError`` where there is no
    ``NETLINK_SOCK_DIAG`` (not Linux, or a sandbox without it).
    """
    request = (
        struct.pack("=BBBBI", socket.AF_INET, socket.IPPROTO_TCP, 0, 0, 0xFFFFFFFF)  # inet_diag_req_v2: every state
        + struct.pack(">HH", client[1], server_port)  # inet_diag_sockid: ports, then addresses, in network order
        + socket.inet_aton(client[0]).ljust(16, b"\0")
        + socket.inet_aton(SERVER).ljust(16, b"\0")
        + struct.pack("=III", 0, _NO_COOKIE, _NO_COOKIE)
    )
    message = struct.pack("=IHHII", 16 + len(request), _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST, 1, 0) + request
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG) as netlink:
        netlink.settimeout(1.0)
        netlink.sendto(message, (0, 0))
        answer = netlink.recv(8192)
    (kind,) = struct.unpack_from("=H", answer, 4)
    if kind == _NLMSG_ERROR:
        (error,) = struct.unpack_from("=i", answer, 16)
        if error == -2:  # ENOENT: no such socket
            return UNKNOWN
        raise OSError(-error, "sock_diag refused the question")
    if len(answer) < _UID_OFFSET + 8:
        raise OSError("sock_diag answered with a short message")
    uid, inode = struct.unpack_from("=II", answer, _UID_OFFSET)
    if (
        inode == 0  # no open file: the client has closed it (a time-wait socket is even listed as uid 0)
        or answer[_STATE_OFFSET] == _TCP_LISTEN
        or struct.unpack_from(">HH", answer, _PORTS_OFFSET) != (client[1], server_port)
    ):
        return UNKNOWN
    return uid


def client_uid(client: tuple[str, int], server_port: int) -> int | None:
    """The uid of the program connected from ``client`` (address, port) to 127.0.0.1:``server_port``, if known.

    :data:`UNKNOWN` if Linux lists no such socket; ``None`` where nothing can tell (no sock_diag, no table).
    """
    try:
        return sock_diag_uid(client, server_port)
    except (OSError, AttributeError):  # AttributeError: no socket.AF_NETLINK off Linux
        pass
    try:
        table = TCP_TABLE.read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    with contextlib.suppress(OSError):  # a dual-stack (IPv6) client socket is listed there, v4-mapped
        table += "".join(TCP6_TABLE.read_text(encoding="ascii", errors="replace").splitlines(keepends=True)[1:])
    return peer_uid(table, client=client, server_port=server_port)
