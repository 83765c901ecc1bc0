"""The device authorization grant (RFC 8628): sign in on a phone for a device that has no browser.

A TV, a CLI or a kiosk cannot show a login page. It asks the provider for two
codes, shows the short one to the user, and polls the token endpoint while the
user approves on another device (RFC 8628 §1)::

    +----------+                                +----------------+
    |          |>---(A)-- Client Identifier --->|                |
    |          |                                |                |
    |          |<---(B)-- Device Code,      ---<|                |
    |          |          User Code,            |                |
    |  Device  |          & Verification URI    |                |
    |  Client  |                                |                |
    |          |  [polling]                     |                |
    |          |>---(E)-- Device Code       --->|                |
    |          |          & Client Identifier   |                |
    |          |                                |  Authorization |
    |          |<---(F)-- Access Token      ---<|     Server     |
    +----------+   (& Optional Refresh Token)   |                |
          v                                     |                |
          :                                     |                |
         (C) User Code & Verification URI       |                |
          :                                     |                |
          v                                     |                |
    +----------+                                |                |
    | End User |                                |                |
    |    at    |<---(D)-- End user reviews  --->|                |
    |  Browser |          authorization request |                |
    +----------+                                +----------------+

(A)–(B) ``POST /device_authorization`` (§3.1–3.2)::

    POST /device_authorization HTTP/1.1
    Content-Type: application/x-www-form-urlencoded

    client_id=tv-app&scope=openid%20orders%3Aread

    HTTP/1.1 200 OK
    Content-Type: application/json
    Cache-Control: no-store

    {"device_code":"GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS","user_code":"WDJB-MJHT",
     "verification_uri":"http://127.0.0.1:8000/device",
     "verification_uri_complete":"http://127.0.0.1:8000/device?user_code=WDJB-MJHT",
     "expires_in":600,"interval":5}

(C)–(D) ``GET /device`` shows a form; ``POST /device`` takes the user code,
the user's name and password, and "Allow" or "Deny" (§3.3). (E)–(F) the
device polls ``POST /token`` with ``grant_type=urn:ietf:params:oauth:grant-type:device_code``
(§3.4) and gets ``authorization_pending``, ``slow_down``, ``access_denied``,
``expired_token`` or, once, its tokens (§3.5).

Security (§5): the device code is 256 random bits (RFC 8628 §5.2: "a very high entropy
code SHOULD be used"); the user code is short for typing, 8 letters from
§6.1's 20 consonants (20^8 ≈ 2^34.6), so wrong guesses are rate-limited, as
§5.1 recommends ("Therefore, it is recommended that the server rate-limit user
code attempts."). Never per client address: behind jupyter-server-proxy or a hub
every learner comes from 127.0.0.1, and one learner's typos would lock out
everyone. tokenlab's provider chooses three limits instead (:mod:`.throttle`):

- per browser: the page sets a random ``tokenlab_device`` cookie (``HttpOnly``,
  ``SameSite=Lax``, ``Path`` the page's own, ``Secure`` over https); five wrong
  codes or passwords within a minute block that browser for the rest of the
  minute. A form posted without the cookie, or from another site's page
  (``Origin``, ``Sec-Fetch-Site``), is refused unread and counts nowhere, so no
  web page can spend anyone's tries (RFC 6749 §10.12);
- per pending code: five wrong passwords within a minute; per username, the
  login page's own count (``login_session``), so switching pages gains nothing;
- for the whole page: 60 wrong codes within a minute. A script that drops its
  cookie gets a new browser each time, so only a limit for everyone keeps §5.1's
  defence: at most 600 guesses in a code's 10-minute life, a chance of 2^-25 per
  pending code. The price: a guesser that fast makes everyone wait out the minute.

A device code works for one client only (§3.4) and, by
this provider's choice, once: presented again after its tokens were issued, it
revokes them, as RFC 6749 §4.1.2 asks for authorization codes and as
node-oidc-provider does. RFC 8628 sets no such rule, and the price is paid by a
device whose token response was lost: it polls again and loses its tokens.
"""

from __future__ import annotations

import base64
import re
import secrets
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from werkzeug.wrappers import Request, Response

from tokenlab.errors import (
    AccessDeniedError,
    AuthorizationPendingError,
    DeviceCodeExpiredError,
    InvalidGrantError,
    InvalidRequestError,
    SlowDownError,
    UnauthorizedClientError,
)
from tokenlab.provider.config import DEVICE_GRANT
from tokenlab.provider.http import authenticate_client, form_params, json_response, single_params
from tokenlab.provider.issuance import token_response
from tokenlab.provider.login_session import (
    authenticate_user,
    cross_site,
    forget_wrong_passwords,
    note_wrong_password,
    password_blocked_for,
)
from tokenlab.provider.pages import document, scope_words
from tokenlab.provider.scopes import require_allowed_scope
from tokenlab.provider.store import DeviceAuthorization
from tokenlab.provider.throttle import Throttle, shared_throttle

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp
    from tokenlab.provider.config import ClientConfig

__all__ = [
    "BROWSER_COOKIE",
    "FAILURE_WINDOW",
    "MAX_FAILURES",
    "MAX_WRONG_CODES_FOR_EVERYONE",
    "USER_CODE_ALPHABET",
    "device_authorization_endpoint",
    "display_user_code",
    "normalize_user_code",
    "redeem_device_code",
    "verification_endpoint",
]

USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
"""RFC 8628 §6.1: case-insensitive A-Z with no digits (no modifier keys on a phone), and no vowels (no words)."""
USER_CODE_LENGTH = 8
MAX_FAILURES = 5
"""Wrong user codes or passwords from one browser (or wrong passwords for one code, or one username) within
:data:`FAILURE_WINDOW` before it must wait (§5.1)."""
MAX_WRONG_CODES_FOR_EVERYONE = 60
"""Wrong user codes from all browsers together within :data:`FAILURE_WINDOW` before the page checks no code (§5.1)."""
FAILURE_WINDOW = 60
BROWSER_COOKIE = "tokenlab_device"
_COOKIE_VALUE = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(32) makes
_PATH = re.compile(r"/[A-Za-z0-9._~!$&'()*+,=:@%/-]{0,200}")  # a URL path safe inside a Set-Cookie Path attribute
_EVERYONE = "everyone"


# --- user codes (§6.1) -------------------------------------------------------------


def normalize_user_code(typed: str) -> str:
    """What the user typed, as stored: upper case, without dashes, spaces or other punctuation (§6.1)."""
    return "".join(c for c in typed.upper() if c.isalnum())


def display_user_code(code: str) -> str:
    """``BCDFGHJK`` → ``BCDF-GHJK``: easier to read and type (§6.1)."""
    return f"{code[:4]}-{code[4:]}"


def _new_user_code(app: ProviderApp) -> str:
    """8 letters drawn without modulo bias from the store's random source (reproducible with a lesson's seed)."""
    code = ""
    while len(code) < USER_CODE_LENGTH:
        for byte in base64.urlsafe_b64decode(app.store.secret(16) + "=="):
            if byte < 240 and len(code) < USER_CODE_LENGTH:  # 240 = 12 × 20: every letter equally likely
                code += USER_CODE_ALPHABET[byte % 20]
    return code


# --- (A)–(B) the device authorization endpoint (§3.1–3.2) ---------------------------


def device_authorization_endpoint(app: ProviderApp, request: Request) -> Response:
    # §3.1: form-encoded; the client authenticates as at the token endpoint, a public one sends client_id.
    # Every parameter may be absent (a confidential client using Basic and its default scope): no body at all is fine.
    params = form_params(request) if request.mimetype or request.content_length else {}
    client = authenticate_client(app.config, request, params)
    if DEVICE_GRANT not in client.grant_types:
        raise UnauthorizedClientError(
            f"{client.client_id} is not registered for the device grant (RFC 8628 section 3.1)."
        )
    scope = require_allowed_scope(params.get("scope"), client.scope)
    now = app.clock.timestamp()
    # §3.2 and §5.2: a high-entropy device code for the device, a short user code for the person
    device_code = app.store.secret(32)
    record = DeviceAuthorization(
        client_id=client.client_id,
        scope=scope,
        user_code=_new_user_code(app),
        expires_at=now + app.config.device_code_lifetime,
        interval=app.config.device_interval,
    )
    while not app.store.devices.add_if_new(device_code, record):  # a user code in use: draw another
        record.user_code = _new_user_code(app)
    user_code = display_user_code(record.user_code)
    verification_uri = f"{app.issuer}/device"
    body = {
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": verification_uri,
        "verification_uri_complete": f"{verification_uri}?user_code={quote(user_code)}",  # §3.3.1
        "expires_in": app.config.device_code_lifetime,
        "interval": app.config.device_interval,
    }
    return json_response(body, no_store=True)


# --- (C)–(D) the verification page (§3.3) -----------------------------------------


def verification_endpoint(app: ProviderApp, request: Request) -> Response:
    now = app.clock.timestamp()
    cookie = request.cookies.get(BROWSER_COOKIE, "")
    known = cookie if _COOKIE_VALUE.fullmatch(cookie) else None
    if request.method == "POST":
        return _take_answer(app, request, known, now)
    # a browser seen for the first time gets its cookie now; from the OS's random source, never the store's
    # seeded one, so the lessons' codes stay byte-identical
    browser = known or secrets.token_urlsafe(32)
    response = _show_form(app, request, browser, now)
    if known is None:
        response.set_cookie(BROWSER_COOKIE, browser, **_cookie_attributes(app, request))
    return response


def _show_form(app: ProviderApp, request: Request, browser: str, now: int) -> Response:
    """The form; opened from ``verification_uri_complete`` (§3.3.1), it is pre-filled and names the device."""
    typed = request.args.get("user_code", "")
    if not typed or request.method == "HEAD":  # HEAD changes nothing, and so checks no code
        return _form_page(app)
    # §5.1: refuse before looking at the code, so a throttled guesser learns nothing
    if blocked := _code_check_blocked(app, browser):
        return blocked
    record = _pending(app, typed, now)
    if record is None:
        _wrong_code(app, browser)  # the URL is a guess as good as a typed one (§5.1)
        return _form_page(app, message="This code is not valid, or it has expired. Check it on your device.")
    return _form_page(app, record=record)


def _take_answer(app: ProviderApp, request: Request, browser: str | None, now: int) -> Response:
    """The user's answer: the code, their credentials, Allow or Deny (§3.3)."""
    if browser is None or (why := cross_site(app, request)):
        # RFC 6749 §10.12: the answer must come from this provider's own page, in the browser that opened it.
        # Refused unread and counted nowhere: another site's page cannot spend anyone's tries.
        reason = "this form came without the cookie that this page sets" if browser is None else why
        return _form_page(app, message=f"Refused: {reason}. Enter the code on this page.", status=403)
    if request.mimetype != "application/x-www-form-urlencoded":
        return _form_page(app, message="Send the form as the page does.", status=400)
    try:
        form = single_params(request.form)  # the body only: the page's own URL may carry ?user_code=
    except (InvalidRequestError, UnicodeDecodeError):
        return _form_page(app, message="The form is not valid: each field may be sent once.", status=400)
    if blocked := _code_check_blocked(app, browser):
        return blocked
    typed = form.get("user_code", "")
    record = _pending(app, typed, now)
    if record is None:
        _wrong_code(app, browser)
        return _form_page(
            app, message="This code is not valid, or it has expired. Check it on your device.", status=400
        )
    username = form.get("username", "")
    passwords = _throttles(app)
    code_key = "code:" + record.user_code
    # per username: the login page's own count, so a guesser gains nothing by switching pages
    wait = max(passwords.blocked_for(code_key), password_blocked_for(app, username))
    if wait:
        return _throttled_page(wait, "Too many wrong passwords were tried for this code or this username.")
    user = authenticate_user(app, username, form.get("password", ""))
    if user is None:
        for key in (code_key, "browser:" + browser):  # a password guess counts as much as a code guess
            passwords.record_failure(key)
        note_wrong_password(app, username, "device:" + record.user_code)
        return _form_page(app, record=record, message="Wrong username or password.", status=400)
    forget_wrong_passwords(app, username)
    action = form.get("action")
    if action not in ("approve", "deny"):
        return _form_page(app, record=record, message="Choose Allow or Deny.", status=400)
    decided = app.store.devices.decide(record.user_code, approve=action == "approve", sub=user.sub, now=now)
    if decided is None:  # answered or expired meanwhile (another tab)
        return _form_page(app, message="This code has already been used, or it has expired.", status=400)
    return _done_page(app, decided, user.username)


# --- guess limits (§5.1) -----------------------------------------------------------


def _throttles(app: ProviderApp) -> Throttle:
    """Wrong answers per browser, and wrong passwords per pending code (per username: the login's count)."""
    return shared_throttle(app, "device-page", MAX_FAILURES, FAILURE_WINDOW)


def _code_check_blocked(app: ProviderApp, browser: str) -> Response | None:
    """The 429 page if this browser, or the page as a whole, may not try a code now."""
    if wait := _throttles(app).blocked_for("browser:" + browser):
        return _throttled_page(wait, "Too many wrong codes or passwords came from this browser.")
    everyone = shared_throttle(app, "device-page-everyone", MAX_WRONG_CODES_FOR_EVERYONE, FAILURE_WINDOW)
    if wait := everyone.blocked_for(_EVERYONE):
        return _throttled_page(
            wait,
            "Too many wrong codes came to this page from everyone together, which is what guessing looks like, "
            "so it checks no code for a while. Your browser did nothing wrong.",
        )
    return None


def _wrong_code(app: ProviderApp, browser: str) -> None:
    _throttles(app).record_failure("browser:" + browser)
    shared_throttle(app, "device-page-everyone", MAX_WRONG_CODES_FOR_EVERYONE, FAILURE_WINDOW).record_failure(_EVERYONE)


# --- the browser cookie -------------------------------------------------------------


def _cookie_attributes(app: ProviderApp, request: Request) -> dict[str, Any]:
    """``Path`` the page's own (behind a hub, the prefix jupyter-server-proxy names, never the hub's ``/``),
    ``Secure`` over https, ``HttpOnly``, and ``SameSite=Lax``: not sent with another site's form posts."""
    issuer = urlsplit(app.issuer)
    prefix = request.headers.get("X-Forwarded-Prefix", "")
    path = prefix if _PATH.fullmatch(prefix) else issuer.path
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return {
        "path": path.rstrip("/") + "/device",
        "secure": issuer.scheme == "https" or forwarded == "https",
        "httponly": True,
        "samesite": "Lax",
    }


def _pending(app: ProviderApp, typed: str, now: int) -> DeviceAuthorization | None:
    """The pending, unexpired request behind a typed user code, or ``None``."""
    code = normalize_user_code(typed[:64])
    if len(code) != USER_CODE_LENGTH or any(c not in USER_CODE_ALPHABET for c in code):
        return None
    record = app.store.devices.by_user_code(code)
    if record is None or record.status != "pending" or now >= record.expires_at:
        return None
    return record


# --- (E)–(F) polling at the token endpoint (§3.4–3.5) -------------------------------


def redeem_device_code(app: ProviderApp, client: ClientConfig, params: dict[str, str], now: int) -> dict[str, Any]:
    """The device access token request (§3.4); ``token.py`` has authenticated the client already."""
    device_code = params.get("device_code")
    if not device_code:
        raise InvalidRequestError("device_code is missing (RFC 8628 section 3.4).")
    outcome, record = app.store.devices.poll(device_code, client.client_id, now)
    if outcome == "unknown" or record is None:  # §3.4: a code issued to this client, and only to it
        raise InvalidGrantError("This device code is unknown or was not issued to this client (RFC 8628 section 3.4).")
    if outcome == "replayed":
        # tokenlab's provider chooses to treat a device code like an authorization code (RFC 6749 §4.1.2): it works
        # once, and a second redemption revokes what the first one got. RFC 8628 does not say so. The server cannot
        # tell a copied code from a device whose first response was lost (§3.5), so the message blames no one.
        if record.grant_id is not None:
            app.store.tokens.revoke_grant(record.grant_id, "device code reused")
            raise InvalidGrantError(
                "This device code was already redeemed, and the tokens it gave are now revoked: tokenlab's "
                "provider lets a device code work once (its own rule, like RFC 6749 section 4.1.2 for "
                "authorization codes). Start the device flow again."
            )
        raise InvalidGrantError(
            "This device code was already redeemed: tokenlab's provider lets a device code work once (its own "
            "rule, like RFC 6749 section 4.1.2 for authorization codes). Start the device flow again."
        )
    if outcome == "expired":
        raise DeviceCodeExpiredError("The device code has expired; start the device flow again (RFC 8628 section 3.5).")
    if outcome == "denied":
        raise AccessDeniedError("The user denied this device (RFC 8628 section 3.5).")
    if outcome == "slow_down":
        raise SlowDownError(
            f"Polling too fast: wait at least {record.interval} seconds between polls from now on (RFC 8628 section 3.5)."
        )
    if outcome == "pending":
        raise AuthorizationPendingError(
            f"The user has not answered yet; poll again in {record.interval} seconds (RFC 8628 section 3.5)."
        )
    # approved, and now used: the one redemption of this device code
    grant = app.store.tokens.new_grant(client.client_id, record.sub, record.scope, record.auth_time or now, now)
    body = token_response(app, grant, client, record.scope, now, refresh=True)
    if not app.store.devices.link_grant(device_code, grant.grant_id):  # the code came back while we were minting
        # exactly one answer, and nothing stays alive
        app.store.tokens.revoke_grant(grant.grant_id, "device code reused")
    return body


# --- pages ------------------------------------------------------------------------


def _page(title: str, body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return document(title, body, status, headers)


def _form_page(
    app: ProviderApp, *, record: DeviceAuthorization | None = None, message: str | None = None, status: int = 200
) -> Response:
    """The user-code form. With a known ``record`` it names the device and what it asks for (§5.4)."""
    about = ""
    code = ""
    if record is not None:
        client = app.config.client(record.client_id)
        name = ((client.name if client else "") or record.client_id).partition(" (")[0]
        items = "".join(
            f"<li>{escape(words)} (<code>{escape(s)}</code>)</li>\n"
            for s, words in scope_words(record.scope, app.config.resources)
        )
        about = (
            f"<p><strong>{escape(name)}</strong> (<code>{escape(record.client_id)}</code>) wants to:</p>\n"
            f"<ul>\n{items}</ul>\n"
            "<p>Check that your device shows the same code before you allow it.</p>\n"
        )
        code = display_user_code(record.user_code)
    alert = f'<p role="alert"><strong>{escape(message)}</strong></p>\n' if message else ""
    body = (
        "<h1>Connect a device</h1>\n"
        "<p>Enter the code your device shows, sign in, and allow or deny it.</p>\n"
        f"{about}{alert}"
        '<form method="post">\n'
        '<p><label for="user_code">Code</label>\n'
        f'<input id="user_code" name="user_code" value="{escape(code)}" autocomplete="off" '
        'autocapitalize="characters" spellcheck="false"></p>\n'
        '<p><label for="username">Username</label>\n'
        '<input id="username" name="username" autocomplete="username"></p>\n'
        '<p><label for="password">Password</label>\n'
        '<input id="password" name="password" type="password" autocomplete="current-password"></p>\n'
        '<p><button type="submit" name="action" value="approve">Allow</button>\n'
        '<button type="submit" name="action" value="deny">Deny</button></p>\n'
        "</form>\n"
    )
    return _page("Connect a device", body, status)


def _done_page(app: ProviderApp, record: DeviceAuthorization, username: str) -> Response:
    client = app.config.client(record.client_id)
    name = ((client.name if client else "") or record.client_id).partition(" (")[0]
    if record.status == "approved":
        body = (
            "<h1>Device connected</h1>\n"
            f"<p><strong>{escape(name)}</strong> may now act for <strong>{escape(username)}</strong> "
            f"with the scope <code>{escape(record.scope)}</code>. Return to your device.</p>\n"
        )
    else:
        body = f"<h1>Request denied</h1>\n<p><strong>{escape(name)}</strong> gets no access. You can close this page.</p>\n"
    return _page("Connect a device", body)


def _throttled_page(retry_after: int, why: str) -> Response:
    body = (
        "<h1>Too many attempts</h1>\n"
        f"<p>{escape(why)} Wait {retry_after} seconds and try again.</p>\n"
        "<p>Codes are short so that people can type them; limiting the guesses is what keeps them safe "
        "(RFC 8628 §5.1).</p>\n"
    )
    return _page("Too many attempts", body, 429, headers={"Retry-After": str(retry_after)})
