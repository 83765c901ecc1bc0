"""The UserInfo endpoint (OpenID Connect Core 1.0 §5.3): claims about the user, for an access token.

The ID token tells the client who logged in; the UserInfo endpoint is a
protected resource (OIDC Core §5.3) that answers the same question for anyone
holding an access token with the ``openid`` scope. The claims it returns
depend on the token's scopes, as in the ID token (§5.4): ``sub`` always,
``name`` and ``preferred_username`` for ``profile``, ``email`` and
``email_verified`` for ``email``.

::

    GET /userinfo HTTP/1.1
    Authorization: Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCIs...

    HTTP/1.1 200 OK
    Content-Type: application/json
    Cache-Control: no-store

    {"sub":"user-alice","name":"Alice Liddell","preferred_username":"alice"}

GET and POST are both accepted (§5.3.1); the token is read from the
``Authorization`` header only, as §5.3.1 recommends, and errors are the
Bearer challenges of RFC 6750 §3.1 (OIDC Core §5.3.3): 401 ``invalid_token``, 403
``insufficient_scope`` without ``openid``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from tokenlab.errors import BearerError, InvalidAccessTokenError
from tokenlab.provider.bearer import authenticate_bearer, bearer_error_response
from tokenlab.provider.http import json_response

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp
    from tokenlab.provider.config import UserConfig

__all__ = ["user_claims", "userinfo_endpoint"]


def user_claims(user: UserConfig, scope: str) -> dict[str, Any]:
    """The claims ``scope`` opens about ``user`` (OIDC Core §5.4), ``sub`` first (§5.3.2: always returned)."""
    scopes = set(scope.split())
    claims: dict[str, Any] = {"sub": user.sub}
    if "profile" in scopes:
        claims["name"] = user.name
        claims["preferred_username"] = user.username
    if "email" in scopes:
        claims["email"] = user.email
        claims["email_verified"] = True
    return claims


def userinfo_endpoint(app: ProviderApp, request: Request) -> Response:
    try:
        # §5.3.1: a Bearer access token (RFC 6750 §2) whose scope includes openid (§5.3: "obtained
        # through OpenID Connect Authentication")
        record = authenticate_bearer(app, request, scope="openid", body_allowed=False)
        user = app.config.user_by_sub(record.sub)
        if user is None:  # a client's token for itself (client credentials): there is no end-user to describe
            raise InvalidAccessTokenError("This access token was issued to a client for itself, not for a user.")
    except BearerError as err:
        return bearer_error_response(err)
    # §5.3.2: the claims as a JSON object; personal data, so not cached (node-oidc-provider does the same)
    return json_response(user_claims(user, record.scope), no_store=True)
