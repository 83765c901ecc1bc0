"""MockProvider: real HTTP on 127.0.0.1, keep-alive, a recorder, and a clean stop (SECURITY.md H5)."""

import gc
import socket
import threading

import pytest
import requests

from tokenlab import Clock
from tokenlab.errors import UsageError
from tokenlab.provider import MockProvider, ProviderConfig

from .conftest import MACHINE


def test_provider_serves_discovery_on_loopback_with_its_own_issuer(op, http):
    response = http.get(op.url("/.well-known/openid-configuration"))
    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == op.issuer
    assert op.issuer.startswith("http://127.0.0.1:")
    assert document["token_endpoint"] == op.issuer + "/token"
    assert http.get(op.url("/.well-known/oauth-authorization-server")).json() == document


def test_h5_stop_releases_the_port_and_leaves_no_thread_behind():
    before = set(threading.enumerate())
    provider = MockProvider().start()
    port = provider.port
    with requests.Session() as session:  # an idle keep-alive connection stays open across stop()
        session.get(provider.url("/jwks.json")).raise_for_status()
        provider.stop()
        assert set(threading.enumerate()) == before
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # the port is free again
    assert not provider.running


HALF_SENT = {
    "headers": b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le",
    "body": b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 60\r\n\r\ngrant_type=client_",
}


@pytest.mark.parametrize("cut_in", HALF_SENT)
def test_h5_stop_with_a_client_stalled_mid_request_cuts_it_off_frees_the_port_and_joins_every_thread(cut_in):
    before = set(threading.enumerate())
    # A read timeout far longer than the wait below: a stop() that waited for the stalled client to time out (or to
    # finish its request) would still be waiting when the test gives up on it, however slow the machine.
    provider = MockProvider(ProviderConfig.demo(read_timeout=600.0)).start()
    port = provider.port
    with requests.Session() as session:
        session.get(provider.url("/jwks.json")).raise_for_status()  # the server's threads are all started
    with socket.create_connection(("127.0.0.1", port), timeout=60) as stalled:
        stalled.sendall(HALF_SENT[cut_in])  # and nothing more
        stopper = threading.Thread(target=provider.stop, name="test-stopper", daemon=True)
        stopper.start()
        stopper.join(timeout=30)
        assert not stopper.is_alive(), "stop() is still waiting for a client that stalled mid-request"
        stalled.settimeout(10)  # a guard against hanging on a mutant, not a measure: a cut-off socket reads at once
        try:
            answer = stalled.recv(65536)
        except ConnectionResetError:
            answer = b""  # cut off with a reset: for a client, the same as a close
        assert answer == b""  # cut off, unanswered
    assert set(threading.enumerate()) == before
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # the port is free again
    assert not provider.running


def test_an_issuer_override_is_what_discovery_advertises():
    with MockProvider(issuer="https://hub.example.org/user/ada/proxy/8000/") as op, requests.Session() as http:
        document = http.get(f"http://127.0.0.1:{op.port}/.well-known/openid-configuration").json()
    assert document["issuer"] == "https://hub.example.org/user/ada/proxy/8000"
    assert document["jwks_uri"] == "https://hub.example.org/user/ada/proxy/8000/jwks.json"


def test_info_lists_clients_users_and_resources_as_serve_json_does(op):
    info = op.info
    assert info["issuer"] == op.issuer
    public = [c for c in info["clients"] if c["client_secret"] is None]
    assert public and all(
        set(c) == {"client_id", "client_secret", "grant_types", "redirect_uris", "post_logout_redirect_uris", "scope"}
        for c in info["clients"]
    )
    assert any("urn:ietf:params:oauth:grant-type:device_code" in c["grant_types"] for c in info["clients"])
    assert len(info["users"]) >= 2
    for client in info["clients"]:
        assert any(r["scope"] in client["scope"].split() for r in info["resources"]), client["client_id"]


def test_every_exchange_is_recorded_in_order_with_the_client_secret_masked(op, http):
    http.get(op.url("/jwks.json"))
    http.post(op.url("/token"), data={"grant_type": "client_credentials"}, auth=MACHINE)
    http.post(
        op.url("/token"),
        data={"grant_type": "client_credentials", "client_id": MACHINE[0], "client_secret": MACHINE[1]},
    )
    exchanges = op.exchanges
    assert [e.number for e in exchanges] == [1, 2, 3]
    assert [e.path for e in exchanges] == ["/jwks.json", "/token", "/token"]
    assert exchanges[1].request_header("Authorization") == "Basic ••••••"
    assert "client_secret=••••••" in exchanges[2].request_body
    assert MACHINE[1] not in str(exchanges[1]) + str(exchanges[2])
    assert str(exchanges[1]).startswith("POST /token HTTP/1.1\n")
    assert "HTTP/1.1 200 OK" in str(exchanges[1])


def test_the_shared_clock_dates_the_tokens_and_the_exchanges():
    clock = Clock.frozen()
    with MockProvider(clock=clock) as op, requests.Session() as http:
        clock.advance(minutes=30)
        body = http.post(op.url("/token"), data={"grant_type": "client_credentials"}, auth=MACHINE).json()
    assert op.exchanges[-1].time == clock.timestamp()
    from tokenlab import decode_unverified

    claims = decode_unverified(body["access_token"], clock=clock).claims
    assert claims["iat"] == clock.timestamp()
    assert claims["exp"] == clock.timestamp() + 600


def test_mint_issues_tokens_without_http(op):
    body = op.mint("web-app", "alice", scope="openid orders:read")
    assert set(body) >= {"access_token", "refresh_token", "id_token", "token_type", "expires_in", "scope"}
    assert op.exchanges == []


def test_a_seeded_provider_on_a_fixed_port_issues_byte_identical_tokens_run_after_run():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    issued = []
    for _ in range(2):
        with MockProvider(port=port, seed=4) as op:
            issued.append(op.mint("web-app", "alice", scope="openid orders:read"))
    assert issued[0] == issued[1]
    with MockProvider(port=port) as op:
        assert op.mint("web-app", "alice", scope="openid orders:read") != issued[0]  # unseeded: fresh randomness


def test_starting_a_provider_with_the_name_of_a_running_one_replaces_it_and_other_names_run_beside_it():
    first = MockProvider(name="lesson 06").start()
    other = MockProvider(name="lesson 09").start()
    second = MockProvider(name="lesson 06").start()  # the lesson's first cell, run again
    try:
        assert not first.running
        assert second.running and other.running
        assert second.port != other.port
        assert "lesson 06" in repr(second)
    finally:
        for op in (first, second, other):
            op.stop()


def test_providers_without_a_name_never_replace_each_other():
    first = MockProvider().start()
    second = MockProvider().start()
    try:
        assert first.running and second.running
    finally:
        first.stop()
        second.stop()


def test_a_port_held_by_another_program_is_a_one_line_error_naming_it():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        with pytest.raises(OSError, match=rf"^\[Errno \d+\] cannot listen on 127\.0\.0\.1:{port}: "):
            MockProvider(port=port).start()


def test_a_named_provider_is_replaced_even_after_its_variable_was_dropped():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        ports = range(probe.getsockname()[1], probe.getsockname()[1] + 50)
    op = MockProvider(port=ports, name="dropped").start()
    first = op.port
    op = None  # the learner reuses the name `op`, or runs `del op`: nothing holds the provider any more
    gc.collect()
    op = MockProvider(port=ports, name="dropped").start()
    try:
        assert op.port == first, "the dropped provider still serves its port, and nothing can stop it by name"
    finally:
        op.stop()


def test_providers_of_one_name_started_at_once_leave_exactly_one_running():
    started: list[MockProvider] = []
    barrier = threading.Barrier(4)

    def start():
        barrier.wait()
        started.append(MockProvider(name="raced").start())

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert sum(op.running for op in started) == 1
    finally:
        for op in started:
            op.stop()


@pytest.mark.parametrize("port", [70000, -1, "8406", 8406.0, True, range(65530, 65540)])
def test_a_port_that_is_no_port_is_a_usage_error_saying_what_a_port_is(port):
    with pytest.raises(UsageError, match=r"a port is a whole number from 1 to 65535 \(0: any free port\), or a range"):
        MockProvider(port=port).start()


def test_an_empty_port_range_is_a_usage_error():
    with pytest.raises(UsageError, match="empty"):
        MockProvider(port=range(9000, 9000)).start()


def two_adjacent_listeners() -> tuple[socket.socket, socket.socket]:
    """Two sockets listening on ports N and N + 1 of 127.0.0.1 (the OS picks N; tried until N + 1 is free too)."""
    for _ in range(50):
        first, second = socket.socket(), socket.socket()
        first.bind(("127.0.0.1", 0))
        try:
            second.bind(("127.0.0.1", first.getsockname()[1] + 1))
        except OSError:
            first.close()
            second.close()
            continue
        first.listen(1)
        second.listen(1)
        return first, second
    raise AssertionError("no two adjacent free ports in 50 tries")


def test_a_range_with_every_port_taken_says_so_in_one_line():
    first, second = two_adjacent_listeners()
    with first, second:
        port = first.getsockname()[1]
        with pytest.raises(OSError, match=rf"every port from {port} to {port + 1} is in use$"):
            MockProvider(port=range(port, port + 2)).start()


def test_a_range_skips_the_ports_that_are_taken():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        with MockProvider(port=range(port, port + 20)) as op:
            assert port < op.port < port + 20


def test_clear_exchanges_forgets_the_record_and_numbers_go_on_counting(op, http):
    http.get(op.url("/.well-known/openid-configuration"))
    http.get(op.url("/jwks.json"))
    last = op.exchanges[-1].number
    op.clear_exchanges()
    assert op.exchanges == []
    http.get(op.url("/jwks.json"))
    assert [e.number for e in op.exchanges] == [last + 1]
