"""Login CSRF and session swapping (SECURITY.md I1, RFC 6749 §10.12): a login page's answer counts only from the
browser that opened it, and only when posted by the provider's own page."""

import re

import pytest
import requests

from .test_authorize import redirected, request_id, request_params


def open_page(op, browser):
    page = browser.get(op.url("/authorize"), params=request_params(), allow_redirects=False)
    assert page.status_code == 200
    return page


def answer(op, browser, page, **headers):
    form = {"request_id": request_id(page), "username": "mallory", "password": "mallory-pass", "action": "allow"}
    return browser.post(op.url("/authorize"), data=form, headers=headers, allow_redirects=False)


@pytest.fixture
def attacker():
    with requests.Session() as session:
        yield session


def test_a_request_id_posted_from_another_browser_is_refused_with_no_session_and_no_code(op, browser, attacker):
    attackers_page = open_page(op, attacker)  # the attacker opens a login page with their own browser...
    victim = browser
    refused = answer(op, victim, attackers_page)  # ...and makes the victim's browser post its form
    assert refused.status_code == 403 and "opened in another browser" in refused.text
    assert "RFC 6749 §10.12" in refused.text and "Location" not in refused.headers
    assert op.store.counts()["codes"] == 0 and op.store.counts()["sessions"] == 0
    assert "tokenlab_session" not in victim.cookies
    # the page's id has leaked, so it is used up: not even its own browser can answer it now
    assert "expired or was already answered" in answer(op, attacker, attackers_page).text


def test_a_form_without_the_browser_cookie_is_refused(op, browser):
    page = open_page(op, browser)
    form = {"request_id": request_id(page), "username": "alice", "password": "wonderland"}
    bare = requests.post(op.url("/authorize"), data=form, allow_redirects=False)  # no cookie at all
    assert bare.status_code == 403 and op.store.counts()["codes"] == 0


def test_the_same_browser_signs_in_with_its_own_cookie(op, browser):
    page = open_page(op, browser)
    form = {"request_id": request_id(page), "username": "alice", "password": "wonderland"}
    origin = op.issuer
    response = browser.post(op.url("/authorize"), data=form, headers={"Origin": origin}, allow_redirects=False)
    assert "code" in redirected(response)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "http://127.0.0.1:1"},  # same host, another port: another origin
        {"Origin": "null"},  # a sandboxed frame or a no-referrer page hides its origin
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_a_cross_site_post_is_refused_before_the_password_is_looked_at(op, browser, headers):
    page = open_page(op, browser)
    form = {"request_id": request_id(page), "username": "alice", "password": "wonderland"}
    refused = browser.post(op.url("/authorize"), data=form, headers=headers, allow_redirects=False)
    assert refused.status_code == 403 and "own sign-in page" in refused.text
    assert op.store.counts()["codes"] == 0 and op.store.counts()["sessions"] == 0


def test_an_origin_matching_the_host_the_browser_addressed_is_accepted_behind_a_proxy(op, browser):
    # jupyter-server-proxy passes the browser's Host on: the hub's origin is then the page's own origin
    page = open_page(op, browser)
    form = {"request_id": request_id(page), "username": "alice", "password": "wonderland"}
    cookie = f"tokenlab_browser={browser.cookies['tokenlab_browser']}"  # sent by hand: the jar would match Host
    headers = {"Origin": "https://hub.example", "Host": "hub.example", "Cookie": cookie}
    assert "code" in redirected(requests.post(op.url("/authorize"), data=form, headers=headers, allow_redirects=False))
    page = open_page(op, browser)
    form["request_id"] = request_id(page)
    headers["Origin"] = "https://other.example"
    assert requests.post(op.url("/authorize"), data=form, headers=headers, allow_redirects=False).status_code == 403


def test_the_login_page_lets_its_own_form_send_its_origin(op, browser):
    # Under Referrer-Policy: no-referrer a browser posts Origin: null, which the provider refuses
    assert open_page(op, browser).headers["Referrer-Policy"] == "same-origin"


def test_an_authorization_request_posted_as_a_form_from_another_site_is_still_a_request(op, browser):
    # OIDC Core §3.1.2.1: an app may POST its request; that only opens a page, it signs nobody in
    page = browser.post(op.url("/authorize"), data=request_params(), headers={"Origin": "https://app.example"})
    assert page.status_code == 200 and re.search(r'name="request_id"', page.text)
