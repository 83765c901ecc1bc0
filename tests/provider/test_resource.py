"""The demo APIs as an RFC 6750 resource server: 401 without a token, 401 invalid_token, 403 insufficient_scope,
400 for URL or doubled tokens (SECURITY.md G1–G4)."""

import base64
import json
import re
from dataclasses import replace

import pytest

from tokenlab.keys import generate_key
from tokenlab.provider import MockProvider, ProviderConfig
from tokenlab.tokens import sign

from .conftest import MACHINE, WEB

HEADER_TEXT = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")  # RFC 6750 §3: what error_description may hold


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def challenge(response):
    """The WWW-Authenticate attributes as a dict, with the scheme under "scheme"."""
    value = response.headers["WWW-Authenticate"]
    scheme, _, rest = value.partition(" ")
    attributes = dict(re.findall(r'(\w+)="([^"]*)"', rest))
    return {"scheme": scheme, **attributes}


def claims_like(op, **changes):
    now = op.clock.timestamp()
    claims = {
        "iss": op.issuer,
        "sub": "user-alice",
        "aud": op.config.audience,
        "client_id": "web-app",
        "scope": "orders:read",
        "jti": "forged-jti",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(changes)
    return claims


def b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# --- happy paths ---------------------------------------------------------------------


def test_a_users_token_with_the_scope_lists_that_users_orders_and_says_which_scope_allowed_it(op, http):
    alice = op.mint("web-app", "alice", scope="orders:read")["access_token"]
    bob = op.mint("web-app", "bob", scope="orders:read")["access_token"]
    answer = http.get(op.url("/api/orders"), headers=bearer(alice))
    assert answer.status_code == 200
    assert answer.json() == {
        "resource": "GET /api/orders",
        "allowed_by_scope": "orders:read",
        "sub": "user-alice",
        "client_id": "web-app",
        "orders": [
            {"id": "order-1001", "item": "Tea set", "total": "24.00 EUR"},
            {"id": "order-1002", "item": "Pocket watch", "total": "89.50 EUR"},
        ],
    }
    assert [o["id"] for o in http.get(op.url("/api/orders"), headers=bearer(bob)).json()["orders"]] == ["order-2001"]


def test_placing_an_order_needs_orders_write_and_answers_201(op, http):
    token = op.mint("web-app", "alice", scope="orders:write")["access_token"]
    answer = http.post(op.url("/api/orders"), headers=bearer(token), data={"item": "Croquet mallet"})
    assert answer.status_code == 201
    assert answer.json()["order"] == {"item": "Croquet mallet", "status": "accepted"}
    assert answer.json()["allowed_by_scope"] == "orders:write"


def test_a_machine_token_reads_the_report_and_the_token_may_also_come_in_a_post_body(op, http):
    token = http.post(op.url("/token"), data={"grant_type": "client_credentials"}, auth=MACHINE).json()["access_token"]
    answer = http.get(op.url("/api/reports"), headers=bearer(token))
    assert answer.status_code == 200
    assert answer.json()["report"]["name"] == "sales"
    assert answer.json()["sub"] == "reporting-service"
    write = op.mint("web-app", "alice", scope="orders:write")["access_token"]
    in_body = http.post(op.url("/api/orders"), data={"access_token": write})  # RFC 6750 §2.2
    assert in_body.status_code == 201


def test_an_opaque_access_token_is_looked_up_in_the_store(clock, http):
    config = ProviderConfig.demo()
    clients = tuple(replace(c, access_token_format="opaque") for c in config.clients)
    with MockProvider(config.replace(clients=clients), clock=clock) as op:
        token = op.mint("web-app", "alice", scope="orders:read")["access_token"]
        assert token.count(".") == 0
        assert http.get(op.url("/api/orders"), headers=bearer(token)).status_code == 200
        clock.advance(seconds=600)
        expired = http.get(op.url("/api/orders"), headers=bearer(token))
        assert expired.status_code == 401
        assert challenge(expired)["error"] == "invalid_token"
        assert op.app.errors == []


def test_an_unknown_api_is_a_json_404_and_a_known_one_with_another_method_a_405(op, http):
    missing = http.get(op.url("/api/nothing-here"))
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    wrong = http.post(op.url("/api/reports"))
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "GET"


# --- G1–G4 ---------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"Authorization": f"Basic {base64.b64encode(b'web-app:x').decode()}"}])
def test_g1_no_bearer_token_is_401_with_a_bare_challenge_and_no_error_code(op, http, headers):
    answer = http.get(op.url("/api/orders"), headers=headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="tokenlab"'
    assert "error" not in answer.json()


def _expired(op, http):
    token = op.mint("web-app", "alice", scope="orders:read")["access_token"]
    op.clock.advance(seconds=600)
    return token


def _revoked(op, http):
    token = op.mint("web-app", "alice", scope="orders:read")["access_token"]
    assert http.post(op.url("/revoke"), data={"token": token}, auth=WEB).status_code == 200
    return token


def _tampered(op, http):
    header, _payload, signature = op.mint("web-app", "alice", scope="orders:read")["access_token"].split(".")
    return f"{header}.{b64(claims_like(op, scope='orders:read orders:write'))}.{signature}"


def _other_key(op, http):
    impostor = generate_key(op.app.signing_key.alg, kid=op.app.signing_key.kid)  # same kid, attacker's key
    return sign(claims_like(op), impostor, typ="at+jwt")


def _wrong_audience(op, http):
    return sign(claims_like(op, aud="another-api"), op.app.signing_key, typ="at+jwt")


def _id_token(op, http):
    return op.mint("web-app", "alice", scope="openid orders:read")["id_token"]


def _alg_none(op, http):
    return f"{b64({'alg': 'none', 'typ': 'at+jwt'})}.{b64(claims_like(op))}."


def _garbage(op, http):
    return "not-a-token"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(_expired, "expired", id="expired"),
        pytest.param(_revoked, "revoked", id="revoked"),
        pytest.param(_tampered, "signature", id="tampered"),
        pytest.param(_other_key, "signature", id="other_key"),
        pytest.param(_wrong_audience, "another-api", id="wrong_audience"),
        pytest.param(_id_token, "typ", id="id_token"),
        pytest.param(_alg_none, "alg", id="alg_none"),
        pytest.param(_garbage, "never issued", id="garbage"),
    ],
)
def test_g2_an_expired_revoked_badly_signed_wrong_audience_or_garbage_token_is_401_invalid_token(
    op, http, make, reason
):
    token = make(op, http)
    answer = http.get(op.url("/api/orders"), headers=bearer(token))
    assert answer.status_code == 401
    attributes = challenge(answer)
    assert attributes["scheme"] == "Bearer"
    assert attributes["realm"] == "tokenlab"
    assert attributes["error"] == "invalid_token"
    assert reason in attributes["error_description"]
    assert HEADER_TEXT.fullmatch(attributes["error_description"])
    assert answer.json()["error"] == "invalid_token"


def test_g3_a_valid_token_without_the_scope_is_403_insufficient_scope_naming_the_scope(op, http):
    reader = op.mint("web-app", "alice", scope="orders:read")["access_token"]
    answer = http.post(op.url("/api/orders"), headers=bearer(reader))
    assert answer.status_code == 403
    assert answer.headers["WWW-Authenticate"].startswith('Bearer realm="tokenlab", error="insufficient_scope", ')
    assert challenge(answer)["scope"] == "orders:write"
    assert answer.json()["scope"] == "orders:write"
    machine = http.post(op.url("/token"), data={"grant_type": "client_credentials"}, auth=MACHINE).json()
    assert challenge(http.get(op.url("/api/orders"), headers=bearer(machine["access_token"])))["scope"] == "orders:read"


def test_g4_a_token_in_the_query_string_or_sent_two_ways_is_400_invalid_request(op, http):
    token = op.mint("web-app", "alice", scope="orders:read orders:write")["access_token"]
    in_url = http.get(op.url("/api/orders"), params={"access_token": token})
    assert in_url.status_code == 400
    assert challenge(in_url)["error"] == "invalid_request"
    said = in_url.json()["error_description"]
    assert said.startswith("This API refuses")  # the server's choice (RFC 6750 §2.3: servers MAY support it)
    assert "RFC 9700 section 4.3.2" in said and HEADER_TEXT.fullmatch(said)
    in_url_too = http.get(op.url("/api/orders"), params={"access_token": token}, headers=bearer(token))
    assert in_url_too.status_code == 400  # refused even with a good header: the token has leaked into a URL
    twice = http.post(op.url("/api/orders"), headers=bearer(token), data={"access_token": token})
    assert twice.status_code == 400
    assert challenge(twice)["error"] == "invalid_request"
    assert "twice" in twice.json()["error_description"]


@pytest.mark.parametrize("value", ["Bearer", "Bearer a b", "Bearer ä", "Bearer abc, Bearer def"])
def test_a_malformed_bearer_header_is_400_invalid_request(op, http, value):
    answer = http.get(op.url("/api/orders"), headers={"Authorization": value.encode("utf-8")})
    assert answer.status_code == 400
    assert challenge(answer)["error"] == "invalid_request"


def test_a_token_in_the_body_of_a_get_is_refused(op, http):
    token = op.mint("web-app", "alice", scope="orders:read")["access_token"]
    answer = http.get(op.url("/api/orders"), data={"access_token": token})
    assert answer.status_code == 400  # RFC 6750 §2.2: "the GET method MUST NOT be used"
