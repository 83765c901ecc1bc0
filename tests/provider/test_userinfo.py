"""The UserInfo endpoint (OIDC Core §5.3): claims by scope for an active access token with openid; Bearer errors
as RFC 6750 §3.1 says."""

from dataclasses import replace

import pytest

from tokenlab import decode_unverified
from tokenlab.provider import MockProvider, ProviderConfig

from .conftest import MACHINE, WEB


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("openid", {"sub": "user-alice"}),
        ("openid profile", {"sub": "user-alice", "name": "Alice Liddell", "preferred_username": "alice"}),
        ("openid email", {"sub": "user-alice", "email": "alice@example.com", "email_verified": True}),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_userinfo_returns_sub_and_the_claims_the_scopes_open(op, http, scope, expected, method):
    tokens = op.mint("web-app", "alice", scope=scope)
    answer = http.request(method, op.url("/userinfo"), headers=bearer(tokens["access_token"]))
    assert answer.status_code == 200
    assert answer.json() == expected
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.json()["sub"] == decode_unverified(tokens["id_token"]).claims["sub"]  # OIDC Core §5.3.2


def test_userinfo_without_a_token_is_401_with_a_bare_bearer_challenge(op, http):
    answer = http.get(op.url("/userinfo"))
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="tokenlab"'


def test_userinfo_with_an_expired_revoked_or_id_token_is_401_invalid_token(op, http):
    expired = op.mint("web-app", "alice", scope="openid profile")
    op.clock.advance(seconds=600)
    revoked = op.mint("web-app", "alice", scope="openid profile")
    http.post(op.url("/revoke"), data={"token": revoked["refresh_token"]}, auth=WEB).raise_for_status()
    for token in (expired["access_token"], revoked["access_token"], revoked["id_token"]):
        answer = http.get(op.url("/userinfo"), headers=bearer(token))
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith('Bearer realm="tokenlab", error="invalid_token"')


def test_userinfo_without_the_openid_scope_is_403_insufficient_scope(op, http):
    access = op.mint("web-app", "alice", scope="profile orders:read")["access_token"]
    answer = http.get(op.url("/userinfo"), headers=bearer(access))
    assert answer.status_code == 403
    assert 'error="insufficient_scope"' in answer.headers["WWW-Authenticate"]
    assert 'scope="openid"' in answer.headers["WWW-Authenticate"]


def test_userinfo_has_no_user_to_describe_for_a_clients_own_token(clock, http):
    config = ProviderConfig.demo()
    machine = replace(config.client("reporting-service"), scope="openid reports:read")
    config = config.replace(clients=tuple(machine if c.client_id == machine.client_id else c for c in config.clients))
    with MockProvider(config, clock=clock) as op:
        token = http.post(op.url("/token"), data={"grant_type": "client_credentials"}, auth=MACHINE).json()
        assert token["scope"] == "openid reports:read"
        answer = http.get(op.url("/userinfo"), headers=bearer(token["access_token"]))
        assert answer.status_code == 401
        assert "not for a user" in answer.json()["error_description"]
        assert op.app.errors == []


def test_userinfo_reads_the_token_from_the_header_only(op, http):
    access = op.mint("web-app", "alice", scope="openid")["access_token"]
    in_url = http.get(op.url("/userinfo"), params={"access_token": access})
    assert in_url.status_code == 400
    assert 'error="invalid_request"' in in_url.headers["WWW-Authenticate"]
    in_body = http.post(op.url("/userinfo"), data={"access_token": access})
    assert in_body.status_code == 400
    assert "header" in in_body.json()["error_description"]
