"""Bearer token usage (RFC 6750): find the access token in a request, check it, and say why it is refused.

Shared by the demo APIs (:mod:`tokenlab.provider.resource`) and the UserInfo
endpoint (:mod:`tokenlab.provider.userinfo`). A request is answered, in order:

1. a token in the URI query (``?access_token=``) → 400 ``invalid_request``.
   RFC 6750 §2.3 says that method SHOULD NOT be used and resource servers MAY
   support it; tokenlab's provider chooses not to, because URLs end up in logs,
   browser history and ``Referer`` headers (RFC 6750 §5.3: "Don't pass bearer
   tokens in page URLs"); RFC 9700 §4.3.2 now says clients MUST NOT send access
   tokens there;
2. a token sent two ways (header and form body) → 400 ``invalid_request``
   (RFC 6750 §2: "Clients MUST NOT use more than one method to transmit the
   token in each request.");
3. no token at all → 401 with a bare ``WWW-Authenticate: Bearer realm="tokenlab"``
   and no error code (RFC 6750 §3.1: a request that "lacks any authentication
   information" gets no error code);
4. a token that is expired, revoked, badly signed, for another audience, or
   not a token → 401 ``error="invalid_token"`` (RFC 6750 §3.1);
5. a valid token without the scope the resource needs → 403
   ``error="insufficient_scope", scope="…"`` (RFC 6750 §3.1).

::

    GET /api/orders HTTP/1.1
    Authorization: Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCIs...

    HTTP/1.1 403 Forbidden
    WWW-Authenticate: Bearer realm="tokenlab", error="insufficient_scope",
        error_description="This needs the scope orders:read ...", scope="orders:read"

A JWT access token is trusted only after its signature, ``typ: at+jwt``,
issuer, audience and lifetime are verified (RFC 9068 §4, RFC 8725 §3); then
the store decides whether it is still alive (its ``jti`` not on the denylist,
its grant not revoked: RFC 7009 §2). Opaque access tokens are looked up by
their hash.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from tokenlab.errors import (
    BearerError,
    BearerRequestError,
    InsufficientScopeError,
    InvalidAccessTokenError,
    InvalidTokenError,
    NoTokenError,
    TokenLabError,
)
from tokenlab.provider.http import json_response
from tokenlab.tokens import verify

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp
    from tokenlab.provider.store import AccessRecord

__all__ = [
    "active_access_record",
    "authenticate_bearer",
    "bearer_error_response",
    "request_token",
    "require_valid_access_token",
]

_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 6750 §2.1: the syntax of the credentials
_FORM = "application/x-www-form-urlencoded"


def bearer_error_response(err: BearerError) -> Response:
    """The JSON error with its ``WWW-Authenticate: Bearer`` challenge (RFC 6750 §3); never cached."""
    return json_response(err.as_dict(), err.status_code, no_store=True, headers={"WWW-Authenticate": err.challenge()})


# --- where is the token? (RFC 6750 §2) ---------------------------------------


def request_token(request: Request, *, body_allowed: bool) -> str:
    """The access token of ``request``, from the ``Authorization`` header (§2.1) or, if ``body_allowed``,
    the form body (§2.2). Raises :class:`BearerRequestError` or :class:`NoTokenError`."""
    # §2.3 and §5.3: tokens in URLs leak into logs and Referer headers. §2.3 lets a resource server support the
    # query method ("MAY"); this one chooses not to, and RFC 9700 §4.3.2 forbids clients to use it.
    if "access_token" in request.args:
        raise BearerRequestError(
            "This API refuses access tokens in the URL, where they end up in logs and browser history "
            "(RFC 6750 section 2.3 lets a server refuse them; RFC 9700 section 4.3.2 forbids clients to send them). "
            "Send it in the Authorization header (RFC 6750 section 2.1)."
        )
    header_token = _header_token(request.headers.get("Authorization"))
    body_token = _body_token(request, body_allowed=body_allowed)
    # RFC 6750 §2: "Clients MUST NOT use more than one method to transmit the token in each request."
    if header_token is not None and body_token is not None:
        raise BearerRequestError(
            "The access token is sent twice, in the header and in the body; use one (RFC 6750 section 2)."
        )
    token = header_token if header_token is not None else body_token
    if token is None:
        raise NoTokenError(
            "This needs an access token: send it as 'Authorization: Bearer <token>' (RFC 6750 section 2.1)."
        )
    return token


def _header_token(header: str | None) -> str | None:
    """The token of ``Authorization: Bearer <token>``; ``None`` for no header or another scheme (§3.1)."""
    if not header:
        return None
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer":  # RFC 9110 §11.1: the scheme is case-insensitive
        return None  # RFC 6750 §3.1: "attempted using an unsupported authentication method": no error code
    credentials = credentials.strip()
    if not _B64TOKEN.fullmatch(credentials):
        raise BearerRequestError(
            "The Authorization header is not 'Bearer <token>' with one token (RFC 6750 section 2.1)."
        )
    return credentials


def _body_token(request: Request, *, body_allowed: bool) -> str | None:
    """``access_token`` in a form-encoded body, under the conditions of §2.2."""
    if request.mimetype != _FORM:
        return None
    try:
        values = request.form.getlist("access_token")
    except UnicodeDecodeError:
        raise BearerRequestError("The form body is not UTF-8.") from None
    if not values:
        return None
    if not body_allowed:
        raise BearerRequestError("This endpoint reads the access token from the Authorization header only.")
    if request.method in ("GET", "HEAD"):
        raise BearerRequestError(
            "A token in the body needs a method with a body; GET MUST NOT be used (RFC 6750 section 2.2)."
        )
    if len(values) > 1:
        raise BearerRequestError("access_token is given more than once (RFC 6750 section 3.1).")
    return values[0]


# --- is the token good? --------------------------------------------------------


def require_valid_access_token(app: ProviderApp, token: str) -> AccessRecord:
    """The store's record of a live access token issued here, or :class:`InvalidAccessTokenError` raised, saying why not."""
    now = app.clock.timestamp()
    if token.count(".") == 2:  # a JWT (RFC 7519 §7.2): verify before believing a single claim
        keys = app.key_set()
        try:
            claims = verify(
                token,
                keys,
                algorithms=sorted({key.alg for key in keys}),  # each key stays pinned to its own alg (RFC 8725 §3.1)
                issuer=app.issuer,
                audience=app.config.audience,
                typ="at+jwt",  # RFC 9068 §4: an ID token is not an access token
                clock=app.clock,
                require=("exp", "iat", "jti", "sub"),
            )
        except InvalidTokenError as exc:
            raise InvalidAccessTokenError(f"The access token is not valid: {_lower_first(exc.detail)}") from None
        except TokenLabError as exc:  # not a JWT at all (TokenFormatError), or an unusable key
            raise InvalidAccessTokenError(f"This is not an access token: {exc}") from None
        jti = claims["jti"]
        if not isinstance(jti, str):
            raise InvalidAccessTokenError("The access token's jti is not a string (RFC 9068 section 2.2).")
        record = app.store.tokens.access_active(jti, now)
        if record is None:  # revoked (RFC 7009 §2.2) or unknown; the denylist keeps a jti until exp + leeway
            raise InvalidAccessTokenError("The access token has been revoked, or this server has no record of it.")
        return record
    record = app.store.tokens.access_by_opaque(token)
    if record is None:
        raise InvalidAccessTokenError("This server never issued this access token.")
    if now >= record.expires_at:
        raise InvalidAccessTokenError("The access token has expired.")
    if app.store.tokens.access_active(record.jti, now) is None:
        raise InvalidAccessTokenError("The access token has been revoked.")
    return record


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def active_access_record(app: ProviderApp, token: str) -> AccessRecord | None:
    """The record of a live access token issued here, or ``None`` for anything else; never raises."""
    try:
        return require_valid_access_token(app, token)
    except InvalidAccessTokenError:
        return None


def authenticate_bearer(app: ProviderApp, request: Request, *, scope: str | None, body_allowed: bool) -> AccessRecord:
    """Who may do this? The live access token of ``request``, holding ``scope`` if one is needed.

    Raises a :class:`BearerError`; turn it into the response with :func:`bearer_error_response`.
    """
    record = require_valid_access_token(app, request_token(request, body_allowed=body_allowed))
    if scope is not None and scope not in record.scope.split():
        raise InsufficientScopeError(
            f"This needs the scope {scope}; the access token has {record.scope or 'no scope'} (RFC 6750 section 3.1).",
            scope=scope,
        )
    return record
