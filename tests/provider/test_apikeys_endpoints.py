"""API keys at the provider: created by a confidential client and shown once, stored as SHA-256, scoped, expiring,
rotated with an overlap, revoked; the demo API checks the checksum before any lookup."""

import hashlib
import re
import threading

import pytest
import requests

from tokenlab.apikeys import hash_api_key, is_valid_api_key, new_api_key
from tokenlab.provider import MockProvider

from .conftest import MACHINE, WEB

DAY = 24 * 3600


def create(op, http, auth=MACHINE, **data):
    data.setdefault("scope", "reports:read")
    return http.post(op.url("/keys"), data=data, auth=auth)


def new_key(op, http, auth=MACHINE, **data):
    answer = create(op, http, auth, **data)
    assert answer.status_code == 201, answer.text
    return answer.json()


def call(op, http, key, path="/key-api/reports", method="GET", **kwargs):
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    return http.request(method, op.url(path), headers={**headers, **kwargs.pop("headers", {})}, **kwargs)


def challenge(response):
    scheme, _, rest = response.headers["WWW-Authenticate"].partition(" ")
    return {"scheme": scheme, **dict(re.findall(r'(\w+)="([^"]*)"', rest))}


def typo(key):
    return key[:12] + ("a" if key[12] != "a" else "b") + key[13:]


# --- creating and listing ---------------------------------------------------------------------------


def test_a_confidential_client_creates_a_key_that_is_shown_once_and_never_cached(op, http):
    answer = create(op, http, name="nightly report")
    assert answer.status_code == 201
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.json()
    key = body["key"]
    assert is_valid_api_key(key) and key.startswith("tl_live_")
    assert body["key_id"].startswith("key_") and body["hint"] == f"tl_live_…{key[-4:]}"
    assert (body["name"], body["scope"], body["status"]) == ("nightly report", "reports:read", "active")
    assert body["expires_at"] - body["created_at"] == 90 * DAY
    assert "only time" in body["warning"]
    listed = http.get(op.url("/keys"), auth=MACHINE)
    one = http.get(op.url(f"/keys/{body['key_id']}"), auth=MACHINE)
    for later in (listed, one):
        assert later.status_code == 200
        assert key not in later.text and key[8:40] not in later.text
    assert listed.json()["keys"] == [one.json()]
    assert one.json()["hint"] == body["hint"]


def test_the_store_keeps_only_the_sha256_of_the_key(op, http):
    key = new_key(op, http)["key"]
    (record,) = op.store.api_keys.all()
    assert record.digest == hashlib.sha256(key.encode()).hexdigest()
    assert op.store.api_keys.digests() == {record.digest: record.key_id}
    everything = repr(vars(op.store))
    assert key not in everything and key[8:40] not in everything


def test_a_seeded_provider_issues_the_same_keys_every_run(clock, http):
    keys = []
    for _ in range(2):
        with MockProvider(clock=clock, seed=12) as provider:
            keys.append(new_key(provider, http)["key"])
    assert keys[0] == keys[1]


@pytest.mark.parametrize(
    "auth",
    [None, ("reporting-service", "wrong-secret"), ("nobody", "x")],
    ids=["no-credentials", "wrong-secret", "unknown-client"],
)
def test_managing_keys_needs_client_authentication(op, http, auth):
    for answer in (create(op, http, auth=auth), http.get(op.url("/keys"), auth=auth)):
        assert answer.status_code == 401
        assert answer.json()["error"] == "invalid_client"
        assert "WWW-Authenticate" in answer.headers


def test_a_public_client_cannot_own_keys(op, http):
    answer = http.post(op.url("/keys"), data={"client_id": "notebook-app", "scope": "orders:read"})
    assert answer.status_code == 401
    assert "public client" in answer.json()["error_description"]


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        ({"scope": ""}, "invalid_request", "least privilege"),
        ({"scope": "orders:read"}, "invalid_scope", "orders:read"),
        ({"kind": "pat"}, "invalid_request", "live or test"),
        ({"expires_in": "0"}, "invalid_request", "expires_in"),
        ({"expires_in": str(400 * DAY)}, "invalid_request", "expires_in"),
        ({"expires_in": "soon"}, "invalid_request", "expires_in"),
        ({"name": "x" * 61}, "invalid_request", "name"),
    ],
)
def test_a_key_request_outside_the_rules_is_refused(op, http, data, error, words):
    answer = create(op, http, **data)
    assert answer.status_code == 400
    assert answer.json()["error"] == error and words in answer.json()["error_description"]
    assert op.store.counts()["api_keys"] == 0


def test_a_client_sees_and_manages_only_its_own_keys(op, http):
    mine = new_key(op, http)
    theirs = new_key(op, http, auth=WEB, scope="orders:read")
    assert [k["key_id"] for k in http.get(op.url("/keys"), auth=MACHINE).json()["keys"]] == [mine["key_id"]]
    for answer in (
        http.get(op.url(f"/keys/{theirs['key_id']}"), auth=MACHINE),
        http.post(op.url(f"/keys/{theirs['key_id']}/revoke"), auth=MACHINE),
        http.post(op.url(f"/keys/{theirs['key_id']}/rotate"), auth=MACHINE),
        http.post(op.url("/keys/key_unknown/revoke"), auth=MACHINE),
    ):
        assert answer.status_code == 404
        assert answer.json()["error"] == "not_found"
    assert call(op, http, theirs["key"], "/key-api/orders").status_code == 200  # untouched


# --- using a key ------------------------------------------------------------------------------------


def test_a_key_with_the_scope_calls_the_api_and_its_last_use_is_recorded(op, http):
    created = new_key(op, http)
    op.clock.advance(minutes=5)
    answer = call(op, http, created["key"])
    assert answer.status_code == 200
    assert answer.json() == {
        "resource": "GET /key-api/reports",
        "allowed_by_scope": "reports:read",
        "key_id": created["key_id"],
        "owner": "reporting-service",
    }
    listed = http.get(op.url(f"/keys/{created['key_id']}"), auth=MACHINE).json()
    assert listed["last_used_at"] == created["created_at"] + 300


@pytest.fixture
def lookups(op, monkeypatch):
    """The digests the provider looks up in its store, in order: the store's own method, wrapped, still answers."""
    looked_up: list[str] = []
    real = op.store.api_keys.by_digest

    def counted(digest):
        looked_up.append(digest)
        return real(digest)

    monkeypatch.setattr(op.store.api_keys, "by_digest", counted)
    return looked_up


def test_a_mistyped_key_is_refused_by_its_checksum_before_any_lookup(op, http, lookups):
    key = new_key(op, http)["key"]
    call(op, http, key)
    assert lookups == [hash_api_key(key)]  # the seam sees the lookups the provider makes
    for bad in (typo(key), key[:-1], key + "x", "tl_live_" + "x" * 38, "ghp_" + "x" * 36, "not-a-key"):
        answer = call(op, http, bad)
        assert answer.status_code == 401
        assert challenge(answer)["error"] == "invalid_token"
        assert "not a valid API key" in answer.json()["error_description"]
    assert lookups == [hash_api_key(key)], "a key with a broken checksum reached the store"


def test_a_well_formed_key_never_issued_here_is_looked_up_once_by_its_hash_and_refused(op, http, lookups):
    stranger = new_api_key()
    answer = call(op, http, stranger)
    assert answer.status_code == 401
    assert "unknown" in answer.json()["error_description"]
    assert lookups == [hash_api_key(stranger)]


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({}, "Authorization: Bearer"),
        ({"X-API-Key": "tl_live_x"}, "not X-API-Key"),
        ({"Authorization": "Basic eDp5"}, ""),
    ],
)
def test_no_bearer_key_is_401_with_a_bare_challenge(op, http, headers, words):
    answer = http.get(op.url("/key-api/reports"), headers=headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="tokenlab"'
    assert words in answer.json()["message"]


def test_a_key_in_the_url_or_a_broken_header_is_400(op, http):
    key = new_key(op, http)["key"]
    in_url = http.get(op.url("/key-api/reports"), params={"api_key": key})
    assert in_url.status_code == 400 and "URL" in in_url.json()["error_description"]
    for header in ("Bearer", f"Bearer {key} {key}"):
        answer = http.get(op.url("/key-api/reports"), headers={"Authorization": header})
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"


def test_a_key_without_the_scope_is_403_insufficient_scope(op, http):
    key = new_key(op, http, auth=WEB, scope="orders:read")["key"]
    assert call(op, http, key, "/key-api/orders").status_code == 200
    answer = call(op, http, key, "/key-api/orders", method="POST")
    assert answer.status_code == 403
    assert challenge(answer) | {"error_description": ""} == {
        "scheme": "Bearer",
        "realm": "tokenlab",
        "error": "insufficient_scope",
        "error_description": "",
        "scope": "orders:write",
    }


def test_a_key_stops_working_when_it_expires(op, http):
    key = new_key(op, http, expires_in="3600")["key"]
    op.clock.advance(seconds=3599)
    assert call(op, http, key).status_code == 200
    op.clock.advance(seconds=1)
    answer = call(op, http, key)
    assert answer.status_code == 401 and "expired at 2026-01-05 10:00:00 UTC" in answer.json()["error_description"]
    listed = http.get(op.url("/keys"), auth=MACHINE).json()["keys"]
    assert listed[0]["status"] == "expired"


def test_unknown_apis_and_methods_answer_404_and_405_before_the_key_is_looked_at(op, http):
    assert call(op, http, "garbage", "/key-api/nothing").status_code == 404
    answer = call(op, http, "garbage", "/key-api/reports", method="POST")
    assert answer.status_code == 405 and answer.headers["Allow"] == "GET"


# --- revoking and rotating ---------------------------------------------------------------------------


def test_a_revoked_key_is_refused_at_once_and_revoking_again_changes_nothing(op, http):
    created = new_key(op, http)
    op.clock.advance(minutes=1)
    answer = http.post(op.url(f"/keys/{created['key_id']}/revoke"), auth=MACHINE)
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["revoked_at"]) == ("revoked", created["created_at"] + 60)
    refused = call(op, http, created["key"])
    assert refused.status_code == 401 and "revoked" in refused.json()["error_description"]
    op.clock.advance(minutes=1)
    again = http.post(op.url(f"/keys/{created['key_id']}/revoke"), auth=MACHINE).json()
    assert again["revoked_at"] == created["created_at"] + 60


def test_rotation_issues_a_new_key_and_the_old_one_works_until_the_overlap_ends(op, http):
    old = new_key(op, http, name="nightly")
    answer = http.post(op.url(f"/keys/{old['key_id']}/rotate"), data={"overlap": "3600"}, auth=MACHINE)
    assert answer.status_code == 201 and answer.headers["Cache-Control"] == "no-store"
    new = answer.json()
    assert is_valid_api_key(new["key"]) and new["key"] != old["key"]
    assert (new["name"], new["scope"], new["replaces"]) == ("nightly", "reports:read", old["key_id"])
    assert new["old_key_expires_at"] == old["created_at"] + 3600
    assert call(op, http, new["key"]).status_code == 200
    during = call(op, http, old["key"])
    assert during.status_code == 200 and "replaced by " + new["key_id"] in during.json()["notice"]
    op.clock.advance(seconds=3600)
    assert call(op, http, old["key"]).status_code == 401
    assert call(op, http, new["key"]).status_code == 200
    statuses = {
        k["key_id"]: (k["status"], k["replaced_by"]) for k in http.get(op.url("/keys"), auth=MACHINE).json()["keys"]
    }
    assert statuses == {old["key_id"]: ("expired", new["key_id"]), new["key_id"]: ("active", None)}


def test_rotation_with_no_overlap_ends_the_old_key_now_as_after_a_leak(op, http):
    old = new_key(op, http)
    http.post(op.url(f"/keys/{old['key_id']}/rotate"), data={"overlap": "0"}, auth=MACHINE).raise_for_status()
    assert call(op, http, old["key"]).status_code == 401


def test_rotation_never_extends_a_key_and_the_successor_gets_the_same_lifetime(op, http):
    old = new_key(op, http, expires_in="600")
    op.clock.advance(seconds=500)
    new = http.post(op.url(f"/keys/{old['key_id']}/rotate"), data={"overlap": str(DAY)}, auth=MACHINE).json()
    assert new["old_key_expires_at"] == old["expires_at"]
    assert new["expires_at"] == old["created_at"] + 500 + 600


def test_a_key_is_rotated_once_and_revoked_or_expired_keys_not_at_all(op, http):
    old = new_key(op, http)
    http.post(op.url(f"/keys/{old['key_id']}/rotate"), auth=MACHINE).raise_for_status()
    again = http.post(op.url(f"/keys/{old['key_id']}/rotate"), auth=MACHINE)
    assert again.status_code == 400 and "already rotated" in again.json()["error_description"]
    revoked = new_key(op, http)
    http.post(op.url(f"/keys/{revoked['key_id']}/revoke"), auth=MACHINE).raise_for_status()
    answer = http.post(op.url(f"/keys/{revoked['key_id']}/rotate"), auth=MACHINE)
    assert answer.status_code == 400 and "revoked" in answer.json()["error_description"]
    assert http.post(op.url(f"/keys/{old['key_id']}/rotate"), data={"overlap": "-5"}, auth=MACHINE).status_code == 400
    assert op.store.counts()["api_keys"] == 3


def test_two_concurrent_rotations_make_exactly_one_successor(op):
    old_id = requests.post(op.url("/keys"), data={"scope": "reports:read"}, auth=MACHINE, timeout=10).json()["key_id"]
    statuses = []
    barrier = threading.Barrier(8)

    def rotate():
        barrier.wait()
        statuses.append(requests.post(op.url(f"/keys/{old_id}/rotate"), auth=MACHINE, timeout=10).status_code)

    threads = [threading.Thread(target=rotate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [400] * 7
    assert op.store.counts()["api_keys"] == 2


def test_the_hash_lookup_uses_the_same_sha256_as_the_library(op, http):
    key = new_key(op, http)["key"]
    assert op.store.api_keys.by_digest(hash_api_key(key)).owner == "reporting-service"
