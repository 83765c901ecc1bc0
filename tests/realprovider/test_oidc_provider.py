"""tokenlab's client verbs and verifiers against a provider written by others: panva's oidc-provider.

Real HTTP to 127.0.0.1 only; the provider and its configuration are in
oidc-provider/ (server.mjs), started once per session by conftest.py.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any

import pytest
import requests

from tokenlab import client
from tokenlab.errors import AudienceMismatchError, InvalidClientError, InvalidGrantError
from tokenlab.jwks_cache import RemoteKeySet
from tokenlab.tokens import verify

# As configured in oidc-provider/server.mjs.
MACHINE = {"client_id": "reporting-service", "client_secret": "reporting-secret-realprovider-5f0c2a9e"}
API = "https://api.tokenlab.test/"
SPA = "spa"
REDIRECT_URI = "http://127.0.0.1/callback"


def _sign_in(
    meta: dict[str, Any], *, pkce: client.PKCE, state: str, nonce: str, login: str = "alice"
) -> client.Redirect:
    """What a browser does in oidc-provider's development pages, done by tokenlab's own ``login_as``: follow the
    provider's redirects to /interaction/<uid>, fill its login form (a field named ``login``; any password), then
    its separate consent page, and stop at the redirect back to the client."""
    url = client.authorization_url(
        meta, client_id=SPA, redirect_uri=REDIRECT_URI, scope="openid", state=state, pkce=pkce, nonce=nonce
    )
    with requests.Session() as browser:
        return client.login_as(url, login, "any password will do", session=browser)


def _code_flow(meta: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Tokens from a full authorization-code + PKCE flow for the public client, and the nonce it sent."""
    pkce, state, nonce = client.PKCE.make(), secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    back = _sign_in(meta, pkce=pkce, state=state, nonce=nonce)
    assert back.state == state
    assert back.code
    return client.exchange_code(meta, back.code, client_id=SPA, redirect_uri=REDIRECT_URI, pkce=pkce), nonce


def test_discovery_passes_the_issuer_check_and_lists_every_endpoint_the_client_uses(issuer, meta):
    assert meta["issuer"] == issuer
    for endpoint in ("authorization", "token", "introspection", "revocation"):
        assert meta[f"{endpoint}_endpoint"].startswith(issuer + "/")
    assert meta["jwks_uri"].startswith(issuer + "/")
    assert "S256" in meta["code_challenge_methods_supported"]
    assert "client_credentials" in meta["grant_types_supported"]


def test_client_credentials_for_a_resource_give_an_rfc_9068_jwt_that_remote_key_set_verifies(issuer, meta):
    token = client.fetch_token(meta, **MACHINE, scope="api:read", resource=API)
    assert token["token_type"] == "Bearer"
    keys = RemoteKeySet(meta["jwks_uri"])
    claims = keys.verify(token["access_token"], algorithms=["RS256"], audience=API, issuer=issuer, typ="at+jwt")
    assert claims["client_id"] == claims["sub"] == MACHINE["client_id"]
    assert claims["scope"] == "api:read"
    assert claims["aud"] == API
    with pytest.raises(AudienceMismatchError):
        keys.verify(token["access_token"], algorithms=["RS256"], audience="https://other.example/", issuer=issuer)
    assert keys.fetches == 1


def test_a_wrong_client_secret_is_refused_as_invalid_client(meta):
    with pytest.raises(InvalidClientError):
        client.fetch_token(meta, client_id=MACHINE["client_id"], client_secret="not-the-secret", resource=API)


def test_authorization_code_with_pkce_through_the_login_and_consent_pages_gives_a_verified_id_token(issuer, meta):
    tokens, nonce = _code_flow(meta)
    assert tokens["token_type"] == "Bearer"
    jwks = requests.get(meta["jwks_uri"], timeout=10).json()
    claims = verify(tokens["id_token"], jwks, algorithms=["RS256"], audience=SPA, issuer=issuer, require=("exp", "iat"))
    assert claims["sub"] == "alice"
    assert claims["nonce"] == nonce
    digest = hashlib.sha256(tokens["access_token"].encode("ascii")).digest()
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")  # OIDC Core §3.1.3.6


def test_a_code_is_refused_with_the_wrong_pkce_verifier_and_redeemed_only_once_with_the_right_one(meta):
    pkce = client.PKCE.make()
    back = _sign_in(meta, pkce=pkce, state="s", nonce="n")
    with pytest.raises(InvalidGrantError):
        client.exchange_code(meta, back.code, client_id=SPA, redirect_uri=REDIRECT_URI, pkce=client.PKCE.make())
    assert "id_token" in client.exchange_code(meta, back.code, client_id=SPA, redirect_uri=REDIRECT_URI, pkce=pkce)
    with pytest.raises(InvalidGrantError):
        client.exchange_code(meta, back.code, client_id=SPA, redirect_uri=REDIRECT_URI, pkce=pkce)


def test_refresh_rotates_the_public_clients_refresh_token_and_refuses_the_old_one(issuer, meta):
    tokens, _ = _code_flow(meta)
    renewed = client.refresh(meta, tokens["refresh_token"], client_id=SPA)
    assert renewed["access_token"] != tokens["access_token"]
    assert renewed["refresh_token"] != tokens["refresh_token"]
    with pytest.raises(InvalidGrantError):
        client.refresh(meta, tokens["refresh_token"], client_id=SPA)


def test_introspection_sees_the_access_token_active_until_its_client_revokes_it(meta):
    tokens, _ = _code_flow(meta)
    before = client.introspect(meta, tokens["access_token"], **MACHINE)
    assert before["active"] is True
    assert before["client_id"] == SPA
    assert before["sub"] == "alice"
    client.revoke(meta, tokens["access_token"], client_id=SPA, token_type_hint="access_token")
    assert client.introspect(meta, tokens["access_token"], **MACHINE) == {"active": False}
