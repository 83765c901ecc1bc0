"""tokenlab's provider against an OpenID Certified one, side by side: panva's oidc-provider on Node.js.

Both serve real HTTP on 127.0.0.1 in the same minutes, and the same ``tokenlab.client`` calls drive both over one
keep-alive ``requests.Session`` each; the ratio is tokenlab / oidc-provider, per round (benchmarks.measure):

* ``discovery vs oidc-provider`` — ``GET /.well-known/openid-configuration``. Target ≤ 0.5×.
* ``client credentials vs oidc-provider`` — a client-credentials token request with client_secret_basic, each
  provider answering with an RS256 JWT access token (oidc-provider for its configured resource). Target ≤ 0.5×.
* ``code + PKCE flow vs oidc-provider`` — authorization URL, login page, login and consent, code exchange, for a
  public client with PKCE; oidc-provider's development login and consent pages are two interactions where
  tokenlab's provider has one login page (the public client's first consent is on it). Target ≤ 0.3×.

The server and its configuration are tests/realprovider's, started by :mod:`benchmarks.oidc_provider` (Node.js and
npm must be on PATH, as for the tests; its output goes to test-artifacts/oidc-provider-bench.log). Skipped with
``--quick``.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import requests

from benchmarks.measure import Settings, compare
from benchmarks.oidc_provider import CertifiedProviderError, running_oidc_provider
from benchmarks.report import Row, verdict
from tokenlab import client
from tokenlab.clock import Clock
from tokenlab.provider import MockProvider

THEIR_MACHINE = {"client_id": "reporting-service", "client_secret": "reporting-secret-realprovider-5f0c2a9e"}
THEIR_API = "https://api.tokenlab.test/"
OUR_MACHINE = {"client_id": "reporting-service", "client_secret": "reporting-secret-3c9e7a1f5d2b8046"}
REDIRECT_URI = "http://127.0.0.1/callback"
NAMES = ("discovery vs oidc-provider", "client credentials vs oidc-provider", "code + PKCE flow vs oidc-provider")
LOG = Path(__file__).resolve().parents[1] / "test-artifacts" / "oidc-provider-bench.log"


def _flow(meta: dict, client_id: str, username: str, password: str, scope: str, session: requests.Session) -> dict:
    pkce = client.PKCE.make()
    url = client.authorization_url(
        meta,
        client_id=client_id,
        redirect_uri=REDIRECT_URI,
        scope=scope,
        state=secrets.token_urlsafe(16),
        pkce=pkce,
        nonce=secrets.token_urlsafe(16),
    )
    with requests.Session() as browser:  # a new browser each time: a full login, never single sign-on
        code = client.login_as(url, username, password, session=browser).code
    return client.exchange_code(meta, code, client_id=client_id, redirect_uri=REDIRECT_URI, pkce=pkce, session=session)


def _row(name: str, result, target: float, what: str) -> Row:
    return Row(
        name,
        result.a,
        result.b,
        result.ratio,
        f"≤ {target}×",
        verdict(result.ratio <= target),
        f"{what}; " + result.spread(),
        unit="ms",
    )


def rows(settings: Settings) -> list[Row]:
    try:
        with (
            running_oidc_provider(LOG) as their_issuer,
            MockProvider(clock=Clock.system()) as op,
            requests.Session() as ours,
            requests.Session() as theirs,
        ):
            our_meta = client.discover(op.issuer, session=ours)
            their_meta = client.discover(their_issuer, session=theirs)
            discovery = compare(
                lambda: client.discover(op.issuer, session=ours),
                lambda: client.discover(their_issuer, session=theirs),
                settings,
            )
            tokens = compare(
                lambda: client.fetch_token(our_meta, **OUR_MACHINE, session=ours),
                lambda: client.fetch_token(their_meta, **THEIR_MACHINE, resource=THEIR_API, session=theirs),
                settings,
            )
            flows = compare(
                lambda: _flow(our_meta, "notebook-app", "alice", "wonderland", "openid orders:read", ours),
                lambda: _flow(their_meta, "spa", "alice", "any password will do", "openid", theirs),
                settings,
            )
    except CertifiedProviderError as err:
        return [Row(name, None, None, None, "—", "ERROR", str(err)) for name in NAMES]
    return [
        _row(NAMES[0], discovery, 0.5, "GET discovery, one keep-alive session each"),
        _row(NAMES[1], tokens, 0.5, "client_credentials with client_secret_basic, RS256 JWT each"),
        _row(NAMES[2], flows, 0.3, "public client + PKCE: login (and consent), code exchange; a new browser each"),
    ]


def skipped_rows() -> list[Row]:
    return [Row(name, None, None, None, "—", "skipped", "skipped in --quick mode") for name in NAMES]
