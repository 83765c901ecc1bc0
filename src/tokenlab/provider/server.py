"""``MockProvider``: the provider served over real HTTP/1.1 on 127.0.0.1, in a background thread.

>>> from tokenlab.provider import MockProvider
>>> with MockProvider() as op:
...     op.issuer.startswith("http://127.0.0.1:")
True

It binds port 0 (the OS picks a free port), answers with keep-alive, and
``stop()`` (or leaving the ``with`` block) closes open connections, releases
the port and joins every thread it started (SECURITY.md H5).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import weakref
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from tokenlab.clock import Clock
from tokenlab.errors import UsageError
from tokenlab.keys import Key
from tokenlab.provider.app import KeyEvent, ProviderApp
from tokenlab.provider.config import ProviderConfig
from tokenlab.provider.recorder import Exchange
from tokenlab.provider.store import TokenEvent

__all__ = ["MockProvider"]


class _Handler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a requests.Session reuses one connection
    timeout = 5.0  # a client that stalls mid-request (or lies about Content-Length) is cut off; see start()

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass  # the recorder keeps every exchange; nothing is printed into the learner's notebook

    def log_error(self, *args: Any) -> None:
        pass


class _Server(ThreadedWSGIServer):
    daemon_threads = False
    block_on_close = True  # server_close() joins every request thread

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections so they can end."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


_RUNNING: weakref.WeakValueDictionary[int, MockProvider] = weakref.WeakValueDictionary()
"""The providers running in this process, by port."""


class MockProvider:
    """A mock OAuth 2.0 / OpenID Connect provider on 127.0.0.1, inside this Python process.

    ``clock`` is shared with everything that checks time (a frozen demo clock
    by default); ``issuer`` overrides the advertised URL, for example when a
    learner's browser reaches the provider through jupyter-server-proxy.

    Lessons pass a fixed ``port`` and a ``seed`` so that every code, id and
    token (and so every stored output) repeats byte for byte; starting a
    provider on a port held by another one of this process stops the old one,
    so re-running a notebook cell just works.
    """

    def __init__(
        self,
        config: ProviderConfig | None = None,
        *,
        clock: Clock | None = None,
        issuer: str | None = None,
        port: int = 0,
        signing_key: Key | None = None,
        seed: int | None = None,
    ) -> None:
        self.config = config or ProviderConfig.demo()
        if issuer is not None:
            self.config = self.config.replace(issuer=issuer.rstrip("/"))
        if seed is not None:
            self.config = self.config.replace(seed=seed)
        self.clock = clock or Clock.frozen()
        self.app = ProviderApp(self.config, self.clock, signing_key)
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------

    def start(self) -> MockProvider:
        if self._server is not None:
            raise UsageError("this provider is already running")
        previous = _RUNNING.get(self._port) if self._port else None
        if previous is not None and previous is not self:
            previous.stop()  # a notebook cell run twice: the new provider replaces the old one on its port
        handler = type("_Handler", (_Handler,), {"timeout": self.config.read_timeout})
        # Bind here rather than in Werkzeug, which answers a busy port with sys.exit(1).
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if os.name == "posix":
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self._port))
            listener.listen(128)
        except OSError as err:
            listener.close()
            raise OSError(err.errno, f"cannot listen on 127.0.0.1:{self._port}: {err.strerror}") from None
        try:
            server = _Server("127.0.0.1", listener.getsockname()[1], self.app, handler=handler, fd=listener.fileno())
        finally:
            listener.close()  # the server holds its own duplicate of the socket
        self._server = server
        if not self.config.issuer:
            self.app.issuer = f"http://127.0.0.1:{server.port}"
        else:
            self.app.issuer = self.config.issuer
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="tokenlab-provider", daemon=True
        )
        self._thread.start()
        _RUNNING[self.port] = self
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        if _RUNNING.get(server.port) is self:
            del _RUNNING[server.port]
        server.shutdown()
        server.close_open_connections()
        server.server_close()
        if thread is not None:
            thread.join()
        self._server = self._thread = None

    def __enter__(self) -> MockProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    # --- what a notebook uses ----------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise UsageError("the provider is not running: use `with MockProvider() as op:` or op.start()")
        return self._server.port

    @property
    def issuer(self) -> str:
        if not self.app.issuer:
            raise UsageError("the provider is not running yet, so it has no URL")
        return self.app.issuer

    def url(self, path: str = "/") -> str:
        """An absolute URL on this provider: ``op.url("/api/orders")``."""
        return self.issuer + "/" + path.lstrip("/")

    def browser_url(self, url: str = "/") -> str:
        """Where the learner's *browser* opens ``url`` (a URL on this provider, or a path): for links to click.

        On a laptop that is the URL itself. On a JupyterHub or Binder the browser is on another machine, where
        127.0.0.1 is the learner's own computer; the single-user server, which runs beside this kernel, forwards
        ``{JUPYTERHUB_SERVICE_PREFIX}proxy/<port>/<path>`` to this port with jupyter-server-proxy (installed
        with ``tokenlab[lab]``), so the link is that path, on the hub's own origin. The login page posts to a
        relative URL, so it works under that prefix too.
        """
        path = url[len(self.issuer) :] if url.startswith(self.issuer) else url
        if "://" in path:
            raise UsageError(f"{url!r} is not on this provider ({self.issuer}): only its own pages can be proxied")
        prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX")
        if not prefix:
            return self.url(path)
        return f"{prefix.rstrip('/')}/proxy/{self.port}/{path.lstrip('/')}"

    @property
    def store(self):
        return self.app.store

    @property
    def exchanges(self) -> list[Exchange]:
        """Every HTTP exchange so far, in order (secrets masked)."""
        return self.app.recorder.exchanges

    @property
    def events(self) -> list[TokenEvent]:
        """What happened to each token, in order (issued, used, rejected, rotated, replay_detected, revoked):
        the input of :func:`tokenlab.plots.plot_token_timeline`."""
        with self.app.store.lock:
            return list(self.app.store.events)

    @property
    def key_events(self) -> list[KeyEvent]:
        """When each signing key started signing, was rotated out, and was retired: the input of
        :func:`tokenlab.plots.plot_key_rotation`."""
        return list(self.app.key_events)

    @property
    def info(self) -> dict[str, Any]:
        """The demo clients, users and resources: exactly what ``tokenlab serve --json`` prints."""
        return {
            "issuer": self.issuer,
            "clients": [
                {
                    "client_id": c.client_id,
                    "client_secret": c.client_secret,
                    "grant_types": list(c.grant_types),
                    "redirect_uris": list(c.redirect_uris),
                    "scope": c.scope,
                }
                for c in self.config.clients
            ],
            "users": [{"username": u.username, "password": u.password} for u in self.config.users],
            "resources": [
                {"url": self.url(r.path), "scope": r.scope, "method": r.method} for r in self.config.resources
            ],
        }

    def rotate_key(self, new_key: Key | None = None, *, keep_old: bool = True) -> Key:
        """Sign new tokens with ``new_key`` (fresh and random if ``None``), keeping the old key in the JWKS
        until :meth:`retire_old_keys`; returns the new key. See :meth:`ProviderApp.rotate_key`."""
        return self.app.rotate_key(new_key, keep_old=keep_old)

    def retire_old_keys(self) -> tuple[Key, ...]:
        """End the rotation's overlap: the old keys leave the JWKS and their tokens are refused. Returns them."""
        return self.app.retire_old_keys()

    def mint(
        self, client_id: str, username: str | None = None, *, scope: str | None = None, nonce: str | None = None
    ) -> dict[str, Any]:
        """Issue tokens as if ``username`` had logged in to ``client_id``, without any HTTP.

        Returns the same JSON object the token endpoint would. For tests and for
        lessons that need a token before they explain how to get one.
        """
        from tokenlab.provider.issuance import token_response
        from tokenlab.provider.scopes import check_scope

        client = self.config.client(client_id)
        if client is None:
            raise UsageError(
                f"no client {client_id!r}; the clients are {', '.join(c.client_id for c in self.config.clients)}"
            )
        sub = None
        if username is not None:
            user = self.config.user(username)
            if user is None:
                raise UsageError(
                    f"no user {username!r}; the users are {', '.join(u.username for u in self.config.users)}"
                )
            sub = user.sub
        granted = check_scope(scope, client.scope)
        now = self.clock.timestamp()
        grant = self.app.store.new_grant(client.client_id, sub, granted, now, now)
        return token_response(self.app, grant, client, granted, now, refresh=sub is not None, nonce=nonce)

    def __repr__(self) -> str:
        where = self.app.issuer if self.running else "stopped"
        return f"<MockProvider {where}>"
