"""Many real HTTP clients issuing, refreshing, revoking and introspecting at once (issue 4, SECURITY.md H4).

Every jti is unique, no revoked token ever answers active, revoking during a refresh leaves no live token of
that grant, and nothing deadlocks. The workers are bounded in count and time and talk only to 127.0.0.1.
"""

import random
import threading

import requests

from tokenlab import decode_unverified

from .conftest import WEB


def test_issue_refresh_revoke_and_introspect_at_once_keep_every_invariant(op):
    seeds = [op.mint("web-app", "alice", scope="orders:read") for _ in range(6)]
    issued: list[str] = []
    revoked_refresh: list[str] = []
    violations: list[str] = []
    lock = threading.Lock()

    def introspect(session, token):
        return session.post(op.url("/introspect"), data={"token": token}, auth=WEB, timeout=10).json()

    def worker(number: int) -> None:
        rng = random.Random(number)
        tokens = dict(seeds[number % len(seeds)])
        with requests.Session() as session:
            for _ in range(12):
                action = rng.choice(["refresh", "refresh", "revoke", "introspect", "client_credentials"])
                if action == "refresh":
                    answer = session.post(
                        op.url("/token"),
                        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
                        auth=WEB,
                        timeout=10,
                    )
                    if answer.status_code == 200:
                        tokens = answer.json()
                        with lock:
                            issued.append(tokens["access_token"])
                elif action == "revoke":
                    session.post(op.url("/revoke"), data={"token": tokens["refresh_token"]}, auth=WEB, timeout=10)
                    with lock:
                        revoked_refresh.append(tokens["refresh_token"])
                    if introspect(session, tokens["refresh_token"]) != {"active": False}:
                        with lock:
                            violations.append("a revoked refresh token answered active")
                elif action == "introspect":
                    introspect(session, tokens["access_token"])
                else:
                    answer = session.post(
                        op.url("/token"),
                        data={"grant_type": "client_credentials"},
                        auth=("reporting-service", "reporting-secret-3c9e7a1f5d2b8046"),
                        timeout=10,
                    )
                    with lock:
                        issued.append(answer.json()["access_token"])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "deadlock: a worker never finished"
    assert violations == []

    jtis = [decode_unverified(token).claims["jti"] for token in issued]
    assert len(jtis) == len(set(jtis)) and len(jtis) > 20

    # After the dust settles: every grant whose refresh token was revoked has no live token at all.
    now = op.clock.timestamp()
    store = op.store
    dead_grants = {g.grant_id for g in store.tokens.all_grants() if g.revoked}
    assert dead_grants, "the workers revoked nothing: the test did not exercise revocation"
    for record in store.tokens.all_access():
        if record.grant_id in dead_grants:
            assert store.tokens.access_active(record.jti, now) is None
    with requests.Session() as session:
        for token in revoked_refresh:
            assert introspect(session, token) == {"active": False}
        for token in issued:
            claims = decode_unverified(token).claims
            active = introspect(session, token)["active"]
            grant = store.tokens.access_record(claims["jti"]).grant_id
            if grant in dead_grants:
                assert active is False


def test_revoking_during_a_refresh_leaves_no_live_token_of_that_grant(op):
    for round_number in range(10):
        tokens = op.mint("web-app", "alice", scope="orders:read")
        barrier = threading.Barrier(2)
        results = {}

        def do_refresh(tokens=tokens, barrier=barrier, results=results):
            with requests.Session() as session:
                barrier.wait()
                results["refresh"] = session.post(
                    op.url("/token"),
                    data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
                    auth=WEB,
                    timeout=10,
                )

        def do_revoke(tokens=tokens, barrier=barrier):
            with requests.Session() as session:
                barrier.wait()
                session.post(op.url("/revoke"), data={"token": tokens["refresh_token"]}, auth=WEB, timeout=10)

        threads = [threading.Thread(target=do_refresh), threading.Thread(target=do_revoke)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        now = op.clock.timestamp()
        grant_id = next(
            r.grant_id
            for r in op.store.tokens.all_access()
            if r.jti == decode_unverified(tokens["access_token"]).claims["jti"]
        )
        live = [
            r
            for r in op.store.tokens.all_access()
            if r.grant_id == grant_id and op.store.tokens.access_active(r.jti, now)
        ]
        assert live == [], f"round {round_number}: a token of the revoked grant is still live"
        if results["refresh"].status_code == 200:
            fresh = results["refresh"].json()
            with requests.Session() as session:
                answer = session.post(
                    op.url("/introspect"), data={"token": fresh["refresh_token"]}, auth=WEB, timeout=10
                ).json()
            assert answer == {"active": False}
