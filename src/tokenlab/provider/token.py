"""The token endpoint (RFC 6749 §3.2): one URL, one grant type per request.

::

    POST /token HTTP/1.1
    Authorization: Basic cmVwb3J0aW5nLXNlcnZpY2U6Li4u
    Content-Type: application/x-www-form-urlencoded

    grant_type=client_credentials&scope=reports%3Aread

    HTTP/1.1 200 OK
    Content-Type: application/json
    Cache-Control: no-store

    {"access_token":"eyJ...","token_type":"Bearer","expires_in":600,"scope":"reports:read"}

Grants: ``authorization_code`` (RFC 6749 §4.1.3 with PKCE, RFC 7636 §4.6 —
in :mod:`tokenlab.provider.authorize`), ``client_credentials`` (§4.4),
``refresh_token`` (§6, rotated on every use with reuse detection, RFC 9700
§4.14.2) and the device grant (RFC 8628 §3.4, in :mod:`tokenlab.provider.device`).
The password grant is not offered: RFC 9700 §2.4 says it MUST NOT be used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from tokenlab.errors import (
    InvalidGrantError,
    InvalidRequestError,
    UnauthorizedClientError,
    UnsupportedGrantTypeError,
)
from tokenlab.provider import authorize, device
from tokenlab.provider.config import DEVICE_GRANT, ClientConfig
from tokenlab.provider.http import authenticate_client, form_params, json_response
from tokenlab.provider.issuance import token_response
from tokenlab.provider.scopes import require_allowed_scope
from tokenlab.provider.store import Grant, RefreshRecord, digest

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp

__all__ = ["token_endpoint"]


def token_endpoint(app: ProviderApp, request: Request) -> Response:
    params = form_params(request)
    grant_type = params.get("grant_type")
    if not grant_type:
        raise InvalidRequestError(
            "grant_type is missing: every token request names its grant (RFC 6749 section 5.2, invalid_request)."
        )
    if grant_type not in ("authorization_code", "client_credentials", "refresh_token", DEVICE_GRANT):
        hint = (
            " The password grant exposes the user's password to the client; RFC 9700 section 2.4 forbids it."
            if grant_type == "password"
            else ""
        )
        raise UnsupportedGrantTypeError(f"This server does not support grant_type={grant_type!r}.{hint}")
    client = authenticate_client(app.config, request, params)
    if grant_type not in client.grant_types:
        raise UnauthorizedClientError(f"{client.client_id} is not registered for the {grant_type} grant.")
    now = app.clock.timestamp()
    if grant_type == "client_credentials":
        body = _client_credentials(app, client, params, now)
    elif grant_type == "refresh_token":
        body = _refresh(app, client, params, now)
    elif grant_type == "authorization_code":
        body = authorize.redeem_code(app, client, params, now)
    else:
        body = device.redeem_device_code(app, client, params, now)
    return json_response(body, no_store=True)


def _client_credentials(app: ProviderApp, client: ClientConfig, params: dict[str, str], now: int) -> dict:
    """RFC 6749 §4.4.2–4.4.3: a confidential client asks for a token for itself; no refresh token."""
    if client.public:
        raise UnauthorizedClientError("Only confidential clients may use client credentials (RFC 6749 section 4.4).")
    scope = require_allowed_scope(params.get("scope"), client.scope)
    grant = app.store.tokens.new_grant(client.client_id, None, scope, now, now)
    return token_response(app, grant, client, scope, now, refresh=False)


def _refresh(app: ProviderApp, client: ClientConfig, params: dict[str, str], now: int) -> dict:
    """RFC 6749 §6 with rotation: each refresh token works once; a second use revokes the grant.

    RFC 9700 §4.14.2 says a server that detects reuse "will revoke the active refresh token"; tokenlab's provider
    chooses to revoke the whole grant, access tokens included, because the party holding the active tokens may
    be the attacker.

    The checks run in one step under the store's lock, in this order, and only a request that passes them all
    uses the token up: a refused request (another client, a revoked grant, an expired token, too wide a scope)
    leaves the client's token as it was (RFC 6749 §5.2). A token that was already traded in is reuse.
    """
    token = params.get("refresh_token")
    if not token:
        raise InvalidRequestError("refresh_token is missing (RFC 6749 section 6).")

    def validate(record: RefreshRecord, grant: Grant | None, already_used: bool) -> str:
        if record.client_id != client.client_id:
            raise InvalidGrantError(
                "This refresh token is unknown or was not issued to this client (RFC 6749 section 5.2)."
            )
        if grant is None or grant.revoked:
            raise InvalidGrantError("This grant has been revoked; the user has to log in again (RFC 6749 section 5.2).")
        if now >= record.expires_at or now >= record.idle_expires_at:
            raise InvalidGrantError("This refresh token has expired; the user has to log in again.")
        return (
            "" if already_used else require_allowed_scope(params.get("scope"), grant.scope, what="the original grant")
        )

    record, grant, scope, first_use = app.store.tokens.take_refresh(token, validate)
    if record is None or grant is None:
        raise InvalidGrantError(
            "This refresh token is unknown or was not issued to this client (RFC 6749 section 5.2)."
        )
    if not first_use:
        app.store.events.log(
            "replay_detected", "refresh_token", digest(token), record.grant_id, detail="used a second time"
        )
        app.store.tokens.revoke_grant(record.grant_id, "refresh token reused")
        raise InvalidGrantError(
            "This refresh token was already used. It may have been copied, or resent by a client that lost the "
            "answer: the server cannot tell which party sent it (RFC 9700 section 4.14.2). tokenlab's provider "
            "chooses to treat it as theft: the whole grant is now revoked, access tokens included."
        )
    app.store.events.log("rotated", "refresh_token", digest(token), grant.grant_id, detail="traded for new tokens")
    # RFC 6749 §6: a new refresh token has exactly the scope of the one it replaces, even when the access token is narrower
    body = token_response(app, grant, client, scope, now, refresh=True, refresh_scope=record.scope)
    if not app.store.tokens.grant_alive(grant.grant_id):  # revoked while we were minting: nothing may survive
        app.store.tokens.revoke_grant(grant.grant_id, "revoked during refresh")
        raise InvalidGrantError("This grant was revoked during the refresh.")
    return body
