"""``MockProvider``: the provider served over real HTTP/1.1 on 127.0.0.1, in a background thread.

>>> from tokenlab.provider import MockProvider
>>> with MockProvider() as op:
...     op.issuer.startswith("http://127.0.0.1:")
True

It binds port 0 (the OS picks a free port), answers with keep-alive and pipelining
(waitress: :mod:`tokenlab.provider.http_server`), and
``stop()`` (or leaving the ``with`` block) closes open connections, releases
the port and joins every thread it started (SECURITY.md H5).

On a shared host (The Littlest JupyterHub: every learner a Unix user of one
machine, one loopback interface) it answers only programs of the Unix user who
started it: another user's connection gets 403 and is never recorded
(:mod:`tokenlab.provider.peer`). ``allow_other_users=True`` (``tokenlab
serve``) opens it to every local client.
"""

from __future__ import annotations

import errno
import os
import socket
import threading
from typing import Any

from tokenlab.clock import Clock
from tokenlab.errors import UsageError
from tokenlab.keys import Key
from tokenlab.provider.app import KeyEvent, ProviderApp
from tokenlab.provider.config import ProviderConfig
from tokenlab.provider.http_server import HTTPServer
from tokenlab.provider.recorder import Exchange
from tokenlab.provider.store import TokenEvent

__all__ = ["MockProvider"]


def _listen(port: int | range) -> socket.socket:
    """A socket listening on 127.0.0.1:``port``, or on the first free port of the range ``port``.

    Bound here, so that a port that cannot be had is a one-line ``OSError`` naming it.
    """
    candidates = port if isinstance(port, range) else (port,)
    if not candidates:
        raise UsageError(f"no port to listen on: {port!r} is empty")
    if (
        isinstance(port, bool)
        or not all(isinstance(c, int) for c in candidates)
        or not (min(candidates) >= 0 and max(candidates) <= 65535)
    ):
        raise UsageError(
            f"port={port!r}: a port is a whole number from 1 to 65535 (0: any free port), or a range of them, "
            "such as range(8406, 10000)"
        )
    for candidate in candidates:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if os.name == "posix":
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", candidate))
            listener.listen(128)
        except OSError as err:
            listener.close()
            if err.errno in (errno.EADDRINUSE, errno.EACCES) and candidate != candidates[-1]:
                continue  # another program (another kernel running this lesson?) has it, or it is not ours: next
            if err.errno == errno.EADDRINUSE and isinstance(port, range):
                where = f"127.0.0.1: every port from {port.start} to {port.stop - 1} is in use"
            else:
                where = f"127.0.0.1:{candidate}: {err.strerror}"
            raise OSError(err.errno, f"cannot listen on {where}") from None
        return listener
    raise AssertionError("unreachable: the loop returns or raises")


_RUNNING: dict[str, MockProvider] = {}
"""The named providers running in this process, by name (held until stopped: a running provider is never lost)."""
_RUNNING_LOCK = threading.RLock()


class MockProvider:
    """A mock OAuth 2.0 / OpenID Connect provider on 127.0.0.1, inside this Python process.

    ``clock`` is shared with everything that checks time (a frozen demo clock
    by default); ``issuer`` overrides the advertised URL, for example when a
    learner's browser reaches the provider through jupyter-server-proxy.

    Lessons pass a ``seed``, so that every code, id and token repeats byte for
    byte, and a ``name``: starting a provider with the name of one still
    running in this process stops the old one, so re-running a lesson's first
    cell replaces its provider. ``port`` is one port (0: any free port) or a
    range, meaning its first free port: lessons pass ``range(84NN, 10000)``,
    so that any number of kernels on one host run the same lesson at once and
    the port always has four digits (an output's layout does not depend on it).
    ``allow_other_users`` opens the provider to other Unix users' programs
    (see the module's docstring).
    """

    def __init__(
        self,
        config: ProviderConfig | None = None,
        *,
        clock: Clock | None = None,
        issuer: str | None = None,
        port: int | range = 0,
        signing_key: Key | None = None,
        seed: int | None = None,
        name: str | None = None,
        allow_other_users: bool = False,
    ) -> None:
        self.config = config or ProviderConfig.demo()
        if issuer is not None:
            self.config = self.config.replace(issuer=issuer.rstrip("/"))
        if seed is not None:
            self.config = self.config.replace(seed=seed)
        self.clock = clock or Clock.frozen()
        self.app = ProviderApp(self.config, self.clock, signing_key)
        self._port = port
        self.name = name
        self.allow_other_users = allow_other_users
        self._server: HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------

    def start(self) -> MockProvider:
        if self._server is not None:
            raise UsageError("this provider is already running")
        with _RUNNING_LOCK:
            return self._start()

    def _start(self) -> MockProvider:
        previous = _RUNNING.get(self.name) if self.name is not None else None
        if previous is not None and previous is not self:
            previous.stop()  # a lesson's cell run twice: the new provider replaces the old one of that name
        server = HTTPServer(
            self.app,
            _listen(self._port),
            read_timeout=self.config.read_timeout,
            max_body_bytes=self.config.max_body_bytes,
        )
        server.owner_only = not self.allow_other_users
        self._server = server
        self.app.issuer = self.config.issuer or f"http://127.0.0.1:{server.port}"
        self._thread = threading.Thread(target=server.serve, name="tokenlab-provider", daemon=True)
        self._thread.start()
        if self.name is not None:
            _RUNNING[self.name] = self
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        with _RUNNING_LOCK:
            if self.name is not None and _RUNNING.get(self.name) is self:
                del _RUNNING[self.name]
        if thread is not None:
            server.stop(thread)
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
        """The HTTP exchanges so far, in order, secrets masked: the last ``recorder.CAPACITY`` (1000) of them."""
        return self.app.recorder.exchanges

    def clear_exchanges(self) -> None:
        """Forget the recorded exchanges (their numbers go on counting)."""
        self.app.recorder.clear()

    @property
    def events(self) -> list[TokenEvent]:
        """What happened to each token, in order (issued, used, rejected, rotated, replay_detected, revoked):
        the input of :func:`tokenlab.plots.plot_token_timeline`."""
        return self.app.store.events.all()

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
                    "post_logout_redirect_uris": list(c.post_logout_redirect_uris),
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
        from tokenlab.provider.scopes import require_allowed_scope

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
        granted = require_allowed_scope(scope, client.scope)
        now = self.clock.timestamp()
        grant = self.app.store.tokens.new_grant(client.client_id, sub, granted, now, now)
        return token_response(self.app, grant, client, granted, now, refresh=sub is not None, nonce=nonce)

    def __repr__(self) -> str:
        where = self.app.issuer if self.running else "stopped"
        label = f"{self.name!r} " if self.name is not None else ""
        return f"<MockProvider {label}{where}>"
