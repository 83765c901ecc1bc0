"""Minting tokens: JWT access tokens (RFC 9068), opaque ones, refresh tokens and ID tokens (OIDC Core).

An access token JWT carries ``typ: at+jwt`` and the claims RFC 9068 §2.2
requires: ``iss``, ``exp``, ``aud``, ``sub``, ``client_id``, ``iat``, ``jti``,
plus ``scope`` (§2.2.3) and ``auth_time`` when a user logged in (§2.2.1). For
client credentials, ``sub`` is the client itself (§2.2). Every token is
recorded in the store under its grant, so revoking the grant reaches it.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any

from tokenlab.provider.store import AccessRecord, Grant, RefreshRecord, digest
from tokenlab.tokens import sign

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp
    from tokenlab.provider.config import ClientConfig

__all__ = ["at_hash", "issue_access_token", "issue_id_token", "issue_refresh_token", "token_response"]


def issue_access_token(app: ProviderApp, grant: Grant, client: ClientConfig, scope: str, now: int) -> tuple[str, int]:
    """A new access token for ``grant`` and its lifetime in seconds."""
    lifetime = client.access_token_lifetime
    jti = app.store.secret(16)
    record = AccessRecord(
        jti=jti,
        grant_id=grant.grant_id,
        client_id=client.client_id,
        sub=grant.sub or client.client_id,
        scope=scope,
        issued_at=now,
        expires_at=now + lifetime,
        audience=app.config.audience,
        token_format=client.access_token_format,
    )
    if client.access_token_format == "opaque":
        token = app.store.secret(32)
        app.store.tokens.add_access(record, opaque_token=token)
        app.store.events.log(
            "issued", "access_token", jti, grant.grant_id, expires_at=record.expires_at, detail="opaque"
        )
        return token, lifetime
    claims: dict[str, Any] = {
        "iss": app.issuer,
        "sub": record.sub,
        "aud": record.audience,
        "client_id": client.client_id,
        "scope": scope,
        "jti": jti,
        "iat": now,
        "exp": record.expires_at,
    }
    if grant.sub is not None:
        claims["auth_time"] = grant.auth_time
    app.store.tokens.add_access(record)
    app.store.events.log("issued", "access_token", jti, grant.grant_id, expires_at=record.expires_at, detail="JWT")
    return sign(claims, app.signing_key, typ="at+jwt"), lifetime


def issue_refresh_token(app: ProviderApp, grant: Grant, client: ClientConfig, scope: str, now: int) -> str:
    """A new opaque refresh token; its absolute end is fixed at login, its idle end moves with use."""
    token = app.store.secret(32)
    absolute_end = grant.created + client.refresh_token_lifetime
    idle_end = min(absolute_end, now + client.refresh_token_idle)
    app.store.tokens.add_refresh(
        token,
        RefreshRecord(
            grant_id=grant.grant_id,
            client_id=client.client_id,
            scope=scope,
            issued_at=now,
            expires_at=absolute_end,
            idle_expires_at=idle_end,
        ),
    )
    app.store.events.log("issued", "refresh_token", digest(token), grant.grant_id, expires_at=idle_end)
    return token


def at_hash(access_token: str, alg: str = "RS256") -> str:
    """Left half of the hash of the access token, base64url (OIDC Core §3.1.3.6); the hash is the one of the
    ID token's ``alg`` (SHA-512 for EdDSA with Ed25519)."""
    name = "sha512" if alg == "EdDSA" or alg.endswith("512") else "sha384" if alg.endswith("384") else "sha256"
    digest = hashlib.new(name, access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def issue_id_token(
    app: ProviderApp,
    grant: Grant,
    client: ClientConfig,
    scope: str,
    now: int,
    *,
    nonce: str | None,
    access_token: str | None,
) -> str:
    """An OpenID Connect ID token (OIDC Core §2): about the user's login, for the client, not for APIs."""
    user = app.config.user_by_sub(grant.sub)
    claims: dict[str, Any] = {
        "iss": app.issuer,
        "sub": grant.sub,
        "aud": client.client_id,
        "exp": now + app.config.id_token_lifetime,
        "iat": now,
        "auth_time": grant.auth_time,
    }
    if nonce is not None:
        claims["nonce"] = nonce
    if access_token is not None:
        claims["at_hash"] = at_hash(access_token, app.signing_key.alg)
    scopes = set(scope.split())
    if user is not None and "profile" in scopes:
        claims["name"] = user.name
        claims["preferred_username"] = user.username
    if user is not None and "email" in scopes:
        claims["email"] = user.email
        claims["email_verified"] = True
    return sign(claims, app.signing_key, typ="JWT")


def token_response(
    app: ProviderApp,
    grant: Grant,
    client: ClientConfig,
    scope: str,
    now: int,
    *,
    refresh: bool,
    nonce: str | None = None,
    refresh_scope: str | None = None,
) -> dict[str, Any]:
    """The successful token response of RFC 6749 §5.1 (plus ``id_token`` for ``openid``, OIDC Core §3.1.3.3)."""
    access_token, lifetime = issue_access_token(app, grant, client, scope, now)
    body: dict[str, Any] = {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "scope": scope,
    }
    if refresh and "refresh_token" in client.grant_types:
        body["refresh_token"] = issue_refresh_token(app, grant, client, refresh_scope or scope, now)
    if grant.sub is not None and "openid" in scope.split():
        body["id_token"] = issue_id_token(app, grant, client, scope, now, nonce=nonce, access_token=access_token)
    return body
