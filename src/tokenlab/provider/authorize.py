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
on a page that posts back here. (C) A 303 redirect (never 307, RFC 9700 §4.12)
carries a single-use code, 256 random bits, kept only as a hash. (D)–(E) One
exchange at the token endpoint; the code works once, and a second attempt
revokes what the first one got, if anything (RFC 6749 §4.1.2: MUST deny,
SHOULD revoke). A failed first attempt also uses the code up: that is this
provider's choice, not a rule of RFC 6749 or RFC 7636::

    HTTP/1.1 303 See Other
    Location: http://127.0.0.1/callback?code=Qm9u…&state=af0ifjsldkj&iss=http%3A%2F%2F127.0.0.1%3A8000

    POST /token HTTP/1.1
    Content-Type: application/x-www-form-urlencoded

    grant_type=authorization_code&code=Qm9u…&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback
    &client_id=notebook-app&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk

    HTTP/1.1 200 OK
    Content-Type: application/json
    Cache-Control: no-store

    {"access_token":"eyJ…","token_type":"Bearer","expires_in":600,"scope":"openid orders:read",
     "refresh_token":"…","id_token":"eyJ…"}

Error descriptions on the wire say "section", not "§": RFC 6749 §4.1.2.1 and §5.2 allow printable ASCII only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from tokenlab.errors import (
    AccessDeniedError,
    InvalidGrantError,
    InvalidRequestError,
    OAuthError,
    UnauthorizedClientError,
    UnsupportedResponseTypeError,
)
from tokenlab.provider import pages
from tokenlab.provider.http import single_params
from tokenlab.provider.issuance import token_response
from tokenlab.provider.scopes import check_scope
from tokenlab.provider.store import AuthorizationCode, LoginSession, PendingAuthorization

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp
    from tokenlab.provider.config import ClientConfig, UserConfig

__all__ = ["LOGIN_PAGE_LIFETIME", "authorization_endpoint", "redeem_code"]

LOGIN_PAGE_LIFETIME = 600
SESSION_COOKIE = "tokenlab_session"
"""Seconds a login page stays valid; after that the user starts again from the application."""

_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]")  # base64url of 32 bytes: the last char holds 4 bits
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 §4.1: 43-128 unreserved characters
_LOOPBACK = re.compile(r"(http://(?:127\.0\.0\.1|\[::1\]))(?::([0-9]{1,5}))?(/[^#]*)?")
_PROMPTS = {"none", "login", "consent", "select_account"}  # OIDC Core §3.1.2.1
_WIRE_TEXT = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")


class LoginRequiredError(OAuthError):
    """``prompt=none`` but the user must log in first (OIDC Core §3.1.2.6)."""

    error = "login_required"


class RequestNotSupportedError(OAuthError):
    """The ``request`` parameter (a request object) is not supported (OIDC Core §6.1, §3.1.2.6)."""

    error = "request_not_supported"


class RequestUriNotSupportedError(OAuthError):
    """The ``request_uri`` parameter is not supported (OIDC Core §6.2, §3.1.2.6)."""

    error = "request_uri_not_supported"


# --- the authorization endpoint (RFC 6749 §4.1.1–4.1.2) ---------------------


def authorization_endpoint(app: ProviderApp, request: Request) -> Response:
    """``GET /authorize`` starts a request; ``POST /authorize`` is the login form, or a request sent as a form
    (OIDC Core §3.1.2.1: the endpoint MUST support both GET and POST)."""
    session = app.store.login_session(request.cookies.get(SESSION_COOKIE, ""), app.clock.timestamp())
    if request.method != "POST":
        return _start(app, request.args, session)
    if request.mimetype != "application/x-www-form-urlencoded":
        return pages.error_page(f"The form must be sent as application/x-www-form-urlencoded, not {request.mimetype}.")
    try:
        form = request.form
    except UnicodeDecodeError:
        return pages.error_page("The form is not UTF-8.")
    return _answer(app, form) if "request_id" in form else _start(app, form, session)


def _start(app: ProviderApp, params: MultiDict, session: LoginSession | None) -> Response:
    """RFC 6749 §4.1.1: check the request, then show the login and consent page, or, when the browser
    already has a login session here and the client did not ask for a fresh login, answer at once:
    single sign-on (OIDC Core §3.1.2.3, §3.1.2.6)."""
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
    try:
        values = _checked_request(client, params, logged_in=session is not None)
    except OAuthError as err:
        return _redirect(app, redirect_uri, _error_params(err), state)
    now = app.clock.timestamp()
    if session is not None and "login" not in values.get("prompt", "").split():
        code = _issue_code(app, client, redirect_uri, given is not None, values, session.sub, session.auth_time, now)
        return _redirect(app, redirect_uri, {"code": code}, state)
    # 3. Keep the checked request on the server; the page carries only its random id, so the form
    #    cannot change the client, redirect URI or challenge it answers for.
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
    request_id = app.store.secret()
    app.store.add_pending(request_id, pending, now)
    return _login_page(app, client, pending, request_id)


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


def _checked_request(client: ClientConfig, params: MultiDict, *, logged_in: bool = False) -> dict[str, str]:
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
    if "none" in prompt and not logged_in:
        raise LoginRequiredError("prompt=none, but the user has to log in (OIDC Core section 3.1.2.1).")
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
    values["scope"] = check_scope(values.get("scope"), client.scope)
    return values


def _answer(app: ProviderApp, form: MultiDict) -> Response:
    """RFC 6749 §4.1.2: the user's answer on the login page becomes a code, or access_denied."""
    try:
        fields = single_params(form)
    except InvalidRequestError as err:
        return pages.error_page(err.description)
    now = app.clock.timestamp()
    request_id = fields["request_id"]
    pending = app.store.pending_request(request_id, now)
    client = app.config.client(pending.client_id) if pending else None
    if pending is None or client is None:
        return pages.error_page("This login page has expired or was already answered.")
    action = fields.get("action") or "allow"
    if action not in ("allow", "deny"):
        return pages.error_page("The form's action must be allow or deny.")
    user = None
    if action == "allow":
        # Authenticate the resource owner (RFC 6749 §3.1): wrong credentials show the page again, with no
        # redirect and no hint of which one was wrong. 200, not 401: 401 needs WWW-Authenticate (RFC 9110 §15.5.2).
        user = _authenticate_user(app, fields.get("username", ""), fields.get("password", ""))
        if user is None:
            message = "Wrong username or password."
            return _login_page(app, client, pending, request_id, username=fields.get("username", ""), message=message)
    # One answer per page, even if it is submitted twice: take the pending request atomically.
    if app.store.pending_request(request_id, now, take=True) is None:
        return pages.error_page("This login page was already answered.")
    if user is None:
        denied = AccessDeniedError(f"The user denied {client.client_id} access (RFC 6749 section 4.1.2.1).")
        return _redirect(app, pending.redirect_uri, _error_params(denied), pending.state)
    code = _issue_code(
        app,
        client,
        pending.redirect_uri,
        pending.redirect_uri_given,
        {"scope": pending.scope, "nonce": pending.nonce, "code_challenge": pending.code_challenge,
         "code_challenge_method": pending.code_challenge_method},
        user.sub,
        now,
        now,
    )  # fmt: skip
    response = _redirect(app, pending.redirect_uri, {"code": code}, pending.state)
    # The provider's own login session, for single sign-on: a cookie only this provider reads (HttpOnly, and
    # SameSite=Lax so that it travels on the top-level redirects of the next authorization request).
    session_id = app.store.secret()
    app.store.start_login_session(session_id, user.sub, now, now + app.config.session_lifetime)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,  # no Expires: a browser-session cookie; the server ends the session after session_lifetime
        samesite="Lax",
        path="/",
    )
    return response


def _issue_code(
    app: ProviderApp,
    client: ClientConfig,
    redirect_uri: str,
    redirect_uri_given: bool,
    values: dict[str, Any],
    sub: str,
    auth_time: int,
    now: int,
) -> str:
    """The code: 256 random bits, stored as a hash, short-lived, bound to everything the token request must
    repeat (RFC 6749 §4.1.2, §10.5; RFC 7636 §4.4). ``auth_time`` is when the user actually logged in."""
    code = app.store.secret()  # 256 bits; reproducible only when a lesson seeds the provider
    app.store.add_code(
        code,
        AuthorizationCode(
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            redirect_uri_given=redirect_uri_given,
            scope=values["scope"],
            sub=sub,
            auth_time=auth_time,
            expires_at=now + app.config.code_lifetime,
            code_challenge=values.get("code_challenge"),
            code_challenge_method=values.get("code_challenge_method"),
            nonce=values.get("nonce"),
        ),
    )
    return code


def _authenticate_user(app: ProviderApp, username: str, password: str) -> UserConfig | None:
    user = app.config.user(username)
    expected = user.password if user is not None else "\x00 no such user"
    same = hmac.compare_digest(password.encode("utf-8", "surrogatepass"), expected.encode())
    return user if user is not None and same else None


def _login_page(
    app: ProviderApp,
    client: ClientConfig,
    pending: PendingAuthorization,
    request_id: str,
    *,
    username: str = "",
    message: str | None = None,
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
    )


def _error_params(err: OAuthError) -> dict[str, str]:
    """``error`` and ``error_description``, kept to the characters RFC 6749 §4.1.2.1 allows."""
    return {"error": err.error, "error_description": _WIRE_TEXT.sub("?", err.description.replace("§", "section "))}


def _redirect(app: ProviderApp, redirect_uri: str, params: dict[str, str], state: str | None) -> Response:
    """303 to the client (RFC 9700 §4.12) with ``state`` as sent (RFC 6749 §4.1.2) and ``iss`` (RFC 9207 §2),
    added to the registered URI's own query, which is kept as it is (RFC 6749 §3.1.2)."""
    if state is not None:
        params["state"] = state
    params["iss"] = app.issuer
    base, hash_mark, fragment = redirect_uri.partition("#")
    joiner = "" if base.endswith(("?", "&")) else "&" if "?" in base else "?"
    location = f"{base}{joiner}{urlencode(params)}{hash_mark}{fragment}"
    return Response(
        status=303, headers={"Location": location, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )


# --- the code at the token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.5–4.6) ----


def redeem_code(app: ProviderApp, client: ClientConfig, params: dict[str, str], now: int) -> dict[str, Any]:
    """``grant_type=authorization_code``: the client (already authenticated, §3.2.1) trades its code for tokens."""
    code = params.get("code")
    if not code:
        raise InvalidRequestError("code is missing (RFC 6749 section 4.1.3).")
    # The code works once. Take it out of the store atomically, so two concurrent requests cannot
    # both succeed. RFC 6749 §4.1.2: a code used more than once MUST be refused, and the server SHOULD
    # revoke the tokens previously issued for it. The server cannot tell who sent which copy (a client
    # may retry after a lost response), so the message says what happened, not who is to blame.
    record, first_grant = app.store.take_code(code)
    if record is None:
        if first_grant is None:
            raise InvalidGrantError("This authorization code is unknown (RFC 6749 section 5.2).")
        grant_id = app.store.code_came_back(code)
        if grant_id:
            app.store.revoke_grant(grant_id, "authorization code used twice")
            raise InvalidGrantError(
                "This authorization code was already used; a code works once, and the tokens issued for it "
                "are now revoked (RFC 6749 section 4.1.2)."
            )
        # No tokens to revoke: the first attempt failed (or is still minting, and will revoke its own).
        raise InvalidGrantError("This authorization code was already used; a code works once (RFC 6749 section 4.1.2).")
    # From here the code is used up, whatever happens: tokenlab's provider chooses to burn a code on a failed
    # attempt too (a wrong verifier, client or redirect_uri), so that a stolen code gives one guess, not many.
    # RFC 7636 §4.6 and RFC 6749 §4.1.2 do not require this; they require refusing the failed request.
    # RFC 6749 §4.1.3: "ensure that the authorization code was issued to the authenticated confidential client,
    # or if the client is public, ensure that the code was issued to client_id in the request"
    if record.client_id != client.client_id:
        raise InvalidGrantError("This authorization code was issued to another client (RFC 6749 section 4.1.3).")
    # "verify that the authorization code is valid": unexpired on the shared clock (§4.1.2)
    if now >= record.expires_at:
        raise InvalidGrantError("This authorization code has expired (RFC 6749 section 4.1.2).")
    # "ensure that the redirect_uri parameter is present if [it] was included in the initial
    # authorization request ... and if included ensure that their values are identical" (§4.1.3)
    redirect_uri = params.get("redirect_uri") or None
    if (record.redirect_uri_given and redirect_uri is None) or (redirect_uri not in (None, record.redirect_uri)):
        raise InvalidGrantError(
            "redirect_uri must be identical to the one in the authorization request (RFC 6749 section 4.1.3)."
        )
    _check_code_verifier(record, params.get("code_verifier") or None)
    grant = app.store.new_grant(client.client_id, record.sub, record.scope, record.auth_time, now)
    body = token_response(app, grant, client, record.scope, now, refresh=True, nonce=record.nonce)
    if not app.store.link_code_once(code, grant.grant_id):  # the code came back while we were minting
        app.store.revoke_grant(grant.grant_id, "authorization code used twice")
    return body


def _check_code_verifier(record: AuthorizationCode, verifier: str | None) -> None:
    """RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge, or ``invalid_grant``."""
    if record.code_challenge is None:
        if verifier is not None:  # PKCE downgrade: a verifier where no challenge was sent (RFC 9700 §4.8.2)
            raise InvalidGrantError(
                "code_verifier is sent but the authorization request had no code_challenge (RFC 9700 section 4.8.2)."
            )
        return
    if verifier is None:
        raise InvalidGrantError(
            "code_verifier is missing; this code was issued with a code_challenge, so the client must send it "
            "(RFC 7636 section 4.5) and the server must enforce it (RFC 9700 section 2.1.1)."
        )
    if not _VERIFIER.fullmatch(verifier):
        raise InvalidGrantError(
            f"code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~; this one has {len(verifier)} "
            "(RFC 7636 section 4.1)."
        )
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    if not hmac.compare_digest(computed, record.code_challenge):
        raise InvalidGrantError("code_verifier does not match the code_challenge (RFC 7636 section 4.6).")
