"""What a user does in the browser, done from Python: log in, consent, approve a device, read the page.

The provider's pages are HTML forms, and :func:`login_as` and
:func:`approve_device` fill them in the way a person would: the login field
whatever the provider names it, the password, and the Allow (or Deny) button.
Nothing here knows the mock's markup, so the same calls work against any
provider whose login page is a plain form (tests/realprovider runs them
against an OpenID Certified one). :func:`page_text` is a page's visible text,
for a lesson to print or an error message to quote.

``tokenlab.client`` re-exports :func:`login_as`, :func:`approve_device` and
:class:`Redirect`, so ``client.login_as(...)`` keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from tokenlab.errors import AccessDeniedError, OAuthError
from tokenlab.sessions import TIMEOUT, session_or_new

__all__ = ["Redirect", "approve_device", "login_as", "page_text"]


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
    with session_or_new(session) as http:
        current, method, data = url, "GET", None
        for _ in range(max_pages):
            answer = http.request(method, current, data=data, timeout=TIMEOUT, allow_redirects=False)
            if answer.is_redirect:
                location = urljoin(answer.url, answer.headers["Location"])
                if _origin(location) != provider:
                    return _redirect(answer, location)
                current, method, data = location, "GET", None
                continue
            if answer.status_code != 200:
                raise OAuthError(f"The provider answered {answer.status_code}: {page_text(answer.text)}")
            if method == "POST":  # a page after a form was sent: the provider did not accept it
                raise AccessDeniedError(f"The login did not succeed: {page_text(answer.text)}")
            current, data = _fill_form(answer, username, password, approve=approve)
            method = "POST"
    raise OAuthError(f"No redirect back to the client after {max_pages} pages.")


def _fill_form(page: requests.Response, username: str, password: str, *, approve: bool) -> tuple[str, dict[str, str]]:
    """The URL to post and the fields a user would send: credentials where the form asks for them, and the
    Allow (or Deny) button."""
    form = _FormParser()
    form.feed(page.text)
    if form.action is None:
        raise OAuthError(f"The page has no form to fill in: {page_text(page.text)}")
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
        raise OAuthError("The page has no button to deny with.")
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
    with session_or_new(session) as http:
        page = http.get(verification_uri_complete, timeout=TIMEOUT, allow_redirects=False)
        if page.status_code != 200:
            raise OAuthError(f"The page answered {page.status_code}: {page_text(page.text)}")
        action, fields = _fill_form(page, username, password, approve=approve)
        answer = http.post(action, data=fields, timeout=TIMEOUT, allow_redirects=False)
    if answer.status_code != 200:
        raise AccessDeniedError(f"The verification page answered {answer.status_code}: {page_text(answer.text)}")
    return page_text(answer.text)


def _redirect(response: requests.Response, location: str | None = None) -> Redirect:
    location = location or response.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    return Redirect(location, {k: v[0] for k, v in query.items()})


_HIDDEN = ("head", "title", "style", "script")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = (*_HEADINGS, "p", "li", "ul", "ol", "div", "main", "form", "section", "br", "label", "button", "pre")


def page_text(html: str) -> str:
    """A page's visible text (its first 300 characters) as a browser lays it out: inline elements run on (``<code>x</code>.`` reads
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
