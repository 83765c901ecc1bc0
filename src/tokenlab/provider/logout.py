"""Logout: ending the provider's login session (OpenID Connect RP-Initiated Logout 1.0).

::

    GET /logout?id_token_hint=eyJ...&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%2Fweb%2Fcallback&state=xyz
    Cookie: tokenlab_session=...

    HTTP/1.1 303 See Other
    Location: http://127.0.0.1/web/callback?state=xyz
    Set-Cookie: tokenlab_session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/

The session behind the cookie is deleted on the server, not just forgotten by the browser, so single sign-on
stops: the next authorization request shows the login page again. Tokens already issued are not touched; an
application that wants them gone revokes them (RFC 7009).

What the specification asks, and what this provider does:

- an ``id_token_hint`` must be one this provider issued (OIDC RP-Initiated Logout §2): its signature is verified
  with the provider's keys and its ``iss`` compared; its ``exp`` may have passed (§2: the OP SHOULD accept it);
- when ``client_id`` and ``id_token_hint`` are both sent, they must name the same client (§2);
- the browser is sent back only to a ``post_logout_redirect_uri`` that exactly matches one registered for the
  client (§3). This provider has no separate ``post_logout_redirect_uris``: a client's registered redirect URIs
  serve, the "other mechanism" §2 allows;
- without a valid ``id_token_hint`` there is no redirect: §3 forbids it unless the OP "has other means of
  confirming the legitimacy of the post-logout redirection target", and tokenlab's provider has none; an invalid
  hint or a mismatched ``client_id`` is an error, after which §4 forbids redirecting too. The answer is a page.

Not done yet: the OP SHOULD ask the user whether to log out, and MUST ask without a valid hint (§2). tokenlab's
provider ends the session on any request, asking nothing; lesson 11 says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from tokenlab.clock import Clock
from tokenlab.errors import TokenLabError
from tokenlab.provider import pages
from tokenlab.provider.authorize import SESSION_COOKIE
from tokenlab.tokens import decode_unverified, verify

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp

__all__ = ["logout_endpoint"]


def logout_endpoint(app: ProviderApp, request: Request) -> Response:
    params = request.form if request.method == "POST" else request.args
    app.store.end_login_session(request.cookies.get(SESSION_COOKIE, ""))
    hinted = _client_of_hint(app, params.get("id_token_hint", ""))
    named = params.get("client_id")
    client = app.config.client(hinted) if hinted and (not named or named == hinted) else None
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


def _client_of_hint(app: ProviderApp, id_token_hint: str) -> str | None:
    """The client an ID token this provider issued was issued to (its ``aud``), or ``None``.

    OIDC RP-Initiated Logout §2 requires the OP to validate that it issued the ID token: the signature is
    checked with the provider's own keys and ``iss`` compared. ``exp`` is not, since §2 asks the OP to accept a
    hint whose ``exp`` has passed. The token's own ``iat`` stands in for the time, so only its signature and claims decide.
    """
    if not id_token_hint:
        return None
    keys = app.key_set()
    try:
        decoded = decode_unverified(id_token_hint)
        claimed: dict[str, Any] = decoded.claims
        typ = decoded.header.get("typ")
        if isinstance(typ, str) and typ.lower().removeprefix("application/") == "at+jwt":
            return None  # an access token (RFC 9068 §2.1) is no ID token
        issued_at = claimed.get("iat")
        if not isinstance(issued_at, int) or isinstance(issued_at, bool):
            return None
        audience = claimed.get("aud")
        if not isinstance(audience, str):
            return None
        algorithms = sorted({key.alg for key in keys})
        verify(
            id_token_hint,
            keys,
            algorithms=algorithms,
            audience=audience,
            issuer=app.issuer,
            clock=Clock.frozen(issued_at),
            require=("iat",),
        )
    except TokenLabError:
        return None
    return audience
