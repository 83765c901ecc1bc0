"""The client verbs speak real HTTP to a real MockProvider and turn error responses into tokenlab's OAuth errors."""

import pytest
import requests

from tokenlab import client
from tokenlab.errors import InvalidClientError, InvalidGrantError, InvalidScopeError, OAuthError
from tokenlab.provider import MockProvider
from tokenlab.provider.config import ClientConfig, ProviderConfig

MACHINE = {"client_id": "reporting-service", "client_secret": "reporting-secret-3c9e7a1f5d2b8046"}


@pytest.fixture
def op():
    with MockProvider() as provider:
        yield provider


def test_discover_reads_the_metadata_and_checks_the_issuer(op):
    meta = client.discover(op.issuer + "/")
    assert meta["issuer"] == op.issuer
    assert meta["token_endpoint"] == op.url("/token")


def test_discover_refuses_metadata_whose_issuer_differs_from_where_it_came_from():
    with MockProvider(issuer="http://127.0.0.1:1") as op, pytest.raises(OAuthError, match=r"OIDC Discovery §4\.3"):
        client.discover(f"http://127.0.0.1:{op.port}")


def test_fetch_token_with_client_credentials_over_one_keep_alive_session(op):
    meta = client.discover(op.issuer)
    with requests.Session() as session:
        tokens = [client.fetch_token(meta, **MACHINE, session=session) for _ in range(3)]
    assert all(t["token_type"] == "Bearer" for t in tokens)
    assert len({t["access_token"] for t in tokens}) == 3


def test_error_responses_become_the_matching_oauth_error_with_its_wire_code(op):
    meta = client.discover(op.issuer)
    with pytest.raises(InvalidClientError) as wrong_secret:
        client.fetch_token(meta, client_id="reporting-service", client_secret="wrong")
    assert wrong_secret.value.error == "invalid_client"
    assert wrong_secret.value.status_code == 401
    with pytest.raises(InvalidScopeError):
        client.fetch_token(meta, **MACHINE, scope="admin")


def test_a_code_no_rfc_defines_is_the_root_class_keeping_the_code_and_status(op):
    answer = requests.get(op.url("/nowhere"), timeout=10)
    with pytest.raises(OAuthError) as caught:
        client._json(answer)
    assert type(caught.value) is OAuthError
    assert (caught.value.error, caught.value.status_code) == ("not_found", 404)


def test_refresh_returns_a_rotated_token_and_the_old_one_then_fails(op):
    meta = client.discover(op.issuer)
    first = op.mint("notebook-app", "alice", scope="orders:read")
    second = client.refresh(meta, first["refresh_token"], client_id="notebook-app")
    assert second["refresh_token"] != first["refresh_token"]
    with pytest.raises(InvalidGrantError, match="already used"):
        client.refresh(meta, first["refresh_token"], client_id="notebook-app")


def test_pkce_pair_follows_rfc7636_appendix_b():
    pair = client.PKCE.make("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    assert pair.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert pair.method == "S256"
    fresh = client.PKCE.make()
    assert 43 <= len(fresh.verifier) <= 128 and len(fresh.challenge) == 43


def test_every_request_the_client_makes_reaches_the_provider_with_a_fixed_version_free_user_agent(op):
    meta = client.discover(op.issuer)
    token = client.fetch_token(meta, **MACHINE)
    client.call_api(op.url("/api/reports"), token["access_token"])
    with client.new_session() as session:
        client.call_api(op.url("/api/reports"), token["access_token"], session=session)
    seen = [exchange.request_header("User-Agent") for exchange in op.exchanges]  # as it crossed the socket
    assert seen == ["tokenlab-course"] * 4
    assert not any(ch.isdigit() for ch in client.USER_AGENT)


def test_what_the_client_sends_does_not_depend_on_the_installed_requests_or_its_optional_packages(op, monkeypatch):
    monkeypatch.setattr(requests.utils, "default_user_agent", lambda: "python-requests/99.1")
    monkeypatch.setattr(requests.utils, "DEFAULT_ACCEPT_ENCODING", "gzip, deflate, br, zstd")
    client.discover(op.issuer)
    sent = op.exchanges[-1]
    assert sent.request_header("User-Agent") == "tokenlab-course"
    assert sent.request_header("Accept-Encoding") == "gzip, deflate"


def test_a_learner_s_own_session_keeps_its_own_user_agent(op):
    with requests.Session() as session:
        session.headers["User-Agent"] = "my-app/1"
        client.discover(op.issuer, session=session)
    assert op.exchanges[-1].request_header("User-Agent") == "my-app/1"


def test_call_api_can_send_a_form_body(op):
    token = op.mint("web-app", "alice", scope="orders:read orders:write")
    answer = client.call_api(op.url("/api/orders"), token["access_token"], method="POST", data={"item": "Teapot"})
    assert answer.status_code == 201
    assert op.exchanges[-1].request_body == "item=Teapot"


def test_basic_credentials_are_form_urlencoded_first_so_any_registered_secret_works():
    odd = ClientConfig("odd client:1", "p@ss word+/:%é", ("client_credentials",), scope="reports:read")
    demo = ProviderConfig.demo()
    with MockProvider(config=demo.replace(clients=(*demo.clients, odd))) as op:
        tokens = client.fetch_token(
            client.discover(op.issuer), client_id="odd client:1", client_secret="p@ss word+/:%é"
        )
    assert tokens["token_type"] == "Bearer"
