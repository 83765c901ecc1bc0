"""Token revocation (RFC 7009): a client tells the provider it no longer needs a token.

A client revokes its tokens when the user logs out or uninstalls it (RFC 7009
§1). Revoking a refresh token revokes its whole grant, access tokens
included (RFC 7009 §2.1: the server "SHOULD also invalidate all access tokens based on
the same authorization grant"). Revoking an access token ends that token
alone: RFC 7009 §2.1 says the server "MAY revoke the respective refresh token as well",
and tokenlab's provider chooses not to, so a client can drop one leaked access
token and keep its session. Revoking a JWT access token puts its ``jti`` on the
denylist until its ``exp`` plus the most leeway a verifier may allow
(:meth:`~tokenlab.provider.store.tokens.TokenStore.forget_expired`). The resource server
(:mod:`tokenlab.provider.bearer`) and introspection read the same denylist.

::

    POST /revoke HTTP/1.1
    Content-Type: application/x-www-form-urlencoded
    Authorization: Basic d2ViLWFwcDp3ZWItYXBwLXNlY3JldC04ZjJkNGMxZTliN2E2MzUw

    token=Zk9x...&token_type_hint=refresh_token

    HTTP/1.1 200 OK
    Cache-Control: no-store
    Content-Length: 0

The rules, in the order of RFC 7009 §2.1–2.2:

- the client authenticates as at the token endpoint; a public client sends
  its ``client_id`` (RFC 7009 §2.1, RFC 6749 §2.3); failure is 401 ``invalid_client``;
- ``token`` is required (RFC 7009 §2.1): without it, 400 ``invalid_request``;
- ``token_type_hint`` only orders the search; an unknown hint is ignored (RFC 7009 §2.1:
  the server "MUST extend its search across all of its supported token types"
  and "MAY ignore this parameter");
- an unknown, expired, already revoked or garbage token gets 200 and an empty
  body: "invalid tokens do not cause an error response since the client cannot
  handle such an error in a reasonable way" (RFC 7009 §2.2);
- a live token issued to another client is not revoked, and the request is
  refused (RFC 7009 §2.1: the server "verifies whether the token was issued to the
  client making the revocation request. If this validation fails, the request
  is refused and the client is informed of the error"): 400 ``invalid_grant``,
  RFC 6749 §5.2's code for a grant "issued to another client", as Authlib does
  (node-oidc-provider answers ``invalid_request``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from tokenlab.errors import InvalidGrantError, InvalidRequestError
from tokenlab.provider.bearer import active_access_record
from tokenlab.provider.http import NO_STORE, authenticate_client, form_params

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp
    from tokenlab.provider.config import ClientConfig

__all__ = ["revocation_endpoint"]


def revocation_endpoint(app: ProviderApp, request: Request) -> Response:
    # §2.1: form-encoded parameters, and the client's credentials as in RFC 6749 §2.3
    params = form_params(request)
    client = authenticate_client(app.config, request, params)
    token = params.get("token")
    if not token:
        raise InvalidRequestError("token is missing: name the token to revoke (RFC 7009 section 2.1).")
    # §2.1: the hint only orders the search, which always covers every type
    if params.get("token_type_hint") == "refresh_token":
        search = (_revoke_refresh, _revoke_access)
    else:
        search = (_revoke_access, _revoke_refresh)
    for revoke in search:
        if revoke(app, client, token):
            break
    # §2.2: 200 whether the token was revoked or was never valid; the body is empty
    return Response(status=200, headers=NO_STORE)


def _check_owner(client: ClientConfig, owner: str) -> None:
    """§2.1: only the client a token was issued to may revoke it."""
    if owner != client.client_id:
        raise InvalidGrantError(
            "This token was issued to another client, so this client may not revoke it (RFC 7009 section 2.1, RFC 6749 section 5.2)."
        )


def _revoke_access(app: ProviderApp, client: ClientConfig, token: str) -> bool:
    """Revoke a live access token (JWT: verified first; opaque: looked up). ``False`` if it is none of ours."""
    record = active_access_record(app, token)
    if record is None:
        return False
    _check_owner(client, record.client_id)
    # §2: the token must not be accepted any more; its jti stays denied until its exp plus the largest leeway
    app.store.tokens.revoke_access(record.jti)
    return True


def _revoke_refresh(app: ProviderApp, client: ClientConfig, token: str) -> bool:
    """Revoke a refresh token and, with it, its grant. ``False`` if it is none of ours.

    A refresh token that was rotated a moment ago still names its grant: revoking it then revokes the
    grant and the successor tokens too, so a revocation that races a refresh leaves nothing alive."""
    record = app.store.tokens.refresh_record(token)
    if record is None or app.clock.timestamp() >= record.expires_at:
        return False
    _check_owner(client, record.client_id)
    # §2.1: revoking a refresh token SHOULD also invalidate the access tokens of the same grant
    app.store.tokens.revoke_grant(record.grant_id, f"refresh token revoked by {client.client_id} (RFC 7009)")
    return True
