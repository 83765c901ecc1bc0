"""The signed demo API over real HTTP: what it accepts, and one test per bad input, each refused with its own code."""

import json

import pytest
import requests

from tokenlab.provider import MockProvider
from tokenlab.provider.signed_api import SIGNED_ORDERS
from tokenlab.signing import HMACAuth
from tokenlab.structured_fields import parse_dictionary

ORDER = {"item": "Tea set", "quantity": 2}


def keys(op: MockProvider) -> dict[str, str]:
    return dict(op.config.signing_keys)


@pytest.fixture
def auth(op: MockProvider) -> HMACAuth:
    """The shop back end's signer, on the provider's clock, with fresh random nonces."""
    return HMACAuth("shop-backend", keys(op)["shop-backend"], clock=op.clock)


def prepared(op: MockProvider, auth: HMACAuth, method: str = "POST", path: str = "/signed/orders", **kwargs):
    if method == "POST" and "data" not in kwargs:
        kwargs.setdefault("json", ORDER)
    return requests.Request(method, op.url(path), auth=auth, **kwargs).prepare()


def refused(response: requests.Response, error: str) -> dict:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error"] == error, body
    assert body["error_description"] and body["lesson"]
    assert response.headers["Cache-Control"] == "no-store"
    return body


# --- what it accepts -------------------------------------------------------------


def test_a_signed_order_is_accepted_with_what_the_api_verified(op, http, auth):
    response = http.send(prepared(op, auth))
    assert response.status_code == 201
    body = response.json()
    assert body["order"] == {**ORDER, "status": "accepted"}
    assert body["signed_by"] == "shop-backend"
    assert body["verified"]["created"] == op.clock.timestamp()
    assert body["verified"]["covered"] == ["@method", "@authority", "@path", "@query", "content-digest", "content-type"]


def test_a_signed_get_lists_the_orders_its_signed_query_asks_for(op, http, auth):
    response = http.get(op.url("/signed/orders"), params={"status": "open", "limit": "2"}, auth=auth)
    assert response.status_code == 200
    assert response.json()["orders"] == [o for o in SIGNED_ORDERS if o["status"] == "open"][:2]


def test_the_warehouse_key_works_too(op, http):
    auth = HMACAuth("warehouse", keys(op)["warehouse"], clock=op.clock)
    assert http.get(op.url("/signed/orders"), auth=auth).json()["signed_by"] == "warehouse"


def test_the_recorder_shows_the_signature_fields_of_each_request(op, http, auth):
    http.send(prepared(op, auth))
    exchange = op.exchanges[-1]
    assert exchange.request_header("Signature-Input").startswith('sig1=("@method" "@authority"')
    assert exchange.request_header("Signature").startswith("sig1=:")
    assert exchange.request_header("Content-Digest").startswith("sha-256=:")
    assert exchange.status == 201


def test_query_parameters_reordered_in_transit_are_refused_as_rfc_9421_signs_the_query_as_sent(op, http, auth):
    request = prepared(op, auth, "GET", "/signed/orders?status=open&limit=1")
    reordered = request.copy()
    reordered.url = op.url("/signed/orders?limit=1&status=open")  # a proxy that sorts parameters differently
    refused(http.send(reordered), "invalid_signature")
    assert http.send(request).status_code == 200


def test_the_nonce_cache_lives_as_long_as_the_provider_whatever_the_connection(op, auth):
    request = prepared(op, auth, "GET")
    with requests.Session() as first, requests.Session() as second:
        assert first.send(request).status_code == 200
        refused(second.send(request), "replayed_nonce")


def test_parameters_are_read_only_after_the_signature_is_verified(op, http, auth):
    request = prepared(op, auth, data=b"not json", headers={"Content-Type": "application/json"})
    response = http.send(request)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    repeated = http.get(op.url("/signed/orders?limit=1&limit=2"), auth=auth)
    assert repeated.status_code == 400 and "given 2 times" in repeated.json()["error_description"]


# --- each bad input, refused with its own error --------------------------------------


def test_stale_timestamp_is_rejected_with_stale_request(op, http, auth):
    request = prepared(op, auth)
    op.clock.advance(minutes=10)
    body = refused(http.send(request), "stale_request")
    assert "600 s before now" in body["error_description"]


def test_future_timestamp_is_rejected_with_stale_request(op, http, auth):
    request = prepared(op, auth)
    op.clock.advance(minutes=-6)
    refused(http.send(request), "stale_request")


def test_reused_nonce_is_rejected_with_replayed_nonce(op, http, auth):
    request = prepared(op, auth)
    assert http.send(request).status_code == 201
    refused(http.send(request), "replayed_nonce")


def test_changed_header_is_rejected_with_invalid_signature(op, http, auth):
    request = prepared(op, auth)
    request.headers["Content-Type"] = "text/plain"
    refused(http.send(request), "invalid_signature")


def test_changed_body_is_rejected_with_digest_mismatch(op, http, auth):
    request = prepared(op, auth)
    request.body = json.dumps({**ORDER, "quantity": 20}).encode()
    request.prepare_content_length(request.body)
    refused(http.send(request), "digest_mismatch")


def test_changed_query_is_rejected_with_invalid_signature(op, http, auth):
    request = prepared(op, auth, "GET", "/signed/orders?status=open")
    request.url = request.url.replace("open", "shipped")
    refused(http.send(request), "invalid_signature")


def test_changed_path_is_rejected_with_invalid_signature(op, http, auth):
    request = prepared(op, auth, "GET", "/signed/orders")
    request.url = request.url.replace("/signed/orders", "/signed/%6Frders")  # the same route, other bytes
    refused(http.send(request), "invalid_signature")


def test_changed_method_is_rejected_with_invalid_signature(op, http, auth):
    request = prepared(op, auth, "GET")
    request.method = "POST"
    refused(http.send(request), "invalid_signature")


def test_unknown_key_id_is_rejected_with_unknown_key(op, http):
    auth = HMACAuth("intruder", "a-secret-the-provider-has-never-seen-0123", clock=op.clock)
    body = refused(http.send(prepared(op, auth)), "unknown_key")
    assert "'intruder'" in body["error_description"]


def test_missing_header_is_rejected_with_missing_signature(op, http, auth):
    request = prepared(op, auth)
    del request.headers["Signature"]
    refused(http.send(request), "missing_signature")


def test_missing_covered_header_is_rejected_with_missing_signature(op, http, auth):
    request = prepared(op, auth)
    del request.headers["Content-Digest"]
    body = refused(http.send(request), "missing_signature")
    assert "content-digest" in body["error_description"]


def test_malformed_signature_input_is_rejected_with_malformed_signature(op, http, auth):
    request = prepared(op, auth)
    request.headers["Signature-Input"] = request.headers["Signature-Input"].replace('keyid="', "keyid=")
    refused(http.send(request), "malformed_signature")


def test_a_bearer_token_does_not_open_the_signed_api(op, http):
    token = op.mint("web-app", "alice", scope="orders:read")["access_token"]
    response = http.get(op.url("/signed/orders"), headers={"Authorization": f"Bearer {token}"})
    refused(response, "missing_signature")


def test_a_refusal_says_what_a_good_signature_covers(op, http):
    response = http.get(op.url("/signed/orders"))
    refused(response, "missing_signature")
    assert response.headers["Accept-Signature"] == (
        'sig1=("@method" "@authority" "@path" "@query" "content-digest");created;alg="hmac-sha256"'
    )
    assert response.headers["WWW-Authenticate"].startswith("Signature ")


def test_the_signature_request_asks_for_no_nonce_it_does_not_supply(op, http):
    # RFC 9421 §5.1: in Accept-Signature, nonce is the value the signer is to use; a bare nonce would ask for "true"
    requested = parse_dictionary(http.get(op.url("/signed/orders")).headers["Accept-Signature"])
    assert list(requested) == ["sig1"]
    for member in requested.values():
        assert "nonce" not in member.params or isinstance(member.params["nonce"], str)
        assert member.params["created"] is True  # "no associated value when sent as a signature request"


def test_other_methods_are_not_allowed(op, http, auth):
    assert http.delete(op.url("/signed/orders"), auth=auth).status_code == 405
