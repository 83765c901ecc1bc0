"""Logout: ending the provider's login session (OpenID Connect RP-Initiated Logout 1.0).

::

    GET /logout?client_id=web-app&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%2Fweb%2Fcallback&state=xyz
    Cookie: tokenlab_session=...

    HTTP/1.1 303 See Other
    Location: http://127.0.0.1/web/callback?state=xyz
    Set-Cookie: tokenlab_session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/

The session behind the cookie is deleted on the server, not just forgotten by the browser, so single sign-on
stops: the next authorization request shows the login page again. Tokens already issued are not touched; an
application that wants them gone revokes them (RFC 7009). The provider only sends the browser back to a URI
registered for the client (§3; this mock accepts the client's registered redirect URIs, since it has no
separate ``post_logout_redirect_uris``); otherwise it shows a page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from tokenlab.errors import TokenLabError
from tokenlab.provider import pages
from tokenlab.provider.authorize import SESSION_COOKIE
from tokenlab.tokens import decode_unverified

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp

__all__ = ["logout_endpoint"]


def logout_endpoint(app: ProviderApp, request: Request) -> Response:
    params = request.form if request.method == "POST" else request.args
    app.store.end_login_session(request.cookies.get(SESSION_COOKIE, ""))
    client_id = params.get("client_id") or _audience_of(params.get("id_token_hint", ""))
    client = app.config.client(client_id) if client_id else None
    target = params.get("post_logout_redirect_uri", "")
    if client is not None and target and target in client.redirect_uris:
        query = urlencode({"state": params["state"]}) if params.get("state") else ""
        response = Response(
            status=303, headers={"Location": target + ("?" + query if query else ""), "Cache-Control": "no-store"}
        )
    else:
        response = pages.logged_out_page()
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Lax")
    return response


def _audience_of(id_token_hint: str) -> str | None:
    """The client an ID token was issued to (its ``aud``); only a hint, so it is read, not verified (§2)."""
    if not id_token_hint:
        return None
    try:
        audience = decode_unverified(id_token_hint).claims.get("aud")
    except TokenLabError:
        return None
    return audience if isinstance(audience, str) else None
