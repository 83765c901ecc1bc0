"""Logout (OIDC RP-Initiated Logout 1.0): the session ends; the browser goes back only on a valid hint (§2, §3)."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tokenlab import client, demo_key, sign
from tokenlab.keys import as_key
from tokenlab.tokens import decode_unverified

NOTEBOOK = {"client_id": "notebook-app", "redirect_uri": "http://127.0.0.1/callback"}
WEB = {"client_id": "web-app", "redirect_uri": "http://127.0.0.1/web/callback"}


def log_in(op, browser):
    """Alice logs in to the notebook app in ``browser``, which keeps the provider's session cookie."""
    meta = client.discover(op.issuer)
    url = client.authorization_url(
        meta,
        client_id=NOTEBOOK["client_id"],
        redirect_uri=NOTEBOOK["redirect_uri"],
        scope="openid",
        state="st-" + "x" * 20,
        pkce=client.PKCE.make("v" * 43),
    )
    client.login_as(url, "alice", "wonderland", session=browser)


def id_token_for(op, app):
    return op.mint(app["client_id"], "alice", scope="openid")["id_token"]


def log_out(op, browser, **params):
    return browser.get(op.url("/logout"), params=params, allow_redirects=False)


def login_page_shown(op, browser):
    meta = client.discover(op.issuer)
    url = client.authorization_url(
        meta,
        client_id=WEB["client_id"],
        redirect_uri=WEB["redirect_uri"],
        scope="openid",
        state="st-" + "y" * 20,
        pkce=client.PKCE.make("w" * 43),
    )
    page = browser.get(url, allow_redirects=False)
    return page.status_code == 200 and "password" in page.text


def test_a_logout_with_the_apps_id_token_ends_the_session_and_goes_back_to_its_registered_uri(op, browser):
    log_in(op, browser)
    out = log_out(
        op, browser, id_token_hint=id_token_for(op, WEB), post_logout_redirect_uri=WEB["redirect_uri"], state="bye"
    )
    assert out.status_code == 303
    assert out.headers["Location"] == WEB["redirect_uri"] + "?state=bye"
    assert "tokenlab_session=;" in out.headers["Set-Cookie"]
    assert op.store.sessions == {}
    assert login_page_shown(op, browser)


def test_an_id_token_whose_exp_has_passed_is_still_accepted_as_a_hint(op, browser):
    hint = id_token_for(op, WEB)
    op.clock.advance(hours=2)
    out = log_out(op, browser, id_token_hint=hint, post_logout_redirect_uri=WEB["redirect_uri"])
    assert out.status_code == 303


def test_a_client_id_without_an_id_token_hint_ends_the_session_but_does_not_redirect(op, browser):
    log_in(op, browser)
    out = log_out(op, browser, client_id="web-app", post_logout_redirect_uri=WEB["redirect_uri"], state="bye")
    assert out.status_code == 200 and "Location" not in out.headers
    assert "You are logged out" in out.text
    assert op.store.sessions == {}


def test_logout_to_an_unregistered_uri_shows_a_page_instead_of_redirecting(op, browser):
    out = log_out(op, browser, id_token_hint=id_token_for(op, WEB), post_logout_redirect_uri="https://evil.example/")
    assert out.status_code == 200 and "Location" not in out.headers
    assert "You are logged out" in out.text


def test_a_hint_naming_another_client_than_client_id_is_an_error_without_redirect(op, browser):
    out = log_out(
        op,
        browser,
        id_token_hint=id_token_for(op, NOTEBOOK),
        client_id="web-app",
        post_logout_redirect_uri=NOTEBOOK["redirect_uri"],
    )
    assert out.status_code == 200 and "Location" not in out.headers


def forged_hint(op):
    """An ID token for the web app with every claim right, under the provider's kid, signed by another key."""
    claims = decode_unverified(id_token_for(op, WEB)).claims
    stranger = as_key(demo_key("RS256", generation=2).signing, "RS256", kid=op.app.signing_key.kid)
    return sign(claims, stranger)


def access_token_hint(op):
    """A genuine access token of the provider, its aud set to the web app: an access token all the same."""
    claims = {**decode_unverified(op.mint("web-app", "alice")["access_token"]).claims, "aud": "web-app"}
    return sign(claims, op.app.signing_key, typ="at+jwt")


@pytest.mark.parametrize("make_hint", [forged_hint, access_token_hint], ids=["forged", "access token"])
def test_a_hint_the_provider_did_not_issue_as_an_id_token_gets_no_redirect(op, browser, make_hint):
    out = log_out(op, browser, id_token_hint=make_hint(op), post_logout_redirect_uri=WEB["redirect_uri"])
    assert out.status_code == 200 and "Location" not in out.headers


def test_no_state_is_added_when_the_app_sent_none(op, browser):
    out = log_out(op, browser, id_token_hint=id_token_for(op, WEB), post_logout_redirect_uri=WEB["redirect_uri"])
    assert "state" not in parse_qs(urlsplit(out.headers["Location"]).query)
