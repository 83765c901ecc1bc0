"""Revocation (RFC 7009): 200 for unknown tokens, a client revokes only its own, a revoked JWT's jti is denied
until its exp, and revoking a refresh token ends its grant (SECURITY.md E1–E4)."""

from dataclasses import replace

import pytest

from tokenlab import client, decode_unverified
from tokenlab.claims import MAX_LEEWAY
from tokenlab.keys import generate_key
from tokenlab.provider import MockProvider, ProviderConfig
from tokenlab.tokens import sign

from .conftest import MACHINE, WEB


def revoke(op, http, token, auth=WEB, **extra):
    return http.post(op.url("/revoke"), data={"token": token, **extra}, auth=auth)


def api(op, http, access_token):
    return http.get(op.url("/api/orders"), headers={"Authorization": f"Bearer {access_token}"})


def introspect(op, http, token, auth=WEB):
    """Ask as the web app, the client the tokens of these tests are issued to: it may see them (RFC 7662 §4)."""
    return http.post(op.url("/introspect"), data={"token": token}, auth=auth).json()


def refresh(op, http, refresh_token, auth=WEB):
    return http.post(op.url("/token"), data={"grant_type": "refresh_token", "refresh_token": refresh_token}, auth=auth)


def forged(op):
    now = op.clock.timestamp()
    claims = {"iss": op.issuer, "sub": "user-alice", "aud": op.config.audience, "jti": "x", "iat": now, "exp": now + 60}
    return sign(claims, generate_key("ES256"), typ="at+jwt")


@pytest.mark.parametrize("make", [lambda op: "garbage", lambda op: "a.b.c", forged, lambda op: "x" * 5000])
def test_e1_revoking_an_unknown_or_garbage_token_answers_200_with_an_empty_body(op, http, make):
    answer = revoke(op, http, make(op))
    assert answer.status_code == 200
    assert answer.content == b""
    assert answer.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("data", [{}, {"token": ""}, {"token_type_hint": "access_token"}])
def test_e2_revocation_without_a_token_is_400_invalid_request(op, http, data):
    answer = http.post(op.url("/revoke"), data=data, auth=WEB)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_e3_a_token_of_another_client_is_not_revoked_and_the_request_is_refused(op, http):
    tokens = op.mint("web-app", "alice", scope="orders:read")
    for token in (tokens["access_token"], tokens["refresh_token"]):
        answer = revoke(op, http, token, auth=None, client_id="notebook-app")  # a public client names itself
        assert answer.status_code == 400
        assert answer.json()["error"] == "invalid_grant"
        assert "another client" in answer.json()["error_description"]
    assert api(op, http, tokens["access_token"]).status_code == 200
    assert introspect(op, http, tokens["refresh_token"], auth=MACHINE) == {"active": False}  # its client's only
    assert refresh(op, http, tokens["refresh_token"]).status_code == 200  # still alive


def test_e4_a_revoked_jwt_access_token_is_refused_by_the_api_and_inactive_in_introspection_until_exp(op, http):
    tokens = op.mint("web-app", "alice", scope="orders:read")
    access = tokens["access_token"]
    claims = decode_unverified(access).claims
    assert api(op, http, access).status_code == 200
    assert revoke(op, http, access, token_type_hint="access_token").status_code == 200
    assert op.store.tokens.denylist() == {claims["jti"]: claims["exp"]}  # denied until exp (+ the leeway, below)
    refused = api(op, http, access)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["error_description"]
    assert introspect(op, http, access) == {"active": False}
    op.clock.advance(seconds=599)
    assert api(op, http, access).status_code == 401  # one second before exp: still denied
    op.clock.advance(seconds=1)
    after = api(op, http, access)
    assert after.status_code == 401  # from exp on, the provider's own API refuses it as expired
    assert "expired" in after.json()["error_description"]
    assert introspect(op, http, access) == {"active": False}


def test_revoking_a_refresh_token_revokes_its_grant_and_every_access_token_of_it(op, http):
    first = op.mint("web-app", "alice", scope="orders:read")
    second = refresh(op, http, first["refresh_token"]).json()  # the grant now has two access tokens
    other = op.mint("web-app", "alice", scope="orders:read")  # another grant of the same user
    assert revoke(op, http, second["refresh_token"], token_type_hint="refresh_token").status_code == 200
    for access in (first["access_token"], second["access_token"]):
        assert api(op, http, access).status_code == 401
        assert introspect(op, http, access) == {"active": False}
    assert refresh(op, http, second["refresh_token"]).json()["error"] == "invalid_grant"
    assert api(op, http, other["access_token"]).status_code == 200  # only that grant ends


@pytest.mark.parametrize("hint", ["access_token", "refresh_token", "id_token", "nonsense"])
def test_token_type_hint_only_orders_the_search(op, http, hint):
    tokens = op.mint("web-app", "alice", scope="orders:read")
    assert revoke(op, http, tokens["refresh_token"], token_type_hint=hint).status_code == 200
    assert api(op, http, tokens["access_token"]).status_code == 401
    tokens = op.mint("web-app", "alice", scope="orders:read")
    assert revoke(op, http, tokens["access_token"], token_type_hint=hint).status_code == 200
    assert api(op, http, tokens["access_token"]).status_code == 401


def test_a_public_client_revokes_its_own_tokens_by_naming_itself(op, http):
    tokens = op.mint("notebook-app", "alice", scope="orders:read")
    answer = revoke(op, http, tokens["refresh_token"], auth=None, client_id="notebook-app")
    assert answer.status_code == 200
    assert api(op, http, tokens["access_token"]).status_code == 401


@pytest.mark.parametrize("auth", [None, ("web-app", "wrong-secret")])
def test_revocation_needs_the_clients_authentication(op, http, auth):
    tokens = op.mint("web-app", "alice", scope="orders:read")
    answer = revoke(op, http, tokens["refresh_token"], auth=auth)
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert "WWW-Authenticate" in answer.headers
    assert api(op, http, tokens["access_token"]).status_code == 200


def test_an_opaque_access_token_is_revoked_by_its_hash(clock, http):
    config = ProviderConfig.demo()
    config = config.replace(clients=tuple(replace(c, access_token_format="opaque") for c in config.clients))
    with MockProvider(config, clock=clock) as op:
        tokens = op.mint("web-app", "alice", scope="orders:read")
        assert api(op, http, tokens["access_token"]).status_code == 200
        assert revoke(op, http, tokens["access_token"]).status_code == 200
        assert api(op, http, tokens["access_token"]).status_code == 401
        assert (
            refresh(op, http, tokens["refresh_token"]).status_code == 200
        )  # an access token's revocation ends it alone
        assert op.app.errors == []


def test_denylist_entries_are_kept_until_exp_plus_the_largest_leeway_then_forgotten(op):
    """A verifier with leeway accepts a token up to MAX_LEEWAY seconds after its exp, so its entry must outlive exp."""
    access = op.mint("web-app", "alice", scope="orders:read")["access_token"]
    claims = decode_unverified(access).claims
    op.store.tokens.revoke_access(claims["jti"])
    op.store.tokens.forget_expired(claims["exp"])
    assert claims["jti"] in op.store.tokens.denylist()  # at exp, a verifier with leeway still accepts it
    op.store.tokens.forget_expired(claims["exp"] + MAX_LEEWAY - 1)
    assert claims["jti"] in op.store.tokens.denylist()
    op.store.tokens.forget_expired(claims["exp"] + MAX_LEEWAY)
    assert op.store.tokens.denylist() == {}  # now no verifier of tokenlab's accepts it, whatever its leeway


def test_denylist_entries_expire_with_their_tokens(op, http):
    """Issue 4: once a revoked JWT is past its exp and every leeway, exp alone refuses it; the denylist forgets it."""
    first = op.mint("web-app", "alice", scope="orders:read")
    http.post(op.url("/revoke"), data={"token": first["access_token"]}, auth=WEB)
    first_jti = decode_unverified(first["access_token"]).claims["jti"]
    assert first_jti in op.store.tokens.denylist()
    op.clock.advance(minutes=16)  # past the first token's exp and the largest leeway
    second = op.mint("web-app", "alice", scope="orders:read")
    http.post(op.url("/revoke"), data={"token": second["access_token"]}, auth=WEB)
    assert first_jti not in op.store.tokens.denylist()
    assert decode_unverified(second["access_token"]).claims["jti"] in op.store.tokens.denylist()
    assert client.call_api(op.url("/api/orders"), first["access_token"]).status_code == 401  # expired all the same
