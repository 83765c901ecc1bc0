"""The token endpoint: client authentication, grant types and caching (SECURITY.md C5–C7), client credentials."""

import base64

import pytest

from tokenlab import decode_unverified, verify

from .conftest import MACHINE, WEB


def test_client_credentials_issues_an_rfc9068_access_token_for_the_client_itself(op, http):
    response = http.post(op.url("/token"), data={"grant_type": "client_credentials"}, auth=MACHINE)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}  # no refresh token (RFC 6749 §4.4.3)
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600 and body["scope"] == "reports:read"
    claims = verify(
        body["access_token"],
        op.app.key_set(),
        algorithms=["RS256"],
        audience=op.config.audience,
        issuer=op.issuer,
        typ="at+jwt",
        clock=op.clock,
    )
    assert claims["sub"] == claims["client_id"] == MACHINE[0]
    assert set(claims) == {"iss", "sub", "aud", "client_id", "scope", "jti", "iat", "exp"}
    assert decode_unverified(body["access_token"]).header["typ"] == "at+jwt"


def test_client_secret_post_works_like_basic(op, http):
    data = {"grant_type": "client_credentials", "client_id": MACHINE[0], "client_secret": MACHINE[1]}
    assert http.post(op.url("/token"), data=data).status_code == 200


def test_basic_credentials_are_form_urlencoded_before_base64(op, http):
    # RFC 6749 §2.3.1: id and secret are encoded with application/x-www-form-urlencoded first
    raw = base64.b64encode(f"{MACHINE[0]}:{MACHINE[1]}".encode()).decode()
    response = http.post(
        op.url("/token"), data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {raw}"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "auth",
    [("reporting-service", "wrong"), ("reporting-service", ""), ("nobody", "x"), (WEB[0], MACHINE[1])],
    ids=["wrong-secret", "empty-secret", "unknown-client", "another-clients-secret"],
)
def test_c5_wrong_client_secret_via_basic_is_401_invalid_client_with_www_authenticate(op, http, auth):
    response = http.post(op.url("/token"), data={"grant_type": "client_credentials"}, auth=auth)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert response.headers["Cache-Control"] == "no-store"


def test_c5_no_client_authentication_at_all_is_invalid_client(op, http):
    response = http.post(op.url("/token"), data={"grant_type": "client_credentials"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_two_client_authentication_methods_at_once_are_refused(op, http):
    data = {"grant_type": "client_credentials", "client_secret": MACHINE[1]}
    response = http.post(op.url("/token"), data=data, auth=MACHINE)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("grant_type", ["password", "implicit", "urn:example:made-up", "CLIENT_CREDENTIALS"])
def test_c6_password_or_unknown_grant_type_is_unsupported_grant_type(op, http, grant_type):
    response = http.post(
        op.url("/token"), data={"grant_type": grant_type, "username": "alice", "password": "x"}, auth=MACHINE
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
    assert "password" not in response.text or "RFC 9700" in response.text


def test_a_client_may_only_use_its_registered_grants(op, http):
    response = http.post(op.url("/token"), data={"grant_type": "client_credentials"}, auth=WEB)
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


@pytest.mark.parametrize(
    "data",
    [
        {"grant_type": "client_credentials"},
        {"grant_type": "client_credentials", "scope": "admin"},
        {"grant_type": "nope"},
        {},
    ],
    ids=["success", "invalid-scope", "unsupported", "missing-grant-type"],
)
def test_c7_every_token_response_says_cache_control_no_store(op, http, data):
    response = http.post(op.url("/token"), data=data, auth=MACHINE)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    assert response.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("scope", ["admin", "reports:read admin", "reports:read\\", "reports:read  admin"])
def test_a_scope_beyond_the_clients_registration_or_malformed_is_invalid_scope(op, http, scope):
    response = http.post(op.url("/token"), data={"grant_type": "client_credentials", "scope": scope}, auth=MACHINE)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_an_empty_scope_parameter_counts_as_omitted_and_grants_the_registered_scope(op, http):
    response = http.post(op.url("/token"), data={"grant_type": "client_credentials", "scope": ""}, auth=MACHINE)
    assert response.status_code == 200  # RFC 6749 §3.1: parameters sent without a value are treated as omitted
    assert response.json()["scope"] == "reports:read"


def test_error_descriptions_on_the_wire_are_plain_ascii_without_quotes_as_rfc6749_requires(op, http):
    response = http.post(op.url("/token"), data={"grant_type": "password"}, auth=MACHINE)
    description = response.json()["error_description"]
    assert "section 2.4" in description
    assert all(0x20 <= ord(ch) <= 0x7E and ch not in '"\\' for ch in description)


def test_every_issued_jti_is_unique(op, http):
    jtis = {
        decode_unverified(
            http.post(op.url("/token"), data={"grant_type": "client_credentials"}, auth=MACHINE).json()["access_token"]
        ).claims["jti"]
        for _ in range(20)
    }
    assert len(jtis) == 20


def test_a_request_without_grant_type_is_invalid_request_citing_the_error_codes_not_the_code_grant(op, http):
    response = http.post(op.url("/token"), data={}, auth=MACHINE)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    assert "RFC 6749 section 5.2" in body["error_description"]
    assert "4.1.3" not in body["error_description"]  # grant_type is required in every grant, not only the code's
