"""The HTML pages of the authorization endpoint: login-and-consent, and the error page that does not redirect.

The pages are small HTML5 documents with no script, no style sheet and no
external resource; every value is escaped with :func:`html.escape`. The login
form is a plain ``<form method="post">`` with fields ``username`` and
``password``, so a browser, :func:`tokenlab.client.login_as` or a script can
fill it in. Headers keep the pages out of caches and frames:

- ``Cache-Control: no-store``: the page carries a one-time request id;
- ``Content-Security-Policy: default-src 'none'; frame-ancestors 'none'`` and
  ``X-Frame-Options: DENY``: no other site can frame the consent page and trick
  a click on "Allow" (clickjacking, RFC 6749 §10.13, RFC 9700 §4.16);
- ``Referrer-Policy: same-origin``: the request's parameters never leak to
  another site in a ``Referer`` header (RFC 9700 §4.2.4), and the page's own
  form still sends its ``Origin`` (under ``no-referrer`` a browser sends
  ``Origin: null``), which the provider checks against login CSRF (RFC 6749 §10.12);
- ``X-Content-Type-Options: nosniff``: the page is HTML and nothing else.

When the user is already signed in (single sign-on) and only their consent is
missing, the page asks for it without a password: "You are signed in as …".
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from werkzeug.wrappers import Response

from tokenlab.provider.config import ClientConfig, ResourceConfig

__all__ = ["HTML_HEADERS", "error_page", "logged_out_page", "login_page", "scope_words", "too_many_tries_page"]

HTML_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}

_STANDARD_SCOPES = {  # OpenID Connect Core §5.4 and §11, in the words a consent screen uses
    "openid": "confirm who you are",
    "profile": "see your name and username",
    "email": "see your email address",
    "offline_access": "keep access while you are away (it gets a refresh token)",
}


def scope_words(scope: str, resources: Iterable[ResourceConfig] = ()) -> list[tuple[str, str]]:
    """Each scope with what it lets the client do, in plain words: ``[("orders:read", "list your orders"), …]``."""
    described = {r.scope: r.description.replace("the user's", "your") for r in resources}
    return [(s, _STANDARD_SCOPES.get(s) or described.get(s) or f"use {s}") for s in scope.split()]


def document(title: str, body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A provider page: ``body`` (HTML) in the course's document skeleton, with the security headers of every page."""
    text = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} · tokenlab</title>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n"
    )
    return Response(text, status=status, mimetype="text/html", headers={**HTML_HEADERS, **(headers or {})})


def login_page(
    *,
    action: str,
    client: ClientConfig,
    scope: str,
    redirect_uri: str,
    request_id: str,
    resources: Iterable[ResourceConfig] = (),
    username: str = "",
    message: str | None = None,
    signed_in_as: str | None = None,
) -> Response:
    """The login form and, above it, the consent: who asks, for what, and where the answer goes.

    With ``signed_in_as`` (a user already signed in here) the page asks only for consent: no password fields.
    """
    name = (client.name or client.client_id).partition(" (")[0]
    items = "".join(
        f"<li>{escape(words)} (<code>{escape(s)}</code>)</li>\n" for s, words in scope_words(scope, resources)
    )
    alert = f'<p role="alert"><strong>{escape(message)}</strong></p>\n' if message else ""
    if signed_in_as is None:
        title, allow = "Sign in", "Sign in and allow"
        who = (
            '<p><label for="username">Username</label>\n'
            f'<input id="username" name="username" autocomplete="username" value="{escape(username)}"></p>\n'
            '<p><label for="password">Password</label>\n'
            '<input id="password" name="password" type="password" autocomplete="current-password"></p>\n'
        )
    else:
        title, allow, who = "Allow access", "Allow", ""
        alert = f"<p>You are signed in as <strong>{escape(signed_in_as)}</strong>.</p>\n{alert}"
    body = (
        f"<h1>{title}</h1>\n"
        f"<p><strong>{escape(name)}</strong> (<code>{escape(client.client_id)}</code>) wants to:</p>\n"
        f"<ul>\n{items}</ul>\n"
        f"<p>Your answer goes back to <code>{escape(redirect_uri)}</code>.</p>\n"
        f"{alert}"
        f'<form method="post" action="{escape(action)}">\n'
        f'<input type="hidden" name="request_id" value="{escape(request_id)}">\n'
        f"{who}"
        f'<p><button type="submit" name="action" value="allow">{allow}</button>\n'
        '<button type="submit" name="action" value="deny">Deny</button></p>\n'
        "</form>\n"
    )
    return document(title, body, 200)


def too_many_tries_page(retry_after: int) -> Response:
    """429 with ``Retry-After`` (RFC 6585 §4): too many wrong passwords for this username."""
    body = (
        "<h1>Too many wrong passwords</h1>\n"
        f"<p>This username had too many wrong passwords. Wait {retry_after} seconds, then try again. The limit is "
        "per username, not per address, so other people signing in from the same place are not affected "
        "(RFC 6749 §10.10).</p>\n"
    )
    return document("Too many tries", body, 429, headers={"Retry-After": str(retry_after)})


def error_page(detail: str, *, status: int = 400, untrusted_redirect: bool = True) -> Response:
    """An error shown to the user, not sent to the client: the redirect target is unknown or not trusted, or
    (``untrusted_redirect=False``) the request was refused before anyone may answer it (a form from another
    browser or site, a page used up)."""
    why = (
        "The provider does not send you back to the application, because it cannot trust where that would be "
        "(RFC 6749 §4.1.2.1, RFC 9700 §4.1.3). "
        if untrusted_redirect
        else ""
    )
    body = (
        "<h1>This sign-in request cannot go on</h1>\n"
        f"<p>{escape(detail)}</p>\n"
        f"<p>{why}Go back to the application and start again.</p>\n"
    )
    return document("Error", body, status)


def logged_out_page() -> Response:
    """The answer to a logout without a (valid) place to go back to."""
    body = (
        "<h1>You are logged out</h1>\n"
        "<p>Your session with the provider has ended: the next application that sends you here will ask you to "
        "log in again. Tokens the applications already hold stay valid until they expire or are revoked.</p>\n"
    )
    return document("Logged out", body, 200)
