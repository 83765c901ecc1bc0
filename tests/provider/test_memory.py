"""The provider does not grow (SECURITY.md H9): the recorder is a ring, the store forgets what expired.

Measured by counting stored records and by tracemalloc, never by timing.
"""

import gc
import tracemalloc
from dataclasses import replace

import pytest

from tokenlab import client
from tokenlab.errors import InvalidGrantError
from tokenlab.provider import MockProvider, ProviderConfig
from tokenlab.provider.authorize import LOGIN_PAGE_LIFETIME
from tokenlab.provider.recorder import CAPACITY
from tokenlab.provider.store import RETAIN, limits

from .conftest import MACHINE, WEB
from .test_authorize import request_params, start, submit

WEB_CALLBACK = "http://127.0.0.1/web/callback"


def junk(op, http, n: int) -> None:
    """n requests a stranger on the same machine could send: unknown paths, bad tokens, bad client secrets,
    oversized and malformed bodies, and device authorizations of the public TV client that nobody answers."""
    for i in range(n):
        kind = i % 6
        if kind == 0:
            http.get(op.url(f"/no-such-page/{i}"))
        elif kind == 1:
            http.get(op.url("/api/orders"), headers={"Authorization": f"Bearer junk-token-{i:08d}-xxxxxxxx"})
        elif kind == 2:
            http.post(op.url("/token"), data={"grant_type": "client_credentials"}, auth=(MACHINE[0], f"wrong{i}"))
        elif kind == 3:
            http.post(op.url("/token"), data="x" * 20_000, headers={"Content-Type": "application/json"})
        else:
            http.post(op.url("/device_authorization"), data={"client_id": "tv-app", "scope": "openid"})


def test_thousands_of_junk_requests_leave_the_provider_no_bigger(op, http, monkeypatch):
    monkeypatch.setattr(limits, "MAX_PENDING", 300)  # the real cap is 1000; a smaller one keeps this short
    tracemalloc.start()
    try:
        junk(op, http, 1500)  # fills the recorder's ring (1000) and the cap on unanswered device codes
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        junk(op, http, 1500)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(op.exchanges) == CAPACITY
    assert op.store.counts()["devices"] == 300 and op.store.counts()["user_codes"] == 300
    assert grown < 256 * 1024, f"the provider grew by {grown} bytes over 1500 junk requests"


def _code_flow(op, browser):
    meta = client.discover(op.issuer)
    pkce = client.PKCE.make()
    url = client.authorization_url(
        meta, client_id="notebook-app", redirect_uri="http://127.0.0.1/callback", scope="openid", state="st", pkce=pkce
    )
    code = client.login_as(url, "alice", "wonderland", session=browser).code
    return meta, pkce, code


def test_expired_codes_tokens_grants_and_device_codes_are_forgotten_a_day_after_they_expire(op, http, browser):
    meta, pkce, code = _code_flow(op, browser)
    client.exchange_code(meta, code, client_id="notebook-app", redirect_uri="http://127.0.0.1/callback", pkce=pkce)
    _code_flow(op, browser)  # a code never redeemed
    for _ in range(5):
        client.fetch_token(meta, client_id=MACHINE[0], client_secret=MACHINE[1])
    client.start_device_flow(meta, client_id="tv-app", scope="openid")
    store = op.store
    held = store.counts()
    assert held["codes"] and held["used_codes"] and held["refresh"] and held["devices"] and held["grants"] == 6
    op.clock.advance(seconds=8 * 3600 + RETAIN + 60)  # past the longest lifetime (refresh: 8 h) and a day more
    fresh = client.fetch_token(meta, client_id=MACHINE[0], client_secret=MACHINE[1])  # storing something prunes
    left = store.counts()
    assert (left["codes"], left["used_codes"], left["refresh"], left["devices"]) == (0, 0, 0, 0)
    assert left["user_codes"] == 0 and left["sessions"] == 0 and left["revoked_jtis"] == 0
    assert left["grants"] == 1 and left["access"] == 1 and left["labels"] == 1
    client.call_api(op.url("/api/reports"), fresh["access_token"]).raise_for_status()  # the new grant works


def test_a_late_client_still_hears_that_its_code_expired_not_that_it_is_unknown(op, browser):
    meta, pkce, code = _code_flow(op, browser)
    op.clock.advance(hours=2)  # long expired (60 s), well within RETAIN
    client.fetch_token(meta, client_id=MACHINE[0], client_secret=MACHINE[1])  # a prune runs
    with pytest.raises(InvalidGrantError, match="expired"):
        client.exchange_code(meta, code, client_id="notebook-app", redirect_uri="http://127.0.0.1/callback", pkce=pkce)


def test_a_grant_whose_refresh_token_is_alive_is_kept_after_its_access_tokens_expired(op, http):
    tokens = op.mint("web-app", "alice", scope="orders:read")
    op.clock.advance(minutes=30)  # the access token (10 min) long gone; the refresh token still alive
    op.mint("web-app", "bob", scope="orders:read")  # a prune runs
    renewed = client.refresh(
        client.discover(op.issuer), tokens["refresh_token"], client_id=WEB[0], client_secret=WEB[1]
    )
    assert renewed["access_token"]


def test_a_redeemed_code_is_remembered_after_it_expired_so_a_replay_still_revokes_its_grant(op, browser):
    meta, pkce, code = _code_flow(op, browser)
    tokens = client.exchange_code(
        meta, code, client_id="notebook-app", redirect_uri="http://127.0.0.1/callback", pkce=pkce
    )
    op.clock.advance(minutes=30)  # the code expired 29 minutes ago
    op.mint("web-app", "bob", scope="orders:read")  # a prune runs
    with pytest.raises(InvalidGrantError, match="already used"):
        client.exchange_code(meta, code, client_id="notebook-app", redirect_uri="http://127.0.0.1/callback", pkce=pkce)
    with pytest.raises(InvalidGrantError, match="revoked"):  # RFC 6749 §4.1.2: the code's tokens are revoked
        client.refresh(meta, tokens["refresh_token"], client_id="notebook-app")


@pytest.fixture
def long_lived_op(clock):
    """The demo provider, but web-app's refresh tokens live 30 days: longer than RETAIN."""
    config = ProviderConfig.demo()
    clients = tuple(
        replace(c, refresh_token_lifetime=30 * 86400, refresh_token_idle=30 * 86400) if c.client_id == WEB[0] else c
        for c in config.clients
    )
    with MockProvider(config.replace(clients=clients), clock=clock) as provider:
        yield provider
        assert provider.app.errors == []


def _web_login(op, browser):
    meta = client.discover(op.issuer)
    pkce = client.PKCE.make()
    url = client.authorization_url(
        meta, client_id=WEB[0], redirect_uri=WEB_CALLBACK, scope="orders:read", state="st", pkce=pkce
    )
    code = client.login_as(url, "alice", "wonderland", session=browser).code
    tokens = client.exchange_code(
        meta, code, client_id=WEB[0], client_secret=WEB[1], redirect_uri=WEB_CALLBACK, pkce=pkce
    )
    return meta, pkce, code, tokens


def test_a_grant_is_kept_while_its_refresh_token_lives_even_a_day_after_its_access_tokens_expired(
    long_lived_op, browser
):
    op = long_lived_op
    meta, _, _, tokens = _web_login(op, browser)
    op.clock.advance(seconds=RETAIN + 2 * 3600)  # the access token and the code are forgotten by now
    op.mint(MACHINE[0])  # a prune runs
    assert op.store.counts()["access"] == 1  # only the one just minted
    renewed = client.refresh(meta, tokens["refresh_token"], client_id=WEB[0], client_secret=WEB[1])
    assert renewed["access_token"]


def test_a_redeemed_code_is_remembered_as_long_as_its_grant_so_a_late_replay_still_revokes_it(long_lived_op, browser):
    op = long_lived_op
    meta, pkce, code, tokens = _web_login(op, browser)
    op.clock.advance(seconds=RETAIN + 2 * 3600)
    op.mint(MACHINE[0])  # a prune runs
    with pytest.raises(InvalidGrantError, match="already used"):
        client.exchange_code(meta, code, client_id=WEB[0], client_secret=WEB[1], redirect_uri=WEB_CALLBACK, pkce=pkce)
    with pytest.raises(InvalidGrantError, match="revoked"):
        client.refresh(meta, tokens["refresh_token"], client_id=WEB[0], client_secret=WEB[1])


def test_login_pages_are_capped_oldest_first_and_forgotten_once_expired(op, http, monkeypatch):
    monkeypatch.setattr(limits, "MAX_LOGIN_PAGES", 3)  # the real cap is 10 000
    pages = [start(op, http, request_params()) for _ in range(5)]
    assert op.store.counts()["login_pages"] == 3
    assert "expired or was already answered" in submit(op, http, pages[0]).text  # the oldest went first
    assert submit(op, http, pages[4]).status_code == 303  # the newest still answers
    op.clock.advance(seconds=LOGIN_PAGE_LIFETIME)
    op.mint(MACHINE[0])  # storing something prunes
    assert op.store.counts()["login_pages"] == 0
