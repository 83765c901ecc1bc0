"""The authorization code at the token endpoint: once, for its client, with its verifier (SECURITY.md C1–C4)."""

import threading

import pytest
import requests

from tokenlab import decode_unverified, verify

from .conftest import WEB
from .test_authorize import CALLBACK, NONCE, VERIFIER, WEB_CALLBACK, WIRE_TEXT, authorization_code

WEB_NO_PKCE = {
    "client_id": "web-app",
    "redirect_uri": WEB_CALLBACK,
    "code_challenge": None,
    "code_challenge_method": None,
}


def redeem(op, http, code, *, verifier=VERIFIER, redirect_uri=CALLBACK, auth=None):
    """POST /token with grant_type=authorization_code; a public client (``auth=None``) names itself in the body."""
    data = {"grant_type": "authorization_code", "code": code}
    if redirect_uri is not None:
        data["redirect_uri"] = redirect_uri
    if verifier is not None:
        data["code_verifier"] = verifier
    if auth is None:
        data["client_id"] = "notebook-app"
    return http.post(op.url("/token"), data=data, auth=auth)


def refused(response, error="invalid_grant"):
    assert response.status_code == 400, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert body["error"] == error
    return body


def refused_code(response, error="invalid_grant"):
    """An error from the code grant, whose description keeps to RFC 6749 §5.2's characters (no §, " or \\)."""
    body = refused(response, error)
    assert WIRE_TEXT.fullmatch(body["error_description"])
    return body


def refresh(op, http, body, client_id="notebook-app"):
    data = {"grant_type": "refresh_token", "refresh_token": body["refresh_token"], "client_id": client_id}
    return http.post(op.url("/token"), data=data)


def jti(access_token):
    return decode_unverified(access_token).claims["jti"]


def assert_revoked(op, http, body):
    """Every token of ``body`` is dead: the access token's jti is inactive and its refresh token is refused."""
    assert op.store.tokens.access_active(jti(body["access_token"]), op.clock.timestamp()) is None
    refused(refresh(op, http, body))


# --- the happy paths ------------------------------------------------------


def test_a_public_client_with_pkce_gets_tokens_that_verify(op, http):
    response = redeem(op, http, authorization_code(op, http))
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "openid orders:read"
    keys = op.app.key_set()
    claims = verify(
        body["access_token"],
        keys,
        algorithms=["RS256"],
        audience=op.config.audience,
        issuer=op.issuer,
        typ="at+jwt",
        clock=op.clock,
    )
    assert (claims["sub"], claims["client_id"], claims["scope"]) == ("user-alice", "notebook-app", "openid orders:read")
    assert claims["auth_time"] == op.clock.timestamp()
    identity = verify(
        body["id_token"], keys, algorithms=["RS256"], audience="notebook-app", issuer=op.issuer, clock=op.clock
    )
    assert identity["nonce"] == NONCE and identity["sub"] == "user-alice"
    assert refresh(op, http, body).status_code == 200


@pytest.mark.parametrize("pkce", [False, True], ids=["secret-only", "secret-and-pkce"])
def test_a_confidential_client_with_client_secret_basic_gets_tokens(op, http, pkce):
    changes = {**WEB_NO_PKCE, "scope": "openid profile orders:write"}
    if pkce:
        del changes["code_challenge"], changes["code_challenge_method"]
    code = authorization_code(op, http, **changes)
    response = redeem(op, http, code, verifier=VERIFIER if pkce else None, redirect_uri=WEB_CALLBACK, auth=WEB)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    claims = verify(
        body["access_token"],
        op.app.key_set(),
        algorithms=["RS256"],
        audience=op.config.audience,
        issuer=op.issuer,
        typ="at+jwt",
        clock=op.clock,
    )
    assert claims["client_id"] == "web-app" and claims["scope"] == "openid profile orders:write"
    identity = verify(
        body["id_token"], op.app.key_set(), algorithms=["RS256"], audience="web-app", issuer=op.issuer, clock=op.clock
    )
    assert identity["nonce"] == NONCE and identity["name"] == "Alice Liddell"


def test_the_code_is_256_random_bits_kept_only_as_a_hash(op, http):
    code = authorization_code(op, http)
    assert len(code) == 43  # base64url of 32 bytes
    assert code not in repr(op.store)
    (record,) = op.store.logins.codes_waiting()
    assert record.expires_at == op.clock.timestamp() + op.config.code_lifetime


def test_an_unknown_or_missing_code_is_refused(op, http):
    refused_code(redeem(op, http, "no-such-code"))
    refused_code(redeem(op, http, ""), error="invalid_request")


# --- C1: a code works once --------------------------------------------------


def test_c1_a_code_redeemed_twice_fails_and_revokes_the_tokens_of_its_first_redemption(op, http):
    code = authorization_code(op, http)
    first = redeem(op, http, code)
    assert first.status_code == 200
    said = refused_code(redeem(op, http, code))["error_description"]
    assert "already used" in said and "now revoked" in said
    assert "copied" not in said  # the server cannot tell who sent it: a client may retry after a lost response
    assert_revoked(op, http, first.json())
    refused_code(redeem(op, http, code))


def test_c1_a_code_burned_by_a_failed_attempt_is_refused_without_claiming_tokens_were_revoked(op, http):
    code = authorization_code(op, http)
    assert "does not match" in refused_code(redeem(op, http, code, verifier="x" * 43))["error_description"]
    said = refused_code(redeem(op, http, code))["error_description"]  # the right verifier, too late
    assert "already used" in said
    assert "revoked" not in said and "copied" not in said  # no tokens were ever issued for this code


def test_c1_concurrent_redemptions_of_one_code_give_exactly_one_success_which_is_then_revoked(op, http):
    for _ in range(3):
        code = authorization_code(op, http)
        barrier = threading.Barrier(8)
        results = []

        def race(code=code, barrier=barrier, results=results):
            with requests.Session() as session:
                session.get(op.url("/jwks.json"))  # connect first, so the eight requests leave together
                barrier.wait()
                results.append(redeem(op, session, code))

        threads = [threading.Thread(target=race) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [r for r in results if r.status_code == 200]
        assert len(results) == 8 and len(winners) == 1
        for loser in results:
            if loser is not winners[0]:
                refused_code(loser)
        assert_revoked(op, http, winners[0].json())


@pytest.mark.parametrize("comes_back", ["before-the-link", "after-the-link"])
def test_c1_a_code_that_comes_back_during_its_first_redemption_still_gets_it_revoked(op, http, comes_back):
    """The two interleavings the concurrent test hits by chance, played in order on the store."""
    code = authorization_code(op, http)
    record, _ = op.store.logins.take_code(code)  # the first redemption takes the code
    grant = op.store.tokens.new_grant(record.client_id, record.sub, record.scope, record.auth_time, record.auth_time)
    if comes_back == "before-the-link":
        assert op.store.logins.take_code(code) == (None, "")  # the copy arrives while the first is still minting
        assert op.store.logins.code_came_back(code) is None  # nothing to revoke yet: the code is marked instead
        assert (
            op.store.logins.link_code_once(code, grant.grant_id) is False
        )  # so the first redemption revokes its grant
    else:
        assert op.store.logins.link_code_once(code, grant.grant_id) is True
        assert op.store.logins.code_came_back(code) == grant.grant_id  # the copy finds the grant to revoke


# --- C2: the verifier must match, and a failed attempt uses the code up -----


@pytest.mark.parametrize(
    "verifier",
    [
        None,
        "",
        "x" * 43,  # well-formed, but not this challenge's
        VERIFIER[:42],  # too short
        VERIFIER + "x" * 86,  # 129: too long
        VERIFIER[:-1] + "+",  # not an unreserved character
        VERIFIER + " ",
    ],
    ids=["missing", "empty", "wrong", "too-short", "too-long", "bad-character", "trailing-space"],
)
def test_c2_a_missing_wrong_or_malformed_code_verifier_is_refused_and_uses_up_the_code(op, http, verifier):
    code = authorization_code(op, http)
    assert "code_verifier" in refused_code(redeem(op, http, code, verifier=verifier))["error_description"]
    refused_code(redeem(op, http, code))  # the right verifier comes too late: the code is gone
    assert op.store.counts()["access"] == 0


# --- C3: no verifier where no challenge was sent ----------------------------


def test_c3_a_code_verifier_without_a_code_challenge_is_refused_as_a_downgrade(op, http):
    code = authorization_code(op, http, **WEB_NO_PKCE)
    body = refused_code(redeem(op, http, code, verifier=VERIFIER, redirect_uri=WEB_CALLBACK, auth=WEB))
    assert "code_challenge" in body["error_description"]
    refused_code(redeem(op, http, code, verifier=None, redirect_uri=WEB_CALLBACK, auth=WEB))  # used up


# --- C4: the same redirect URI, the same client, in time ---------------------


@pytest.mark.parametrize(
    "redirect_uri",
    [None, "", CALLBACK + "/", CALLBACK + "?x=1", "http://127.0.0.1:8080/callback", WEB_CALLBACK],
    ids=["missing", "empty", "trailing-slash", "query", "port", "another"],
)
def test_c4_a_redirect_uri_that_differs_from_the_authorization_requests_is_refused(op, http, redirect_uri):
    code = authorization_code(op, http)
    assert "redirect_uri" in refused_code(redeem(op, http, code, redirect_uri=redirect_uri))["error_description"]


def test_c4_a_redirect_uri_left_out_of_both_requests_is_fine_but_one_only_at_the_token_must_match(op, http):
    assert redeem(op, http, authorization_code(op, http, redirect_uri=None), redirect_uri=None).status_code == 200
    assert redeem(op, http, authorization_code(op, http, redirect_uri=None), redirect_uri=CALLBACK).status_code == 200
    refused_code(redeem(op, http, authorization_code(op, http, redirect_uri=None), redirect_uri=CALLBACK + "/"))


def test_c4_a_code_presented_by_another_client_is_refused_and_burnt(op, http):
    code = authorization_code(op, http)  # notebook-app's
    body = refused_code(redeem(op, http, code, auth=WEB))
    assert "another client" in body["error_description"]
    refused_code(redeem(op, http, code))  # a code that leaked is not left for anyone
    assert op.store.counts()["access"] == 0


def test_c4_an_expired_code_is_refused(op, http, clock):
    fresh, stale = authorization_code(op, http), authorization_code(op, http)
    clock.advance(seconds=op.config.code_lifetime - 1)
    assert redeem(op, http, fresh).status_code == 200
    clock.advance(seconds=1)
    assert "expired" in refused_code(redeem(op, http, stale))["error_description"]
