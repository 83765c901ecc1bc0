"""Introspection (RFC 7662): only authenticated confidential clients ask; an active token lists its claims to the
client it was issued to and to the API it was issued for (its aud), and to nobody else; anything else is exactly
{"active": false} (SECURITY.md E5–E6; RFC 7662 §2.2, §4)."""

import base64
from dataclasses import replace

import pytest

from tokenlab import decode_unverified
from tokenlab.provider import MockProvider, ProviderConfig
from tokenlab.provider.config import ClientConfig

from .conftest import MACHINE, WEB

INTRANET = ("intranet-app", "intranet-app-secret-5e1b9d7c3a2f8064")
ORDERS_API = ("demo-api", "orders-api-secret-7d1e5b9a3c6f2048")  # a protected resource, registered under its aud


def introspect(op, http, token, auth=WEB, **extra):
    return http.post(op.url("/introspect"), data={"token": token, **extra}, auth=auth)


def refresh(op, http, refresh_token):
    return http.post(op.url("/token"), data={"grant_type": "refresh_token", "refresh_token": refresh_token}, auth=WEB)


def test_an_active_access_token_lists_its_claims_to_the_client_it_was_issued_to(op, http):
    access = op.mint("web-app", "alice", scope="openid orders:read")["access_token"]
    answer = introspect(op, http, access, auth=WEB)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    claims = decode_unverified(access).claims
    assert answer.json() == {
        "active": True,
        "scope": "openid orders:read",
        "client_id": "web-app",
        "sub": "user-alice",
        "aud": op.config.audience,
        "iss": op.issuer,
        "exp": claims["exp"],
        "iat": claims["iat"],
        "jti": claims["jti"],
        "token_type": "Bearer",
    }


@pytest.mark.parametrize("caller", [MACHINE, INTRANET], ids=["machine-client", "another-app"])
@pytest.mark.parametrize("owner", ["web-app", "intranet-app"], ids=["jwt", "opaque"])
def test_another_confidential_client_learns_nothing_about_a_token_issued_to_someone_else(op, http, caller, owner):
    if caller[0] == owner:
        caller = WEB
    access = op.mint(owner, "alice", scope="orders:read")["access_token"]
    refused = introspect(op, http, access, auth=caller)
    garbage = introspect(op, http, "garbage", auth=caller)
    assert refused.status_code == 200
    assert refused.json() == {"active": False}  # RFC 7662 §2.2: not allowed to introspect this particular token
    assert refused.content == garbage.content  # the same bytes as for a token that does not exist
    assert refused.headers["Content-Length"] == garbage.headers["Content-Length"]
    owners = {"web-app": WEB, "intranet-app": INTRANET}
    assert introspect(op, http, access, auth=owners[owner]).json()["sub"] == "user-alice"  # still alive


def test_a_machine_clients_token_is_described_to_that_client_only(op, http):
    access = op.mint("reporting-service")["access_token"]
    own = introspect(op, http, access, auth=MACHINE).json()
    assert own["active"] is True
    assert own["sub"] == own["client_id"] == "reporting-service"
    assert introspect(op, http, access, auth=WEB).json() == {"active": False}


def test_a_protected_resource_registered_under_the_tokens_audience_may_introspect_it(clock, http):
    api = ClientConfig(*ORDERS_API, (), name="Orders API (a protected resource: it only introspects)")
    config = ProviderConfig.demo()
    with MockProvider(config.replace(clients=(*config.clients, api)), clock=clock) as op:
        for owner in ("web-app", "intranet-app"):
            access = op.mint(owner, "bob", scope="orders:read")["access_token"]
            answer = introspect(op, http, access, auth=ORDERS_API).json()
            assert answer["active"] is True
            assert (answer["sub"], answer["client_id"], answer["scope"]) == ("user-bob", owner, "orders:read")
        tokens = op.mint("web-app", "bob", scope="orders:read")
        assert introspect(op, http, tokens["refresh_token"], auth=ORDERS_API).json() == {"active": False}
        other = MockProvider(config.replace(clients=(*config.clients, api), audience="billing-api"), clock=clock)
        with other:
            billing = other.mint("web-app", "bob", scope="orders:read")["access_token"]
            assert introspect(other, http, billing, auth=ORDERS_API).json() == {"active": False}  # not its aud
        assert op.app.errors == other.app.errors == []


def test_an_active_refresh_token_is_described_to_its_own_client_only(op, http):
    tokens = op.mint("web-app", "alice", scope="orders:read")
    own = introspect(op, http, tokens["refresh_token"], auth=WEB, token_type_hint="refresh_token").json()
    assert own["active"] is True
    assert own["client_id"] == "web-app"
    assert own["sub"] == "user-alice"
    assert own["exp"] == op.clock.timestamp() + 3600  # the idle limit comes before the absolute one
    assert "aud" not in own  # a refresh token is for the provider alone
    assert introspect(op, http, tokens["refresh_token"], auth=MACHINE).json() == {"active": False}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"client_id": "notebook-app"},  # a public client proves nothing
        {"client_id": "web-app"},  # a confidential client without its secret
        {"client_id": "web-app", "client_secret": "wrong"},
    ],
    ids=["nothing", "public-client", "no-secret", "wrong-secret"],
)
def test_e5_introspection_without_a_confidential_clients_authentication_is_401_invalid_client(op, http, data):
    access = op.mint("web-app", "alice", scope="orders:read")["access_token"]
    answer = http.post(op.url("/introspect"), data={"token": access, **data})
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert answer.headers["WWW-Authenticate"].startswith("Basic")
    assert "active" not in answer.json()


def test_e5_a_public_client_is_refused_even_through_basic_with_an_empty_secret(op, http):
    basic = base64.b64encode(b"notebook-app:").decode()
    answer = http.post(op.url("/introspect"), data={"token": "x"}, headers={"Authorization": f"Basic {basic}"})
    assert answer.status_code == 401


def _expired(op, http):
    access = op.mint("web-app", "alice", scope="orders:read")["access_token"]
    op.clock.advance(seconds=600)
    return access


def _revoked(op, http):
    access = op.mint("web-app", "alice", scope="orders:read")["access_token"]
    http.post(op.url("/revoke"), data={"token": access}, auth=WEB).raise_for_status()
    return access


def _grant_revoked(op, http):
    tokens = op.mint("web-app", "alice", scope="orders:read")
    http.post(op.url("/revoke"), data={"token": tokens["refresh_token"]}, auth=WEB).raise_for_status()
    return tokens["access_token"]


def _rotated_out_refresh_token(op, http):
    tokens = op.mint("web-app", "alice", scope="orders:read")
    refresh(op, http, tokens["refresh_token"]).raise_for_status()
    return tokens["refresh_token"]


def _expired_refresh_token(op, http):
    tokens = op.mint("web-app", "alice", scope="orders:read")
    op.clock.advance(seconds=3600)
    return tokens["refresh_token"]


def _id_token(op, http):
    return op.mint("web-app", "alice", scope="openid")["id_token"]


def _tampered(op, http):
    header, payload, signature = op.mint("web-app", "alice", scope="orders:read")["access_token"].split(".")
    return f"{header}.{payload[:-2]}AA.{signature}"


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(_expired, id="expired"),
        pytest.param(_revoked, id="revoked"),
        pytest.param(_grant_revoked, id="grant-revoked"),
        pytest.param(_rotated_out_refresh_token, id="rotated-out"),
        pytest.param(_expired_refresh_token, id="refresh-expired"),
        pytest.param(_id_token, id="id-token"),
        pytest.param(_tampered, id="tampered"),
        pytest.param(lambda op, http: "garbage", id="garbage"),
        pytest.param(lambda op, http: "a.b.c", id="three-segments"),
        pytest.param(lambda op, http: "é" * 1000, id="non-ascii"),
    ],
)
def test_e6_an_expired_revoked_or_garbage_token_is_exactly_active_false(op, http, make):
    token = make(op, http)
    for hint in ({}, {"token_type_hint": "refresh_token"}):
        answer = introspect(op, http, token, auth=WEB, **hint)
        assert answer.status_code == 200
        assert answer.json() == {"active": False}  # nothing more: not even why (RFC 7662 §2.2)


def test_introspection_without_a_token_is_400_invalid_request(op, http):
    answer = http.post(op.url("/introspect"), data={}, auth=MACHINE)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_an_opaque_access_token_is_introspected_like_a_jwt(clock, http):
    config = ProviderConfig.demo()
    config = config.replace(clients=tuple(replace(c, access_token_format="opaque") for c in config.clients))
    with MockProvider(config, clock=clock) as op:
        access = op.mint("web-app", "bob", scope="orders:read")["access_token"]
        answer = introspect(op, http, access).json()
        assert answer["active"] is True
        assert answer["sub"] == "user-bob"
        assert answer["exp"] == clock.timestamp() + 600
        clock.advance(seconds=600)
        assert introspect(op, http, access).json() == {"active": False}
        assert op.app.errors == []
