"""A client tokenlab did not write (Authlib's OAuth2Session) and PyJWT's PyJWKClient work against the provider.

Every flow runs over real HTTP on 127.0.0.1: authorization code with PKCE (the login form filled like a browser
would), client credentials, refresh with rotation, revocation and introspection; access tokens are verified
with keys PyJWKClient fetched from the JWKS endpoint.
"""

import jwt
import pytest
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from tokenlab import client as tokenlab_client

from .conftest import MACHINE, WEB

REQUIRED_RFC8414 = {"issuer", "authorization_endpoint", "token_endpoint", "response_types_supported"}
REQUIRED_OIDC_DISCOVERY = {
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "response_types_supported",
    "subject_types_supported",
    "id_token_signing_alg_values_supported",
}


@pytest.fixture
def meta(op):
    return tokenlab_client.discover(op.issuer)


def verify_with_pyjwkclient(op, meta, access_token):
    jwks_client = jwt.PyJWKClient(meta["jwks_uri"], cache_keys=True)
    signing_key = jwks_client.get_signing_key_from_jwt(access_token)
    return jwt.decode(
        access_token,
        signing_key.key,
        algorithms=["RS256"],
        audience=op.config.audience,
        issuer=op.issuer,
        options={
            "require": ["exp", "iat", "jti"],
            "verify_exp": False,
            "verify_iat": False,
        },  # the frozen clock is in 2026
    )


def test_discovery_carries_every_field_rfc8414_and_oidc_discovery_require(meta):
    assert set(meta) >= REQUIRED_RFC8414
    assert set(meta) >= REQUIRED_OIDC_DISCOVERY
    assert "S256" in meta["code_challenge_methods_supported"]
    assert "plain" not in meta["code_challenge_methods_supported"]


def test_authlib_client_credentials_and_pyjwkclient_verification(op, meta):
    with OAuth2Session(*MACHINE, scope="reports:read") as session:
        token = session.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
    claims = verify_with_pyjwkclient(op, meta, token["access_token"])
    assert claims["client_id"] == MACHINE[0]
    assert token["scope"] == "reports:read"


def test_authlib_authorization_code_with_pkce_for_a_public_client(op, meta):
    verifier = generate_token(48)
    with OAuth2Session(
        "notebook-app",
        scope="openid profile orders:read",
        redirect_uri="http://127.0.0.1/callback",
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    ) as session:
        url, state = session.create_authorization_url(
            meta["authorization_endpoint"], code_verifier=verifier, nonce="n-0S6_WzA2Mj"
        )
        redirect = tokenlab_client.login_as(url, "alice", "wonderland")  # a browser of its own, keeping its cookie
        assert redirect.state == state
        token = session.fetch_token(
            meta["token_endpoint"], authorization_response=redirect.location, code_verifier=verifier
        )
    claims = verify_with_pyjwkclient(op, meta, token["access_token"])
    assert claims["sub"] == "user-alice"
    id_token = jwt.decode(token["id_token"], options={"verify_signature": False})
    assert id_token["nonce"] == "n-0S6_WzA2Mj"
    assert id_token["aud"] == "notebook-app"


def test_authlib_refresh_revocation_and_introspection_for_a_confidential_client(op, meta):
    first = op.mint("web-app", "alice", scope="openid orders:read")
    with OAuth2Session(*WEB, token=first) as session:
        second = session.refresh_token(meta["token_endpoint"], refresh_token=first["refresh_token"])
        assert second["refresh_token"] != first["refresh_token"]
        introspected = session.introspect_token(meta["introspection_endpoint"], token=second["access_token"]).json()
        assert introspected["active"] is True
        assert introspected["client_id"] == "web-app"
        revoked = session.revoke_token(
            meta["revocation_endpoint"], token=second["refresh_token"], token_type_hint="refresh_token"
        )
        assert revoked.status_code == 200
        after = session.introspect_token(meta["introspection_endpoint"], token=second["access_token"]).json()
    assert after == {"active": False}  # revoking the refresh token ended its grant (RFC 7009 §2.1)
