"""Single sign-on: the provider's login session makes a second app's login silent; logout ends it (OIDC)."""

from urllib.parse import parse_qs, urlsplit

from tokenlab import client, decode_unverified

NOTEBOOK = {"client_id": "notebook-app", "redirect_uri": "http://127.0.0.1/callback"}
WEB = {"client_id": "web-app", "redirect_uri": "http://127.0.0.1/web/callback"}
WEB_SECRET = "web-app-secret-8f2d4c1e9b7a6350"


def authorize_url(op, app, **extra):
    meta = client.discover(op.issuer)
    pkce = client.PKCE.make("v" * 43)
    url = client.authorization_url(
        meta,
        client_id=app["client_id"],
        redirect_uri=app["redirect_uri"],
        scope="openid profile",
        state="st-" + "x" * 20,
        pkce=pkce,
        nonce="n-1",
    )
    return meta, pkce, url + "".join(f"&{k}={v}" for k, v in extra.items())


def tokens_for(meta, app, code, pkce, secret=None):
    return client.exchange_code(
        meta, code, client_id=app["client_id"], client_secret=secret, redirect_uri=app["redirect_uri"], pkce=pkce
    )


def test_after_one_login_a_second_app_asks_only_for_consent_and_then_answers_silently(op, browser):
    meta, _, url = authorize_url(op, NOTEBOOK)
    first = client.login_as(url, "alice", "wonderland", session=browser)
    login_time = op.clock.timestamp()
    cookie = next(c for c in browser.cookies if c.name == "tokenlab_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    op.clock.advance(minutes=30)
    _, _, url2 = authorize_url(op, WEB)
    page = browser.get(url2, allow_redirects=False)  # Alice never granted web-app anything (OIDC Core §3.1.2.4)
    assert page.status_code == 200 and "You are signed in as <strong>Alice Liddell</strong>" in page.text
    assert 'type="password"' not in page.text  # signed in already: consent only, no password
    client.login_as(url2, "alice", "wonderland", session=browser)  # she presses Allow
    _, pkce3, url3 = authorize_url(op, WEB)
    answer = browser.get(url3, allow_redirects=False)
    assert answer.status_code == 303  # granted now: silent, no page
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    tokens = tokens_for(meta, WEB, code, pkce3, WEB_SECRET)
    identity = decode_unverified(tokens["id_token"]).claims
    assert identity["sub"] == "user-alice"
    assert identity["auth_time"] == login_time  # when she really logged in, not now (OIDC Core §2)
    assert identity["iat"] == login_time + 1800
    assert first.code


def test_prompt_login_asks_again_even_with_a_session(op, browser):
    _, _, url = authorize_url(op, NOTEBOOK)
    client.login_as(url, "alice", "wonderland", session=browser)
    _, _, again = authorize_url(op, WEB, prompt="login")
    page = browser.get(again, allow_redirects=False)
    assert page.status_code == 200 and "password" in page.text


def test_prompt_none_answers_login_required_without_a_session_and_a_code_with_one(op, browser):
    _, _, url = authorize_url(op, WEB, prompt="none")
    refused = browser.get(url, allow_redirects=False)
    assert parse_qs(urlsplit(refused.headers["Location"]).query)["error"] == ["login_required"]
    client.login_as(authorize_url(op, WEB)[2], "alice", "wonderland", session=browser)
    silent = browser.get(url, allow_redirects=False)
    assert "code" in parse_qs(urlsplit(silent.headers["Location"]).query)


def test_discovery_advertises_the_end_session_endpoint(op):
    assert client.discover(op.issuer)["end_session_endpoint"] == op.url("/logout")


def test_the_recorder_masks_the_session_cookie_in_both_directions(op, browser):
    _, _, url = authorize_url(op, NOTEBOOK)
    client.login_as(url, "alice", "wonderland", session=browser)
    browser.get(authorize_url(op, WEB)[2], allow_redirects=False)
    set_cookies = [e.response_header("Set-Cookie") or "" for e in op.exchanges]
    set_cookie = next(c for c in set_cookies if c.startswith("tokenlab_session="))
    assert set_cookie.startswith("tokenlab_session=••••••;") and "HttpOnly" in set_cookie
    assert op.exchanges[-1].request_header("Cookie") == "••••••"
    session_id = next(c.value for c in browser.cookies if c.name == "tokenlab_session")
    assert all(session_id not in str(e) for e in op.exchanges)


def test_the_session_ends_on_the_server_after_its_lifetime_on_the_shared_clock(op, browser):
    _, _, url = authorize_url(op, NOTEBOOK)
    client.login_as(url, "alice", "wonderland", session=browser)
    op.clock.advance(seconds=op.config.session_lifetime)
    page = browser.get(authorize_url(op, WEB)[2], allow_redirects=False)
    assert page.status_code == 200 and "password" in page.text
