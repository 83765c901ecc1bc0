"""Small verbs for an OAuth 2.0 / OpenID Connect client, over ``requests``.

Each verb does one HTTP exchange (``login_as`` does the two a browser would)
and returns the parsed JSON; an error response raises the matching
:class:`~tokenlab.errors.OAuthError` subclass, whose ``error`` is the RFC's
wire code. Pass ``session=`` (a ``requests.Session``, best made with
:func:`new_session`) to reuse one keep-alive connection; without it, each call
opens and closes its own.

Every request the course's own sessions send says ``User-Agent: tokenlab-course``
(:data:`USER_AGENT`), not the ``python-requests/<version>`` that ``requests``
sends by default, and ``Accept-Encoding: gzip, deflate`` whether or not
``brotli`` or ``zstandard`` happen to be installed: what a lesson prints of the
wire then does not change with the learner's installed libraries.

>>> from tokenlab.provider import MockProvider
>>> with MockProvider() as op:
...     meta = discover(op.issuer)
...     token = fetch_token(meta, client_id="reporting-service", client_secret="reporting-secret-3c9e7a1f5d2b8046")
...     sorted(token)
['access_token', 'expires_in', 'scope', 'token_type']

Nothing here assumes the mock: discovery decides every URL, so the same calls
work against any standards-compliant provider.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlencode, urljoin, urlsplit

import requests

from tokenlab import errors, oauth_errors

__all__ = [
    "PKCE",
    "USER_AGENT",
    "Redirect",
    "approve_device",
    "authorization_url",
    "call_api",
    "discover",
    "exchange_code",
    "fetch_token",
    "introspect",
    "login_as",
    "new_session",
    "poll_device_token",
    "refresh",
    "revoke",
    "start_device_flow",
]

_TIMEOUT = 10
USER_AGENT = "tokenlab-course"
"""The ``User-Agent`` of every session this module makes: fixed, with no library version in it."""


def new_session() -> requests.Session:
    """A ``requests.Session`` whose default headers depend on nothing installed: ``User-Agent: tokenlab-course``
    instead of ``python-requests/<version>``, and ``Accept-Encoding: gzip, deflate`` (``requests`` adds ``br`` or
    ``zstd`` when those packages are present). Use it wherever a lesson prints what crossed the wire."""
    session = requests.Session()
    session.headers.update({"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"})
    return session


@contextlib.contextmanager
def _session(session: requests.Session | None) -> Iterator[requests.Session]:
    if session is not None:
        yield session
    else:
        with new_session() as own:
            yield own


def _json(response: requests.Response) -> dict[str, Any]:
    """The JSON body of a successful answer, or the OAuth error it carries, raised."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.ok and isinstance(body, dict):
        return body
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        cls = oauth_errors.error_class(body["error"])
        err = cls(body.get("error_description", ""), uri=body.get("error_uri"))
        if cls is errors.OAuthError:
            err.error = body["error"]
        err.status_code = response.status_code
        raise err
    raise errors.OAuthError(
        f"{response.request.method} {response.url} answered {response.status_code} without an OAuth error body"
    )


def discover(issuer: str, *, session: requests.Session | None = None) -> dict[str, Any]:
    """Fetch the provider's metadata (OIDC Discovery §4, RFC 8414 §3) and check its ``issuer`` (OIDC Discovery
    §4.3, RFC 8414 §3.3)."""
    issuer = issuer.rstrip("/")
    with _session(session) as http:
        response = http.get(f"{issuer}/.well-known/openid-configuration", timeout=_TIMEOUT)
    response.raise_for_status()
    metadata = response.json()
    if metadata.get("issuer") != issuer:
        raise errors.OAuthError(
            f"The metadata says issuer {metadata.get('issuer')!r} but was fetched from {issuer!r}; "
            "a client must reject it (OIDC Discovery §4.3, RFC 8414 §3.3), or a look-alike could impersonate the "
            "provider."
        )
    return metadata


@dataclass(frozen=True)
class PKCE:
    """A PKCE pair (RFC 7636 §4.1–4.2): the client keeps ``verifier`` and sends ``challenge``."""

    verifier: str
    challenge: str
    method: str = "S256"

    @classmethod
    def make(cls, verifier: str | None = None) -> PKCE:
        """A fresh pair (32 random bytes, as §4.1 recommends), or the pair for a given verifier."""
        verifier = verifier or secrets.token_urlsafe(32)
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


def authorization_url(
    metadata: Mapping[str, Any],
    *,
    client_id: str,
    redirect_uri: str,
    scope: str,
    state: str,
    pkce: PKCE | None,
    nonce: str | None = None,
) -> str:
    """The URL the user's browser opens to start the authorization-code flow (RFC 6749 §4.1.1, RFC 7636 §4.3)."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
    }
    if pkce is not None:
        params |= {"code_challenge": pkce.challenge, "code_challenge_method": pkce.method}
    if nonce is not None:
        params["nonce"] = nonce
    return f"{metadata['authorization_endpoint']}?{urlencode(params)}"


@dataclass(frozen=True)
class Redirect:
    """Where the provider sent the browser back to, with the parameters it added (RFC 6749 §4.1.2)."""

    location: str
    params: dict[str, str]

    @property
    def code(self) -> str | None:
        return self.params.get("code")

    @property
    def state(self) -> str | None:
        return self.params.get("state")

    @property
    def error(self) -> str | None:
        return self.params.get("error")


class _FormParser(HTMLParser):
    """Finds the first ``<form>``: its action, its inputs' names and values, and its submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.buttons: list[tuple[str, str]] = []
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "form" and not self._done:
            self._in_form, self.action = True, attributes.get("action", "")
        elif tag in ("input", "button") and self._in_form and attributes.get("name"):
            kind = attributes.get("type", "text" if tag == "input" else "submit")
            if kind == "submit":
                self.buttons.append((attributes["name"], attributes.get("value", "")))
            elif kind not in ("button", "image", "reset"):
                self.fields[attributes["name"]] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True


_LOGIN_FIELDS = ("username", "login", "email", "user", "user_name")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def login_as(
    url: str,
    username: str,
    password: str,
    *,
    session: requests.Session | None = None,
    approve: bool = True,
    max_pages: int = 8,
) -> Redirect:
    """Do what a user does in the browser: open the authorization URL, fill in the login form (and a consent
    form, if the provider shows one), submit, and stop at the redirect back to the client.

    It follows the provider's own redirects (same origin as ``url``), fills the login field whatever the
    provider names it (``username``, ``login``, ``email``…) and the ``password`` field, and presses Allow (or
    Deny). Returns the redirect back to the client (its ``code``, ``state`` or ``error``); that redirect is not
    followed, since the client's ``redirect_uri`` need not exist. Pass a ``session`` to keep the provider's
    cookies between logins, as a browser does (single sign-on).
    """
    provider = _origin(url)
    with _session(session) as http:
        current, method, data = url, "GET", None
        for _ in range(max_pages):
            answer = http.request(method, current, data=data, timeout=_TIMEOUT, allow_redirects=False)
            if answer.is_redirect:
                location = urljoin(answer.url, answer.headers["Location"])
                if _origin(location) != provider:
                    return _redirect(answer, location)
                current, method, data = location, "GET", None
                continue
            if answer.status_code != 200:
                raise errors.OAuthError(f"The provider answered {answer.status_code}: {_text_of(answer.text)}")
            if method == "POST":  # a page after a form was sent: the provider did not accept it
                raise errors.AccessDeniedError(f"The login did not succeed: {_text_of(answer.text)}")
            current, data = _fill_form(answer, username, password, approve=approve)
            method = "POST"
    raise errors.OAuthError(f"No redirect back to the client after {max_pages} pages.")


def _fill_form(page: requests.Response, username: str, password: str, *, approve: bool) -> tuple[str, dict[str, str]]:
    """The URL to post and the fields a user would send: credentials where the form asks for them, and the
    Allow (or Deny) button."""
    form = _FormParser()
    form.feed(page.text)
    if form.action is None:
        raise errors.OAuthError(f"The page has no form to fill in: {_text_of(page.text)}")
    fields = dict(form.fields)
    login_field = next((name for name in _LOGIN_FIELDS if name in fields), None)
    if login_field is not None:
        fields[login_field] = username
    if "password" in fields:
        fields["password"] = password
    denying = [b for b in form.buttons if b[1].lower() in ("deny", "cancel", "no", "abort")]
    allowing = [b for b in form.buttons if b not in denying]
    chosen = (allowing if approve else denying)[:1]
    if not approve and not chosen and login_field is None:
        raise errors.OAuthError("The page has no button to deny with.")
    fields.update(chosen)
    return urljoin(page.url, form.action), fields


def approve_device(
    verification_uri_complete: str,
    username: str,
    password: str,
    *,
    session: requests.Session | None = None,
    approve: bool = True,
) -> str:
    """Do what the user does on their phone in the device flow (RFC 8628 §3.3): open the verification page
    (the user code already filled in), log in, and allow (or deny) the device. Returns the page's message."""
    with _session(session) as http:
        page = http.get(verification_uri_complete, timeout=_TIMEOUT, allow_redirects=False)
        if page.status_code != 200:
            raise errors.OAuthError(f"The page answered {page.status_code}: {_text_of(page.text)}")
        action, fields = _fill_form(page, username, password, approve=approve)
        answer = http.post(action, data=fields, timeout=_TIMEOUT, allow_redirects=False)
    if answer.status_code != 200:
        raise errors.AccessDeniedError(f"The verification page answered {answer.status_code}: {_text_of(answer.text)}")
    return _text_of(answer.text)


def _redirect(response: requests.Response, location: str | None = None) -> Redirect:
    location = location or response.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    return Redirect(location, {k: v[0] for k, v in query.items()})


_HIDDEN = ("head", "title", "style", "script")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = (*_HEADINGS, "p", "li", "ul", "ol", "div", "main", "form", "section", "br", "label", "button", "pre")


def _text_of(html: str) -> str:
    """A page's visible text as a browser lays it out: inline elements run on (``<code>x</code>.`` reads
    ``x.``), blocks are separated by a space, and a heading ends its own sentence."""

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.blocks: list[list[str]] = [["", ""]]  # [tag, text]
            self._skip = 0

        def handle_starttag(self, tag: str, attrs: list) -> None:
            self._skip += tag in _HIDDEN
            if tag in _BLOCKS:
                self.blocks.append([tag, ""])

        def handle_endtag(self, tag: str) -> None:
            self._skip -= tag in _HIDDEN and self._skip > 0
            if tag in _BLOCKS:
                self.blocks.append(["", ""])

        def handle_data(self, data: str) -> None:
            if not self._skip:
                self.blocks[-1][1] += data

    parser = Text()
    parser.feed(html)
    parts = []
    for tag, text in parser.blocks:
        words = " ".join(text.split())
        if words:
            parts.append(words + "." if tag in _HEADINGS and not words.endswith((".", "!", "?", ":")) else words)
    return " ".join(parts)[:300]


def _auth(client_id: str, client_secret: str | None, data: dict[str, str]) -> tuple[str, str] | None:
    """``client_secret_basic`` for confidential clients, ``client_id`` in the body for public ones (RFC 6749 §2.3.1).

    RFC 6749 §2.3.1 form-urlencodes the client id and the secret (Appendix B) before they are joined with ":" and
    base64-encoded, so a secret holding ":", "+", "%" or a non-ASCII letter arrives as it was registered."""
    if client_secret is None:
        data["client_id"] = client_id
        return None
    return (quote_plus(client_id, safe=""), quote_plus(client_secret, safe=""))


def _post(
    url: str, data: dict[str, str], client_id: str, client_secret: str | None, session: requests.Session | None
) -> requests.Response:
    auth = _auth(client_id, client_secret, data)
    with _session(session) as http:
        return http.post(url, data=data, auth=auth, timeout=_TIMEOUT)


def fetch_token(
    metadata: Mapping[str, Any],
    *,
    client_id: str,
    client_secret: str | None,
    grant_type: str = "client_credentials",
    scope: str | None = None,
    session: requests.Session | None = None,
    **params: str,
) -> dict[str, Any]:
    """POST to the token endpoint (RFC 6749 §3.2); client credentials unless ``grant_type`` says otherwise."""
    data = {"grant_type": grant_type, **params}
    if scope is not None:
        data["scope"] = scope
    return _json(_post(metadata["token_endpoint"], data, client_id, client_secret, session))


def exchange_code(
    metadata: Mapping[str, Any],
    code: str,
    *,
    client_id: str,
    client_secret: str | None = None,
    redirect_uri: str,
    pkce: PKCE | None,
    session: requests.Session | None = None,
) -> dict[str, Any]:
    """Trade an authorization code for tokens (RFC 6749 §4.1.3), proving PKCE with the verifier (RFC 7636 §4.5)."""
    params = {"code": code, "redirect_uri": redirect_uri}
    if pkce is not None:
        params["code_verifier"] = pkce.verifier
    return fetch_token(
        metadata,
        client_id=client_id,
        client_secret=client_secret,
        grant_type="authorization_code",
        session=session,
        **params,
    )


def refresh(
    metadata: Mapping[str, Any],
    refresh_token: str,
    *,
    client_id: str,
    client_secret: str | None = None,
    scope: str | None = None,
    session: requests.Session | None = None,
) -> dict[str, Any]:
    """Use a refresh token (RFC 6749 §6); with rotation, keep the *new* refresh token it returns."""
    return fetch_token(
        metadata,
        client_id=client_id,
        client_secret=client_secret,
        grant_type="refresh_token",
        scope=scope,
        session=session,
        refresh_token=refresh_token,
    )


def revoke(
    metadata: Mapping[str, Any],
    token: str,
    *,
    client_id: str,
    client_secret: str | None = None,
    token_type_hint: str | None = None,
    session: requests.Session | None = None,
) -> None:
    """Revoke a token (RFC 7009 §2.1). The server answers 200 even for unknown tokens (§2.2)."""
    data = {"token": token}
    if token_type_hint:
        data["token_type_hint"] = token_type_hint
    response = _post(metadata["revocation_endpoint"], data, client_id, client_secret, session)
    if not response.ok:
        _json(response)


def introspect(
    metadata: Mapping[str, Any],
    token: str,
    *,
    client_id: str,
    client_secret: str,
    session: requests.Session | None = None,
) -> dict[str, Any]:
    """Ask the provider whether a token is active, and what it carries (RFC 7662 §2)."""
    return _json(_post(metadata["introspection_endpoint"], {"token": token}, client_id, client_secret, session))


def start_device_flow(
    metadata: Mapping[str, Any],
    *,
    client_id: str,
    client_secret: str | None = None,
    scope: str | None = None,
    session: requests.Session | None = None,
) -> dict[str, Any]:
    """Begin the device flow (RFC 8628 §3.1): returns the device code, the user code and where the user goes."""
    data = {} if scope is None else {"scope": scope}
    return _json(_post(metadata["device_authorization_endpoint"], data, client_id, client_secret, session))


def poll_device_token(
    metadata: Mapping[str, Any],
    device_code: str,
    *,
    client_id: str,
    client_secret: str | None = None,
    session: requests.Session | None = None,
) -> dict[str, Any]:
    """Poll once for the device flow's tokens (RFC 8628 §3.4). Until the user approves, this raises an
    ``OAuthError`` whose ``error`` is ``authorization_pending`` or ``slow_down`` (§3.5): wait ``interval``
    seconds (move the course's clock) and poll again."""
    return fetch_token(
        metadata,
        client_id=client_id,
        client_secret=client_secret,
        grant_type="urn:ietf:params:oauth:grant-type:device_code",
        session=session,
        device_code=device_code,
    )


def call_api(
    url: str,
    access_token: str | None,
    *,
    method: str = "GET",
    data: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
) -> requests.Response:
    """Call a protected API with ``Authorization: Bearer`` (RFC 6750 §2.1), sending ``data`` as a form body if
    given; returns the raw response."""
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    with _session(session) as http:
        return http.request(method, url, headers=headers, data=data, timeout=_TIMEOUT)
