"""The authorization endpoint: redirect URIs, PKCE, response types, the login page (SECURITY.md B1–B5)."""

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from tokenlab.client import discover, login_as
from tokenlab.provider import ClientConfig, MockProvider, ProviderConfig
from tokenlab.provider.authorize import LOGIN_PAGE_LIFETIME

CALLBACK = "http://127.0.0.1/callback"  # notebook-app's registered redirect URI
WEB_CALLBACK = "http://127.0.0.1/web/callback"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636 Appendix B
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
STATE = "af0ifjsldkj / & = ? + %20 #"  # any VSCHARs (RFC 6749 Appendix A.5), reflected byte for byte
NONCE = "n-0S6_WzA2Mj"
WIRE_TEXT = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")  # RFC 6749 §4.1.2.1: error_description's characters


@pytest.fixture(scope="module")
def shared_op():
    """One provider for the many stateless variants below (each test's own ``op`` costs a server start and stop)."""
    with MockProvider() as provider:
        yield provider
        assert provider.app.errors == [], f"internal errors: {provider.app.errors!r}"


def request_params(client_id="notebook-app", redirect_uri=CALLBACK, **changes):
    """An authorization request for ``client_id`` (PKCE S256, openid, state, nonce); ``name=None`` leaves it out."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid orders:read",
        "state": STATE,
        "nonce": NONCE,
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        **changes,
    }
    return {name: value for name, value in params.items() if value is not None}


def start(op, http, params):
    """GET /authorize as a browser would, without following the redirect (``params`` may be a list of pairs)."""
    return http.get(op.url("/authorize"), params=params, allow_redirects=False)


def request_id(page):
    return re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)


def submit(op, http, page, username="alice", password="wonderland", **extra):
    """Fill in and post the login form on ``page``."""
    form = {"request_id": request_id(page), "username": username, "password": password, **extra}
    # the page's browser cookie goes back with the form, as from the browser that opened it (RFC 6749 §10.12);
    # a page shown again after a wrong password sets no new cookie, so the first page's one is carried along
    cookies = page.cookies.get_dict() or getattr(page, "browser_cookies", {})
    answer = http.post(op.url("/authorize"), data=form, cookies=cookies, allow_redirects=False)
    answer.browser_cookies = cookies
    return answer


def redirected(response, to=CALLBACK):
    """The parameters of a 303 back to the client; each appears once."""
    assert response.status_code == 303, response.text
    location = response.headers["Location"]
    assert location.startswith(to + "?")
    params = parse_qs(urlsplit(location).query, keep_blank_values=True)
    assert all(len(values) == 1 for values in params.values())
    return {name: values[0] for name, values in params.items()}


def authorization_code(op, http, **changes):
    """Run the front channel for ``request_params(**changes)`` as alice; return the code."""
    params = request_params(**changes)
    page = start(op, http, params)
    assert page.status_code == 200, page.text
    answer = redirected(submit(op, http, page), to=params.get("redirect_uri", CALLBACK))
    return answer["code"]


class _Balance(HTMLParser):
    """Checks that every element opened is closed, in order (void elements aside)."""

    VOID = frozenset({"meta", "input", "br", "hr", "img", "link"})

    def __init__(self):
        super().__init__()
        self.open = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open.pop() == tag


def assert_well_formed(text):
    parser = _Balance()
    parser.feed(text)
    parser.close()
    assert parser.open == []


def assert_error_page(response):
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "href" not in response.text  # not even a link to the untrusted target
    assert_well_formed(response.text)


def assert_sent_back(op, response, error, state=STATE):
    params = redirected(response)
    assert params["error"] == error
    assert params["iss"] == op.issuer  # RFC 9207 §2: in error responses too
    assert WIRE_TEXT.fullmatch(params["error_description"])
    if state is None:
        assert "state" not in params
    else:
        assert params["state"] == state
    return params


# --- B1: until client and redirect URI are trusted, nothing is redirected ----


@pytest.mark.parametrize(
    "redirect_uri",
    [
        CALLBACK + "?next=https://evil.example",  # an extra query
        CALLBACK + "#fragment",
        CALLBACK + "/",  # a trailing slash
        CALLBACK + "/../evil",
        "http://127.0.0.1/callback2",
        "http://127.0.0.1/Callback",  # case in the path
        "HTTP://127.0.0.1/callback",  # case in the scheme
        "https://127.0.0.1/callback",
        "http://localhost/callback",
        "http://127.0.0.1.evil.example/callback",
        "http://127.0.0.1@evil.example/callback",
        "http://127.0.0.1:8080/callback?x=1",  # a free port, and a query: still refused
        "https://evil.example/callback",
        WEB_CALLBACK,  # another client's
        " " + CALLBACK,
    ],
)
def test_b1_redirect_uri_not_registered_byte_for_byte_is_refused_without_redirecting(shared_op, http, redirect_uri):
    pages = shared_op.store.counts()["login_pages"]
    response = start(shared_op, http, request_params(redirect_uri=redirect_uri))
    assert_error_page(response)
    assert "not registered" in response.text
    assert shared_op.store.counts()["login_pages"] == pages  # no login page was made for it


@pytest.mark.parametrize(
    "params",
    [
        request_params(client_id="no-such-client"),
        request_params(client_id=None),
        request_params(client_id=""),
        request_params(client_id="Notebook-App"),
        request_params(client_id="reporting-service"),  # registered, but has no redirect URI
        [*request_params().items(), ("client_id", "web-app")],
        [*request_params().items(), ("redirect_uri", "https://evil.example/callback")],
        [*request_params().items(), ("redirect_uri", CALLBACK)],
    ],
    ids=[
        "unknown",
        "missing",
        "empty",
        "case",
        "no-redirect-uri",
        "client-id-twice",
        "redirect-uri-twice",
        "same-twice",
    ],
)
def test_b1_unknown_client_or_a_doubtful_redirect_is_refused_without_redirecting(shared_op, http, params):
    assert_error_page(start(shared_op, http, params))


def test_b1_a_confidential_client_gets_no_loopback_port_leeway(op, http):
    assert_error_page(start(op, http, request_params("web-app", "http://127.0.0.1:8080/web/callback")))


def test_a_public_clients_loopback_redirect_uri_may_use_any_port(op, http):
    """RFC 8252 §7.3: a native app listens on whatever port is free; only the port may differ."""
    redirect_uri = "http://127.0.0.1:51004/callback"
    code = authorization_code(op, http, redirect_uri=redirect_uri)
    assert code
    assert_error_page(start(op, http, request_params(redirect_uri="http://127.0.0.1:51004/callback/")))
    assert_error_page(start(op, http, request_params(redirect_uri="http://127.0.0.1:99999/callback")))


def test_an_omitted_redirect_uri_is_the_clients_only_registered_one(op, http):
    params = request_params(redirect_uri=None)
    answer = redirected(submit(op, http, start(op, http, params)))
    assert answer["state"] == STATE
    assert [c.redirect_uri_given for c in op.store.logins.codes_waiting()] == [False]


def test_a_query_in_the_registered_redirect_uri_is_kept(clock):
    registered = "http://127.0.0.1/cb?tenant=a%20b&x="
    client = ClientConfig("spa", None, ("authorization_code",), (registered,), "orders:read", name="SPA")
    config = ProviderConfig.demo().replace(clients=(client,))
    with MockProvider(config, clock=clock) as op, requests.Session() as http:
        page = start(op, http, request_params("spa", registered, scope=None))
        location = submit(op, http, page).headers["Location"]
        error = start(op, http, request_params("spa", registered, response_type="token")).headers["Location"]
    assert location.startswith(registered + "&code=")
    assert error.startswith(registered + "&error=unsupported_response_type&")


# --- B2: a public client must use PKCE ---------------------------------------


@pytest.mark.parametrize("changes", [{"code_challenge": None, "code_challenge_method": None}, {"code_challenge": ""}])
def test_b2_public_client_without_code_challenge_is_sent_back_invalid_request_with_state(shared_op, http, changes):
    response = start(shared_op, http, request_params(**changes))
    params = assert_sent_back(shared_op, response, "invalid_request")
    assert "code_challenge" in params["error_description"]


def test_b2_a_confidential_client_may_skip_pkce_but_a_challenge_it_sends_is_enforced(op, http):
    without = start(op, http, request_params("web-app", WEB_CALLBACK, code_challenge=None, code_challenge_method=None))
    assert without.status_code == 200
    bad = start(op, http, request_params("web-app", WEB_CALLBACK, code_challenge_method="plain"))
    assert redirected(bad, to=WEB_CALLBACK)["error"] == "invalid_request"


# --- B3: only S256, and only a well-formed challenge -------------------------


@pytest.mark.parametrize("method", ["plain", "s256", "S512", "SHA256", "S256 ", None, ""])
def test_b3_code_challenge_method_other_than_s256_is_refused(shared_op, http, method):
    """A missing method means plain (RFC 7636 §4.3), which shows the secret to whoever sees the request."""
    params = assert_sent_back(
        shared_op, start(shared_op, http, request_params(code_challenge_method=method)), "invalid_request"
    )
    assert "S256" in params["error_description"]
    # RFC 7636 §4.2 defines plain as well: supporting only S256 is the provider's choice, and it says so
    assert "tokenlab's provider chooses to support only S256" in params["error_description"]
    assert "section 4.4.1" in params["error_description"]


@pytest.mark.parametrize(
    "challenge",
    [
        CHALLENGE[:-1],  # 42: too short
        CHALLENGE + "A",  # 44: too long
        VERIFIER + VERIFIER + VERIFIER,  # 129: a verifier's length, not a challenge's
        CHALLENGE + "=",  # padding
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM",  # base64 "+", not base64url
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw.cM",
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN",  # 43 chars, but no 32-byte value encodes to it
        "É9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    ],
    ids=["42", "44", "129", "padding", "plus", "dot", "non-canonical", "non-ascii"],
)
def test_b3_malformed_code_challenge_is_refused(shared_op, http, challenge):
    params = assert_sent_back(
        shared_op, start(shared_op, http, request_params(code_challenge=challenge)), "invalid_request"
    )
    assert "43 characters" in params["error_description"]


def test_b3_a_challenge_method_without_a_challenge_is_refused(op, http):
    response = start(op, http, request_params("web-app", WEB_CALLBACK, code_challenge=None))
    assert redirected(response, to=WEB_CALLBACK)["error"] == "invalid_request"


# --- B4: only response_type=code, and no parameter twice ---------------------


@pytest.mark.parametrize("response_type", ["token", "id_token", "code token", "code id_token", "CODE", "none"])
def test_b4_response_type_other_than_code_is_unsupported(shared_op, http, response_type):
    assert_sent_back(
        shared_op, start(shared_op, http, request_params(response_type=response_type)), "unsupported_response_type"
    )


def test_b4_a_missing_response_type_is_invalid_request(op, http):
    assert_sent_back(op, start(op, http, request_params(response_type=None)), "invalid_request")


@pytest.mark.parametrize("name", ["response_type", "scope", "code_challenge", "code_challenge_method", "nonce"])
def test_b4_a_parameter_given_twice_is_refused_with_invalid_request(shared_op, http, name):
    params = [*request_params().items(), (name, request_params()[name])]
    described = assert_sent_back(shared_op, start(shared_op, http, params), "invalid_request")
    assert name in described["error_description"]


def test_b4_a_state_given_twice_is_not_reflected(op, http):
    params = [*request_params().items(), ("state", "other")]
    assert_sent_back(op, start(op, http, params), "invalid_request", state=None)


# --- B5: the answer to the login POST is 303 ---------------------------------


@pytest.mark.parametrize("action", ["allow", "deny"])
def test_b5_the_redirect_after_the_login_post_is_303_never_307(op, http, action):
    """A 307 would make the browser re-post the user's password to the client (RFC 9700 §4.12)."""
    response = submit(op, http, start(op, http, request_params()), action=action)
    assert response.status_code == 303
    assert response.headers["Cache-Control"] == "no-store"
    params = redirected(response)
    assert params["state"] == STATE and params["iss"] == op.issuer
    assert ("code" in params) == (action == "allow")
    assert "wonderland" not in response.headers["Location"]
    assert "password=••••••" in op.exchanges[-1].request_body  # the recorded flow never shows the password


# --- the login and consent page ----------------------------------------------


def test_the_login_page_says_who_asks_for_what_and_carries_only_a_request_id(op, http):
    page = start(op, http, request_params(scope="openid email orders:read offline_access"))
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    text = page.text
    assert text.startswith("<!DOCTYPE html>")
    assert_well_formed(text)
    assert "<strong>Notebook App</strong> (<code>notebook-app</code>) wants to:" in text
    assert "list your orders (<code>orders:read</code>)" in text
    assert "see your email address (<code>email</code>)" in text
    assert "<code>profile</code>" not in text  # only what was asked for
    assert '<form method="post" action="authorize">' in text  # relative: the page works behind a path prefix
    assert re.findall(r'<input[^>]* name="([^"]+)"', text) == ["request_id", "username", "password"]
    assert "<script" not in text and "src=" not in text and "stylesheet" not in text
    assert CHALLENGE not in text and "client_id" not in text  # nothing in the form to tamper with
    assert op.store.counts()["login_pages"] == 1


def test_a_wrong_password_shows_the_page_again_without_redirecting(op, http):
    page = start(op, http, request_params())
    again = submit(op, http, page, password="guess")
    assert again.status_code == 200 and "Location" not in again.headers
    assert "Wrong username or password." in again.text
    assert submit(op, http, page, username="nobody", password="").status_code == 200
    assert op.store.counts()["codes"] == 0
    assert "code" in redirected(submit(op, http, again))  # the same request goes on once the password is right


def test_the_login_page_escapes_what_the_user_typed(op, http):
    page = submit(op, http, start(op, http, request_params()), username='"><script>alert(1)</script>')
    assert "<script>" not in page.text
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page.text


def test_deny_sends_the_user_back_with_access_denied_and_no_code(op, http):
    response = submit(op, http, start(op, http, request_params()), username="", password="", action="deny")
    assert "code" not in assert_sent_back(op, response, "access_denied")
    assert op.store.counts()["codes"] == 0


def test_a_login_page_is_answered_once_and_expires(op, http, clock):
    page = start(op, http, request_params())
    assert submit(op, http, page).status_code == 303
    assert_error_page(submit(op, http, page))  # submitted twice: one code only
    assert op.store.counts()["codes"] == 1
    stale = start(op, http, request_params())
    clock.advance(seconds=LOGIN_PAGE_LIFETIME)
    assert_error_page(submit(op, http, stale))


@pytest.mark.parametrize("request_id", ["forged", "", "x" * 43])
def test_a_forged_request_id_gets_an_error_page(shared_op, http, request_id):
    form = {"request_id": request_id, "username": "alice", "password": "wonderland"}
    assert_error_page(http.post(shared_op.url("/authorize"), data=form, allow_redirects=False))


def test_a_scope_beyond_the_clients_is_invalid_scope(op, http):
    params = assert_sent_back(op, start(op, http, request_params(scope="openid orders:write")), "invalid_scope")
    assert "orders:write" in params["error_description"]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"prompt": "none"}, "login_required"),
        ({"prompt": "none login"}, "invalid_request"),
        ({"prompt": "sideways"}, "invalid_request"),
        ({"request": "eyJhbGciOiJub25lIn0.e30."}, "request_not_supported"),
        ({"request_uri": "https://evil.example/request.jwt"}, "request_uri_not_supported"),
        ({"response_mode": "fragment"}, "invalid_request"),
    ],
)
def test_openid_connect_parameters_this_provider_cannot_honour_are_refused(shared_op, http, changes, error):
    assert_sent_back(shared_op, start(shared_op, http, request_params(**changes)), error)


def test_an_authorization_request_may_be_posted_as_a_form(op, http):
    """OIDC Core §3.1.2.1: the endpoint supports GET and POST."""
    page = http.post(op.url("/authorize"), data=request_params(), allow_redirects=False)
    assert page.status_code == 200
    assert "code" in redirected(submit(op, http, page))


def test_the_client_helpers_log_in_through_the_page(op, browser):
    http = browser  # login_as keeps the provider's cookies, as a browser does
    meta = discover(op.issuer, session=http)
    assert meta["authorization_endpoint"] == op.issuer + "/authorize"
    url = f"{meta['authorization_endpoint']}?" + urlencode(request_params())
    assert login_as(url, "bob", "builder", session=http).state == STATE
    assert login_as(url, "bob", "builder", session=http, approve=False).error == "access_denied"
