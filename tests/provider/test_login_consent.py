"""Consent and re-authentication under single sign-on (SECURITY.md I2): a session answers silently only for what
the user already granted that client; prompt, max_age and public clients make the provider ask again
(OIDC Core §3.1.2.1, §3.1.2.4, §3.1.2.6; RFC 8252 §8.6)."""

from urllib.parse import parse_qs, urlsplit

import requests

from tokenlab import client, decode_unverified

from .test_sso import NOTEBOOK, WEB, authorize_url


def sign_in(op, browser, app=WEB, **extra):
    return client.login_as(authorize_url(op, app, **extra)[2], "alice", "wonderland", session=browser)


def visit(op, browser, app=WEB, scope=None, **extra):
    url = authorize_url(op, app, **extra)[2]
    if scope is not None:
        url = url.replace("scope=openid+profile", "scope=" + scope.replace(" ", "+"))
    return browser.get(url, allow_redirects=False)


def answer_of(response):
    assert response.status_code == 303, response.text
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()}


def asks_password(page):
    return page.status_code == 200 and 'type="password"' in page.text


def asks_consent_only(page):
    return page.status_code == 200 and "You are signed in as" in page.text and 'type="password"' not in page.text


def test_a_granted_scope_is_silent_but_a_wider_scope_asks_for_consent_again(op, browser):
    sign_in(op, browser)
    assert "code" in answer_of(visit(op, browser))  # openid profile: granted
    codes = op.store.counts()["codes"]
    wider = visit(op, browser, scope="openid profile orders:read")
    assert asks_consent_only(wider) and "list your orders" in wider.text
    assert op.store.counts()["codes"] == codes  # no code for the wider scope


def test_prompt_consent_asks_even_for_what_was_granted(op, browser):
    sign_in(op, browser)
    assert asks_consent_only(visit(op, browser, prompt="consent"))


def test_a_public_client_is_never_approved_silently_even_on_another_loopback_port(op, browser):
    sign_in(op, browser, NOTEBOOK)
    assert asks_consent_only(visit(op, browser, NOTEBOOK))
    other_port = {**NOTEBOOK, "redirect_uri": "http://127.0.0.1:53117/callback"}  # RFC 8252 §7.3: any port
    page = visit(op, browser, other_port)
    assert asks_consent_only(page) and "http://127.0.0.1:53117/callback" in page.text
    refused = answer_of(visit(op, browser, NOTEBOOK, prompt="none"))
    assert refused["error"] == "consent_required" and "8252" in refused["error_description"]


def test_prompt_none_without_consent_answers_consent_required(op, browser):
    sign_in(op, browser, NOTEBOOK)
    assert answer_of(visit(op, browser, WEB, prompt="none"))["error"] == "consent_required"


def test_max_age_zero_asks_for_the_password_again(op, browser):
    sign_in(op, browser)
    assert asks_password(visit(op, browser, max_age="0"))


def test_max_age_asks_for_the_password_only_when_the_login_is_older(op, browser):
    sign_in(op, browser)
    op.clock.advance(minutes=10)
    assert "code" in answer_of(visit(op, browser, max_age="600"))  # exactly 600 s: not older than allowed
    assert asks_password(visit(op, browser, max_age="599"))
    assert answer_of(visit(op, browser, max_age="599", prompt="none"))["error"] == "login_required"


def test_a_fresh_login_under_max_age_gets_a_new_auth_time(op, browser):
    sign_in(op, browser)
    op.clock.advance(minutes=10)
    meta, pkce, url = authorize_url(op, WEB, max_age="60")
    code = client.login_as(url, "alice", "wonderland", session=browser).code
    tokens = client.exchange_code(
        meta, code, client_id="web-app", client_secret=WEB_SECRET, redirect_uri=WEB["redirect_uri"], pkce=pkce
    )
    assert decode_unverified(tokens["id_token"]).claims["auth_time"] == op.clock.timestamp()


WEB_SECRET = "web-app-secret-8f2d4c1e9b7a6350"


def test_prompt_login_replaces_the_old_session(op, browser):
    sign_in(op, browser)
    old = browser.cookies["tokenlab_session"]
    page = visit(op, browser, prompt="login")
    assert asks_password(page)
    sign_in(op, browser, prompt="login")
    new = browser.cookies["tokenlab_session"]
    assert new != old
    with requests.Session() as thief:  # whoever kept the old cookie value
        thief.cookies.set("tokenlab_session", old)
        assert asks_password(visit(op, thief))
    assert op.store.logins.session(old, op.clock.timestamp()) is None


def test_select_account_shows_the_login_form_and_another_account_replaces_the_session(op, browser):
    sign_in(op, browser)
    assert asks_password(visit(op, browser, prompt="select_account"))
    url = authorize_url(op, WEB, prompt="select_account")[2]
    client.login_as(url, "bob", "builder", session=browser)
    session = op.store.logins.session(browser.cookies["tokenlab_session"], op.clock.timestamp())
    assert session.sub == "user-bob" and op.store.counts()["sessions"] == 1


def test_a_max_age_that_is_no_number_is_an_invalid_request(op, browser):
    for bad in ("-1", "ten", "1e3", "99999999999"):
        refused = answer_of(visit(op, browser, max_age=bad))
        assert refused["error"] == "invalid_request" and "max_age" in refused["error_description"]


def test_a_consent_page_is_refused_if_the_user_signed_out_meanwhile(op, browser):
    sign_in(op, browser)
    page = visit(op, browser, prompt="consent")
    codes = op.store.counts()["codes"]
    op.store.logins.end_session(browser.cookies["tokenlab_session"])
    request_id = page.text.split('name="request_id" value="')[1].split('"')[0]
    refused = browser.post(op.url("/authorize"), data={"request_id": request_id}, allow_redirects=False)
    assert refused.status_code == 400, refused.text
    assert "signed out" in refused.text and op.store.counts()["codes"] == codes
