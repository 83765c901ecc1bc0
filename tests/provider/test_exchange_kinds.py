"""Every endpoint the provider serves, asked for real over 127.0.0.1: each recorded exchange says what it was, which
section defines it, who sent it and who answered (tokenlab.provider.exchange_kinds)."""

from __future__ import annotations

import contextlib
import re
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urljoin

import pytest
import requests
from werkzeug.exceptions import HTTPException

from tokenlab import Clock, client
from tokenlab.errors import AccessDeniedError
from tokenlab.provider import MockProvider
from tokenlab.provider.config import DEVICE_GRANT
from tokenlab.provider.exchange_kinds import PARTIES, ExchangeKind
from tokenlab.signing import HMACAuth

from .conftest import MACHINE, WEB

NOTEBOOK_CALLBACK = "http://127.0.0.1/callback"
WEB_CALLBACK = "http://127.0.0.1/web/callback"
WEB_LOGGED_OUT = "http://127.0.0.1/web/logged-out"


# --- what a user, an app, a device and an API do -------------------------------------------------------------------


def authorization_url(
    op, client_id="notebook-app", redirect_uri=NOTEBOOK_CALLBACK, scope="openid orders:read", **extra
):
    meta = client.discover(op.issuer)
    url = client.authorization_url(
        meta, client_id=client_id, redirect_uri=redirect_uri, scope=scope, state="s" * 22, pkce=client.PKCE.make()
    )
    return url + "".join(f"&{name}={value}" for name, value in extra.items())


def log_in(op, browser, **kwargs):
    return client.login_as(authorization_url(op, **kwargs), "alice", "wonderland", session=browser)


def code_at_once(op, browser):
    """Alice allowed the web app once; its next authorization request gets a code with no page (single sign-on)."""
    log_in(op, browser, client_id="web-app", redirect_uri=WEB_CALLBACK)
    browser.get(authorization_url(op, "web-app", WEB_CALLBACK), allow_redirects=False)


def access_token(op, scope="openid orders:read"):
    return op.mint("web-app", "alice", scope=scope)["access_token"]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def logout_with_hint(op, browser):
    log_in(op, browser)
    hint = op.mint("web-app", "alice", scope="openid")["id_token"]
    params = {"id_token_hint": hint, "post_logout_redirect_uri": WEB_LOGGED_OUT}
    browser.get(op.url("/logout"), params=params, allow_redirects=False)


def form_fields(page: requests.Response) -> tuple[str, dict[str, str]]:
    """The action and the hidden fields of the page's form."""
    action = re.search(r'<form[^>]*action="([^"]*)"', page.text)[1]
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    return urljoin(page.url, action), hidden


def consent_page(op, browser):
    """Alice is signed in (to the notebook app); the web app asks her for the first time: a consent page."""
    log_in(op, browser)
    page = browser.get(authorization_url(op, "web-app", WEB_CALLBACK), allow_redirects=False)
    assert page.status_code == 200 and 'name="password"' not in page.text
    return page


def press(op, browser, page, action):
    target, fields = form_fields(page)
    browser.post(target, data={**fields, "action": action}, headers={"Origin": op.issuer}, allow_redirects=False)


def tokens(op, http):
    """A whole code flow with PKCE for the notebook app, ending with the token request."""
    meta, pkce = client.discover(op.issuer), client.PKCE.make()
    scope = "openid orders:read offline_access"
    url = client.authorization_url(
        meta, client_id="notebook-app", redirect_uri=NOTEBOOK_CALLBACK, scope=scope, state="s" * 22, pkce=pkce
    )
    code = client.login_as(url, "alice", "wonderland").code
    return client.exchange_code(meta, code, client_id="notebook-app", redirect_uri=NOTEBOOK_CALLBACK, pkce=pkce)


def device_codes(op, http):
    return http.post(op.url("/device_authorization"), data={"client_id": "tv-app", "scope": "openid"}).json()


def device_answer(op, browser, http, action):
    codes = device_codes(op, http)
    browser.get(op.url("/device"))  # the page gives the browser its cookie
    form = {"user_code": codes["user_code"], "username": "alice", "password": "wonderland", "action": action}
    browser.post(op.url("/device"), data=form)


def logout_confirmation(op, browser):
    log_in(op, browser)
    return browser.get(op.url("/logout"), allow_redirects=False)


def confirm_logout(op, browser, answer):
    page = logout_confirmation(op, browser)
    target, fields = form_fields(page)
    browser.post(target, data={**fields, "answer": answer}, headers={"Origin": op.issuer}, allow_redirects=False)


def new_api_key(op, http):
    return http.post(op.url("/keys"), data={"scope": "reports:read", "name": "job"}, auth=MACHINE).json()


def signed_call(op, http):
    auth = HMACAuth("shop-backend", dict(op.config.signing_keys)["shop-backend"], clock=op.clock)
    http.get(op.url("/signed/orders"), params={"status": "open"}, auth=auth)


def wrong_password(op, browser):
    with pytest.raises(AccessDeniedError):
        client.login_as(authorization_url(op), "alice", "not-her-password", session=browser)


# --- the table: (what happens, label, sender, section[, receiver, refused]) ------------------------------------------

ROWS = [
    (lambda op, b, h: h.get(op.url("/.well-known/openid-configuration")), "discovery", "client", "OIDC Discovery §4"),
    (lambda op, b, h: h.get(op.url("/.well-known/oauth-authorization-server")), "discovery", "client", "RFC 8414 §3"),
    (lambda op, b, h: h.get(op.url("/jwks.json")), "public keys (JWKS)", "client", "RFC 7517 §5"),
    (
        lambda op, b, h: b.get(authorization_url(op)),
        "authorization request: login page",
        "browser",
        "RFC 6749 §4.1.1",
    ),
    (
        lambda op, b, h: b.head(authorization_url(op)),
        "authorization request: login page",
        "browser",
        "RFC 6749 §4.1.1",
    ),  # HEAD: the login page's headers, no body to look for a password field in
    (lambda op, b, h: consent_page(op, b), "authorization request: consent page", "browser", "OIDC Core §3.1.2.4"),
    (
        lambda op, b, h: code_at_once(op, b),
        "authorization request: code at once",
        "browser",
        "RFC 6749 §4.1.2",
    ),
    (
        lambda op, b, h: b.get(authorization_url(op, prompt="none"), allow_redirects=False),
        "authorization request: error to the app",
        "browser",
        "RFC 6749 §4.1.2.1",
        "provider",
        "login_required",
    ),
    (
        lambda op, b, h: b.get(op.url("/authorize"), params={"client_id": "nobody", "response_type": "code"}),
        "authorization request: refused on a page",
        "browser",
        "RFC 6749 §4.1.2.1",
        "provider",
        "400 Bad Request",
    ),
    (
        lambda op, b, h: b.get(op.url("/authorize/"), allow_redirects=False),
        "authorization request: sent on to /authorize",
        "browser",
        "RFC 9110 §15.4.9",
    ),
    (lambda op, b, h: log_in(op, b), "login and consent", "browser", "RFC 6749 §4.1.2"),
    (lambda op, b, h: wrong_password(op, b), "login failed", "browser", "OIDC Core §3.1.2.3"),
    (
        lambda op, b, h: client.login_as(authorization_url(op), "alice", "wonderland", session=b, approve=False),
        "user pressed Deny",
        "browser",
        "RFC 6749 §4.1.2.1",
        "provider",
        "access_denied",
    ),
    (
        lambda op, b, h: press(op, b, consent_page(op, b), "allow"),
        "consent given",
        "browser",
        "OIDC Core §3.1.2.4",
    ),
    (
        lambda op, b, h: press(op, b, consent_page(op, b), "deny"),
        "user pressed Deny",
        "browser",
        "RFC 6749 §4.1.2.1",
        "provider",
        "access_denied",
    ),
    (lambda op, b, h: tokens(op, h), "token request (authorization_code)", "client", "RFC 6749 §4.1.3"),
    (
        lambda op, b, h: h.post(op.url("/token"), data={"grant_type": "client_credentials"}, auth=MACHINE),
        "token request (client_credentials)",
        "client",
        "RFC 6749 §4.4.2",
    ),
    (
        lambda op, b, h: client.refresh(
            client.discover(op.issuer), tokens(op, h)["refresh_token"], client_id="notebook-app"
        ),
        "token refresh (refresh_token)",
        "client",
        "RFC 6749 §6",
    ),
    (
        lambda op, b, h: h.post(
            op.url("/token"),
            data={"grant_type": DEVICE_GRANT, "device_code": device_codes(op, h)["device_code"], "client_id": "tv-app"},
        ),
        "device polls for tokens (device_code)",
        "device",
        "RFC 8628 §3.4",
        "provider",
        "authorization_pending",
    ),
    (
        lambda op, b, h: h.post(op.url("/token/"), data={"grant_type": "client_credentials"}, auth=MACHINE),
        "token request (client_credentials)",
        "client",
        "RFC 6749 §4.4.2",
    ),  # a trailing slash reaches the same endpoint
    (
        lambda op, b, h: h.post(op.url("/token"), data={"grant_type": "password"}, auth=MACHINE),
        "token request (password)",
        "client",
        "RFC 6749 §5.2",
        "provider",
        "unsupported_grant_type",
    ),
    (
        lambda op, b, h: h.post(op.url("/token"), data={"scope": "x"}, auth=MACHINE),
        "token request (no grant_type)",
        "client",
        "RFC 6749 §5.2",
        "provider",
        "invalid_request",
    ),
    (
        lambda op, b, h: h.post(op.url("/revoke"), data={"token": "whatever"}, auth=WEB),
        "revocation",
        "client",
        "RFC 7009 §2.1",
    ),
    (
        lambda op, b, h: h.post(op.url("/introspect"), data={"token": access_token(op)}, auth=WEB),
        "introspection",
        "api",
        "RFC 7662 §2.1",
    ),
    (
        lambda op, b, h: h.get(op.url("/userinfo"), headers=bearer(access_token(op, "openid"))),
        "userinfo request",
        "client",
        "OIDC Core §5.3.1",
    ),
    (lambda op, b, h: device_codes(op, h), "device authorization request", "device", "RFC 8628 §3.1"),
    (lambda op, b, h: b.get(op.url("/device")), "device verification page", "browser", "RFC 8628 §3.3"),
    (
        lambda op, b, h: b.get(device_codes(op, h)["verification_uri_complete"]),
        "device verification page, code filled in",
        "browser",
        "RFC 8628 §3.3.1",
    ),
    (lambda op, b, h: device_answer(op, b, h, "approve"), "user approves the device", "browser", "RFC 8628 §3.3"),
    (lambda op, b, h: device_answer(op, b, h, "deny"), "user denies the device", "browser", "RFC 8628 §3.3"),
    (
        lambda op, b, h: logout_with_hint(op, b),
        "logout: session ended",
        "browser",
        "OIDC RP-Initiated Logout §2",
    ),
    (lambda op, b, h: logout_confirmation(op, b), "logout request", "browser", "OIDC RP-Initiated Logout §2"),
    (
        lambda op, b, h: b.get(op.url("/logout"), params={"id_token_hint": "not-a-token"}, allow_redirects=False),
        "logout request refused",
        "browser",
        "OIDC RP-Initiated Logout §4",
        "provider",
        "400 Bad Request",
    ),
    (lambda op, b, h: confirm_logout(op, b, "logout"), "logout confirmed", "browser", "OIDC RP-Initiated Logout §2"),
    (lambda op, b, h: confirm_logout(op, b, "stay"), "user stays signed in", "browser", "OIDC RP-Initiated Logout §2"),
    (
        lambda op, b, h: h.get(op.url("/api/orders"), headers=bearer(access_token(op))),
        "API call with a bearer token",
        "client",
        "RFC 6750 §2.1",
        "api",
    ),
    (
        lambda op, b, h: h.get(op.url("/api/orders")),
        "API call without a token",
        "client",
        "RFC 6750 §3",
        "api",
        "401 Unauthorized",
    ),
    (
        lambda op, b, h: h.get(op.url("/api/orders"), headers=bearer("not-a-token")),
        "API call with a bearer token",
        "client",
        "RFC 6750 §2.1",
        "api",
        "invalid_token",
    ),
    (
        lambda op, b, h: h.get(op.url("/key-api/reports"), headers=bearer(new_api_key(op, h)["key"])),
        "API call with an API key",
        "client",
        "RFC 6750 §2.1",
        "api",
    ),
    (lambda op, b, h: signed_call(op, h), "signed API call (HMAC)", "client", "RFC 9421 §3.2", "api"),
    (lambda op, b, h: new_api_key(op, h), "create an API key", "client", ""),
    (lambda op, b, h: h.get(op.url("/keys"), auth=MACHINE), "list API keys", "client", ""),
    (
        lambda op, b, h: h.get(op.url(f"/keys/{new_api_key(op, h)['key_id']}"), auth=MACHINE),
        "read an API key's record",
        "client",
        "",
    ),
    (
        lambda op, b, h: h.post(op.url(f"/keys/{new_api_key(op, h)['key_id']}/rotate"), auth=MACHINE),
        "rotate an API key",
        "client",
        "",
    ),
    (
        lambda op, b, h: h.post(op.url(f"/keys/{new_api_key(op, h)['key_id']}/revoke"), auth=MACHINE),
        "revoke an API key",
        "client",
        "",
    ),
    (
        lambda op, b, h: h.get(op.url("/nothing-here")),
        "unknown path",
        "client",
        "RFC 9110 §15.5.5",
        "provider",
        "not_found",
    ),
    (
        lambda op, b, h: h.get(op.url("/token")),
        "GET not allowed here",
        "client",
        "RFC 9110 §15.5.6",
        "provider",
        "invalid_request",
    ),
    (
        lambda op, b, h: h.post(op.url("/token"), data={"grant_type": "client_credentials", "pad": "x" * 100_000}),
        "body too large, refused unread",
        "client",
        "RFC 9110 §15.5.14",
        "provider",
        "invalid_request",
    ),
]


def _expected(row):
    """(label, sender, section, receiver, refused): a row may leave out the receiver (the provider) and refused."""
    given = row[1:]
    return (*given, *("provider", None)[len(given) - 3 :])


@pytest.mark.parametrize("row", ROWS, ids=[f"{i:02d}-{row[1]}" for i, row in enumerate(ROWS)])
def test_each_endpoint_is_classified_by_what_it_was_who_sent_it_and_its_section(op, browser, http, row):
    row[0](op, browser, http)
    exchange = op.exchanges[-1]
    kind = exchange.kind
    assert (kind.label, kind.sender, kind.section, kind.receiver, kind.refused) == _expected(row), exchange.summary()


def test_the_table_asks_every_route_the_provider_serves():
    """The rows above, each on a provider of its own: the last exchanges of all of them reach every route."""
    reached, routes = set(), set()
    for act, *_ in ROWS:
        with MockProvider(clock=Clock.frozen()) as op, requests.Session() as browser, requests.Session() as http:
            http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
            act(op, browser, http)
            routes = {rule.rule for rule in op.app.url_map.iter_rules()}
            adapter = op.app.url_map.bind("127.0.0.1")
        last = op.exchanges[-1]
        with contextlib.suppress(HTTPException):  # the unknown path and the method not allowed match no route
            reached.add(adapter.match(last.path, method=last.method, return_rule=True)[0].rule)
    assert len(routes) >= 18 and sorted(routes - reached) == []


def test_every_kind_names_a_known_party_and_reads_as_a_sentence(op, http):
    http.get(op.url("/.well-known/openid-configuration"))
    kind = op.exchanges[-1].kind
    assert isinstance(kind, ExchangeKind)
    assert kind.sender in PARTIES and kind.receiver in PARTIES
    assert kind.sentence() == (
        "The app reads the provider's metadata: its endpoints, its signing algorithms, what it supports. "
        "Sent by the client app to the provider (OIDC Discovery §4)."
    )


def test_a_refused_request_says_why_on_its_line(op, http):
    http.post(op.url("/token"), data={"grant_type": "client_credentials"}, auth=("reporting-service", "wrong"))
    assert op.exchanges[-1].kind.line() == "token request (client_credentials) — refused: invalid_client"
