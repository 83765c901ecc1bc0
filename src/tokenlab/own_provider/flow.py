"""What the steps of one run share (``Flow``), and the helpers they use to ask, check and refuse."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import requests

from tokenlab import client
from tokenlab.errors import OAuthError, TokenLabError
from tokenlab.jwks_cache import RemoteKeySet
from tokenlab.own_provider.settings import OwnProvider
from tokenlab.tokens import decode_unverified

# Asymmetric JWS algorithms only: a verifier that is not the provider never holds an HMAC secret (RFC 8725 §3.1).
_ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


class Skip(Exception):
    """A step that cannot run here; its message says what is missing."""


class Flow:
    """What the steps of one run share: the settings, the discovery document, the tokens so far."""

    def __init__(self, provider: OwnProvider) -> None:
        self.provider = provider
        self.meta: dict[str, Any] | None = None
        self.browser = requests.Session()  # plays the user's browser: keeps the provider's cookies (SSO)
        self.http = requests.Session()
        self.values: dict[str, Any] = {}

    def need(self, name: str, why: str) -> Any:
        if name not in self.values:
            raise Skip(why)
        return self.values[name]

    def endpoint(self, name: str, rfc: str) -> str:
        meta = self.need("meta", "discovery did not succeed")
        if not meta.get(name):
            raise Skip(f"the provider's metadata has no {name} ({rfc}), so it offers no such endpoint")
        return meta[name]

    def machine(self) -> dict[str, str]:
        p = self.provider
        if not (p.client_id and p.client_secret):
            raise Skip("set TOKENLAB_CLIENT_ID and TOKENLAB_CLIENT_SECRET (a confidential client) to run this step")
        return {"client_id": p.client_id, "client_secret": p.client_secret}

    def login_client(self) -> dict[str, Any]:
        p = self.provider
        if not p.can_log_in:
            raise Skip("set TOKENLAB_LOGIN_CLIENT_ID, TOKENLAB_USERNAME and TOKENLAB_PASSWORD to run this step")
        return {"client_id": p.login_client_id, "client_secret": p.login_client_secret}

    def verifier(self) -> RemoteKeySet:
        if "keys" not in self.values:
            self.values["keys"] = RemoteKeySet(self.endpoint("jwks_uri", "OIDC Discovery §3"), session=self.http)
        return self.values["keys"]

    def algorithms(self) -> list[str]:
        """The asymmetric algorithms the provider says it signs ID tokens with (OIDC Discovery §3)."""
        advertised = self.need("meta", "discovery did not succeed").get("id_token_signing_alg_values_supported")
        chosen = [alg for alg in advertised or ["RS256"] if alg in _ASYMMETRIC]
        return chosen or ["RS256"]

    def log_in(self, *, nonce: str, extra: str = "") -> tuple[str, client.PKCE, dict[str, str]]:
        """The browser's part of the code flow (RFC 6749 §4.1.1-4.1.2), with state, PKCE and a nonce: returns the
        code, the PKCE pair its redemption needs, and every parameter of the redirect back."""
        p, login = self.provider, self.login_client()
        state, pkce = secrets.token_urlsafe(16), client.PKCE.make()
        url = client.authorization_url(
            self.need("meta", "discovery did not succeed"),
            client_id=login["client_id"],
            redirect_uri=p.redirect_uri,
            scope=p.login_scope,
            state=state,
            pkce=pkce,
            nonce=nonce,
        )
        back = client.login_as(url + extra, p.username or "", p.password or "", session=self.browser)
        if back.error:
            raise OAuthError(f"the provider sent the browser back with error={back.error}: {back.params}")
        if back.state != state:
            raise OAuthError("the state that came back is not the one sent: a client must stop here (RFC 9700 §4.7)")
        if not back.code:
            raise OAuthError(f"the redirect back to the client carries no code: {back.location}")
        return back.code, pkce, back.params

    def exchange(self, code: str, pkce: client.PKCE | None) -> dict[str, Any]:
        return client.exchange_code(
            self.values["meta"],
            code,
            **self.login_client(),
            redirect_uri=self.provider.redirect_uri,
            pkce=pkce,
            session=self.http,
        )

    def close(self) -> None:
        self.browser.close()
        self.http.close()


def token_shape(token: str) -> str:
    """What a client can tell about an access token without asking: a JWT's header and main claims, or opaque."""
    try:
        decoded = decode_unverified(token)
    except TokenLabError:
        return f"opaque ({len(token)} characters): only the provider can say what it means (introspection, lesson 10)"
    claims = {k: decoded.claims[k] for k in ("sub", "aud", "client_id", "scope", "exp") if k in decoded.claims}
    return f"a JWT, alg {decoded.header.get('alg')}, typ {decoded.header.get('typ', '—')}, claims {claims}"


def refused(action: Callable[[], object], expected: type[OAuthError], rule: str) -> str:
    """Run something the provider must refuse; say how it refused, or fail if it did not."""
    try:
        action()
    except expected as err:
        return f"refused with {err.error}, as {rule} requires"
    except OAuthError as err:
        return f"refused with {err.error} (the RFC's code is {expected.error}): {err.description or 'no description'}"
    raise OAuthError(f"the provider accepted it, but {rule} says it must be refused")
