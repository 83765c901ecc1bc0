"""The provider over real HTTP on 127.0.0.1, each row set against a baseline measured in the same run.

* ``token request (keep-alive)`` — a client-credentials ``POST /token`` over one ``requests.Session``, against a
  bare ``jwt.encode`` of the same claims with the same RSA key: what HTTP, client authentication, the store and the
  recorder add to minting. Target ≤ 60×; a keep-alive connection that stalls (Nagle, delayed ACK) shows as ~2000×.
* ``provider start → discovery`` — ``MockProvider().start()`` and the first ``GET`` of the discovery document on a
  new connection, against the same for the standard library's ``ThreadingHTTPServer`` serving a static JSON body.
  Target ≤ 100 ms (absolute: every notebook starts one).
* ``authorization code + PKCE flow`` — authorization URL, login page, login POST (303), code exchange, over one
  keep-alive session: four HTTP exchanges. Target ≤ 15 ms (absolute), against one token request as a yardstick.
* ``introspection (keep-alive)`` — ``POST /introspect`` (RFC 7662) of a JWT access token over one session, against
  a bare ``jwt.decode`` of the same token: what asking the provider costs an API compared with checking offline.
  Target ≤ 60×.
* ``owner check per connection`` — ``GET`` of the discovery document on a new connection each time, from a lesson's
  provider (which looks up the owner of the client's socket in ``/proc/net/tcp`` once per connection and refuses
  other Unix users) against the same provider opened to every user (``allow_other_users=True``, as ``tokenlab
  serve``). While it runs, 300 idle loopback connections stand in for a busy workshop host, so the table it reads
  has 600 more lines than an idle laptop's. Target ≤ 1.5×.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import requests

from benchmarks.measure import Settings, compare, paired_medians
from benchmarks.report import Row, verdict
from tokenlab import client
from tokenlab.clock import Clock
from tokenlab.keys import demo_key
from tokenlab.provider import MockProvider

MACHINE = {"client_id": "reporting-service", "client_secret": "reporting-secret-3c9e7a1f5d2b8046"}
WEB = ("web-app", "web-app-secret-8f2d4c1e9b7a6350")


def token_request_row(settings: Settings) -> Row:
    with MockProvider(clock=Clock.system()) as op, requests.Session() as session:
        meta = client.discover(op.issuer, session=session)
        sample = client.fetch_token(meta, **MACHINE, session=session)
        claims = jwt.decode(sample["access_token"], options={"verify_signature": False})
        key = demo_key("RS256")

        def tokenlab_side():
            return client.fetch_token(meta, **MACHINE, session=session)

        def baseline():
            return jwt.encode(claims, key.signing, algorithm="RS256", headers={"kid": key.kid, "typ": "at+jwt"})

        result = compare(tokenlab_side, baseline, settings)
    return Row(
        "token request (keep-alive)",
        result.a,
        result.b,
        result.ratio,
        "≤ 60×",
        verdict(result.ratio <= 60),
        "POST /token over one requests.Session vs jwt.encode; " + result.spread(),
    )


class _StaticJSON(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    body = json.dumps({"issuer": "http://127.0.0.1"}).encode()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


def _start_and_ask_stdlib() -> float:
    started = time.perf_counter()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StaticJSON)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    requests.get(
        f"http://127.0.0.1:{server.server_port}/.well-known/openid-configuration", timeout=10
    ).raise_for_status()
    elapsed = time.perf_counter() - started
    server.shutdown()
    server.server_close()
    thread.join()
    return elapsed


def _start_and_ask_provider() -> float:
    started = time.perf_counter()
    op = MockProvider().start()
    requests.get(op.url("/.well-known/openid-configuration"), timeout=10).raise_for_status()
    elapsed = time.perf_counter() - started
    op.stop()
    return elapsed


def startup_row(settings: Settings) -> Row:
    a, b = paired_medians(_start_and_ask_provider, _start_and_ask_stdlib, settings.rounds)
    return Row(
        "provider start → discovery",
        a,
        b,
        a / b,
        "≤ 100 ms",
        verdict(a <= 0.100),
        "baseline: stdlib ThreadingHTTPServer with a static JSON body; median of paired runs",
        unit="ms",
    )


def code_flow_row(settings: Settings) -> Row:
    with MockProvider(clock=Clock.system()) as op, requests.Session() as session:
        meta = client.discover(op.issuer, session=session)
        redirect_uri = "http://127.0.0.1/callback"

        def flow():
            pkce = client.PKCE.make()
            url = client.authorization_url(
                meta,
                client_id="notebook-app",
                redirect_uri=redirect_uri,
                scope="openid orders:read",
                state="s" * 22,
                pkce=pkce,
            )
            code = client.login_as(url, "alice", "wonderland", session=session).code
            return client.exchange_code(
                meta, code, client_id="notebook-app", redirect_uri=redirect_uri, pkce=pkce, session=session
            )

        def one_token_request():
            return client.fetch_token(meta, **MACHINE, session=session)

        result = compare(flow, one_token_request, settings)
    return Row(
        "authorization code + PKCE flow",
        result.a,
        result.b,
        result.ratio,
        "≤ 15 ms",
        verdict(result.a <= 0.015),
        "login page, login POST, code exchange; baseline: one token request; " + result.spread(),
        unit="ms",
    )


def rows(settings: Settings) -> list[Row]:
    return [
        token_request_row(settings),
        startup_row(settings),
        code_flow_row(settings),
        introspection_row(settings),
        owner_check_row(settings),
    ]


def _idle_connections(count: int) -> tuple[socket.socket, list[socket.socket]]:
    """A listener and ``count`` connected pairs of loopback sockets: each pair is two lines of /proc/net/tcp."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=count)
    ends = []
    for _ in range(count):
        ends.append(socket.create_connection(listener.getsockname()))
        ends.append(listener.accept()[0])
    return listener, ends


def owner_check_row(settings: Settings) -> Row:
    """A new connection per request to an owner-only provider vs to the same provider open to every user."""
    listener, ends = _idle_connections(300)
    try:
        with MockProvider() as guarded, MockProvider(allow_other_users=True) as open_to_all:

            def ask(op: MockProvider):
                with requests.Session() as fresh:  # a new connection, so the owner is looked up again
                    fresh.get(op.url("/.well-known/openid-configuration"), timeout=10).raise_for_status()

            result = compare(lambda: ask(guarded), lambda: ask(open_to_all), settings)
    finally:
        for end in ends:
            end.close()
        listener.close()
    return Row(
        "owner check per connection",
        result.a,
        result.b,
        result.ratio,
        "≤ 1.5×",
        verdict(result.ratio <= 1.5),
        "GET discovery on a new connection, owner-only vs allow_other_users=True, 600 extra sockets in "
        "/proc/net/tcp; " + result.spread(),
        unit="ms",
    )


def introspection_row(settings: Settings) -> Row:
    """RFC 7662 introspection of a JWT access token over one keep-alive session vs a bare jwt.decode of it."""
    with MockProvider(clock=Clock.system()) as op, requests.Session() as session:
        meta = client.discover(op.issuer, session=session)
        token = op.mint("web-app", "alice", scope="orders:read")["access_token"]
        key = op.app.signing_key  # an unseeded provider signs with a fresh key of its own, not the demo key

        def tokenlab_side():
            answer = client.introspect(meta, token, client_id=WEB[0], client_secret=WEB[1], session=session)
            assert answer["active"] is True
            return answer

        def baseline():
            return jwt.decode(token, key.verifying, algorithms=["RS256"], audience=op.config.audience, issuer=op.issuer)

        result = compare(tokenlab_side, baseline, settings)
    return Row(
        "introspection (keep-alive)",
        result.a,
        result.b,
        result.ratio,
        "≤ 60×",
        verdict(result.ratio <= 60),
        "POST /introspect over one requests.Session vs jwt.decode of the same token; " + result.spread(),
    )
