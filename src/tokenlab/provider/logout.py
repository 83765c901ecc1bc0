"""Logout: ending the provider's login session (OpenID Connect RP-Initiated Logout 1.0).

::

    GET /logout?id_token_hint=eyJ...&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%2Fweb%2Flogged-out&state=xyz
    Cookie: tokenlab_session=...

    HTTP/1.1 303 See Other
    Location: http://127.0.0.1/web/logged-out?state=xyz
    Set-Cookie: tokenlab_session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/

The session behind the cookie is deleted on the server, not just forgotten by the browser, so single sign-on
stops: the next authorization request shows the login page again. Tokens already issued are not touched; an
application that wants them gone revokes them (RFC 7009).

What the specification asks, and what this provider does:

- an ``id_token_hint`` must be one this provider issued (OIDC RP-Initiated Logout §2): its signature is verified
  with the provider's own keys (so ``alg: none`` and a stranger's key fail) and its ``iss`` compared; its ``exp``
  may have passed (the OP "SHOULD accept ID Tokens ... even when the exp time has passed", §2). An access token
  is no ID token: ``typ: at+jwt`` is refused (RFC 9068 §2.1);
- when ``client_id`` and ``id_token_hint`` are both sent, "the OP MUST verify that the Client Identifier matches
  the one used when issuing the ID Token" (OIDC RP-Initiated Logout §2): the hint's ``aud``;
- the browser goes back only to a ``post_logout_redirect_uri`` that exactly matches one of the client's
  registered ``post_logout_redirect_uris`` (OIDC RP-Initiated Logout §3), a list apart from its redirect URIs
  (§3.1), with ``state`` passed back (§2). Without a valid ``id_token_hint`` there is no redirect: §3 forbids it
  unless the OP "has other means of confirming the legitimacy of the post-logout redirection target", and
  tokenlab's provider has none;
- a request that fails any of these checks is refused with a page and no redirect (§4); the session is not
  touched by it, and the page offers the user the logout they may still want (the OP "MAY ask the End-User
  whether to log out of the OP", §4);
- the OP "MUST ask the End-User" before logging out when there is no ``id_token_hint`` or it does not belong to
  the signed-in user (§2; §6 names such requests "a potential means of denial of service"). The provider shows a
  confirmation page, and the session lives on until the user presses "Log out" there.

The confirmation form is protected against cross-site request forgery twice: its ``csrf_token`` is an HMAC of
the browser's session cookie, which no other site can read (HttpOnly), so a form posted from another browser or
another site does not carry it; and a confirmation that the browser says another site sent (``Origin``,
``Sec-Fetch-Site``) is refused, as the login form's is. tokenlab's provider chooses to check these headers as
well, because a login session is worth one header's check
(RFC 6749 §10.12 asks for CSRF protection of the redirect URI; the same reasoning covers any state-changing
form).

tokenlab's provider chooses not to ask when the hint is valid and names the signed-in user, although
OIDC RP-Initiated Logout §2 says the OP SHOULD ask, because such a request can only come from an application
that user signed in to (the hint is an ID token the provider gave that application), and lessons show the logout
in one step. ``HEAD`` never ends a session: it is a safe method (RFC 9110 §9.2.1), and gets the confirmation page's
headers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from tokenlab.clock import Clock
from tokenlab.errors import TokenLabError
from tokenlab.provider import pages
from tokenlab.provider.config import ClientConfig
from tokenlab.provider.login_session import SESSION_COOKIE, cross_site, delete_cookie
from tokenlab.provider.store import LoginSession
from tokenlab.tokens import decode_unverified, verify

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp

__all__ = ["CSRF_FIELD", "LogoutRequest", "check_logout_request", "logout_endpoint"]

CSRF_FIELD = "csrf_token"
"""The confirmation form's anti-forgery field: an HMAC of the browser's session cookie."""

_ANSWER_FIELD = "answer"  # the confirmation page's buttons: "logout" or "stay"
_PARAMETERS = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state", "logout_hint", "ui_locales")


@dataclass(frozen=True)
class LogoutRequest:
    """A logout request after its checks (OIDC RP-Initiated Logout §2–§4)."""

    client: ClientConfig | None = None  # the application, named by a valid hint or by client_id
    sub: str | None = None  # the user a valid id_token_hint names; None without one
    target: str | None = None  # where to send the browser afterwards: set only when §3 allows a redirect
    problem: str | None = None  # why the request failed validation (§4): then no redirect, and nothing ends


def logout_endpoint(app: ProviderApp, request: Request) -> Response:
    """``GET``/``POST /logout``: end the session at once on a valid hint, ask the user otherwise."""
    params = request.form if request.method == "POST" else request.args
    cookie = request.cookies.get(SESSION_COOKIE, "")
    session = app.store.logins.session(cookie, app.clock.timestamp())
    checked = check_logout_request(app, params)
    if request.method == "POST" and (CSRF_FIELD in params or _ANSWER_FIELD in params):
        return _answer(app, request, params, cookie, session, checked)
    if checked.problem is not None:
        return _refusal(checked.problem, _confirmation_form(request, params, cookie, session))
    if session is None:  # nothing to end; not an error, logout requests are idempotent (§4)
        return _done(app, request, checked)
    if checked.sub == session.sub and request.method != "HEAD":
        app.store.logins.end_session(cookie)
        return _done(app, request, checked)
    if checked.sub is None:
        why = "An application asked the provider to log you out, without an ID token that says which application."
    else:
        why = "An application asked the provider to log out another user than the one signed in here."
    return _confirmation_page(app, request, params, cookie, session, why)


def check_logout_request(app: ProviderApp, params: MultiDict) -> LogoutRequest:
    """Check the hint, the client and the post-logout redirect URI, as OIDC RP-Initiated Logout §2–§4 ask."""
    twice = [name for name in _PARAMETERS if len(params.getlist(name)) > 1]
    if twice:  # tokenlab's provider chooses to refuse, because the two copies could be checked and used apart
        return LogoutRequest(problem=f"The parameter {twice[0]} was sent more than once.")
    hint, named = params.get("id_token_hint", ""), params.get("client_id", "")
    target = params.get("post_logout_redirect_uri", "")
    client, sub = None, None
    if hint:
        try:
            client_id, sub = _check_hint(app, hint)
        except _BadHint as err:
            return LogoutRequest(
                problem=f"The id_token_hint is not an ID token this provider issued: {err} "
                "(OpenID Connect RP-Initiated Logout section 2)."
            )
        if named and named != client_id:
            return LogoutRequest(
                problem=f"client_id is {named!r}, but the id_token_hint was issued to {client_id!r}; they must "
                "name the same application (OpenID Connect RP-Initiated Logout section 2)."
            )
        client = app.config.client(client_id)
    elif named:
        client = app.config.client(named)
        if client is None:
            return LogoutRequest(problem=f"There is no application {named!r} registered with this provider.")
    if target and client is not None and target not in client.post_logout_redirect_uris:
        registered = ", ".join(client.post_logout_redirect_uris) or "none"
        return LogoutRequest(
            client=client,
            sub=sub,
            problem=f"{target!r} is not a post-logout redirect URI registered for {client.client_id!r} "
            f"(registered: {registered}); the provider sends you back only to an exact match "
            "(OpenID Connect RP-Initiated Logout section 3).",
        )
    if target and sub is not None:  # a valid hint, a registered URI: §3 allows the redirect
        state = params.get("state")
        return LogoutRequest(client, sub, target + ("?" + urlencode({"state": state}) if state else ""))
    return LogoutRequest(client, sub)


class _BadHint(Exception):
    """Why an ``id_token_hint`` is not an ID token this provider issued."""


def _check_hint(app: ProviderApp, id_token_hint: str) -> tuple[str, str]:
    """The client and the user of an ID token this provider issued: its ``aud`` and ``sub``.

    OIDC RP-Initiated Logout §2 requires the OP to validate that it issued the ID token: the signature is
    checked with the provider's own keys, so only their algorithms are allowed (never ``none``), and ``iss``
    compared. ``exp`` is not, since §2 asks the OP to accept a hint whose ``exp`` has passed: the token's own
    ``iat`` stands in for the time, so only its signature and claims decide.
    """
    keys = app.key_set()
    try:
        decoded = decode_unverified(id_token_hint)
        claimed: dict[str, Any] = decoded.claims
        typ = decoded.header.get("typ")
        if isinstance(typ, str) and typ.lower().removeprefix("application/") == "at+jwt":
            raise _BadHint("it is an access token (typ at+jwt, RFC 9068 section 2.1)")
        issued_at, audience, sub = claimed.get("iat"), claimed.get("aud"), claimed.get("sub")
        if not isinstance(issued_at, int) or isinstance(issued_at, bool):
            raise _BadHint("it has no iat")
        if not isinstance(audience, str) or app.config.client(audience) is None:
            raise _BadHint("its aud names no application registered here")
        if not isinstance(sub, str):
            raise _BadHint("it has no sub")
        verify(
            id_token_hint,
            keys,
            algorithms=sorted({key.alg for key in keys}),
            audience=audience,
            issuer=app.issuer,
            clock=Clock.frozen(issued_at),
            require=("iat", "sub"),
        )
    except TokenLabError as err:
        raise _BadHint(getattr(err, "detail", str(err))) from None
    return audience, sub


# --- the user's answer -------------------------------------------------------------------------------------------


def _answer(
    app: ProviderApp,
    request: Request,
    params: MultiDict,
    cookie: str,
    session: LoginSession | None,
    checked: LogoutRequest,
) -> Response:
    """The confirmation form, posted back: end the session only on a genuine "Log out" from this browser."""
    foreign = cross_site(app, request)
    if foreign is not None:
        return _refusal(
            f"This answer cannot come from the provider's own page: {foreign}. Nothing was changed "
            "(tokenlab's provider checks where every form that changes state comes from, RFC 6749 section 10.12).",
            status=403,
        )
    if session is None:
        return _done(
            app, request, checked
        )  # already logged out: nothing to confirm; a refused request has no target (§4)
    if not hmac.compare_digest(params.get(CSRF_FIELD, ""), _csrf_token(cookie)):
        return _refusal(
            "This answer does not come from the confirmation page the provider showed in this browser: nothing "
            "was changed. Go back to the application and log out from there.",
            status=403,
        )
    if params.get(_ANSWER_FIELD) != "logout":
        return _page("Still signed in", "<h1>You are still signed in</h1>\n<p>Nothing was changed.</p>\n", 200)
    app.store.logins.end_session(cookie)
    return _done(app, request, checked)


def _csrf_token(session_cookie: str) -> str:
    """The confirmation form's token: HMAC-SHA256 keyed by the session cookie, which only this browser holds."""
    mac = hmac.new(session_cookie.encode(), b"tokenlab logout confirmation", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


# --- the pages ---------------------------------------------------------------------------------------------------


def _done(app: ProviderApp, request: Request, checked: LogoutRequest) -> Response:
    """After the logout: back to the application when §3 allows it, else the logged-out page; the cookie goes."""
    if checked.target is not None:
        response = Response(status=303, headers={"Location": checked.target, "Cache-Control": "no-store"})
    else:
        response = pages.logged_out_page()
    delete_cookie(response, app, request, SESSION_COOKIE)  # with the Path and Secure it was set with
    return response


def _confirmation_form(request: Request, params: MultiDict, cookie: str, session: LoginSession | None) -> str:
    """The form that asks "log out?", carrying the request's parameters; empty without a session to end."""
    if session is None or request.method == "HEAD":
        return ""
    carried = "".join(
        f'<input type="hidden" name="{name}" value="{escape(params[name])}">\n'
        for name in _PARAMETERS
        if name in params
    )
    # Relative, so that the form posts back to /logout on whatever origin and path prefix served the page
    # (jupyter-server-proxy's /user/<name>/proxy/<port>/ too); from /logout/ that is ../logout.
    action = "../logout" if request.path.endswith("/") else "logout"
    return (
        f'<form method="post" action="{action}">\n{carried}'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{_csrf_token(cookie)}">\n'
        f'<p><button type="submit" name="{_ANSWER_FIELD}" value="logout">Log out</button>\n'
        f'<button type="submit" name="{_ANSWER_FIELD}" value="stay">Stay signed in</button></p>\n'
        "</form>\n"
    )


def _confirmation_page(
    app: ProviderApp, request: Request, params: MultiDict, cookie: str, session: LoginSession, why: str
) -> Response:
    user = app.config.user_by_sub(session.sub)
    who = user.username if user is not None else session.sub
    body = (
        "<h1>Log out?</h1>\n"
        f"<p>{escape(why)} You are signed in as <strong>{escape(who)}</strong>. Log out of the provider? "
        "(OpenID Connect RP-Initiated Logout section 2: without a valid hint, the provider asks you first.)</p>\n"
        f"{_confirmation_form(request, params, cookie, session)}"
    )
    return _page("Log out?", body, 200)


def _refusal(detail: str, form: str = "", *, status: int = 400) -> Response:
    """A logout request that failed its checks: said on a page, never by a redirect (§4)."""
    offer = (
        f"<p>You are still signed in. You can log out of the provider here all the same:</p>\n{form}" if form else ""
    )
    body = (
        "<h1>This logout request cannot go on</h1>\n"
        f"<p>{escape(detail)}</p>\n"
        "<p>The provider does not send you back to the application, because it cannot trust where that would be "
        "(OpenID Connect RP-Initiated Logout section 4).</p>\n"
        f"{offer}"
    )
    return _page("Logout refused", body, status)


def _page(title: str, body: str, status: int) -> Response:
    return pages.document(title, body, status)
