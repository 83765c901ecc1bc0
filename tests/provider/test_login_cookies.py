"""The login's cookies and the authorization endpoint's odd requests (SECURITY.md I5): HttpOnly, SameSite, a Path
limited to where the browser sees the provider, Secure on https; HEAD changes nothing; /authorize/ does not serve a
form that posts to /authorize/authorize."""

import socket

import requests

from tokenlab.provider import MockProvider

from .test_authorize import request_id, request_params


def set_cookies(response):
    """Every Set-Cookie header as sent on the wire, by cookie name."""
    return {line.split("=", 1)[0]: line for line in response.raw.headers.getlist("Set-Cookie")}


def log_in(op, http, headers=None):
    """The login page and the form's answer, straight to 127.0.0.1 whatever the issuer says, the browser cookie
    carried by hand (a Secure cookie would not go back over plain http)."""
    base = f"http://127.0.0.1:{op.port}/authorize"
    page = http.get(base, params=request_params(), headers=headers, allow_redirects=False)
    form = {"request_id": request_id(page), "username": "alice", "password": "wonderland"}
    cookie = {"Cookie": f"tokenlab_browser={page.cookies['tokenlab_browser']}"}
    answer = requests.post(base, data=form, headers={**(headers or {}), **cookie}, allow_redirects=False)
    assert answer.status_code == 303, answer.text
    return page, answer


def attributes(line):
    return {part.strip().split("=")[0].lower(): part.strip() for part in line.split(";")[1:]}


def test_on_a_laptop_the_cookies_are_httponly_lax_for_the_whole_provider_and_not_secure(op, browser):
    page, answer = log_in(op, browser)
    for line in (set_cookies(page)["tokenlab_browser"], set_cookies(answer)["tokenlab_session"]):
        found = attributes(line)
        assert found["path"] == "Path=/" and "httponly" in found and found["samesite"] == "SameSite=Lax"
        assert "secure" not in found and "expires" not in found  # plain http here; browser-session cookies


def test_with_an_https_issuer_under_a_path_the_cookies_are_secure_and_limited_to_that_path():
    with MockProvider(issuer="https://op.example/tenant") as op, requests.Session() as http:
        page, answer = log_in(op, http)
        for line in (set_cookies(page)["tokenlab_browser"], set_cookies(answer)["tokenlab_session"]):
            found = attributes(line)
            assert found["path"] == "Path=/tenant" and "secure" in found


def test_behind_jupyter_server_proxy_the_cookies_stay_under_the_learners_proxy_path(op):
    # the browser sees the provider at /user/alice/proxy/<port>/ on the hub's origin: Path=/ would reach every
    # other learner's server there
    prefix = {"X-Forwarded-Prefix": f"/user/alice/proxy/{op.port}", "X-Forwarded-Proto": "https"}
    with requests.Session() as http:
        page, answer = log_in(op, http, headers=prefix)
    for line in (set_cookies(page)["tokenlab_browser"], set_cookies(answer)["tokenlab_session"]):
        found = attributes(line)
        assert found["path"] == f"Path=/user/alice/proxy/{op.port}" and "secure" in found


def test_a_prefix_that_could_break_the_cookie_header_is_ignored(op):
    with requests.Session() as http:
        page, _ = log_in(op, http, headers={"X-Forwarded-Prefix": "/x; Domain=evil.example"})
    assert attributes(set_cookies(page)["tokenlab_browser"])["path"] == "Path=/"
    assert "domain" not in attributes(set_cookies(page)["tokenlab_browser"])


def test_every_login_page_says_nosniff(op, http):
    assert http.get(op.url("/authorize"), params=request_params()).headers["X-Content-Type-Options"] == "nosniff"


def raw_head(op, target, cookie=""):
    with socket.create_connection(("127.0.0.1", op.port), timeout=5) as sock:
        extra = f"Cookie: {cookie}\r\n" if cookie else ""
        sock.sendall(f"HEAD {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data.decode("latin-1")


def test_head_authorize_opens_no_login_page_and_sets_no_cookie(op, http):
    target = http.get(op.url("/authorize"), params=request_params()).url.removeprefix(op.issuer)
    waiting = op.store.counts()["login_pages"]
    answer = raw_head(op, target)
    assert answer.startswith("HTTP/1.1 200 ") and "Set-Cookie" not in answer
    assert op.store.counts()["login_pages"] == waiting


def test_head_authorize_with_a_session_issues_no_code(op, browser):
    from tokenlab import client

    from .test_sso import WEB, authorize_url

    client.login_as(authorize_url(op, WEB)[2], "alice", "wonderland", session=browser)
    codes = op.store.counts()["codes"]
    target = authorize_url(op, WEB)[2].removeprefix(op.issuer)
    answer = raw_head(op, target, cookie=f"tokenlab_session={browser.cookies['tokenlab_session']}")
    assert answer.startswith("HTTP/1.1 200 ") and "Location" not in answer
    assert op.store.counts()["codes"] == codes


def test_authorize_with_a_trailing_slash_sends_the_browser_to_authorize_itself(op, http):
    slash = http.get(op.url("/authorize/"), params=request_params(), allow_redirects=False)
    assert slash.status_code == 308 and 'action="authorize"' not in slash.text
    assert slash.headers["Location"].startswith("../authorize?")  # relative: a proxy's path prefix stays
    page = http.get(op.url("/authorize/"), params=request_params())  # followed, as a browser does
    assert page.url.startswith(op.url("/authorize?")) and 'action="authorize"' in page.text
