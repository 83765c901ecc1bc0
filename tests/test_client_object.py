"""client.Client: the module verbs with the metadata, the credentials and one session filled in, over real HTTP."""

import pytest
import requests

from tokenlab import Clock, client
from tokenlab.errors import AuthorizationPendingError, InvalidClientError, InvalidGrantError, UsageError
from tokenlab.provider import MockProvider

MACHINE = ("reporting-service", "reporting-secret-3c9e7a1f5d2b8046")
WEB = ("web-app", "web-app-secret-8f2d4c1e9b7a6350")
WEB_CALLBACK = "http://127.0.0.1/web/callback"


@pytest.fixture
def op():
    with MockProvider(clock=Clock.frozen()) as provider:
        yield provider


class CountingSession(requests.Session):
    """A real session that counts how often it is closed."""

    closed = 0

    def close(self) -> None:
        self.closed += 1
        super().close()


def _paths(op) -> list[str]:
    return [exchange.path for exchange in op.exchanges]


def test_a_client_made_from_the_issuer_discovers_once_and_sends_every_call_over_its_session(op):
    with CountingSession() as mine:
        mine.headers["User-Agent"] = "my-app/1"
        app = client.Client(op.issuer, *MACHINE, session=mine)
        first, second = app.fetch_token(), app.fetch_token(scope="reports:read")
    assert first["access_token"] != second["access_token"]
    assert _paths(op) == ["/.well-known/openid-configuration", "/token", "/token"]
    assert [exchange.request_header("User-Agent") for exchange in op.exchanges] == ["my-app/1"] * 3
    assert app.metadata["issuer"] == op.issuer


def test_a_client_made_from_metadata_sends_no_discovery_request(op):
    meta = client.discover(op.issuer)
    op.clear_exchanges()
    with client.Client(meta, *MACHINE) as app:
        app.fetch_token()
    assert _paths(op) == ["/token"]


def test_a_whole_code_flow_with_pkce_refresh_introspection_and_revocation(op):
    with client.Client(op.issuer, *WEB) as app:
        pkce = client.PKCE.make()
        url = app.authorization_url(
            redirect_uri=WEB_CALLBACK, scope="openid orders:read offline_access", state="s", pkce=pkce
        )
        back = client.login_as(url, "alice", "wonderland")  # the user's browser, not the client's session
        tokens = app.exchange_code(back.code, redirect_uri=WEB_CALLBACK, pkce=pkce)
        assert app.call_api(op.url("/api/orders"), tokens["access_token"]).status_code == 200
        assert app.introspect(tokens["access_token"])["active"] is True
        rotated = app.refresh(tokens["refresh_token"])
        with pytest.raises(InvalidGrantError):
            app.refresh(tokens["refresh_token"])  # used once already
        app.revoke(rotated["refresh_token"], token_type_hint="refresh_token")
        assert app.introspect(rotated["access_token"])["active"] is False  # the grant went with it (RFC 7009 §2.1)
    assert back.state == "s"


def test_a_public_device_client_polls_gets_the_pending_class_and_then_its_tokens(op):
    with client.Client(op.issuer, "tv-app") as tv:
        codes = tv.start_device_flow(scope="orders:read")
        with pytest.raises(AuthorizationPendingError) as pending:
            tv.poll_device_token(codes["device_code"])
        assert pending.value.status_code == 400
        client.approve_device(codes["verification_uri_complete"], "alice", "wonderland")
        op.clock.advance(seconds=codes["interval"])
        tokens = tv.poll_device_token(codes["device_code"])
    assert tokens["scope"] == "orders:read"
    token_requests = [e for e in op.exchanges if e.path == "/token"]
    assert "Authorization" not in dict(token_requests[-1].request_headers)  # a public client sends no secret
    assert "client_id=tv-app" in token_requests[-1].request_body


def test_a_wrong_secret_is_the_invalid_client_error_with_its_401(op):
    with client.Client(op.issuer, "reporting-service", "wrong") as app, pytest.raises(InvalidClientError) as refused:
        app.fetch_token()
    assert refused.value.status_code == 401


def test_the_client_closes_the_session_it_made_but_not_one_it_was_lent(op, monkeypatch):
    made = CountingSession()
    monkeypatch.setattr(client, "new_session", lambda: made)
    with client.Client(op.issuer, *MACHINE) as own:
        own.fetch_token()
    assert own.session is made and made.closed == 1
    lent = CountingSession()
    with client.Client(op.issuer, *MACHINE, session=lent):
        pass
    assert lent.closed == 0
    lent.close()


def test_a_failed_discovery_closes_the_session_the_client_made(op, monkeypatch):
    made = CountingSession()
    monkeypatch.setattr(client, "new_session", lambda: made)
    with pytest.raises(requests.HTTPError):
        client.Client(op.url("/nowhere"), *MACHINE)
    assert made.closed == 1


def test_the_repr_names_the_client_and_the_issuer_but_never_the_secret(op):
    with client.Client(op.issuer, *WEB) as app:
        shown = repr(app)
    assert shown == f"<Client 'web-app' (confidential) at {op.issuer!r}>"
    assert WEB[1] not in shown


@pytest.mark.parametrize(
    ("provider", "client_id", "says"),
    [
        (None, "web-app", "takes the issuer URL .* not a NoneType"),
        (42, "web-app", "not a int"),
        ("http://127.0.0.1:1", "", "client_id is the client's registered id, a non-empty string, not ''"),
        ("http://127.0.0.1:1", None, "not None"),
    ],
)
def test_bad_arguments_get_a_sentence_not_a_traceback_from_requests(provider, client_id, says):
    with pytest.raises(UsageError, match=says):
        client.Client(provider, client_id)
