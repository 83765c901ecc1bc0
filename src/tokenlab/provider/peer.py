"""Which Unix user opened a loopback connection: the provider's guard on a shared host.

On The Littlest JupyterHub every learner is a Unix user of one machine, and every
kernel shares its loopback interface, so any learner's kernel (or their
jupyter-server-proxy) can connect to any other learner's provider on
127.0.0.1. A port number is no secret. What the other learner cannot forge is
the owner of the socket they connect from: Linux lists every TCP socket of the
network namespace in ``/proc/net/tcp`` with the user id that created it, the way an ident
server answers "who owns this connection?".

>>> table = '''  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
...    0: 0100007F:A1B2 0100007F:20D6 01 00000000:00000000 00:00000000 00000000  1002        0 1 1
...    1: 0100007F:20D6 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000  1001        0 2 1'''
>>> peer_uid(table, client_port=0xA1B2, server_port=0x20D6)
1002

:func:`client_uid` reads the table of the running machine; it returns
``None`` where there is no such table (macOS, Windows: machines with one
learner, where there is nobody to keep out).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["UNKNOWN", "client_uid", "peer_uid"]

TCP_TABLE = Path("/proc/net/tcp")

UNKNOWN = -1
"""The table lists the provider's end of the connection but not the client's: refuse, nobody can vouch for it."""

_LOOPBACK = {"0100007F", "7F000001"}  # 127.0.0.1 as the kernel prints it, on little- and big-endian machines


def peer_uid(table: str, *, client_port: int, server_port: int) -> int | None:
    """The uid owning the client end of the loopback connection ``client_port`` → ``server_port`` in ``table``.

    Returns :data:`UNKNOWN` when only the server's end is listed, and ``None``
    when neither end is (a table that does not list this machine's sockets, as
    in some sandboxes, tells nothing).
    """
    server_end_seen = False
    for line in table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        local, remote, uid = fields[1], fields[2], fields[7]
        local_addr, _, local_port = local.partition(":")
        remote_addr, _, remote_port = remote.partition(":")
        if local_addr not in _LOOPBACK or remote_addr not in _LOOPBACK:
            continue
        try:
            ports = int(local_port, 16), int(remote_port, 16)
        except ValueError:
            continue
        if ports == (client_port, server_port):
            return int(uid)
        if ports == (server_port, client_port):
            server_end_seen = True
    return UNKNOWN if server_end_seen else None


def client_uid(client_port: int, server_port: int) -> int | None:
    """The uid of the program connected from 127.0.0.1:``client_port`` to ``server_port`` on this machine, if known."""
    try:
        table = TCP_TABLE.read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return peer_uid(table, client_port=client_port, server_port=server_port)
