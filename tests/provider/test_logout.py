"""Logout (OIDC RP-Initiated Logout 1.0): a valid hint ends the session and goes back to a registered post-logout
URI (§2, §3); anything else is refused or asks the user first, and the session lives until the user says yes."""

import base64
import json
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from tokenlab import client, demo_key, sign
from tokenlab.errors import UsageError
from tokenlab.keys import as_key
from tokenlab.provider import MockProvider
from tokenlab.provider.config import ClientConfig, ProviderConfig
from tokenlab.tokens import decode_unverified

NOTEBOOK = {"client_id": "notebook-app", "redirect_uri": "http://127.0.0.1/callback"}
WEB = {"client_id": "web-app", "redirect_uri": "http://127.0.0.1/web/callback"}
WEB_LOGGED_OUT = "http://127.0.0.1/web/logged-out"  # web-app's registered post-logout redirect URI


def log_in(op, browser, username="alice", password="wonderland"):
    """``username`` logs in to the notebook app in ``browser``, which keeps the provider's session cookie."""
    meta = client.discover(op.issuer)
    url = client.authorization_url(
        meta,
        client_id=NOTEBOOK["client_id"],
        redirect_uri=NOTEBOOK["redirect_uri"],
        scope="openid",
        state="st-" + "x" * 20,
        pkce=client.PKCE.make("v" * 43),
    )
    client.login_as(url, username, password, session=browser)


def signed_in(op, browser):
    """Whether the provider still holds a live login session for this browser's cookie."""
    cookie = browser.cookies.get("tokenlab_session", "")
    return op.store.logins.session(cookie, op.clock.timestamp()) is not None


def id_token_for(op, app, username="alice"):
    return op.mint(app["client_id"], username, scope="openid")["id_token"]


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


class Form(HTMLParser):
    """The first form of a page: its action and its fields (hidden inputs and the named buttons)."""

    def __init__(self, page):
        super().__init__()
        self.action, self.fields, self.buttons = None, {}, {}
        self.feed(page.text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attributes.get("action", "")
        elif tag == "input" and attributes.get("type") == "hidden":
            self.fields[attributes["name"]] = attributes.get("value", "")
        elif tag == "button":
            self.buttons[attributes["value"]] = attributes["name"]


def answer(page, browser, button, **headers):
    """Press ``button`` ("logout" or "stay") on a confirmation page, as the browser that shows it."""
    form = Form(page)
    fields = {**form.fields, form.buttons[button]: button}
    return browser.post(urljoin(page.url, form.action), data=fields, headers=headers, allow_redirects=False)


def refused(out):
    return out.status_code == 400 and "Location" not in out.headers and "cannot go on" in out.text


# --- a valid hint ------------------------------------------------------------------------------------------------


def test_a_logout_with_the_apps_id_token_ends_the_session_and_goes_back_to_its_post_logout_uri(op, browser):
    log_in(op, browser)
    out = log_out(
        op, browser, id_token_hint=id_token_for(op, WEB), post_logout_redirect_uri=WEB_LOGGED_OUT, state="bye"
    )
    assert out.status_code == 303
    assert out.headers["Location"] == WEB_LOGGED_OUT + "?state=bye"
    assert "tokenlab_session=;" in out.headers["Set-Cookie"]
    assert op.store.counts()["sessions"] == 0
    assert login_page_shown(op, browser)


def test_an_id_token_whose_exp_has_passed_is_still_accepted_as_a_hint(op, browser):
    log_in(op, browser)
    hint = id_token_for(op, WEB)
    op.clock.advance(hours=2)
    out = log_out(op, browser, id_token_hint=hint, post_logout_redirect_uri=WEB_LOGGED_OUT)
    assert out.status_code == 303
    assert not signed_in(op, browser)


def test_no_state_is_added_when_the_app_sent_none(op, browser):
    out = log_out(op, browser, id_token_hint=id_token_for(op, WEB), post_logout_redirect_uri=WEB_LOGGED_OUT)
    assert "state" not in parse_qs(urlsplit(out.headers["Location"]).query)


def test_a_logout_when_nobody_is_signed_in_is_no_error(op, browser):
    out = log_out(op, browser)
    assert out.status_code == 200 and "You are logged out" in out.text


# --- hints the provider did not issue as ID tokens ----------------------------------------------------------------


def unsigned_hint(op):
    """Alice's ID token for the web app with ``alg: none`` and no signature."""
    claims = decode_unverified(id_token_for(op, WEB)).claims
    header = {"alg": "none", "typ": "JWT"}
    encode = lambda part: base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{encode(header)}.{encode(claims)}."


def forged_hint(op):
    """An ID token for the web app with every claim right, under the provider's kid, signed by another key."""
    claims = decode_unverified(id_token_for(op, WEB)).claims
    stranger = as_key(demo_key("RS256", generation=2).signing, "RS256", kid=op.app.signing_key.kid)
    return sign(claims, stranger)


def foreign_issuer_hint(op):
    """Signed with the provider's own key, but naming another issuer: not an ID token this provider issued."""
    claims = decode_unverified(id_token_for(op, WEB)).claims
    return sign({**claims, "iss": "http://127.0.0.1:1"}, op.app.signing_key)


def other_providers_hint(op):
    """A genuine ID token of another provider running on this machine (another port, so another issuer)."""
    with MockProvider(clock=op.clock) as other:
        return id_token_for(other, WEB)


def access_token_hint(op):
    """A genuine access token of the provider, its aud set to the web app: an access token all the same."""
    claims = {**decode_unverified(op.mint("web-app", "alice")["access_token"]).claims, "aud": "web-app"}
    return sign(claims, op.app.signing_key, typ="at+jwt")


@pytest.mark.parametrize(
    "make_hint",
    [unsigned_hint, forged_hint, foreign_issuer_hint, other_providers_hint, access_token_hint],
    ids=["alg none", "forged", "foreign iss", "other provider", "access token"],
)
def test_a_hint_the_provider_did_not_issue_as_an_id_token_is_refused_and_the_session_survives(op, browser, make_hint):
    log_in(op, browser)
    out = log_out(op, browser, id_token_hint=make_hint(op), post_logout_redirect_uri=WEB_LOGGED_OUT, state="bye")
    assert refused(out)
    assert "not an ID token this provider issued" in out.text
    assert signed_in(op, browser)


@pytest.mark.parametrize("garbage", ["abc", "a.b.c", "e30.e30.", "\u00e9" * 3000, "eyJhbGciOiJSUzI1NiJ9." * 50])
def test_a_hint_that_is_no_jwt_at_all_gets_the_same_teaching_page_and_no_internal_error(op, browser, garbage):
    log_in(op, browser)
    out = log_out(op, browser, id_token_hint=garbage)
    assert refused(out) and "not an ID token this provider issued" in out.text
    assert signed_in(op, browser)


def test_a_refused_hint_page_says_why_in_the_users_words(op, browser):
    log_in(op, browser)
    out = log_out(op, browser, id_token_hint=unsigned_hint(op))
    assert "The token&#x27;s alg is &#x27;none&#x27;" in out.text
    assert "RP-Initiated Logout section 2" in out.text


def test_a_hint_naming_another_client_than_client_id_is_refused_and_the_session_survives(op, browser):
    log_in(op, browser)
    out = log_out(
        op,
        browser,
        id_token_hint=id_token_for(op, NOTEBOOK),
        client_id="web-app",
        post_logout_redirect_uri=WEB_LOGGED_OUT,
    )
    assert refused(out)
    assert "issued to &#x27;notebook-app&#x27;" in out.text
    assert signed_in(op, browser)


# --- post-logout redirect URIs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        WEB["redirect_uri"],
        WEB_LOGGED_OUT + "/",
        WEB_LOGGED_OUT + "?x=1",
        WEB_LOGGED_OUT.upper(),
    ],
    ids=["another site", "the login redirect uri", "a longer path", "a query added", "another case"],
)
def test_a_post_logout_uri_not_registered_exactly_is_refused_without_redirect(op, browser, target):
    log_in(op, browser)
    out = log_out(op, browser, id_token_hint=id_token_for(op, WEB), post_logout_redirect_uri=target)
    assert refused(out)
    assert "not a post-logout redirect URI registered" in out.text
    assert signed_in(op, browser)


def test_a_client_id_without_a_hint_asks_first_and_after_yes_shows_a_page_instead_of_redirecting(op, browser):
    log_in(op, browser)
    page = log_out(op, browser, client_id="web-app", post_logout_redirect_uri=WEB_LOGGED_OUT, state="bye")
    assert page.status_code == 200 and "Log out?" in page.text
    assert signed_in(op, browser)
    out = answer(page, browser, "logout")
    assert out.status_code == 200 and "Location" not in out.headers
    assert "You are logged out" in out.text
    assert not signed_in(op, browser)


# --- asking the user ---------------------------------------------------------------------------------------------


def test_a_logout_link_without_a_hint_asks_the_user_and_the_session_survives_until_they_say_yes(op, browser):
    log_in(op, browser)
    page = log_out(op, browser)
    assert page.status_code == 200 and "Log out?" in page.text and "alice" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert signed_in(op, browser)
    out = answer(page, browser, "logout")
    assert "You are logged out" in out.text
    assert not signed_in(op, browser)
    assert login_page_shown(op, browser)


def test_stay_signed_in_keeps_the_session(op, browser):
    log_in(op, browser)
    out = answer(log_out(op, browser), browser, "stay")
    assert "still signed in" in out.text
    assert signed_in(op, browser)


def test_another_users_id_token_as_hint_asks_the_signed_in_user_first(op, browser):
    log_in(op, browser)
    page = log_out(op, browser, id_token_hint=id_token_for(op, WEB, "bob"), post_logout_redirect_uri=WEB_LOGGED_OUT)
    assert page.status_code == 200 and "Log out?" in page.text
    assert signed_in(op, browser)


def test_after_yes_to_a_valid_hint_for_another_user_the_browser_goes_back_to_the_app(op, browser):
    log_in(op, browser)
    page = log_out(op, browser, id_token_hint=id_token_for(op, WEB, "bob"), post_logout_redirect_uri=WEB_LOGGED_OUT)
    out = answer(page, browser, "logout")
    assert out.status_code == 303 and out.headers["Location"] == WEB_LOGGED_OUT
    assert not signed_in(op, browser)


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "https://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}],
    ids=["another origin", "a hidden origin", "sec-fetch-site"],
)
def test_a_confirmation_posted_from_another_site_is_refused_and_the_session_survives(op, browser, headers):
    log_in(op, browser)
    out = answer(log_out(op, browser), browser, "logout", **headers)
    assert out.status_code == 403 and "cannot come from the provider&#x27;s own page" in out.text
    assert signed_in(op, browser)


def test_a_confirmation_from_the_providers_own_origin_is_accepted(op, browser):
    log_in(op, browser)
    out = answer(log_out(op, browser), browser, "logout", Origin=op.issuer)
    assert out.status_code == 200 and not signed_in(op, browser)


def test_the_attackers_own_confirmation_form_does_not_log_out_the_victim(op, browser):
    log_in(op, browser)  # the victim
    with requests.Session() as attacker:
        log_in(op, attacker, "bob", "builder")
        fields = Form(log_out(op, attacker)).fields
    out = browser.post(op.url("/logout"), data={**fields, "answer": "logout"}, allow_redirects=False)
    assert out.status_code == 403 and "does not come from the confirmation page" in out.text
    assert signed_in(op, browser)


def test_a_confirmation_without_its_token_is_refused(op, browser):
    log_in(op, browser)
    out = browser.post(op.url("/logout"), data={"answer": "logout"}, allow_redirects=False)
    assert out.status_code == 403
    assert signed_in(op, browser)


def test_the_cookie_is_deleted_with_the_path_it_was_set_with_behind_a_proxy(op, browser):
    prefix = {"X-Forwarded-Prefix": "/user/alice/proxy/8411"}  # what jupyter-server-proxy sends
    out = browser.get(
        op.url("/logout"),
        params={"id_token_hint": id_token_for(op, WEB), "post_logout_redirect_uri": WEB_LOGGED_OUT},
        headers=prefix,
        allow_redirects=False,
    )
    assert "tokenlab_session=;" in out.headers["Set-Cookie"]
    assert "Path=/user/alice/proxy/8411" in out.headers["Set-Cookie"]


def test_the_confirmation_form_posts_back_to_the_logout_endpoint_from_a_trailing_slash_too(op, browser):
    log_in(op, browser)
    page = browser.get(op.url("/logout/"), allow_redirects=False)
    assert urljoin(page.url, Form(page).action) == op.url("/logout")
    answer(page, browser, "logout")
    assert not signed_in(op, browser)


def test_a_refused_request_offers_the_user_a_logout_that_works(op, browser):
    log_in(op, browser)
    page = log_out(op, browser, id_token_hint=unsigned_hint(op), post_logout_redirect_uri=WEB_LOGGED_OUT)
    out = answer(page, browser, "logout")
    assert out.status_code == 200 and "Location" not in out.headers  # an invalid request never redirects (§4)
    assert not signed_in(op, browser)


# --- other ways in -----------------------------------------------------------------------------------------------


def test_head_never_ends_a_session_even_with_a_valid_hint(op, browser):
    log_in(op, browser)
    out = browser.head(op.url("/logout"), params={"id_token_hint": id_token_for(op, WEB)}, allow_redirects=False)
    assert out.status_code == 200
    assert signed_in(op, browser)


def test_a_logout_request_by_post_is_checked_the_same_way(op, browser):
    log_in(op, browser)
    refused_post = browser.post(op.url("/logout"), data={"id_token_hint": unsigned_hint(op)}, allow_redirects=False)
    assert refused(refused_post) and signed_in(op, browser)
    out = browser.post(
        op.url("/logout"),
        data={"id_token_hint": id_token_for(op, WEB), "post_logout_redirect_uri": WEB_LOGGED_OUT},
        headers={"Origin": "http://127.0.0.1"},  # the application's own site: RPs may post the request (§2)
        allow_redirects=False,
    )
    assert out.status_code == 303 and not signed_in(op, browser)


def test_a_parameter_sent_twice_is_refused(op, browser):
    log_in(op, browser)
    hint = id_token_for(op, WEB)
    query = {"id_token_hint": hint, "post_logout_redirect_uri": [WEB_LOGGED_OUT, "https://evil.example/"]}
    out = browser.get(op.url("/logout"), params=query, allow_redirects=False)
    assert refused(out) and "more than once" in out.text
    assert signed_in(op, browser)


# --- registering post-logout redirect URIs -------------------------------------------------------------------------


def test_the_demo_registers_post_logout_uris_apart_from_redirect_uris():
    web = ProviderConfig.demo().client("web-app")
    assert web.post_logout_redirect_uris == (WEB_LOGGED_OUT,)
    assert not set(web.post_logout_redirect_uris) & set(web.redirect_uris)


@pytest.mark.parametrize(
    ("secret", "uris", "says"),
    [
        (None, ("http://127.0.0.1/bye",), "only for a confidential client"),
        ("s" * 32, "https://app.example/bye", "is a list of URIs"),
        ("s" * 32, ("/bye",), "absolute URI"),
        ("s" * 32, ("https://app.example/bye#top",), "without a fragment"),
    ],
    ids=["http for a public client", "a string", "relative", "a fragment"],
)
def test_a_post_logout_uri_that_cannot_be_registered_is_a_usage_error(secret, uris, says):
    with pytest.raises(UsageError, match=says):
        ClientConfig("app", secret, ("authorization_code",), post_logout_redirect_uris=uris)
