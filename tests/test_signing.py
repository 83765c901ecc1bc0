"""tokenlab.signing: HMAC request signatures as RFC 9421 defines them, and their verifier."""

import hashlib
import hmac
import re
import threading
from base64 import b64encode
from collections.abc import Callable

import pytest
import requests

from tokenlab.clock import Clock
from tokenlab.errors import (
    DigestMismatchError,
    MalformedSignatureError,
    MissingSignatureError,
    ReplayedNonceError,
    SignatureMismatchError,
    SignatureRejectedError,
    StaleRequestError,
    TokenLabError,
    UnknownSigningKeyError,
    UsageError,
)
from tokenlab.signing import HMACAuth, SignatureInput, SignedRequestVerifier, canonical_request, sign_request

SECRET = b"shop-backend-secret-of-32-bytes-or-more"
OTHER_SECRET = b"warehouse-secret-also-32-bytes-or-more!"
URL = "http://127.0.0.1:8413/signed/orders?status=open&limit=2"
BODY = b'{"item": "Tea set", "quantity": 2}'
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def clock() -> Clock:
    return Clock.frozen()


@pytest.fixture
def verifier(clock: Clock) -> SignedRequestVerifier:
    return SignedRequestVerifier({"shop": SECRET, "warehouse": OTHER_SECRET}, clock=clock)


def signed(clock: Clock, nonce: str = "nonce-0001", *, url: str = URL, body: bytes = BODY, **kwargs) -> dict:
    """The request's headers with its signature added."""
    options = {"key_id": "shop", "secret": SECRET, "clock": clock, "nonce": nonce, **kwargs}
    return {**JSON, **sign_request("POST", url, JSON, body, **options)}


def test_a_signed_request_verifies_and_says_who_signed_it_when_and_over_what(clock, verifier):
    verified = verifier.verify("POST", URL, signed(clock), BODY)
    assert (verified.keyid, verified.created, verified.nonce, verified.label) == (
        "shop",
        1767603600,
        "nonce-0001",
        "sig1",
    )
    assert verified.covered == ("@method", "@authority", "@path", "@query", "content-digest", "content-type")
    assert verified.base == canonical_request("POST", URL, signed(clock))
    assert verified.as_dict()["alg"] == "hmac-sha256"


def test_the_signature_fields_follow_rfc_9421_sections_4_1_and_4_2(clock):
    headers = signed(clock)
    assert headers["Signature-Input"] == (
        'sig1=("@method" "@authority" "@path" "@query" "content-digest" "content-type");'
        'created=1767603600;keyid="shop";nonce="nonce-0001";alg="hmac-sha256"'
    )
    assert re.fullmatch(r"sig1=:[A-Za-z0-9+/]{43}=:", headers["Signature"])  # 32 bytes of HMAC-SHA256
    assert headers["Content-Digest"] == "sha-256=:Si+r3dyjqwtGJ3aRFFUJEuYpcuAHMl3i9s8WnykwlLs=:"


def test_a_request_without_a_body_covers_no_content_type_and_the_digest_of_nothing(clock, verifier):
    added = sign_request("GET", URL, {}, b"", key_id="shop", secret=SECRET, clock=clock, nonce="n")
    assert "content-type" not in added["Signature-Input"]
    assert added["Content-Digest"] == "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
    assert verifier.verify("GET", URL, added).keyid == "shop"


def test_without_a_given_nonce_each_signature_draws_128_random_bits(clock):
    nonces = {re.search(r'nonce="([^"]+)"', signed(clock, None)["Signature-Input"])[1] for _ in range(20)}
    assert len(nonces) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", nonce) for nonce in nonces)


def test_a_query_reordered_on_the_wire_fails_as_rfc_9421_signs_the_query_as_sent(clock, verifier):
    headers = signed(clock)
    reordered = "http://127.0.0.1:8413/signed/orders?limit=2&status=open"
    with pytest.raises(SignatureMismatchError):
        verifier.verify("POST", reordered, headers, BODY)
    with pytest.raises(SignatureMismatchError):
        verifier.verify("POST", URL.replace("limit=2", "limit=3"), headers, BODY)
    assert verifier.verify("POST", URL, headers, BODY).keyid == "shop"  # a refused copy did not use up the nonce


# --- each bad input has its own error --------------------------------------------


def _without(name: str) -> Callable[[dict], dict]:
    return lambda headers: {k: v for k, v in headers.items() if k != name}


def _with(name: str, value: str) -> Callable[[dict], dict]:
    return lambda headers: {**headers, name: value}


def _flip(headers: dict) -> dict:
    """The headers with one base64 character of the MAC changed."""
    signature = headers["Signature"]
    return {**headers, "Signature": signature[:8] + ("B" if signature[8] == "A" else "A") + signature[9:]}


BAD_REQUESTS = {
    # name: (method, url, change the headers, body, error, component)
    "no Signature": ("POST", URL, _without("Signature"), BODY, MissingSignatureError, "signature"),
    "no Signature-Input": ("POST", URL, _without("Signature-Input"), BODY, MissingSignatureError, "signature-input"),
    "a covered header removed": ("POST", URL, _without("Content-Type"), BODY, MissingSignatureError, "content-type"),
    "no Content-Digest field": ("POST", URL, _without("Content-Digest"), BODY, MissingSignatureError, "content-digest"),
    "Signature-Input is not a dictionary": (
        "POST", URL, _with("Signature-Input", "sig1 = nonsense"), BODY, MalformedSignatureError, "signature-input",
    ),
    "Signature is not a byte sequence": (
        "POST", URL, _with("Signature", 'sig1="abc"'), BODY, MalformedSignatureError, "signature",
    ),
    "a header changed": ("POST", URL, _with("Content-Type", "text/plain"), BODY, SignatureMismatchError, "signature"),
    "the body changed": ("POST", URL, dict, BODY.replace(b"2", b"20"), DigestMismatchError, "content-digest"),
    "the method changed": ("PUT", URL, dict, BODY, SignatureMismatchError, "signature"),
    "the path changed": ("POST", URL.replace("orders", "refunds"), dict, BODY, SignatureMismatchError, "signature"),
    "the query changed": ("POST", URL.replace("open", "shipped"), dict, BODY, SignatureMismatchError, "signature"),
    "the host changed": ("POST", URL.replace("8413", "8414"), dict, BODY, SignatureMismatchError, "signature"),
    "the MAC changed": ("POST", URL, _flip, BODY, SignatureMismatchError, "signature"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("method", "url", "change", "body", "error", "component"), BAD_REQUESTS.values(), ids=BAD_REQUESTS
)
def test_each_bad_request_is_refused_with_its_own_error(clock, verifier, method, url, change, body, error, component):
    with pytest.raises(error) as caught:
        verifier.verify(method, url, change(signed(clock)), body)
    assert caught.value.component == component
    assert isinstance(caught.value, SignatureRejectedError)


def by_hand(clock: Clock, headers: dict, covered: tuple, **params) -> dict:
    """Sign ``headers`` as they are, with the lower-level pieces: for fields ``sign_request`` would never write."""
    signature_input = SignatureInput(covered, {"created": clock.timestamp(), "keyid": "shop", "nonce": "n", **params})
    mac = hmac.new(SECRET, canonical_request("POST", URL, headers, signature_input), "sha256").digest()
    return {**headers, "Signature-Input": signature_input.header(), "Signature": f"sig1=:{b64encode(mac).decode()}:"}


@pytest.mark.parametrize(
    ("content_digest", "error"),
    [
        ("md5=:AAAA:", MalformedSignatureError),  # no algorithm this verifier knows
        ('sha-256="not bytes"', MalformedSignatureError),
        ("sha-256=:AAAA:", DigestMismatchError),
        (
            "sha-512=:AAAA:, sha-256=:Si+r3dyjqwtGJ3aRFFUJEuYpcuAHMl3i9s8WnykwlLs=:",
            DigestMismatchError,
        ),  # all must match
    ],
)
def test_a_signed_content_digest_must_name_a_known_algorithm_and_match_the_body(clock, verifier, content_digest, error):
    covered = ("@method", "@authority", "@path", "@query", "content-digest", "content-type")
    headers = by_hand(clock, {**JSON, "Content-Digest": content_digest}, covered)
    with pytest.raises(error) as caught:
        verifier.verify("POST", URL, headers, BODY)
    assert caught.value.component == "content-digest"


def test_a_sha_512_content_digest_is_accepted_too(clock, verifier):
    digest = "sha-512=:" + b64encode(hashlib.sha512(BODY).digest()).decode() + ":"
    covered = ("@method", "@authority", "@path", "@query", "content-digest", "content-type")
    assert verifier.verify("POST", URL, by_hand(clock, {**JSON, "Content-Digest": digest}, covered), BODY).nonce == "n"


def test_an_unknown_key_id_is_refused(clock, verifier):
    headers = signed(clock, key_id="intruder")
    with pytest.raises(UnknownSigningKeyError) as caught:
        verifier.verify("POST", URL, headers, BODY)
    assert "'intruder'" in str(caught.value) and caught.value.error == "unknown_key"


@pytest.mark.parametrize("key_id", ["../../etc/passwd", "https://attacker.example/key", "shop ", "SHOP"])
def test_a_key_id_is_only_ever_looked_up_by_exact_name(clock, verifier, key_id):
    with pytest.raises(UnknownSigningKeyError):
        verifier.verify("POST", URL, signed(clock, key_id=key_id), BODY)


def test_another_clients_secret_under_this_key_id_does_not_verify(clock, verifier):
    with pytest.raises(SignatureMismatchError):
        verifier.verify("POST", URL, signed(clock, secret=OTHER_SECRET), BODY)


@pytest.mark.parametrize(
    ("seconds", "accepted"), [(-301, False), (-300, True), (300, True), (301, False), (600, False)]
)
def test_a_signature_is_accepted_within_300_seconds_either_side_of_its_created_time(clock, verifier, seconds, accepted):
    headers = signed(clock)
    clock.advance(seconds=seconds)
    if accepted:
        assert verifier.verify("POST", URL, headers, BODY).created == 1767603600
        return
    with pytest.raises(StaleRequestError) as caught:
        verifier.verify("POST", URL, headers, BODY)
    assert caught.value.component == "created"
    assert ("before now" if seconds > 0 else "after now") in str(caught.value)


def test_a_signature_past_its_own_expires_time_is_stale(clock):
    verifier = SignedRequestVerifier({"shop": SECRET}, clock=clock, required=("@method",))
    headers = by_hand(clock, {}, ("@method",), expires=clock.timestamp() + 10)
    assert verifier.verify("POST", URL, headers).nonce == "n"
    clock.advance(seconds=10)
    with pytest.raises(StaleRequestError) as caught:
        verifier.verify("POST", URL, headers)
    assert caught.value.component == "expires"


def test_the_same_request_sent_twice_is_a_replayed_nonce(clock, verifier):
    headers = signed(clock)
    verifier.verify("POST", URL, headers, BODY)
    with pytest.raises(ReplayedNonceError) as caught:
        verifier.verify("POST", URL, headers, BODY)
    assert caught.value.component == "nonce" and caught.value.error == "replayed_nonce"


@pytest.mark.parametrize(
    ("later", "refused_as"),
    [(1, ReplayedNonceError), (299, ReplayedNonceError), (300, ReplayedNonceError), (301, StaleRequestError)],
)
def test_a_replay_is_refused_as_a_replay_for_as_long_as_the_request_is_fresh_then_as_stale(
    clock, verifier, later, refused_as
):
    headers = signed(clock)
    verifier.verify("POST", URL, headers, BODY)
    clock.advance(seconds=later)
    verifier.verify("POST", URL, signed(clock, "another-nonce"), BODY)  # traffic in between, which forgets old nonces
    with pytest.raises(refused_as) as caught:
        verifier.verify("POST", URL, headers, BODY)
    assert caught.value.component == ("nonce" if refused_as is ReplayedNonceError else "created")


def test_a_refused_request_does_not_use_up_its_nonce(clock, verifier):
    with pytest.raises(DigestMismatchError):
        verifier.verify("POST", URL, signed(clock), b"tampered")
    assert verifier.verify("POST", URL, signed(clock), BODY).nonce == "nonce-0001"


def test_nonces_belong_to_their_key(clock, verifier):
    verifier.verify("POST", URL, signed(clock), BODY)
    assert (
        verifier.verify("POST", URL, signed(clock, key_id="warehouse", secret=OTHER_SECRET), BODY).keyid == "warehouse"
    )


def test_nonces_are_forgotten_once_their_requests_would_be_stale_anyway(clock, verifier):
    for i in range(5):
        verifier.verify("POST", URL, signed(clock, f"n{i}"), BODY)
    assert len(verifier._seen) == 5
    clock.advance(seconds=301)
    verifier.verify("POST", URL, signed(clock, "later"), BODY)
    assert set(verifier._seen) == {("shop", "later")}


def test_a_full_nonce_cache_refuses_old_requests_rather_than_forget_a_replay(clock):
    verifier = SignedRequestVerifier({"shop": SECRET}, clock=clock, max_nonces=3)
    first = signed(clock, "n0")
    verifier.verify("POST", URL, first, BODY)
    clock.advance(seconds=1)
    for i in range(1, 4):
        verifier.verify("POST", URL, signed(clock, f"n{i}"), BODY)  # the 4th pushes "n0" out
    assert len(verifier._seen) == 3
    with pytest.raises(StaleRequestError, match="nonce cache is full"):
        verifier.verify("POST", URL, first, BODY)  # a replay of the forgotten nonce is still refused
    clock.advance(seconds=1)
    assert verifier.verify("POST", URL, signed(clock, "n4"), BODY).nonce == "n4"


def test_concurrent_copies_of_one_request_are_accepted_exactly_once(clock, verifier):
    headers = signed(clock)
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def send() -> None:
        barrier.wait()
        try:
            verifier.verify("POST", URL, headers, BODY)
            outcomes.append("accepted")
        except ReplayedNonceError:
            outcomes.append("replayed")

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["accepted"] + ["replayed"] * 7


ALL = '("@method" "@authority" "@path" "@query" "content-digest" "content-type")'


@pytest.mark.parametrize(
    ("params", "component"),
    [
        (';keyid="shop";nonce="n"', "created"),
        (';created=1767603600;nonce="n"', "keyid"),
        (';created=1767603600;keyid="shop"', "nonce"),
        (';created="1767603600";keyid="shop";nonce="n"', "created"),
        (';created=1767603600;keyid=shop;nonce="n"', "keyid"),  # a token, not a string
        (';created=1767603600;keyid="shop";nonce="n";alg="hmac-sha512"', "alg"),
    ],
)
def test_missing_or_mistyped_parameters_are_malformed(clock, verifier, params, component):
    headers = {**signed(clock), "Signature-Input": f"sig1={ALL}{params}"}
    with pytest.raises(MalformedSignatureError) as caught:
        verifier.verify("POST", URL, headers, BODY)
    assert caught.value.component == component


@pytest.mark.parametrize("left_out", ["@method", "@authority", "@path", "@query", "content-digest", "content-type"])
def test_a_signature_must_cover_what_the_api_requires(clock, verifier, left_out):
    covered = [
        c for c in ("@method", "@authority", "@path", "@query", "content-digest", "content-type") if c != left_out
    ]
    with pytest.raises(MissingSignatureError) as caught:
        verifier.verify("POST", URL, signed(clock, covered=covered), BODY)
    assert caught.value.component == left_out


def test_a_header_the_signature_does_not_cover_can_change_freely(clock, verifier):
    headers = {**signed(clock), "User-Agent": "something else", "X-Trace": "42"}
    assert verifier.verify("POST", URL, headers, BODY).keyid == "shop"


def test_a_verifier_can_require_its_own_choice_of_components_and_label(clock):
    verifier = SignedRequestVerifier({"shop": SECRET}, clock=clock, required=("@method", "x-order"), label="shop")
    headers = {**JSON, "X-Order": "3001"}
    added = sign_request(
        "POST", URL, headers, BODY, key_id="shop", secret=SECRET, clock=clock, nonce="n", label="shop",
        covered=("@method", "x-order", "content-type", "content-digest"),
    )  # fmt: skip
    assert verifier.verify("POST", URL, {**headers, **added}, BODY).label == "shop"
    with pytest.raises(MalformedSignatureError):
        verifier.verify("POST", URL, {**headers, **signed(clock, "n2")}, BODY)  # labelled sig1, not shop


def test_every_comparison_of_a_mac_or_digest_is_constant_time(clock, verifier, monkeypatch):
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    verifier.verify("POST", URL, signed(clock), BODY)
    assert len(compared) == 2
    (mac, given_mac), (digest, given_digest) = compared
    assert len(mac) == len(given_mac) == 32  # the MAC
    assert digest == given_digest == b"sha-256=:Si+r3dyjqwtGJ3aRFFUJEuYpcuAHMl3i9s8WnykwlLs=:"  # the body's digest
    compared.clear()
    with pytest.raises(DigestMismatchError):
        verifier.verify("POST", URL, signed(clock, "n2"), BODY + b" ")
    assert len(compared) == 3 and len(compared[-1][0]) == 32  # the MAC, the field, then the sha-256 digest itself


@pytest.mark.parametrize("secret", [b"short", "x" * 31, b""])
def test_secrets_shorter_than_32_bytes_are_refused_everywhere(clock, secret):
    with pytest.raises(UsageError, match="32 bytes"):
        sign_request("GET", URL, {}, b"", key_id="shop", secret=secret, clock=clock)
    with pytest.raises(UsageError, match="32 bytes"):
        SignedRequestVerifier({"shop": secret})
    with pytest.raises(UsageError, match="32 bytes"):
        HMACAuth("shop", secret)


def test_refusing_a_short_secret_is_named_as_tokenlabs_choice_not_as_rfc_2104s_rule(clock):
    # RFC 2104 §3 only "strongly discourages" keys shorter than the hash output; refusing them is tokenlab's policy
    with pytest.raises(UsageError) as caught:
        HMACAuth("shop", b"short")
    assert "tokenlab chooses to refuse" in str(caught.value)
    assert "strongly discourages" in str(caught.value)


def test_an_unexpected_alg_is_refused_citing_the_key_mixup_section_not_the_jws_algorithms_one(clock, verifier):
    # RFC 9421 §3.3.7 is about JOSE algorithms; §7.3.4 says the verifier decides which key and algorithm fit
    params = ';created=1767603600;keyid="shop";nonce="n";alg="hmac-sha512"'
    headers = {**signed(clock), "Signature-Input": f"sig1={ALL}{params}"}
    with pytest.raises(MalformedSignatureError) as caught:
        verifier.verify("POST", URL, headers, BODY)
    assert "RFC 9421 §7.3.4" in str(caught.value)
    assert "§3.3.7" not in str(caught.value)


def test_signing_a_header_the_request_does_not_have_is_a_usage_error(clock):
    with pytest.raises(UsageError, match="x-missing"):
        sign_request("GET", URL, {}, b"", key_id="shop", secret=SECRET, clock=clock, covered=("@method", "x-missing"))


def test_every_signature_error_has_a_wire_code_and_is_a_tokenlab_error(clock, verifier):
    with pytest.raises(TokenLabError) as caught:
        verifier.verify("POST", URL, {}, BODY)
    body = caught.value.as_dict()
    assert body["error"] == "missing_signature"
    assert body["error_description"] == "The request has no Signature-Input and no Signature field: it is not signed."
    assert all(text.isascii() for text in body.values())


# --- HMACAuth: signing what requests really sends -----------------------------------


@pytest.fixture
def prepare(clock) -> Callable[..., requests.PreparedRequest]:
    def prepare(method: str, url: str = URL, **kwargs) -> requests.PreparedRequest:
        auth = HMACAuth("shop", SECRET, clock=clock, nonces=["auth-1"])
        return requests.Request(method, url, auth=auth, **kwargs).prepare()

    return prepare


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("GET", {"params": {"q": "tea set", "page": "2"}}),
        ("POST", {"json": {"item": "Tea set", "quantity": 2}}),
        ("POST", {"data": {"item": "Tea set", "note": "fragile & urgent"}}),
        ("POST", {"data": b"\x00\xff raw bytes", "headers": {"Content-Type": "application/octet-stream"}}),
        ("DELETE", {}),
    ],
    ids=["query", "json", "form", "bytes", "no-body"],
)
def test_hmacauth_signs_exactly_the_url_headers_and_body_bytes_requests_sends(prepare, verifier, method, kwargs):
    request = prepare(method, **kwargs)
    assert isinstance(request.body, (bytes, type(None)))  # a str body was turned into the bytes that go out
    verified = verifier.verify(request.method, request.url, request.headers, request.body or b"")
    assert verified.nonce == "auth-1"
    assert ("content-type" in verified.covered) == ("Content-Type" in request.headers)


def test_hmacauth_uses_the_nonces_it_is_given_in_order_and_then_stops(clock):
    auth = HMACAuth("shop", SECRET, clock=clock, nonces=["a", "b"])
    inputs = [requests.Request("GET", URL, auth=auth).prepare().headers["Signature-Input"] for _ in range(2)]
    assert ['nonce="a"' in inputs[0], 'nonce="b"' in inputs[1]] == [True, True]
    with pytest.raises(UsageError, match="used up"):
        requests.Request("GET", URL, auth=auth).prepare()
    with pytest.raises(UsageError, match="not a single string"):
        HMACAuth("shop", SECRET, nonces="abc")


def test_hmacauth_refuses_a_body_it_cannot_read_before_sending(clock):
    auth = HMACAuth("shop", SECRET, clock=clock)
    with pytest.raises(UsageError, match="stream"):
        requests.Request("POST", URL, data=iter([b"chunk"]), auth=auth).prepare()


def test_hmacauth_never_shows_its_secret():
    assert SECRET.decode() not in repr(HMACAuth("shop", SECRET))
