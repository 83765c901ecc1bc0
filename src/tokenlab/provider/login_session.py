"""The browser's side of a login: the cookies, the login transaction bound to the browser that opened it, the
consent a user gave each client, the check that a login form was posted by the provider's own page, and the
limit on password guesses.

A **login transaction** is one authorization request waiting on its login (or consent) page. The page carries a
random ``request_id``; the browser that opened it carries a random ``tokenlab_browser`` cookie; the transaction
remembers the cookie's hash. The form's answer counts only with both, from that same browser: a ``request_id``
that an attacker got from their own login page, posted from a victim's browser, is refused, so nobody can sign a
victim in to the attacker's account (login CSRF, RFC 6749 §10.12, RFC 6819 §4.4.1.8). A form posted with a
cross-site ``Origin`` (or ``Sec-Fetch-Site``) is refused before anything else. The transactions and consents themselves are kept
by the store (:class:`~tokenlab.provider.store.logins.LoginStore`), under its one lock.

Cookies (``tokenlab_session``, the single sign-on session, and ``tokenlab_browser``) are ``HttpOnly`` and
``SameSite=Lax``; ``Secure`` when the browser reaches the provider over https; their ``Path`` is the provider's
own path, not the whole site: behind a JupyterHub the browser sees the provider at ``/user/<name>/proxy/<port>/``
on the hub's origin, and a cookie for ``/`` would go to every other learner's server on that hub.

**Consent** is remembered per user and client: a scope this user has not granted this client is asked for again,
even under single sign-on (OIDC Core §3.1.2.4). A public client is never approved without the user: anyone can use
its ``client_id``, and any local program can catch a loopback redirect (RFC 8252 §7.3, §8.6; RFC 6819 §5.2.3.2).

**Password guesses** are limited per user and per transaction, never per remote address: behind
jupyter-server-proxy every learner comes from 127.0.0.1 (RFC 6749 §10.10: the server must prevent guessing).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from tokenlab.provider.store import digest, new_secret
from tokenlab.provider.throttle import shared_throttle

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp
    from tokenlab.provider.config import UserConfig

__all__ = [
    "BROWSER_COOKIE",
    "PASSWORD_TRIES_PER_PAGE",
    "PASSWORD_TRIES_PER_USER",
    "PASSWORD_WINDOW",
    "SESSION_COOKIE",
    "authenticate_user",
    "browser_id",
    "cookie_attributes",
    "cross_site",
    "delete_cookie",
    "password_blocked_for",
    "set_cookie",
]

SESSION_COOKIE = "tokenlab_session"
BROWSER_COOKIE = "tokenlab_browser"
PASSWORD_TRIES_PER_USER = 5
"""Wrong passwords for one username within :data:`PASSWORD_WINDOW` before that username must wait."""
PASSWORD_TRIES_PER_PAGE = 3
"""Wrong passwords on one login page before that page is used up and the user starts again from the app."""
PASSWORD_WINDOW = 300

_COOKIE_VALUE = re.compile(r"[A-Za-z0-9_-]{43}")  # what new_secret() makes: 32 random bytes, base64url
_PATH = re.compile(r"/[A-Za-z0-9._~!$&'()*+,=:@%/-]{0,200}")  # a URL path safe inside a Set-Cookie Path attribute


# --- cookies ---------------------------------------------------------------------------------------------------------


def browser_id(request: Request) -> tuple[str, bool]:
    """The browser's ``tokenlab_browser`` cookie value and whether it is new (then it must be set)."""
    value = request.cookies.get(BROWSER_COOKIE, "")
    if _COOKIE_VALUE.fullmatch(value):
        return value, False
    return new_secret(), True  # from the OS's CSPRNG, never the seeded one: lessons' codes stay the same


def cookie_attributes(app: ProviderApp, request: Request) -> dict[str, object]:
    """``Path``, ``Secure``, ``HttpOnly`` and ``SameSite`` for the provider's cookies, as the browser sees it.

    The path is the one the browser used to reach the provider: jupyter-server-proxy says it in
    ``X-Forwarded-Prefix`` (``/user/alice/proxy/8406``); otherwise the issuer's own path. ``Secure`` when the issuer
    is https, or a proxy in front says the browser came over https (``X-Forwarded-Proto``).
    """
    issuer = urlsplit(app.issuer)
    prefix = request.headers.get("X-Forwarded-Prefix", "")
    path = prefix if _PATH.fullmatch(prefix) else issuer.path
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return {
        "path": path.rstrip("/") or "/",
        "secure": issuer.scheme == "https" or forwarded == "https",
        "httponly": True,  # no script reads them
        "samesite": "Lax",  # sent on the top-level redirects of the next authorization request, not on cross-site posts
    }


def set_cookie(response: Response, app: ProviderApp, request: Request, name: str, value: str) -> None:
    """A browser-session cookie (no Expires): the server ends what it stands for on its own clock."""
    response.set_cookie(name, value, **cookie_attributes(app, request))  # type: ignore[arg-type]


def delete_cookie(response: Response, app: ProviderApp, request: Request, name: str) -> None:
    """Tell the browser to drop ``name`` (with the same Path and Secure it was set with, or it stays)."""
    response.delete_cookie(name, **cookie_attributes(app, request))  # type: ignore[arg-type]


# --- the form's origin -----------------------------------------------------------------------------------------------


def cross_site(app: ProviderApp, request: Request) -> str | None:
    """Why this POST cannot come from the provider's own page, or ``None``.

    A browser names the page that sent a form in ``Origin`` (and ``Sec-Fetch-Site``). The provider's pages send
    their own origin (their ``Referrer-Policy: same-origin`` lets them); the origin must be the issuer's, or the
    host the browser addressed (the ``Host`` header, which jupyter-server-proxy passes on). ``Origin: null`` (a
    sandboxed or privacy-stripped sender) is refused too. A request without either header is not a browser's
    cross-site form, and the browser binding still applies to it.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site", "").lower()
    if fetch_site in ("cross-site", "same-site"):
        return f"the browser says this form was sent by another site (Sec-Fetch-Site: {fetch_site})"
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    sender = urlsplit(origin.strip())
    issuer = urlsplit(app.issuer)
    if origin.strip() == "null" or not sender.netloc:
        return "the browser hid which page sent this form (Origin: null)"
    if (sender.scheme, sender.netloc) == (issuer.scheme, issuer.netloc):
        return None
    hosts = {request.headers.get("Host", "")} | {
        h.strip() for h in request.headers.get("X-Forwarded-Host", "").split(",") if h.strip()
    }
    if sender.netloc.lower() in {h.lower() for h in hosts if h}:
        return None
    return f"this form was sent by a page on {origin.strip()[:100]}, not by the provider's own page"


# --- passwords ---------------------------------------------------------------------------------------------------------


def authenticate_user(app: ProviderApp, username: str, password: str) -> UserConfig | None:
    """The user whose password this is, or ``None``. Known and unknown usernames take the same steps: both compare
    two SHA-256 digests (of equal length, in constant time), so the time taken does not say which names exist."""
    user = app.config.user(username)
    expected = user.password if user is not None else "\x00 no such user \x00"
    given = hashlib.sha256(password.encode("utf-8", "surrogatepass")).digest()
    same = hmac.compare_digest(given, hashlib.sha256(expected.encode("utf-8", "surrogatepass")).digest())
    return user if user is not None and same else None


def _user_key(username: str) -> str:
    return "login-user:" + username.strip().casefold()[:200]


def password_blocked_for(app: ProviderApp, username: str) -> int:
    """Seconds until this username may try a password again; 0 if now."""
    return shared_throttle(app, "login-password", PASSWORD_TRIES_PER_USER, PASSWORD_WINDOW).blocked_for(
        _user_key(username)
    )


def note_wrong_password(app: ProviderApp, username: str, request_id: str) -> int:
    """Count one wrong password against the username and against the page; returns the page's wrong tries so far."""
    shared_throttle(app, "login-password", PASSWORD_TRIES_PER_USER, PASSWORD_WINDOW).record_failure(_user_key(username))
    page = shared_throttle(app, "login-page", PASSWORD_TRIES_PER_PAGE, PASSWORD_WINDOW)
    key = "login-page:" + digest(request_id)
    page.record_failure(key)
    return page.failures(key)


def forget_wrong_passwords(app: ProviderApp, username: str) -> None:
    """A right password clears the username's count (the limit is on guessing, not on typos followed by success)."""
    shared_throttle(app, "login-password", PASSWORD_TRIES_PER_USER, PASSWORD_WINDOW).reset(_user_key(username))
