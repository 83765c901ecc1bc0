"""The authorization code grant: the authorization endpoint (RFC 6749 §4.1.1–4.1.2) and the code's redemption
at the token endpoint (§4.1.3), bound to the client by PKCE (RFC 7636) and hardened as RFC 9700 §2.1 asks.

::

     +----------+
     | Resource |
     |   Owner  |
     +----------+
          ^
          |
         (B) login and consent page
     +----|-----+          Client Identifier      +---------------+
     |          +----(A)-- & Redirection URI ---->|               |
     |  User-   |          & code_challenge       | Authorization |
     |  Agent   +----(B)-- User authenticates --->|     Server    |
     |          |                                 |  (/authorize) |
     |          +<---(C)-- Authorization Code ---<|               |
     +-|----|---+          303, code & state & iss+---------------+
       |    |                                         ^      v
      (A)  (C)                                        |      |
       |    |                                         |      |
       ^    v                                         |      |
     +---------+                                      |      |
     |         |>---(D)-- Authorization Code ---------'      |
     |  Client |          & Redirection URI & code_verifier  |
     |         |                               (/token)      |
     |         |<---(E)----- Access Token -------------------'
     +---------+       (w/ Optional Refresh Token and ID Token)

    (RFC 6749 §4.1, Figure 3, with RFC 7636's additions)

(A) ``GET /authorize?response_type=code&client_id=…&redirect_uri=…&state=…&code_challenge=…&code_challenge_method=S256``.
The client and its redirect URI are checked first; until both are trusted, an
error is shown as a page and never redirected (RFC 6749 §4.1.2.1, RFC 9700
§4.1.3). Every later error goes back to the client as a redirect with
``error``, ``state`` and ``iss`` (RFC 9207). (B) The user logs in and consents
on a page that posts back here, bound to the browser that opened it
(:mod:`tokenlab.provider.login_session`, RFC 6749 §10.12); a signed-in user
gets a code at once only for scopes already granted to a confidential client,
and ``prompt``/``max_age`` ask again (OIDC Core §3.1.2.1, §3.1.2.4). (C) A 303
redirect (never 307, RFC 9700 §4.12) carries a single-use code, 256 random
bits, kept only as a hash (:mod:`tokenlab.provider.authorization_response`).
(D)–(E) :mod:`tokenlab.provider.code_exchange`::

    HTTP/1.1 303 See Other
    Location: http://127.0.0.1/callback?code=Qm9u…&state=af0ifjsldkj&iss=http%3A%2F%2F127.0.0.1%3A8000

Error descriptions on the wire say "section", not "§": RFC 6749 §4.1.2.1 and §5.2 allow printable ASCII only.
"""

from __future__ import annotations

import hmac
import re
from typing import TYPE_CHECKING

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from tokenlab.errors import (
    AccessDeniedError,
    ConsentRequiredError,
    InvalidRequestError,
    LoginRequiredError,
    OAuthError,
    RequestNotSupportedError,
    RequestUriNotSupportedError,
    UnauthorizedClientError,
    UnsupportedResponseTypeError,
)
from tokenlab.provider import pages
from tokenlab.provider.authorization_response import error_params, issue_code, redirect_to_client
from tokenlab.provider.code_exchange import redeem_code
from tokenlab.provider.http import single_params
from tokenlab.provider.login_session import (
    BROWSER_COOKIE,
    PASSWORD_TRIES_PER_PAGE,
    SESSION_COOKIE,
    authenticate_user,
    browser_id,
    cross_site,
    forget_wrong_passwords,
    note_wrong_password,
    password_blocked_for,
    set_cookie,
)
from tokenlab.provider.scopes import require_allowed_scope
from tokenlab.provider.store import LoginSession, LoginTransaction, PendingAuthorization, digest

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp
    from tokenlab.provider.config import ClientConfig, UserConfig

__all__ = ["LOGIN_PAGE_LIFETIME", "SESSION_COOKIE", "authorization_endpoint", "redeem_code"]

LOGIN_PAGE_LIFETIME = 600
"""Seconds a login page stays valid; after that the user starts again from the application."""

_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]")  # base64url of 32 bytes: the last char holds 4 bits
_LOOPBACK = re.compile(r"(http://(?:127\.0\.0\.1|\[::1\]))(?::([0-9]{1,5}))?(/[^#]*)?")
_PROMPTS = {"none", "login", "consent", "select_account"}  # OIDC Core §3.1.2.1
_MAX_AGE = re.compile(r"[0-9]{1,10}")  # OIDC Core §3.1.2.1: seconds since the last active authentication


# --- the authorization endpoint (RFC 6749 §4.1.1–4.1.2) ---------------------


def authorization_endpoint(app: ProviderApp, request: Request) -> Response:
    """``GET /authorize`` starts a request; ``POST /authorize`` is the login form, or a request sent as a form
    (OIDC Core §3.1.2.1: the endpoint MUST support both GET and POST)."""
    if request.path.endswith("/"):
        # /authorize/ would serve a page whose relative form action posts to /authorize/authorize: send the browser
        # to the endpoint itself, relative, so that a proxy's path prefix stays (308 keeps a POST a POST).
        query = request.query_string.decode("latin-1")
        return Response(status=308, headers={"Location": "../authorize" + ("?" + query if query else "")})
    session_id = request.cookies.get(SESSION_COOKIE, "")
    session = app.store.logins.session(session_id, app.clock.timestamp())
    if request.method != "POST":
        return _start(app, request, request.args, session)
    if request.mimetype != "application/x-www-form-urlencoded":
        return pages.error_page(f"The form must be sent as application/x-www-form-urlencoded, not {request.mimetype}.")
    try:
        form = request.form
    except UnicodeDecodeError:
        return pages.error_page("The form is not UTF-8.")
    return _answer(app, request, form) if "request_id" in form else _start(app, request, form, session)


def _start(app: ProviderApp, request: Request, params: MultiDict, session: LoginSession | None) -> Response:
    """RFC 6749 §4.1.1: check the request, then show the login and consent page, or, when the browser
    already has a login session here and nothing calls for the user, answer at once: single sign-on
    (OIDC Core §3.1.2.3, §3.1.2.6)."""
    # 1. Who is asking and where would the answer go? Until both are known good, errors are shown to
    #    the user and never redirected: "MUST NOT automatically redirect the user-agent to the invalid
    #    redirection URI" (RFC 6749 §4.1.2.1; RFC 9700 §4.1.3, §4.11.2: no open redirector).
    for name in ("client_id", "redirect_uri"):
        if len(params.getlist(name)) > 1:
            return pages.error_page(f"{name} is given more than once; each parameter may appear once (RFC 6749 §3.1).")
    client_id = params.get("client_id") or ""
    client = app.config.client(client_id) if client_id else None
    if client is None:
        return pages.error_page("The client_id is missing or names no registered client.")
    given = params.get("redirect_uri") or None  # RFC 6749 §3.1: an empty parameter counts as omitted
    redirect_uri = _registered_redirect_uri(client, given)
    if redirect_uri is None:
        return pages.error_page(
            f"The redirect_uri {given!r} is not registered for {client_id}; it must match one of theirs "
            "character for character (RFC 6749 §3.1.2.3, RFC 9700 §2.1)."
            if given
            else f"The redirect_uri is missing and {client_id} has not exactly one registered (RFC 6749 §3.1.2.3)."
        )
    states = params.getlist("state")
    state = states[0] if len(states) == 1 and states[0] else None  # RFC 6749 §4.1.2: returned exactly as sent
    # 2. From here on the redirect URI is trusted: errors go back to the client (RFC 6749 §4.1.2.1).
    now = app.clock.timestamp()
    try:
        values = _checked_request(client, params)
        signed_in, ask_consent = _what_to_ask(app, client, values, session, now)
    except OAuthError as err:
        return redirect_to_client(app, redirect_uri, error_params(err), state)
    if request.method == "HEAD":  # a HEAD changes nothing: no code, no login page waiting (RFC 9110 §9.3.2)
        return Response(status=200, mimetype="text/html", headers=pages.HTML_HEADERS)
    if signed_in is not None and not ask_consent:
        code = issue_code(app, client, redirect_uri, given is not None, values, signed_in.sub, signed_in.auth_time, now)
        return redirect_to_client(app, redirect_uri, {"code": code}, state)
    # 3. Keep the checked request on the server; the page carries only its random id, so the form
    #    cannot change the client, redirect URI or challenge it answers for. The id is bound to this
    #    browser's cookie: only this browser can answer it (RFC 6749 §10.12).
    pending = PendingAuthorization(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        redirect_uri_given=given is not None,
        scope=values["scope"],
        state=state,
        nonce=values.get("nonce"),
        code_challenge=values.get("code_challenge"),
        code_challenge_method=values.get("code_challenge_method"),
        expires_at=now + LOGIN_PAGE_LIFETIME,
    )
    browser, new_browser = browser_id(request)
    request_id = app.store.secret()
    app.store.logins.open_page(
        request_id,
        LoginTransaction(
            pending,
            digest(browser),
            sub=signed_in.sub if signed_in else None,
            session=digest(request.cookies.get(SESSION_COOKIE, "")) if signed_in else None,
        ),
        now,
    )
    response = _login_page(app, client, pending, request_id, signed_in_as=_name_of(app, signed_in))
    if new_browser:
        set_cookie(response, app, request, BROWSER_COOKIE, browser)
    return response


def _what_to_ask(
    app: ProviderApp, client: ClientConfig, values: dict[str, str], session: LoginSession | None, now: int
) -> tuple[LoginSession | None, bool]:
    """The session the answer may rely on (``None``: the user must enter a password) and whether to ask for
    consent; for ``prompt=none``, the error when the user would have to be asked (OIDC Core §3.1.2.6)."""
    prompt = set(values.get("prompt", "").split())
    max_age = values.get("max_age")
    # OIDC Core §3.1.2.1: prompt=login and select_account ask the user to (re)authenticate or pick an account;
    # max_age is the allowable elapsed time since the last active login, and max_age=0 works like prompt=login.
    # tokenlab's provider chooses to show its login form for select_account, because it keeps one session per browser.
    too_old = (
        session is not None and max_age is not None and (int(max_age) == 0 or now - session.auth_time > int(max_age))
    )
    usable = session if session is not None and not too_old and not prompt & {"login", "select_account"} else None
    # Consent (OIDC Core §3.1.2.4): asked when prompt=consent, for any scope this user has not granted this client,
    # and always for a public client, whose client_id anyone can send (RFC 8252 §8.6, RFC 6819 §5.2.3.2).
    granted = app.store.logins.consented(usable.sub, client.client_id) if usable else frozenset()
    ask_consent = client.public or "consent" in prompt or not set(values["scope"].split()) <= granted
    if "none" in prompt:
        if usable is None:
            why = "the login is older than max_age allows" if too_old else "the user has to log in"
            raise LoginRequiredError(f"prompt=none, but {why} (OIDC Core section 3.1.2.1).")
        if ask_consent:
            raise ConsentRequiredError(
                f"prompt=none, but the user has to consent to {client.client_id} first"
                + (": it is a public client, which is never approved silently (RFC 8252 section 8.6)." if client.public
                   else f", for {values['scope']} (OIDC Core section 3.1.2.4).")
            )  # fmt: skip
    return usable, ask_consent


def _name_of(app: ProviderApp, session: LoginSession | None) -> str | None:
    if session is None:
        return None
    user = app.config.user_by_sub(session.sub)
    return (user.name or user.username) if user is not None else session.sub


def _registered_redirect_uri(client: ClientConfig, given: str | None) -> str | None:
    """The redirect URI to use, or ``None`` if it cannot be trusted.

    Simple string comparison, so query, fragment, path, case and a trailing
    slash all count (RFC 6749 §3.1.2.3, RFC 9700 §2.1). One exception: a
    public (native) client's loopback IP URI may come with any port, and only
    the port may differ (RFC 8252 §7.3, RFC 9700 §2.1). Omitted, it is the
    client's only registered URI, if it has exactly one (RFC 6749 §3.1.2.3).
    """
    if given is None:
        return client.redirect_uris[0] if len(client.redirect_uris) == 1 else None
    if given in client.redirect_uris:
        return given
    asked = _LOOPBACK.fullmatch(given)
    if client.public and asked and 0 < int(asked.group(2) or 80) < 65536:
        for registered in client.redirect_uris:
            known = _LOOPBACK.fullmatch(registered)
            if known and known.group(1, 3) == asked.group(1, 3):
                return given
    return None


def _checked_request(client: ClientConfig, params: MultiDict) -> dict[str, str]:
    """The request's parameters, checked in the order of RFC 6749 §4.1.1, RFC 7636 §4.3 and OIDC Core §3.1.2.1."""
    # RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once."
    for name in params:
        if len(params.getlist(name)) > 1:
            raise InvalidRequestError(f"{name} is given more than once (RFC 6749 section 3.1).")
    values = {name: value for name, value in params.items() if value}  # §3.1: empty means omitted
    # response_type: REQUIRED, "code". The implicit grant's "token" is not offered (RFC 9700 §2.1.2).
    response_type = values.get("response_type")
    if response_type is None:
        raise InvalidRequestError("response_type is missing; use response_type=code (RFC 6749 section 4.1.1).")
    if response_type != "code":
        raise UnsupportedResponseTypeError(
            f"Only response_type=code is supported, not {response_type}. Tokens in a redirect leak through "
            "history and referrers, so the implicit grant is not offered (RFC 9700 section 2.1.2)."
        )
    if "authorization_code" not in client.grant_types:
        raise UnauthorizedClientError(f"{client.client_id} is not registered for the authorization code grant.")
    # OpenID Connect parameters this provider does not support must fail, not be ignored (OIDC Core §3.1.2.6).
    if "request" in values:
        raise RequestNotSupportedError("Request objects are not supported (OIDC Core section 6.1).")
    if "request_uri" in values:
        raise RequestUriNotSupportedError("request_uri is not supported (OIDC Core section 6.2).")
    if values.get("response_mode", "query") != "query":
        raise InvalidRequestError("Only response_mode=query is supported (OAuth 2.0 Multiple Response Types).")
    prompt = values.get("prompt", "").split()
    if set(prompt) - _PROMPTS or ("none" in prompt and len(prompt) > 1):
        raise InvalidRequestError("prompt must be none alone, or some of login consent select_account.")
    max_age = values.get("max_age")
    if max_age is not None and not _MAX_AGE.fullmatch(max_age):
        raise InvalidRequestError(
            f"max_age must be a whole number of seconds, 0 or more, not {max_age[:20]!r} (OIDC Core section 3.1.2.1)."
        )
    # PKCE (RFC 7636 §4.3, §4.4.1). Required for public clients (RFC 9700 §2.1.1); enforced for any
    # client that sends it. Only S256: "plain" shows the secret to anyone who sees the request (§4.2).
    challenge, method = values.get("code_challenge"), values.get("code_challenge_method")
    if challenge is None:
        if method is not None:
            raise InvalidRequestError("code_challenge_method is given without a code_challenge (RFC 7636 section 4.3).")
        if client.public:
            raise InvalidRequestError(
                f"{client.client_id} is a public client, so it must send a PKCE code_challenge "
                "(RFC 7636 section 4.4.1, RFC 9700 section 2.1.1)."
            )
    elif method is None or method != "S256":
        # RFC 7636 §4.2 defines plain too; refusing it is this provider's choice, which §4.4.1 allows a server
        # ("does not support the requested transformation": invalid_request), and RFC 9700 §2.1.1 asks clients
        # for a method that does not expose the verifier.
        given = "missing, which means plain (RFC 7636 section 4.3)" if method is None else f"{method}"
        raise InvalidRequestError(
            f"code_challenge_method is {given}: tokenlab's provider chooses to support only S256, because plain "
            "shows the verifier to anyone who reads this request; a server may refuse a method it does not "
            "support (RFC 7636 section 4.4.1, RFC 9700 section 2.1.1)."
        )
    elif not _CHALLENGE.fullmatch(challenge):
        raise InvalidRequestError(
            "code_challenge must be BASE64URL(SHA256(code_verifier)): 43 characters of A-Z a-z 0-9 - _ "
            f"without padding; this one has {len(challenge)} (RFC 7636 section 4.2)."
        )
    # scope: within what the client registered (RFC 6749 §3.3).
    values["scope"] = require_allowed_scope(values.get("scope"), client.scope)
    return values


def _answer(app: ProviderApp, request: Request, form: MultiDict) -> Response:
    """RFC 6749 §4.1.2: the user's answer on the login page becomes a code, or access_denied."""
    try:
        fields = single_params(form)
    except InvalidRequestError as err:
        return pages.error_page(err.description)
    # Login CSRF (RFC 6749 §10.12): only the provider's own page, in the browser that opened it, may answer.
    why = cross_site(app, request)
    if why is not None:
        return pages.error_page(
            f"This sign-in was refused: {why}. Only the provider's own sign-in page may send it (RFC 6749 §10.12).",
            status=403,
            untrusted_redirect=False,
        )
    now = app.clock.timestamp()
    request_id = fields["request_id"]
    logins = app.store.logins
    transaction = logins.page(request_id, now)
    client = app.config.client(transaction.pending.client_id) if transaction else None
    if transaction is None or client is None:
        return pages.error_page("This login page has expired or was already answered.")
    if not hmac.compare_digest(digest(request.cookies.get(BROWSER_COOKIE, "")), transaction.browser):
        logins.page(request_id, now, take=True)  # its id has left the browser that opened it: nobody may use it now
        return pages.error_page(
            "This sign-in page was opened in another browser. A sign-in counts only in the browser that started it, "
            "so that nobody can sign you in to their account (login CSRF, RFC 6749 §10.12).",
            status=403,
            untrusted_redirect=False,
        )
    pending = transaction.pending
    action = fields.get("action") or "allow"
    if action not in ("allow", "deny"):
        return pages.error_page("The form's action must be allow or deny.")
    sub, auth_time = None, now
    if action == "allow" and transaction.sub is not None:  # the consent page of a signed-in user
        session = app.store.logins.session(request.cookies.get(SESSION_COOKIE, ""), now)
        same = session is not None and digest(request.cookies.get(SESSION_COOKIE, "")) == transaction.session
        if session is None or not same or session.sub != transaction.sub:
            logins.page(request_id, now, take=True)
            return pages.error_page("You were signed out while this page was open.", untrusted_redirect=False)
        sub, auth_time = session.sub, session.auth_time
    elif action == "allow":
        user_or_page = _check_password(app, client, pending, request_id, fields)
        if isinstance(user_or_page, Response):
            return user_or_page
        sub = user_or_page.sub
    # One answer per page, even if it is submitted twice: take the transaction atomically.
    if logins.page(request_id, now, take=True) is None:
        return pages.error_page("This login page was already answered.")
    if sub is None:
        denied = AccessDeniedError(f"The user denied {client.client_id} access (RFC 6749 section 4.1.2.1).")
        return redirect_to_client(app, pending.redirect_uri, error_params(denied), pending.state)
    logins.add_consent(sub, client.client_id, pending.scope)  # remembered consent (OIDC Core §3.1.2.4)
    code = issue_code(
        app,
        client,
        pending.redirect_uri,
        pending.redirect_uri_given,
        {"scope": pending.scope, "nonce": pending.nonce, "code_challenge": pending.code_challenge,
         "code_challenge_method": pending.code_challenge_method},
        sub,
        auth_time,
        now,
    )  # fmt: skip
    response = redirect_to_client(app, pending.redirect_uri, {"code": code}, pending.state)
    if transaction.sub is None:
        # A password was entered: a new login session, for single sign-on, replacing any the browser had, so that a
        # re-login (prompt=login, max_age, another account) leaves no older session valid behind it.
        app.store.logins.end_session(request.cookies.get(SESSION_COOKIE, ""))
        session_id = app.store.secret()
        app.store.logins.start_session(session_id, sub, now, now + app.config.session_lifetime)
        set_cookie(response, app, request, SESSION_COOKIE, session_id)
    return response


def _check_password(
    app: ProviderApp, client: ClientConfig, pending: PendingAuthorization, request_id: str, fields: dict[str, str]
) -> UserConfig | Response:
    """The user, or the page to show instead: the form again (wrong password), or a wait (too many guesses).

    Authenticate the resource owner (RFC 6749 §3.1): wrong credentials show the page again, with no redirect and no
    hint of which one was wrong. 200, not 401: 401 needs WWW-Authenticate (RFC 9110 §15.5.2). Guessing is limited
    per username and per page, never per address (RFC 6749 §10.10); a blocked username is refused before its
    password is looked at, so a blocked guesser learns nothing.
    """
    username = fields.get("username", "")
    wait = password_blocked_for(app, username)
    if wait:
        return pages.too_many_tries_page(wait)
    user = authenticate_user(app, username, fields.get("password", ""))
    if user is not None:
        forget_wrong_passwords(app, username)
        return user
    if note_wrong_password(app, username, request_id) >= PASSWORD_TRIES_PER_PAGE:
        app.store.logins.page(request_id, app.clock.timestamp(), take=True)
        return pages.error_page(
            f"{PASSWORD_TRIES_PER_PAGE} wrong passwords on this page: it is used up. Go back to the application "
            "and start again (RFC 6749 §10.10).",
            status=400,
            untrusted_redirect=False,
        )
    return _login_page(app, client, pending, request_id, username=username, message="Wrong username or password.")


def _login_page(
    app: ProviderApp,
    client: ClientConfig,
    pending: PendingAuthorization,
    request_id: str,
    *,
    username: str = "",
    message: str | None = None,
    signed_in_as: str | None = None,
) -> Response:
    return pages.login_page(
        # Relative, so that the form posts back to /authorize on whatever origin and path prefix served the page:
        # 127.0.0.1 on a laptop, or jupyter-server-proxy's /user/<name>/proxy/<port>/ on a JupyterHub or Binder.
        action="authorize",
        client=client,
        scope=pending.scope,
        redirect_uri=pending.redirect_uri,
        request_id=request_id,
        resources=app.config.resources,
        username=username,
        message=message,
        signed_in_as=signed_in_as,
    )
