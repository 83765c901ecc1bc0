"""The provider's HTTP/1.1 server: waitress, with the owner check at accept time and a stop() that joins its threads.

waitress (pure Python) keeps connections alive and answers pipelined requests in order; it buffers each request,
headers and body, before one of its fixed pool of threads runs the application, so slow or idle clients hold no
thread, and it cuts off a client silent for ``read_timeout`` seconds. :class:`HTTPServer` adds what the provider
needs on top: another Unix user's connection is answered 403 before it is read (:mod:`tokenlab.provider.peer`), a
body the application refuses is never read, and :meth:`HTTPServer.stop` ends everything it started.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import struct
import threading
import time
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher, WSGITask
from waitress.wasyncore import poll, poll2

from tokenlab.provider.peer import UNKNOWN, client_uid

__all__ = ["HTTPServer"]

logging.getLogger("waitress").addHandler(logging.NullHandler())
"""waitress logs what it does to a client that misbehaves; nothing of it is printed into the learner's notebook
(the recorder keeps every exchange the application answers). A program that configures logging still sees it."""

THREADS = 4
"""The fixed pool of request threads: slow or idle clients never hold one (waitress buffers each request before a
thread takes it), so a burst of them cannot grow the thread count."""

CONNECTIONS = 100
"""Open connections at most; past it, new ones wait in the listen queue until slow clients are cut off."""

MAX_HEADER_BYTES = 64 * 1024
"""A request line and headers longer than this are answered 431 before they are parsed."""


def _refusal(client: tuple[str, int], server_port: int) -> str | None:
    """Why the connection from ``client`` must be refused, or ``None`` if its owner is this process's user."""
    uid = client_uid(client, server_port)
    if uid is None or uid == os.geteuid():
        return None
    who = "an unknown Unix user" if uid == UNKNOWN else f"Unix user {uid}"
    return (
        f"403 Forbidden: this tokenlab provider answers only programs of the Unix user who started it "
        f"(uid {os.geteuid()}), and this connection comes from {who}. On a shared host every learner runs "
        "their own provider: run the lesson's first cells in your own notebook.\n"
    )


_REFUSERS = 4
"""At most this many connections of other users are being answered 403 at once; more are closed unanswered."""


def _refuse(sock: socket.socket, refusal: str) -> None:
    """Answer 403 with ``refusal`` and close, reading (and dropping) what the client sent for at most a second."""
    try:
        body = refusal.encode("utf-8")
        head = f"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
        sock.settimeout(1.0)
        with contextlib.suppress(OSError):
            sock.sendall(head.encode("ascii") + b"X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n" + body)
            sock.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline and sock.recv(65536):
                pass  # closing with unread data would reset the connection before the client reads the 403
    finally:
        sock.close()


class _Parser(HTTPRequestParser):
    """waitress's request parser, except that a body the application will refuse is never read.

    A ``Content-Length`` over ``max_body_bytes``, or one that is not ASCII digits (``²`` is a digit to
    ``str.isdigit``), goes to the application with no body: the recorder answers 413 or 400 with its own teaching
    message (RFC 9110 section 8.6), and the connection is closed: what the client sent after the headers is never
    parsed as a request.
    """

    def __init__(self, adj: Adjustments, channel: _Channel) -> None:
        super().__init__(adj)
        self.channel = channel

    def parse_header(self, header_plus: bytes) -> None:
        try:
            super().parse_header(header_plus)
        except ParsingError as err:
            if err.args[0] != "Content-Length is invalid":
                raise
            self._answer_unread()  # the headers are all parsed: only the length failed
            return
        if not self.chunked and self.content_length > self.channel.server.max_body_bytes:
            self._answer_unread()

    def _answer_unread(self) -> None:
        self.body_rcv = None
        self.content_length = 0
        self.connection_close = True
        self.headers["CONNECTION"] = "close"


class _ErrorTask(ErrorTask):
    """waitress's own answer to a request it cannot parse (400, 431, 501), with ``nosniff`` like every other."""

    def execute(self) -> None:
        self.response_headers.append(("X-Content-Type-Options", "nosniff"))
        super().execute()


class _WSGITask(WSGITask):
    """A request answered by the application, which may end the connection (see :func:`_closing`)."""

    def get_environment(self) -> dict[str, Any]:
        environ = super().get_environment()
        environ["tokenlab.close_connection"] = self.set_close_on_finish
        return environ


def _closing(application: Any) -> Any:
    """``application``, whose ``Connection: close`` (the recorder's, on a body it refuses unread) closes the
    connection: PEP 3333 keeps that hop-by-hop header from applications, so the server sends it instead."""

    def closing(environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if any(name.lower() == "connection" for name, _ in headers):
                headers = [(name, value) for name, value in headers if name.lower() != "connection"]
                environ["tokenlab.close_connection"]()
            return start_response(status, headers, exc_info)

        return application(environ, start)

    return closing


class _Channel(HTTPChannel):
    task_class = _WSGITask
    error_task_class = _ErrorTask

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parser_class = lambda adj: _Parser(adj, self)


class HTTPServer(TcpWSGIServer):
    """waitress's server on a listening socket bound by the caller, with the owner check at accept time and a stop()."""

    channel_class = _Channel
    owner_only = True  # False: every local client is answered (``tokenlab serve``)

    def __init__(self, app: Any, listener: socket.socket, *, read_timeout: float, max_body_bytes: int) -> None:
        self.read_timeout = read_timeout
        self.max_body_bytes = max_body_bytes
        self.threads: list[threading.Thread] = []
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.start_new_thread = self._start_worker
        adj = Adjustments(
            threads=THREADS,
            connection_limit=CONNECTIONS,
            max_request_header_size=MAX_HEADER_BYTES,
            max_request_body_size=max_body_bytes + 1,  # chunked bodies; a longer Content-Length is never read
            clear_untrusted_proxy_headers=False,  # jupyter-server-proxy's X-Forwarded-* reach the application
            ident="tokenlab",
        )
        adj.cleanup_interval = min(0.5, read_timeout / 4)  # seconds between checks for clients cut off
        dispatcher.set_thread_count(adj.threads)
        self.stopping = False
        self._refusers: set[threading.Thread] = set()
        self._refusers_lock = threading.Lock()
        sockinfo = (listener.family, listener.type, listener.proto, listener.getsockname())
        super().__init__(
            _closing(app), {}, _sock=listener, dispatcher=dispatcher, adj=adj, bind_socket=False, sockinfo=sockinfo
        )

    def _start_worker(self, target: Any, thread_no: int) -> None:
        thread = threading.Thread(target=target, name=f"tokenlab-worker-{thread_no}", args=(thread_no,), daemon=True)
        self.threads.append(thread)
        thread.start()

    @property
    def port(self) -> int:
        return int(self.effective_port)

    def handle_accept(self) -> None:
        """Another Unix user's connection is refused here, before it is read, parsed or given a thread."""
        try:
            accepted = self.accept()
        except OSError:
            return  # the client gave up before it was accepted
        if accepted is None:
            return
        conn, addr = accepted
        if self.owner_only and os.name == "posix":
            refusal = _refusal(addr[:2], self.port)
            if refusal is not None:
                with self._refusers_lock:
                    self._refusers = {t for t in self._refusers if t.is_alive()}
                    if len(self._refusers) >= _REFUSERS:
                        conn.close()
                        return
                    refuser = threading.Thread(target=_refuse, args=(conn, refusal), name="tokenlab-refuser")
                    self._refusers.add(refuser)
                refuser.start()
                return
        try:
            self.set_socket_options(conn)
        except OSError:
            conn.close()
            return
        self.channel_class(self, conn, addr, self.adj, map=self._map)

    def maintenance(self, now: float) -> None:
        """Cut off clients silent for ``read_timeout`` seconds; one that stopped mid-body gets its 400 first.

        A request whose body stopped short of its ``Content-Length`` goes to the application with what arrived:
        the recorder answers "The body is shorter than its Content-Length says." and the connection closes.
        """
        cutoff = now - self.read_timeout
        for channel in list(self.active_channels.values()):
            if channel.requests or channel.last_activity >= cutoff:
                continue
            request = channel.request
            if (
                request is not None
                and request.headers_finished
                and request.body_rcv is not None
                and not request.chunked
            ):
                with channel.requests_lock:
                    request.completed = True
                    request.connection_close = True
                    request.headers["CONNECTION"] = "close"
                    channel.request = None
                    channel.requests.append(request)
                    channel.last_activity = now
                self.add_task(channel)
            else:
                channel.will_close = True

    def serve(self) -> None:
        """The event loop: reads, writes and accepts for every connection, until :meth:`stop`."""
        wait = poll2 if hasattr(select, "poll") else poll
        while not self.stopping:
            wait(0.5, self._map)

    def stop(self, loop: threading.Thread) -> None:
        """End the loop, let the request threads finish, close every connection and the port, join every thread."""
        self.stopping = True
        self.pull_trigger()
        loop.join()
        self.task_dispatcher.shutdown(cancel_pending=True, timeout=10)
        for thread in self.threads:
            thread.join()
        for dispatcher in list(self._map.values()):
            with contextlib.suppress(OSError):
                if isinstance(dispatcher, HTTPChannel):  # reset, not FIN: no TIME-WAIT keeps the port after stop()
                    dispatcher.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                dispatcher.close()
        with self._refusers_lock:
            refusers = list(self._refusers)
        for refuser in refusers:
            refuser.join()  # each answers within two seconds
