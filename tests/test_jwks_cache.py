"""RemoteKeySet over real HTTP on 127.0.0.1: one fetch for many verifications, one refetch for a rotated key, no
refetch flood for made-up kids (a limit of tokenlab's own, SECURITY.md A6), max-age (RFC 9111 §5.2.2.1), clear fetch errors."""

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tokenlab import RemoteKeySet
from tokenlab.clock import Clock
from tokenlab.errors import (
    AlgorithmNotAllowedError,
    AudienceMismatchError,
    InvalidKeyError,
    IssuerMismatchError,
    TokenExpiredError,
    UnknownKeyError,
    UsageError,
    WrongTokenTypeError,
)
from tokenlab.jwks_cache import LONGEST_MAX_AGE, MAX_JWKS_BYTES
from tokenlab.keys import demo_key, demo_key_set
from tokenlab.provider import MockProvider
from tokenlab.tokens import decode_unverified, sign, verify

STRANGER = demo_key("RS256", generation=2)  # signs tokens under made-up kids: a key the issuer never published


# --- fixtures: the provider, and a tiny server whose answer a test chooses -------------------


@pytest.fixture
def clock() -> Clock:
    return Clock.frozen()


@pytest.fixture
def op(clock) -> Iterator[MockProvider]:
    with MockProvider(clock=clock) as provider:
        yield provider
        assert provider.app.errors == []


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


class _Reply(BaseHTTPRequestHandler):
    """Answers every GET with ``server.reply`` = (status, headers, body) and remembers the path."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.server.requests.append(self.path)
        status, headers, body = self.server.reply
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    """A loopback HTTP server serving the demo JWKS; tests change ``server.reply`` to answer otherwise."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Reply)
    srv.daemon_threads = True
    srv.requests = []
    srv.reply = (200, {"Content-Type": "application/json"}, json.dumps(demo_key_set().jwks()).encode())
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}/jwks.json"
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=5)


# --- helpers ---------------------------------------------------------------------------------


def remote(op, http, **options) -> RemoteKeySet:
    return RemoteKeySet(op.url("/jwks.json"), session=http, clock=op.clock, **options)


def in_use(op, http, **options) -> RemoteKeySet:
    """A verifier that fetched the keys for its first token a minute ago, so a refetch is allowed now."""
    keys = remote(op, http, **options)
    check(keys, op, orders_token(op))
    op.clock.advance(seconds=keys.min_refetch_interval)
    return keys


def orders_token(op) -> str:
    return op.mint("web-app", "alice", scope="orders:read")["access_token"]


def check(keys: RemoteKeySet, op, token):
    return keys.verify(token, algorithms=["RS256"], audience="demo-api", issuer=op.issuer, typ="at+jwt")


def jwks_requests(op) -> int:
    """How many times the provider was asked for its JWKS, counted from its own recording."""
    return sum(1 for exchange in op.exchanges if exchange.path == "/jwks.json")


def made_up_kid_token(op, kid) -> str:
    """A well-formed access token for this API under a kid the issuer never published."""
    now = op.clock.timestamp()
    claims = {"iss": op.issuer, "sub": "mallory", "aud": "demo-api", "iat": now, "exp": now + 600, "jti": kid}
    return sign(claims, STRANGER, typ="at+jwt", headers={"kid": kid})


def outcome(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except Exception as exc:
        return exc
    return None


# --- one fetch, many verifications -----------------------------------------------------------


def test_nothing_is_fetched_before_the_first_verification(op, http):
    keys = remote(op, http)
    assert keys.fetches == 0 and jwks_requests(op) == 0
    assert keys.fetched_at is None and keys.fresh_until is None
    assert "not fetched yet" in repr(keys)


def test_many_verifications_make_one_fetch(op, http):
    keys = remote(op, http)
    tokens = [orders_token(op) for _ in range(5)]
    for _ in range(4):
        for token in tokens:
            assert check(keys, op, token)["sub"] == "user-alice"
    assert keys.fetches == 1
    assert jwks_requests(op) == 1


def test_the_cached_key_set_holds_exactly_the_keys_the_issuer_publishes(op, http):
    keys = remote(op, http)
    assert [key.kid for key in keys.key_set()] == [key.kid for key in op.app.key_set()]
    assert keys.key_set() is keys.key_set()
    assert keys.fetched_at == op.clock.timestamp()
    assert op.app.signing_key.kid in repr(keys) and "1 fetch," in repr(keys)


def test_verify_returns_what_tokenlab_verify_returns_with_the_issuers_keys(op, http):
    token = orders_token(op)
    direct = verify(
        token, op.app.key_set(), algorithms=["RS256"], audience="demo-api", issuer=op.issuer, clock=op.clock
    )
    assert check(remote(op, http), op, token) == direct


def test_without_a_session_each_fetch_opens_and_closes_its_own_connection(op):
    keys = RemoteKeySet(op.url("/jwks.json"), clock=op.clock)
    assert check(keys, op, orders_token(op))["client_id"] == "web-app"
    assert keys.fetches == 1


def test_tokens_are_checked_on_the_same_clock_as_the_cache(op, http):
    keys = remote(op, http)
    token = orders_token(op)
    check(keys, op, token)
    op.clock.advance(seconds=600)  # web-app access tokens live 600 s
    with pytest.raises(TokenExpiredError):
        check(keys, op, token)


def test_issuer_audience_and_typ_are_still_checked(op, http):
    keys = remote(op, http)
    token = orders_token(op)
    for wrong, error in (
        ({"issuer": op.issuer + "/evil"}, IssuerMismatchError),
        ({"audience": "another-api"}, AudienceMismatchError),
        ({"typ": "JWT"}, WrongTokenTypeError),
    ):
        options = {"algorithms": ["RS256"], "audience": "demo-api", "issuer": op.issuer, **wrong}
        with pytest.raises(error):
            keys.verify(token, **options)
    assert keys.fetches == 1


@pytest.mark.parametrize("missing", ["issuer", "audience"])
def test_verify_insists_on_an_issuer_and_an_audience(op, http, missing):
    options = {"algorithms": ["RS256"], "audience": "demo-api", "issuer": op.issuer, missing: None}
    with pytest.raises(UsageError, match=missing):
        remote(op, http).verify(orders_token(op), **options)


# --- rotation: an unknown kid refetches, once --------------------------------------------------


def test_an_unknown_kid_after_a_rotation_makes_exactly_one_refetch_which_finds_the_new_key(op, http):
    keys = in_use(op, http)
    new_key = op.rotate_key()
    after = orders_token(op)
    assert decode_unverified(after).header["kid"] == new_key.kid
    assert check(keys, op, after)["sub"] == "user-alice"
    assert keys.fetches == 2 and jwks_requests(op) == 2
    for _ in range(5):
        check(keys, op, after)
    assert jwks_requests(op) == 2
    assert new_key.kid in {key.kid for key in keys.key_set()}


def test_during_the_overlap_tokens_signed_before_the_rotation_keep_verifying(op, http):
    keys = remote(op, http)
    before = orders_token(op)
    check(keys, op, before)
    op.clock.advance(seconds=60)
    op.rotate_key()
    check(keys, op, orders_token(op))  # the refetch: the cache now holds the new and the old key
    assert check(keys, op, before)["sub"] == "user-alice"
    assert jwks_requests(op) == 2


def test_a_second_unknown_kid_soon_after_is_refused_without_a_refetch(op, http):
    keys = in_use(op, http)
    op.rotate_key()
    check(keys, op, orders_token(op))  # refetch number one
    op.clock.advance(seconds=59)
    with pytest.raises(UnknownKeyError) as caught:
        check(keys, op, made_up_kid_token(op, "made-up-1"))
    assert keys.fetches == 2 and jwks_requests(op) == 2
    assert keys.throttled_refetches == 1
    assert caught.value.claim == "kid"
    assert "'made-up-1'" in str(caught.value)
    assert "not fetched again before 2026-01-05 09:02:00 UTC" in str(caught.value)
    assert UnknownKeyError.lesson in str(caught.value)


def test_a_key_rotated_in_right_after_a_fetch_is_refused_until_the_interval_has_passed(op, http):
    keys = remote(op, http)
    check(keys, op, orders_token(op))  # fetched now
    op.rotate_key()
    after = orders_token(op)
    op.clock.advance(seconds=59)
    with pytest.raises(UnknownKeyError, match="not fetched again before"):
        check(keys, op, after)  # the price of the bound: the new kid waits for the next allowed fetch
    assert jwks_requests(op) == 1
    op.clock.advance(seconds=1)
    assert check(keys, op, after)["sub"] == "user-alice"
    assert jwks_requests(op) == 2


def test_after_min_refetch_interval_an_unknown_kid_may_refetch_again(op, http):
    keys = in_use(op, http, min_refetch_interval=30)
    with pytest.raises(UnknownKeyError):
        check(keys, op, made_up_kid_token(op, "made-up-1"))  # the refetch of this interval
    assert jwks_requests(op) == 2
    op.clock.advance(seconds=29)
    with pytest.raises(UnknownKeyError):
        check(keys, op, made_up_kid_token(op, "made-up-2"))
    assert jwks_requests(op) == 2
    op.clock.advance(seconds=1)
    new_key = op.rotate_key()
    assert check(keys, op, orders_token(op))
    assert jwks_requests(op) == 3
    assert new_key.kid in {key.kid for key in keys.key_set()}


def test_an_unknown_kid_that_a_refetch_does_not_find_says_the_key_is_not_the_issuers(op, http):
    keys = in_use(op, http)
    with pytest.raises(UnknownKeyError) as caught:
        check(keys, op, made_up_kid_token(op, "made-up-1"))
    assert keys.fetches == 2
    assert "'made-up-1'" in str(caught.value)
    assert op.url("/jwks.json") in str(caught.value)
    assert "not (or no longer) a key of this issuer" in str(caught.value)


def test_a6_a_flood_of_made_up_kids_makes_at_most_one_jwks_request_per_interval(op, http):
    keys = in_use(op, http)
    flood = [made_up_kid_token(op, f"made-up-{n}") for n in range(200)]
    raised = [outcome(check, keys, op, token) for token in flood]
    assert all(type(err) is UnknownKeyError for err in raised)
    assert jwks_requests(op) == 2  # the first fetch, and one refetch for the whole flood
    assert keys.throttled_refetches == 199
    op.clock.advance(seconds=60)
    raised = [outcome(check, keys, op, token) for token in flood]
    assert all(type(err) is UnknownKeyError for err in raised)
    assert jwks_requests(op) == 3


def test_a6_a_throttled_refetch_calls_its_limit_tokenlabs_choice_and_cites_what_oidc_core_says(op, http):
    keys = in_use(op, http)
    check_outcome = [outcome(check, keys, op, made_up_kid_token(op, f"made-up-{n}")) for n in range(2)]
    message = check_outcome[-1].detail  # what RemoteKeySet says, before UnknownKeyError's general lesson
    assert "not fetched again before" in message
    assert "tokenlab's verifier chooses" in message
    assert "OIDC Core §10.1.1" in message
    assert "RFC 8725" not in message  # §3.10 is about kid injection and jku/x5u, not about how often to fetch


def test_a6_odd_kids_are_plain_lookup_misses_and_stay_bounded(op, http):
    keys = in_use(op, http)
    for kid in ("../../dev/null", "' OR '1'='1", "", "file:///etc/passwd", "http://127.0.0.1:1/jwks.json"):
        assert type(outcome(check, keys, op, made_up_kid_token(op, kid))) is UnknownKeyError
    assert jwks_requests(op) == 2


def test_concurrent_tokens_under_a_new_kid_make_one_refetch_between_them(op, http):
    keys = RemoteKeySet(op.url("/jwks.json"), clock=op.clock)  # each fetch on its own connection: thread-safe
    check(keys, op, orders_token(op))
    op.clock.advance(seconds=60)
    op.rotate_key()
    token = orders_token(op)
    results, start = [], threading.Barrier(8)

    def worker():
        start.wait()
        results.append(outcome(check, keys, op, token))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [None] * 8
    assert jwks_requests(op) == 2


def test_a_token_without_a_kid_is_no_reason_to_refetch(op, http):
    keys = remote(op, http)
    op.rotate_key()  # two keys published: a token without a kid cannot say which one it means
    check(keys, op, orders_token(op))
    no_kid = sign(decode_unverified(orders_token(op)).claims, op.app.signing_key, typ="at+jwt", headers={"kid": None})
    with pytest.raises(UnknownKeyError, match="no kid"):
        check(keys, op, no_kid)
    assert keys.fetches == 1


def test_an_algorithm_outside_the_allowlist_is_refused_before_any_refetch(op, http):
    keys = remote(op, http)
    check(keys, op, orders_token(op))
    claims = decode_unverified(orders_token(op)).claims
    token = sign(claims, demo_key("ES256"), typ="at+jwt", headers={"kid": "made-up"})
    with pytest.raises(AlgorithmNotAllowedError):
        check(keys, op, token)
    assert keys.fetches == 1


def test_a5_a_jku_in_the_token_is_never_followed(op, http, server):
    server.reply = (200, {"Content-Type": "application/json"}, json.dumps({"keys": [STRANGER.public_jwk()]}).encode())
    keys = in_use(op, http)
    now = op.clock.timestamp()
    forged = sign(
        {"iss": op.issuer, "sub": "admin", "aud": "demo-api", "iat": now, "exp": now + 600},
        STRANGER,
        typ="at+jwt",
        headers={"jku": server.url, "x5u": server.url},
    )
    with pytest.raises(UnknownKeyError):
        check(keys, op, forged)
    assert server.requests == []
    assert jwks_requests(op) == 2


# --- retirement, as a caching verifier sees it ---------------------------------------------------


def test_a_retired_keys_token_verifies_from_the_cache_until_the_copy_is_stale_then_fails(op, http):
    keys = remote(op, http)
    before = orders_token(op)
    check(keys, op, before)
    retired = op.app.signing_key.kid
    op.rotate_key()
    op.retire_old_keys()
    op.clock.advance(seconds=299)  # the provider's JWKS says max-age=300
    assert check(keys, op, before)["sub"] == "user-alice"  # the cached copy still holds the retired key
    op.clock.advance(seconds=1)
    with pytest.raises(UnknownKeyError) as caught:
        check(keys, op, before)
    assert repr(retired) in str(caught.value)
    assert "not in the issuer's key set" in str(caught.value)
    assert jwks_requests(op) == 2


# --- max-age ---------------------------------------------------------------------------------------


def test_the_cache_honours_the_providers_max_age_and_fetches_again_when_it_is_stale(op, http):
    keys = remote(op, http)
    token = orders_token(op)
    check(keys, op, token)
    assert keys.fresh_until - keys.fetched_at == 300  # Cache-Control: public, max-age=300
    op.clock.advance(seconds=299)
    check(keys, op, token)
    assert jwks_requests(op) == 1
    op.clock.advance(seconds=1)
    check(keys, op, token)
    assert jwks_requests(op) == 2
    assert keys.fetched_at == op.clock.timestamp()


@pytest.mark.parametrize(
    ("cache_control", "age", "lifetime"),
    [
        ("public, max-age=300", None, 300),
        ("max-age=120", None, 120),
        ("Max-Age=120", None, 120),  # directive names are case-insensitive (RFC 9111 §5.2)
        ('max-age="200"', None, 200),
        ("max-age=300", "200", 100),  # already 200 s old in some cache (RFC 9111 §4.2.3)
        (None, None, 180),  # no max-age: default_max_age
        ("public", None, 180),
        ("max-age=10", None, 60),  # never less than min_refetch_interval
        ("max-age=0", None, 60),
        ("no-cache", None, 60),
        ("no-store", None, 60),
        ("max-age=ten", None, 60),  # invalid: stale (RFC 9111 §4.2.1)
        ("max-age=600, max-age=900", None, 60),  # given twice: invalid, stale
        ("max-age=999999999", None, LONGEST_MAX_AGE),  # never more than a day
    ],
)
def test_how_long_a_copy_is_used_follows_cache_control_within_bounds(server, clock, cache_control, age, lifetime):
    _, headers, body = server.reply
    headers = {
        **headers,
        **({"Cache-Control": cache_control} if cache_control else {}),
        **({"Age": age} if age else {}),
    }
    server.reply = (200, headers, body)
    keys = RemoteKeySet(server.url, clock=clock, default_max_age=180)
    keys.key_set()
    assert keys.fresh_until - keys.fetched_at == lifetime


def test_a_max_age_of_zero_cannot_turn_every_verification_into_a_fetch(server, clock):
    server.reply = (200, {**server.reply[1], "Cache-Control": "no-cache"}, server.reply[2])
    keys = RemoteKeySet(server.url, clock=clock)
    token = sign({"sub": "alice", "aud": "api", "iss": "https://issuer", "exp": clock.timestamp() + 600}, demo_key())
    for _ in range(20):
        keys.verify(token, algorithms=["RS256"], audience="api", issuer="https://issuer")
        clock.advance(seconds=1)
    assert len(server.requests) == 1  # 20 s: within one min_refetch_interval
    clock.advance(seconds=40)
    keys.key_set()
    assert len(server.requests) == 2


# --- fetch failures: clear errors, and bounded retries ----------------------------------------------


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A loopback port that is bound but not listening: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/jwks.json"


def test_connection_refused_is_a_clear_invalid_key_error(refused_url, clock):
    with pytest.raises(InvalidKeyError, match=r"could not be fetched .*nothing answered there") as caught:
        RemoteKeySet(refused_url, clock=clock).key_set()
    assert type(caught.value) is InvalidKeyError
    assert refused_url in str(caught.value)


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        ((404, {"Content-Type": "application/json"}, b'{"error": "not_found"}'), "answered 404 Not Found"),
        ((500, {"Content-Type": "text/plain"}, b"oops"), "answered 500"),
        ((302, {"Location": "http://127.0.0.1:1/jwks.json"}, b""), "redirects are not followed"),
        ((200, {"Content-Type": "text/html"}, b"<html>a login page</html>"), "not JSON"),
        ((200, {"Content-Type": "application/json"}, b"\xff\xfe{}"), "not JSON"),
        ((200, {"Content-Type": "application/json"}, b'{"issuer": "x"}'), "did not answer with a JWK Set"),
        ((200, {"Content-Type": "application/json"}, b'{"keys": "none"}'), "did not answer with a JWK Set"),
        ((200, {"Content-Type": "application/json"}, b"[1, 2]"), "did not answer with a JWK Set"),
        ((200, {"Content-Type": "application/json"}, b" " * (MAX_JWKS_BYTES + 1)), "more than 256 KiB"),
    ],
    ids=["404", "500", "redirect", "html", "not-utf8", "metadata", "keys-not-a-list", "json-array", "too-big"],
)
def test_a_bad_answer_is_a_clear_invalid_key_error_never_a_raw_requests_or_json_error(server, clock, reply, says):
    server.reply = reply
    keys = RemoteKeySet(server.url, clock=clock)
    raised = outcome(keys.key_set)
    assert type(raised) is InvalidKeyError, repr(raised)
    assert says in str(raised)
    assert server.url in str(raised)
    assert len(server.requests) == 1


def test_the_providers_own_error_answers_are_fetch_errors_too(op, http):
    for path, says in (("/no-such-jwks.json", "answered 404"), ("/device", "not JSON")):
        with pytest.raises(InvalidKeyError, match=says):
            RemoteKeySet(op.url(path), session=http, clock=op.clock).key_set()


def test_after_a_failed_fetch_it_asks_again_only_after_the_interval(server, clock):
    good = server.reply
    server.reply = (503, {}, b"")
    keys = RemoteKeySet(server.url, clock=clock)
    token = sign({"sub": "alice", "aud": "api", "iss": "https://issuer", "exp": clock.timestamp() + 600}, demo_key())
    options = {"algorithms": ["RS256"], "audience": "api", "issuer": "https://issuer"}
    with pytest.raises(InvalidKeyError, match="answered 503"):
        keys.verify(token, **options)
    server.reply = good
    clock.advance(seconds=59)
    with pytest.raises(InvalidKeyError, match="Not asking again before 2026-01-05 09:01:00 UTC"):
        keys.verify(token, **options)
    assert len(server.requests) == 1 and keys.fetches == 1
    clock.advance(seconds=1)
    assert keys.verify(token, **options)["sub"] == "alice"
    assert len(server.requests) == 2


# --- what the constructor refuses ---------------------------------------------------------------


@pytest.mark.parametrize(
    "uri",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/jwks.json",
        "/jwks.json",
        "jwks.json",
        "http://",
        "https:///jwks.json",
        "",
        "http://[::1/jwks.json",
        None,
        42,
        b"http://127.0.0.1/jwks.json",
    ],
)
def test_only_an_absolute_http_or_https_url_is_accepted(uri):
    with pytest.raises(UsageError, match="http"):
        RemoteKeySet(uri)


@pytest.mark.parametrize(
    "options",
    [
        {"min_refetch_interval": 0},
        {"min_refetch_interval": -1},
        {"min_refetch_interval": float("nan")},
        {"default_max_age": -5},
        {"default_max_age": float("inf")},
        {"timeout": 0},
        {"timeout": True},
        {"min_refetch_interval": "60"},
    ],
)
def test_times_must_be_finite_seconds(options):
    with pytest.raises(UsageError, match="seconds"):
        RemoteKeySet("https://login.example.com/jwks.json", **options)
