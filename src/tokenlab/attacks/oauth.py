"""Attacks on the OAuth flows: replayed tokens, intercepted codes, stolen refresh tokens.

Against tokenlab's provider these go over real HTTP on 127.0.0.1. The naive
side is :class:`NaiveAuthorizationServer`, a model in plain Python (no HTTP) of
an authorization server that skips PKCE and never rotates refresh tokens:
enough to watch the same attack succeed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tokenlab.errors import InvalidGrantError

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider import MockProvider

__all__ = ["NaiveAuthorizationServer", "redeem_intercepted_code", "replay_refresh_token", "token_for_another_audience"]


class NaiveAuthorizationServer:
    """DELIBERATELY WRONG — never build a server like this. A model of two mistakes, without HTTP:

    - it gives public clients authorization codes without PKCE, so whoever
      intercepts the redirect can redeem the code: a public client has no secret,
      and its ``client_id`` is public (RFC 7636 §1, RFC 9700 §2.1.1);
    - its refresh tokens are never rotated, so a stolen copy works as long as the
      original, and nobody notices two parties using it (RFC 9700 §4.14.2).

    Codes are single-use, as even naive servers get right: the attacker only has
    to be first. Tokens are numbered, so the lab's outputs repeat.
    """

    def __init__(self) -> None:
        self._codes: dict[str, tuple[str, str]] = {}
        self._refresh: dict[str, tuple[str, str]] = {}
        self._issued = 0

    def _next(self, kind: str) -> str:
        self._issued += 1
        return f"naive-{kind}-{self._issued}"

    def authorize(self, client_id: str, username: str) -> str:
        """The user logged in and agreed: a code, sent in the redirect to the client (no PKCE challenge asked)."""
        code = self._next("code")
        self._codes[code] = (client_id, username)
        return code

    def redeem(self, code: str, client_id: str) -> dict[str, Any]:
        """The token request: a code and a client id that anybody could send (no verifier asked)."""
        issued = self._codes.pop(code, None)
        if issued is None or issued[0] != client_id:
            raise InvalidGrantError("This authorization code is unknown or was already used.")
        return self._tokens(client_id, issued[1], refresh_token=None)

    def refresh(self, refresh_token: str, client_id: str) -> dict[str, Any]:
        """A new access token for a refresh token that stays valid: no rotation, no reuse detection."""
        issued = self._refresh.get(refresh_token)
        if issued is None or issued[0] != client_id:
            raise InvalidGrantError("This refresh token is unknown.")
        return self._tokens(client_id, issued[1], refresh_token=refresh_token)

    def _tokens(self, client_id: str, username: str, *, refresh_token: str | None) -> dict[str, Any]:
        if refresh_token is None:
            refresh_token = self._next("refresh")
            self._refresh[refresh_token] = (client_id, username)
        return {
            "access_token": self._next("access"),
            "token_type": "Bearer",
            "refresh_token": refresh_token,
            "user": username,  # the model's shortcut: whose data the access token opens
        }


def token_for_another_audience(
    op: MockProvider,
    *,
    audience: str = "billing-api",
    client_id: str = "web-app",
    username: str = "alice",
    scope: str = "orders:read",
) -> str:
    """A genuine access token from ``op``'s issuer and signing key, but minted for another API, ``audience``.

    One authorization server usually serves several APIs (RFC 8707); whoever
    holds a token for one of them (a partner's billing service, its logs) can
    replay it at the others. The lab models the provider's view of that second
    API with a twin provider that shares the issuer, the key and the clock, and
    is never started: it only mints.
    """
    from tokenlab.provider import MockProvider

    seed = None if op.config.seed is None else op.config.seed + 1000
    twin = MockProvider(
        op.config.replace(audience=audience, seed=seed),
        clock=op.clock,
        issuer=op.issuer,
        signing_key=op.app.signing_key,
    )
    return twin.mint(client_id, username, scope=scope)["access_token"]


def redeem_intercepted_code(
    metadata: Mapping[str, Any], code: str, *, client_id: str, redirect_uri: str
) -> dict[str, Any]:
    """What the interceptor of a redirect does: redeem the code with everything public, but no ``code_verifier``.

    Returns the tokens, or raises the provider's :class:`~tokenlab.errors.OAuthError`.
    """
    from tokenlab import client

    return client.exchange_code(metadata, code, client_id=client_id, redirect_uri=redirect_uri, pkce=None)


def replay_refresh_token(
    metadata: Mapping[str, Any], refresh_token: str, *, client_id: str, client_secret: str | None = None
) -> dict[str, Any]:
    """What the thief of a refresh token does: present the copy at the token endpoint (RFC 6749 §6).

    Returns the tokens, or raises the provider's :class:`~tokenlab.errors.OAuthError`.
    """
    from tokenlab import client

    return client.refresh(metadata, refresh_token, client_id=client_id, client_secret=client_secret)
