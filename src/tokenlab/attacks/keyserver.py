"""The attacker's key server: a JWKS served on 127.0.0.1, for the ``jku`` header-injection attack.

>>> from tokenlab.attacks import attacker_key_server, fetch_jwk
>>> with attacker_key_server() as server:
...     fetch_jwk(server.jwks_url)["kid"], server.requests
('attacker-key', ['GET /jwks.json'])

A real attacker runs this on their own domain; the lab runs it on the
loopback interface, port 0 (a free port), in a background thread, and shuts it
down and joins the thread when the ``with`` block ends.
"""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tokenlab.keys import Key
from tokenlab.provider.peer import client_uid

__all__ = ["AttackerKeyServer", "attacker_key_server"]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.log.append(f"GET {self.path}")
        body = json.dumps(self.server.jwks).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the server's own log is `requests`; nothing is printed into the notebook


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True  # server_close() joins the request threads

    def __init__(self, jwks: dict[str, Any]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.jwks = jwks
        self.log: list[str] = []

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """Only this user's programs reach the server or its log: on a shared host another learner's are dropped."""
        if os.name != "posix":
            return True
        uid = client_uid(client_address[:2], self.server_address[1])
        return uid is None or uid == os.geteuid()


class AttackerKeyServer:
    """Serves ``jwks`` at every path of ``http://127.0.0.1:PORT`` and records each request it gets."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self.jwks = jwks
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> AttackerKeyServer:
        self._server = _Server(self.jwks)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="tokenlab-attacker", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()
        self._server = self._thread = None

    def __enter__(self) -> AttackerKeyServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the key server is not running: use `with attacker_key_server() as server:`")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def jwks_url(self) -> str:
        """Where the attacker's JWKS is: the URL to put in a forged token's ``jku``."""
        return self.url + "/jwks.json"

    @property
    def requests(self) -> list[str]:
        """Every request so far, as ``"GET /path"``: who fetched the attacker's keys?"""
        return list(self._server.log) if self._server is not None else []


def attacker_key_server(*keys: Key) -> AttackerKeyServer:
    """A key server for the attacker's public keys (by default :func:`~tokenlab.attacks.attacker_key`)."""
    if not keys:
        from tokenlab.attacks.forge import attacker_key

        keys = (attacker_key(),)
    return AttackerKeyServer({"keys": [key.public_jwk() for key in keys]})
