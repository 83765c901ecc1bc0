"""tokenlab.browser: what a user does in the browser, done from Python, against a real MockProvider."""

import pytest
import requests

from tokenlab import browser, client
from tokenlab.errors import AccessDeniedError
from tokenlab.provider import MockProvider


@pytest.fixture
def op():
    with MockProvider() as provider:
        yield provider


def test_page_text_reads_as_the_browser_shows_it_with_no_space_before_punctuation():
    page = (
        "<html><head><title>Connect</title></head><body><main><h1>Device connected</h1>\n"
        "<p><strong>TV App</strong> may now act for <strong>bob</strong> with the scope "
        "<code>openid orders:read</code>. Return to your device.</p></main></body></html>"
    )
    assert browser.page_text(page) == (
        "Device connected. TV App may now act for bob with the scope openid orders:read. Return to your device."
    )


def test_login_as_fills_the_form_and_stops_at_the_redirect_back_with_the_code(op):
    meta = client.discover(op.issuer)
    pkce = client.PKCE.make()
    url = client.authorization_url(
        meta, client_id="notebook-app", redirect_uri="http://127.0.0.1/callback", scope="openid", state="s1", pkce=pkce
    )
    back = browser.login_as(url, "alice", "wonderland")
    assert back.location.startswith("http://127.0.0.1/callback?")
    assert back.state == "s1" and back.code and back.error is None


def test_a_wrong_password_is_an_access_denied_error_quoting_the_page(op):
    meta = client.discover(op.issuer)
    url = client.authorization_url(
        meta,
        client_id="notebook-app",
        redirect_uri="http://127.0.0.1/callback",
        scope="openid",
        state="s",
        pkce=client.PKCE.make(),
    )
    with requests.Session() as http, pytest.raises(AccessDeniedError, match="The login did not succeed: ") as refused:
        browser.login_as(url, "alice", "not-her-password", session=http)
    assert "<" not in str(refused.value)  # the page's text, not its HTML


def test_the_client_module_still_offers_the_browser_verbs():
    assert client.login_as is browser.login_as
    assert client.approve_device is browser.approve_device
    assert client.Redirect is browser.Redirect
