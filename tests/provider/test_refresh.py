"""Refresh tokens rotate on every use; a reused one revokes the whole grant (SECURITY.md D1–D3)."""

import threading

import pytest

from tokenlab import decode_unverified

from .conftest import WEB


def refresh(op, http, token, auth=WEB, **extra):
    return http.post(op.url("/token"), data={"grant_type": "refresh_token", "refresh_token": token, **extra}, auth=auth)


def jti(access_token):
    return decode_unverified(access_token).claims["jti"]


def test_refresh_rotates_the_refresh_token_and_issues_a_new_access_token(op, http):
    first = op.mint("web-app", "alice", scope="openid orders:read")
    response = refresh(op, http, first["refresh_token"])
    assert response.status_code == 200
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert jti(second["access_token"]) != jti(first["access_token"])
    assert second["scope"] == "openid orders:read"
    assert response.headers["Cache-Control"] == "no-store"


def test_d1_a_rotated_out_refresh_token_used_again_revokes_the_whole_grant(op, http):
    first = op.mint("web-app", "alice", scope="orders:read")
    second = refresh(op, http, first["refresh_token"]).json()
    replay = refresh(op, http, first["refresh_token"])  # the attacker's stolen copy
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    now = op.clock.timestamp()
    assert op.store.tokens.access_active(jti(second["access_token"]), now) is None  # the legitimate successor dies too
    assert op.store.tokens.access_active(jti(first["access_token"]), now) is None
    assert refresh(op, http, second["refresh_token"]).json()["error"] == "invalid_grant"


def test_d1_the_reuse_answer_does_not_call_every_reuse_a_theft_and_names_the_grant_revocation_as_a_choice(op, http):
    first = op.mint("web-app", "alice", scope="orders:read")
    refresh(op, http, first["refresh_token"])
    description = refresh(op, http, first["refresh_token"]).json()["error_description"]
    assert "already used" in description
    assert "means it was copied" not in description  # a client that lost the response resends it too
    assert "cannot tell which party" in description  # RFC 9700 section 4.14.2
    assert "tokenlab's provider chooses" in description and "whole grant" in description  # the RFC asks less


def test_d1_two_concurrent_refreshes_never_leave_two_live_successors(op):
    import requests

    for _ in range(5):
        tokens = op.mint("web-app", "alice", scope="orders:read")
        barrier = threading.Barrier(6)
        results = []

        def race(tokens=tokens, barrier=barrier, results=results):
            with requests.Session() as session:
                barrier.wait()
                results.append(refresh(op, session, tokens["refresh_token"]))

        threads = [threading.Thread(target=race) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [r.json() for r in results if r.status_code == 200]
        assert len(winners) <= 1
        now = op.clock.timestamp()
        live = [w for w in winners if op.store.tokens.access_active(jti(w["access_token"]), now)]
        assert live == []  # the losers' reuse revoked the grant, the winner's tokens included


def test_d2_refresh_asking_for_a_wider_scope_is_invalid_scope(op, http):
    tokens = op.mint("web-app", "alice", scope="orders:read")
    response = refresh(op, http, tokens["refresh_token"], scope="orders:read orders:write")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_d2_refresh_asking_for_a_narrower_scope_is_fine_and_can_widen_back_to_the_grant(op, http):
    tokens = op.mint("web-app", "alice", scope="openid orders:read")
    narrow = refresh(op, http, tokens["refresh_token"], scope="orders:read").json()
    assert narrow["scope"] == "orders:read"
    assert "id_token" not in narrow
    back = refresh(op, http, narrow["refresh_token"], scope="openid orders:read").json()
    assert back["scope"] == "openid orders:read"


def test_d3_another_clients_refresh_token_is_invalid_grant(op, http):
    tokens = op.mint("notebook-app", "alice", scope="orders:read")
    response = refresh(op, http, tokens["refresh_token"], auth=WEB)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(("hours", "why"), [(1.01, "idle"), (8.01, "absolute")])
def test_d3_an_expired_refresh_token_is_invalid_grant(op, http, hours, why):
    tokens = op.mint("web-app", "alice", scope="orders:read")
    if why == "absolute":  # keep it in use so only the absolute lifetime can end it
        for _ in range(8):
            op.clock.advance(minutes=59)
            tokens = refresh(op, http, tokens["refresh_token"]).json()
        op.clock.advance(minutes=30)
    else:
        op.clock.advance(hours=hours)
    response = refresh(op, http, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "expired" in response.json()["error_description"]


def test_a_public_client_refreshes_with_its_client_id_alone(op, http):
    tokens = op.mint("notebook-app", "alice", scope="orders:read")
    response = http.post(
        op.url("/token"),
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": "notebook-app"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("auth", "extra", "error"),
    [
        (WEB, {"scope": "orders:read orders:write"}, "invalid_scope"),
        (("intranet-app", "intranet-app-secret-5e1b9d7c3a2f8064"), {}, "invalid_grant"),
    ],
    ids=["too-wide-a-scope", "another-client"],
)
def test_a_refused_refresh_leaves_the_token_as_it_was(op, http, auth, extra, error):
    """RFC 6749 §5.2: an error answer changes nothing, so the client's next, correct refresh is not taken for reuse."""
    tokens = op.mint("web-app", "alice", scope="orders:read")
    assert refresh(op, http, tokens["refresh_token"], auth=auth, **extra).json()["error"] == error
    retry = refresh(op, http, tokens["refresh_token"])
    assert retry.status_code == 200
    assert "replay_detected" not in [e.kind for e in op.events]


def test_a_token_of_a_revoked_grant_is_refused_as_revoked_not_as_reuse(op, http):
    tokens = op.mint("web-app", "alice", scope="orders:read")
    http.post(op.url("/revoke"), data={"token": tokens["refresh_token"]}, auth=WEB)
    answer = refresh(op, http, tokens["refresh_token"]).json()
    assert answer["error"] == "invalid_grant" and "revoked" in answer["error_description"]
    assert "replay_detected" not in [e.kind for e in op.events]


def test_a_narrowed_refresh_keeps_the_new_refresh_tokens_scope_identical(op, http):
    """RFC 6749 §6: the new refresh token's scope MUST be identical to the one presented."""
    tokens = op.mint("web-app", "alice", scope="openid orders:read")
    narrow = refresh(op, http, tokens["refresh_token"], scope="orders:read").json()
    assert narrow["scope"] == "orders:read"
    introspected = http.post(op.url("/introspect"), data={"token": narrow["refresh_token"]}, auth=WEB).json()
    assert introspected["scope"] == "openid orders:read"
