"""Token introspection (RFC 7662): a resource server asks the provider whether a token is active.

An opaque token means nothing to the API that receives it; a JWT can be
checked offline but not for revocation. Introspection answers both: the
provider says whether the token is active now, and what it carries (RFC 7662 §2.2).

::

    POST /introspect HTTP/1.1
    Content-Type: application/x-www-form-urlencoded
    Authorization: Basic cmVwb3J0aW5nLXNlcnZpY2U6cmVwb3J0aW5nLXNlY3JldC0zYzllN2ExZjVkMmI4MDQ2

    token=eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCIs...

    HTTP/1.1 200 OK
    Content-Type: application/json
    Cache-Control: no-store

    {"active":true,"scope":"openid orders:read","client_id":"web-app","sub":"user-alice",
     "aud":"demo-api","iss":"http://127.0.0.1:8000","exp":1767604800,"iat":1767604200,
     "jti":"...","token_type":"Bearer"}

The rules, in the order of RFC 7662 §2.1–2.3:

- the caller must authenticate: "to prevent token scanning attacks, the
  endpoint MUST also require some form of authorization" (RFC 7662 §2.1). Here that is
  a confidential client's secret; no credentials, a wrong secret or a public
  client (which proves nothing) get 401 ``invalid_client`` (RFC 7662 §2.3, RFC 6749 §5.2);
- ``token`` is required (RFC 7662 §2.1): without it, 400 ``invalid_request``;
- ``token_type_hint`` only orders the search (RFC 7662 §2.1);
- who may learn what: the server "MAY respond differently to different protected resources making the same
  request" (RFC 7662 §2.2), and must check "whether or not the token can be used at the resource server making the
  introspection call" (RFC 7662 §4). tokenlab's provider chooses to describe an access token only to the client it
  was issued to (its ``client_id``: software that is both client and protected resource may use one set of
  credentials, RFC 7662 §4) and to a protected resource registered as a client under the token's audience (its
  ``aud``, RFC 9068 §3), because any other confidential client would otherwise learn which user stands behind a
  token it merely found, and what that token allows. To everyone else the token is "not allowed to introspect this
  particular token", which RFC 7662 §2.2 answers with ``{"active": false}``, exactly as for a dead token, so a
  caller cannot tell the two apart;
- an active access token (verified if a JWT, alive in the store) lists its
  claims (RFC 7662 §2.2); an active refresh token (unused, unexpired, its grant alive)
  lists its own, without ``aud`` (it is for the provider only) and without
  ``token_type``, which names access-token types (RFC 6749 §7.1). A refresh
  token is only for the client it was issued to (RFC 6749 §1.5, §10.4), so
  only that client learns anything about it;
- anything else (expired, revoked, unknown, garbage) is exactly
  ``{"active": false}``: the server "SHOULD NOT include any additional
  information about an inactive token, including why the token is inactive" (RFC 7662 §2.2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from tokenlab.errors import InvalidClientError, InvalidRequestError
from tokenlab.provider.bearer import active_access_record
from tokenlab.provider.http import authenticate_client, form_params, json_response

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp
    from tokenlab.provider.config import ClientConfig
    from tokenlab.provider.store import AccessRecord

__all__ = ["INACTIVE", "audiences", "introspection_endpoint", "may_learn_about"]

INACTIVE: dict[str, Any] = {"active": False}
"""The whole answer for any token that is not active (RFC 7662 §2.2)."""


def introspection_endpoint(app: ProviderApp, request: Request) -> Response:
    # §2.1: form-encoded parameters from an authenticated caller
    params = form_params(request)
    client = authenticate_client(app.config, request, params)
    if client.public:
        raise InvalidClientError(
            f"{client.client_id} is a public client: it cannot prove who it is, so it may not introspect "
            "tokens (RFC 7662 section 2.1)."
        )
    token = params.get("token")
    if not token:
        raise InvalidRequestError("token is missing: name the token to introspect (RFC 7662 section 2.1).")
    # §2.1: the hint only orders the search, which always covers every type
    if params.get("token_type_hint") == "refresh_token":
        search = (_refresh_token, _access_token)
    else:
        search = (_access_token, _refresh_token)
    answer = next((found for look in search if (found := look(app, client, token)) is not None), INACTIVE)
    # a caller learns as little from a refusal as from a dead token: the same bytes either way (RFC 7662 §2.2)
    # §2.2: the answer is JSON; it says what a token may do, so like a token response it is never cached
    return json_response(answer, no_store=True)


def _access_token(app: ProviderApp, client: ClientConfig, token: str) -> dict[str, Any] | None:
    record = active_access_record(app, token)
    if record is None:
        return None
    if not may_learn_about(client, record):
        return INACTIVE  # §2.2, §4: this caller may not introspect this token; stop the search here
    return {
        "active": True,
        "scope": record.scope,
        "client_id": record.client_id,
        "sub": record.sub,
        "aud": record.audience,
        "iss": app.issuer,
        "exp": record.expires_at,
        "iat": record.issued_at,
        "jti": record.jti,
        "token_type": "Bearer",
    }


def audiences(record: AccessRecord) -> tuple[str, ...]:
    """The token's ``aud``, one string or several (RFC 7519 §4.1.3), as a tuple."""
    aud = record.audience
    return (aud,) if isinstance(aud, str) else tuple(aud)


def may_learn_about(caller: ClientConfig, record: AccessRecord) -> bool:
    """Whether ``caller`` may see what the access token of ``record`` carries: it is the client the token was issued
    to, or a protected resource registered under one of the token's audiences (RFC 7662 §4)."""
    return caller.client_id == record.client_id or caller.client_id in audiences(record)


def _refresh_token(app: ProviderApp, client: ClientConfig, token: str) -> dict[str, Any] | None:
    found = app.store.tokens.live_refresh(token, app.clock.timestamp())
    if found is None:
        return None
    record, grant = found
    if record.client_id != client.client_id:
        return INACTIVE  # §2.2: not allowed to introspect this token, so it is simply not active for this caller
    return {
        "active": True,
        "scope": record.scope,
        "client_id": record.client_id,
        "sub": grant.sub or record.client_id,
        "iss": app.issuer,
        "exp": min(record.expires_at, record.idle_expires_at),
        "iat": record.issued_at,
    }
