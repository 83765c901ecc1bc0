"""SECURITY.md section A: decoding and verifying tokens, one or more tests per case A1–A11.

Each forged token is made by hand (json, base64url, hmac) or with a key the
verifier does not trust; verify() must reject it with the error named in
SECURITY.md, whose str() carries the lesson and whose ``claim`` names the
claim at fault.
"""

import contextlib
import hashlib
import hmac
import json
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import serialization

from tokenlab.clock import Clock
from tokenlab.errors import (
    AlgorithmNotAllowedError,
    AudienceMismatchError,
    InvalidClaimError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidTokenError,
    IssuerMismatchError,
    KeyAlgorithmMismatchError,
    MissingClaimError,
    TokenExpiredError,
    TokenFormatError,
    TokenLabError,
    TokenNotYetValidError,
    UnknownKeyError,
    UnsupportedCriticalHeaderError,
    UsageError,
    WeakKeyError,
    WrongTokenTypeError,
)
from tokenlab.keys import DEMO_ALGORITHMS, KeySet, as_key, demo_key, demo_key_set, generate_key
from tokenlab.tokens import MAX_TOKEN_CHARS, WEAK_SECRETS, b64url_decode, b64url_encode, decode_unverified, sign, verify

NOW = 1767603600  # Clock.frozen(): 2026-01-05 09:00:00 UTC
ISSUER = "https://issuer.example"
CLAIMS = {"iss": ISSUER, "sub": "alice", "aud": "api", "iat": NOW, "exp": NOW + 300}


@pytest.fixture
def clock():
    return Clock.frozen()


def segment(value) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode())


def hmac_signed(header, claims, secret: bytes, digest=hashlib.sha256) -> str:
    """A token signed by hand, as an attacker would: tokenlab.sign refuses weak or public-key secrets."""
    signing_input = f"{segment(header)}.{segment(claims)}"
    return f"{signing_input}.{b64url_encode(hmac.new(secret, signing_input.encode(), digest).digest())}"


def key_signed(header, claims, key) -> str:
    """A validly signed token with any header at all."""
    signing_input = f"{segment(header)}.{segment(claims)}"
    return f"{signing_input}.{b64url_encode(key.sign_bytes(signing_input.encode()))}"


def rejected(excinfo, cls, claim=None):
    """The exact error class, its lesson in str(), and the claim it names."""
    err = excinfo.value
    assert type(err) is cls, f"{type(err).__name__}: {err}"
    assert cls.lesson in str(err)
    assert str(err).startswith(err.detail)
    assert err.claim == claim
    return err


# --- recording file and network access (A5, A6) ------------------------------------

_RECORDING = False
_EVENTS: list[tuple[str, tuple]] = []
_WATCHED = {"open", "os.listdir", "os.scandir", "socket.connect", "socket.getaddrinfo", "urllib.Request"}


def _audit(event: str, args: tuple) -> None:
    if _RECORDING and event in _WATCHED:
        _EVENTS.append((event, args))


sys.addaudithook(_audit)


@contextlib.contextmanager
def file_and_network_access():
    """Every file opened and every connection attempted in the block (from PEP 578 audit events)."""
    global _RECORDING
    _EVENTS.clear()
    _RECORDING = True
    try:
        yield _EVENTS
    finally:
        _RECORDING = False


def outcome(call, *args, **kwargs):
    """Call and return what it raised, so that no pytest machinery runs inside a recording."""
    try:
        call(*args, **kwargs)
    except Exception as exc:
        return exc
    return None


def test_the_access_recorder_sees_a_file_being_opened(tmp_path):
    (tmp_path / "kid").write_text("x")
    with file_and_network_access() as events:
        (tmp_path / "kid").read_text()
    assert [event for event, _ in events] == ["open"]


# --- A1: alg none ---------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
@pytest.mark.parametrize("signature", ["", "c2lnbmF0dXJl"], ids=["empty-signature", "junk-signature"])
def test_a1_alg_none_in_any_letter_case_is_rejected(alg, signature, clock):
    token = f"{segment({'alg': alg, 'typ': 'JWT'})}.{segment(CLAIMS)}.{signature}"
    for key in (demo_key("HS256"), demo_key("RS256"), demo_key_set()):
        with pytest.raises(AlgorithmNotAllowedError) as caught:
            verify(token, key, algorithms=["HS256", "RS256"], audience="api", clock=clock)
        rejected(caught, AlgorithmNotAllowedError, claim="alg")
        assert repr(alg) in str(caught.value)


@pytest.mark.parametrize("allowed", [["none"], ["RS256", "None"], ["NONE"], "nOnE"])
def test_a1_none_cannot_even_be_put_in_the_allowlist(allowed, clock):
    token = f"{segment({'alg': 'none'})}.{segment(CLAIMS)}."
    with pytest.raises(UsageError, match="'none' cannot be allowed"):
        verify(token, demo_key("RS256"), algorithms=allowed, audience="api", clock=clock)


@pytest.mark.parametrize("header", [{}, {"alg": None}, {"alg": ["RS256"]}, {"alg": ""}, {"alg": "rs256"}])
def test_a1_a_missing_or_odd_alg_is_not_in_the_allowlist(header, clock):
    token = f"{segment(header)}.{segment(CLAIMS)}.c2ln"
    with pytest.raises(AlgorithmNotAllowedError) as caught:
        verify(token, demo_key("RS256"), algorithms=["RS256"], audience="api", clock=clock)
    rejected(caught, AlgorithmNotAllowedError, claim="alg")


def test_a1_a_validly_signed_token_with_an_alg_the_caller_did_not_allow_is_rejected(clock):
    token = sign(CLAIMS, demo_key("ES256"))
    with pytest.raises(AlgorithmNotAllowedError) as caught:
        verify(token, demo_key_set(), algorithms=["RS256", "EdDSA"], audience="api", clock=clock)
    rejected(caught, AlgorithmNotAllowedError, claim="alg")


# --- A2: algorithm confusion -----------------------------------------------------------


def _rsa_public_forms() -> dict[str, tuple[bytes, object]]:
    """name -> (the bytes an attacker uses as HMAC secret, the key as the verifier holds it)."""
    public = demo_key("RS256").verifying
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    pem = public.public_bytes(serialization.Encoding.PEM, spki)
    pkcs1 = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    ssh = public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    der = public.public_bytes(serialization.Encoding.DER, spki)
    jwk_text = json.dumps(demo_key("RS256").public_jwk())
    return {
        "pem-bytes": (pem, pem),
        "pem-text": (pem, pem.decode()),
        "pkcs1-pem": (pkcs1, pkcs1.decode()),
        "openssh": (ssh, ssh.decode()),
        "openssh-with-newline": (ssh + b"\n", ssh + b"\n"),
        "der": (der, der),
        "jwk-json-text": (jwk_text.encode(), jwk_text),
        "jwk-dict": (jwk_text.encode(), json.loads(jwk_text)),
        "key-object": (pem, demo_key("RS256").public()),
        "cryptography-object": (pem, public),
    }


RSA_PUBLIC_FORMS = _rsa_public_forms()


@pytest.mark.parametrize("form", RSA_PUBLIC_FORMS)
@pytest.mark.parametrize("algorithms", [["RS256", "HS256"], ["HS256"]], ids=["rs256+hs256", "hs256-only"])
def test_a2_rs256_token_resigned_as_hs256_with_the_public_key_is_rejected(form, algorithms, clock):
    secret, verifier_key = RSA_PUBLIC_FORMS[form]
    forged = hmac_signed({"alg": "HS256", "typ": "JWT"}, {**CLAIMS, "sub": "admin"}, secret)
    with pytest.raises(KeyAlgorithmMismatchError) as caught:
        verify(forged, verifier_key, algorithms=algorithms, audience="api", clock=clock)
    rejected(caught, KeyAlgorithmMismatchError, claim="alg")
    assert "pinned to RS256" in str(caught.value)


@pytest.mark.parametrize("form", RSA_PUBLIC_FORMS)
def test_a2_the_genuine_rs256_token_still_verifies_with_every_public_key_form(form, clock):
    _, verifier_key = RSA_PUBLIC_FORMS[form]
    token = sign(CLAIMS, demo_key("RS256"))
    assert verify(token, verifier_key, algorithms=["RS256", "HS256"], audience="api", clock=clock) == CLAIMS


@pytest.mark.parametrize("form", ["pem-text", "openssh", "der", "jwk-json-text", "jwk-dict"])
def test_a2_a_public_key_in_any_form_cannot_be_made_into_an_hmac_key(form):
    _, verifier_key = RSA_PUBLIC_FORMS[form]
    with pytest.raises(InvalidKeyError):
        as_key(verifier_key, "HS256")
    with pytest.raises(InvalidKeyError):
        sign(CLAIMS, as_key(verifier_key))


@pytest.mark.parametrize("alg", ["ES256", "EdDSA"])
def test_a2_ec_and_eddsa_public_keys_cannot_be_abused_as_hmac_secrets_either(alg, clock):
    pem = demo_key(alg).public_pem()
    forged = hmac_signed({"alg": "HS256"}, CLAIMS, pem.encode())
    with pytest.raises(KeyAlgorithmMismatchError) as caught:
        verify(forged, pem, algorithms=[alg, "HS256"], audience="api", clock=clock)
    rejected(caught, KeyAlgorithmMismatchError, claim="alg")


@pytest.mark.parametrize("keys", [demo_key_set, lambda: demo_key_set().jwks()], ids=["key-set", "jwks-dict"])
def test_a2_an_hs256_token_naming_the_rsa_kid_of_a_key_set_is_rejected(keys, clock):
    pem = demo_key("RS256").public_pem().encode()
    forged = hmac_signed({"alg": "HS256", "kid": demo_key("RS256").kid}, CLAIMS, pem)
    with pytest.raises(KeyAlgorithmMismatchError) as caught:
        verify(forged, keys(), algorithms=["RS256", "HS256"], audience="api", clock=clock)
    rejected(caught, KeyAlgorithmMismatchError, claim="alg")


def test_a2_a_token_signed_by_one_asymmetric_algorithm_is_not_checked_with_anothers_key(clock):
    token = key_signed({"alg": "ES256", "kid": demo_key("EdDSA").kid}, CLAIMS, demo_key("ES256"))
    with pytest.raises(KeyAlgorithmMismatchError) as caught:
        verify(token, demo_key_set(), algorithms=["ES256", "EdDSA"], audience="api", clock=clock)
    rejected(caught, KeyAlgorithmMismatchError, claim="alg")


# --- A3: tampering ---------------------------------------------------------------------------


@pytest.mark.parametrize("alg", DEMO_ALGORITHMS)
def test_a3_an_edited_payload_with_the_original_signature_is_rejected(alg, clock):
    header, _, signature = sign(CLAIMS, demo_key(alg)).split(".")
    forged = f"{header}.{segment({**CLAIMS, 'sub': 'admin'})}.{signature}"
    with pytest.raises(InvalidSignatureError) as caught:
        verify(forged, demo_key(alg), algorithms=[alg], audience="api", clock=clock)
    rejected(caught, InvalidSignatureError)


@pytest.mark.parametrize("alg", DEMO_ALGORITHMS)
def test_a3_an_edited_header_with_the_original_signature_is_rejected(alg, clock):
    token = sign(CLAIMS, demo_key(alg))
    _, payload, signature = token.split(".")
    header = {**decode_unverified(token).header, "typ": "at+jwt"}
    with pytest.raises(InvalidSignatureError) as caught:
        verify(f"{segment(header)}.{payload}.{signature}", demo_key(alg), algorithms=[alg], audience="api", clock=clock)
    rejected(caught, InvalidSignatureError)


@pytest.mark.parametrize("alg", DEMO_ALGORITHMS)
def test_a3_an_empty_signature_h_p_dot_is_rejected(alg, clock):
    header, payload, _ = sign(CLAIMS, demo_key(alg)).split(".")
    with pytest.raises(InvalidSignatureError) as caught:
        verify(f"{header}.{payload}.", demo_key(alg), algorithms=[alg], audience="api", clock=clock)
    rejected(caught, InvalidSignatureError)
    assert "empty" in caught.value.detail


@pytest.mark.parametrize("alg", DEMO_ALGORITHMS)
def test_a3_a_signature_with_one_bit_flipped_is_rejected(alg, clock):
    header, payload, signature = sign(CLAIMS, demo_key(alg)).split(".")
    raw = bytearray(b64url_decode(signature))
    raw[len(raw) // 2] ^= 0x01
    with pytest.raises(InvalidSignatureError) as caught:
        verify(f"{header}.{payload}.{b64url_encode(bytes(raw))}", demo_key(alg), algorithms=[alg], clock=clock)
    rejected(caught, InvalidSignatureError)


@pytest.mark.parametrize("alg", ["HS256", "ES256", "EdDSA"])
def test_a3_a_token_signed_by_another_key_of_the_same_algorithm_is_rejected(alg, clock):
    impostor = generate_key(alg, kid=demo_key(alg).kid)
    with pytest.raises(InvalidSignatureError) as caught:
        verify(sign(CLAIMS, impostor), demo_key(alg), algorithms=[alg], audience="api", clock=clock)
    rejected(caught, InvalidSignatureError)


def test_a3_a_signature_copied_from_another_token_is_rejected(clock):
    first = sign(CLAIMS, demo_key("ES256"))
    second = sign({**CLAIMS, "sub": "bob"}, demo_key("ES256"))
    spliced = second.rsplit(".", 1)[0] + "." + first.rsplit(".", 1)[1]
    with pytest.raises(InvalidSignatureError):
        verify(spliced, demo_key("ES256"), algorithms=["ES256"], audience="api", clock=clock)


# --- A4: weak HMAC secrets ------------------------------------------------------------------


@pytest.mark.parametrize("secret", [b"secret", b"your-256-bit-secret", b"password", b"k" * 31])
def test_a4_verify_refuses_an_hmac_secret_shorter_than_32_bytes_even_when_the_signature_matches(secret, clock):
    token = hmac_signed({"alg": "HS256", "typ": "JWT"}, CLAIMS, secret)
    for key in (secret, secret.decode(), {"kty": "oct", "k": b64url_encode(secret)}):
        with pytest.raises(WeakKeyError) as caught:
            verify(token, key, algorithms=["HS256"], audience="api", clock=clock)
        err = rejected(caught, WeakKeyError, claim="alg")
        assert f"only {len(secret)} bytes" in err.detail
        assert "32 random bytes" in str(err)


@pytest.mark.parametrize(("alg", "digest", "size"), [("HS384", hashlib.sha384, 48), ("HS512", hashlib.sha512, 64)])
def test_a4_longer_hashes_need_longer_secrets(alg, digest, size, clock):
    short, enough = b"k" * (size - 1), b"k" * size
    with pytest.raises(WeakKeyError):
        verify(hmac_signed({"alg": alg}, CLAIMS, short, digest), short, algorithms=[alg], audience="api", clock=clock)
    token = hmac_signed({"alg": alg}, CLAIMS, enough, digest)
    assert verify(token, enough, algorithms=[alg], audience="api", clock=clock) == CLAIMS


def test_a4_a_32_byte_secret_is_accepted(clock):
    secret = bytes(range(32))
    token = hmac_signed({"alg": "HS256"}, CLAIMS, secret)
    assert verify(token, secret, algorithms=["HS256"], audience="api", clock=clock) == CLAIMS


@pytest.mark.parametrize("secret", [b"secret", "your-256-bit-secret", b"k" * 31, "tokenlab"])
def test_a4_tokenlab_sign_refuses_a_short_secret(secret):
    with pytest.raises(InvalidKeyError, match="at least 32 random bytes"):
        sign(CLAIMS, secret)


def test_a4_the_demo_hs256_key_is_at_least_32_bytes_and_no_guessable_word(clock):
    secret = demo_key("HS256").signing
    assert len(secret) >= 32
    assert all(secret != word.encode() for word in WEAK_SECRETS)
    assert "weak_secret" not in [w.code for w in decode_unverified(sign(CLAIMS, demo_key("HS256"))).warnings]
    assert len(generate_key("HS256").signing) >= 32


# --- A5: jku, x5u and jwk header parameters ---------------------------------------------


class _KeyServer(BaseHTTPRequestHandler):
    """Serves the attacker's JWKS on every path and remembers every request."""

    def do_GET(self):
        self.server.requests.append(self.path)
        body = json.dumps(self.server.jwks).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def attacker_key():
    return generate_key("RS256", kid="attacker-key")


@pytest.fixture
def attacker_server(attacker_key):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _KeyServer)
    server.daemon_threads = True
    server.requests = []
    server.jwks = {"keys": [attacker_key.public_jwk()]}
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _fetch_directly(url: str) -> bytes:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=5) as response:
        return response.read()


def test_a5_the_loopback_key_server_does_record_a_fetch_when_one_happens(attacker_server, attacker_key):
    body = json.loads(_fetch_directly(attacker_server.url + "/jwks.json"))
    assert body["keys"][0]["kid"] == attacker_key.kid
    assert attacker_server.requests == ["/jwks.json"]


def _pointing_headers(server, attacker_key, kid):
    return {
        "jku": {"alg": "RS256", "kid": kid, "jku": server.url + "/jwks.json"},
        "x5u": {"alg": "RS256", "kid": kid, "x5u": server.url + "/cert.pem"},
        "jwk": {"alg": "RS256", "kid": kid, "jwk": attacker_key.public_jwk()},
        "all-three": {
            "alg": "RS256",
            "kid": kid,
            "jku": server.url + "/jwks.json",
            "x5u": server.url + "/cert.pem",
            "jwk": attacker_key.public_jwk(),
        },
    }


@pytest.mark.parametrize("param", ["jku", "x5u", "jwk", "all-three"])
def test_a5_keys_named_or_carried_by_the_token_are_ignored_and_nothing_is_fetched(
    param, attacker_server, attacker_key, clock
):
    trusted_kid = demo_key("RS256").kid
    attempts = [
        # the attacker's own kid: the verifier's key set does not know it
        (_pointing_headers(attacker_server, attacker_key, "attacker-key")[param], demo_key_set(), UnknownKeyError),
        (
            _pointing_headers(attacker_server, attacker_key, "attacker-key")[param],
            demo_key_set().jwks(),
            UnknownKeyError,
        ),
        # the trusted kid: the trusted key does not match the attacker's signature
        (_pointing_headers(attacker_server, attacker_key, trusted_kid)[param], demo_key_set(), InvalidSignatureError),
        (
            _pointing_headers(attacker_server, attacker_key, trusted_kid)[param],
            demo_key("RS256"),
            InvalidSignatureError,
        ),
    ]
    for header, keys, error in attempts:
        forged = key_signed(header, {**CLAIMS, "sub": "admin"}, attacker_key)
        with file_and_network_access() as events:
            raised = outcome(verify, forged, keys, algorithms=["RS256"], audience="api", clock=clock)
            decoded = decode_unverified(forged, clock=clock)
        assert type(raised) is error, raised
        assert raised.lesson in str(raised)
        assert events == []
        assert {f"header_{name}" for name in ("jku", "x5u", "jwk") if name in header} <= {
            w.code for w in decoded.warnings
        }
    assert attacker_server.requests == []


def test_a5_a_token_signed_by_the_trusted_key_is_accepted_but_its_jku_is_still_never_fetched(attacker_server, clock):
    token = sign(CLAIMS, demo_key("RS256"), headers={"jku": attacker_server.url + "/jwks.json"})
    with file_and_network_access() as events:
        claims = verify(token, demo_key_set(), algorithms=["RS256"], audience="api", clock=clock)
    assert claims == CLAIMS
    assert events == []
    assert attacker_server.requests == []


# --- A6: kid ---------------------------------------------------------------------------------

ODD_KIDS = [
    "../../dev/null",
    "../../../../../../etc/passwd",
    "/dev/null",
    "file:///etc/passwd",
    "' OR '1'='1",
    "x'; DROP TABLE keys; --",
    "$(touch /tmp/pwned)",
    "",
    "no-such-kid",
    "rs256-jjjtpqbc",
    "rs256-JjJTPQbC ",
    "rs256-JjJTPQbC\x00",
    0,
    123,
    1.5,
    True,
    None,
    ["rs256-JjJTPQbC"],
    {"kid": "rs256-JjJTPQbC"},
]


def kid_id(kid) -> str:
    """The kid's repr with a NUL spelled out: pytest escapes the backslash of ``\\x00`` once more on each
    collection in one process, so a test id with one cannot be selected again by the mutation run."""
    return repr(kid).replace("\\x00", "<NUL>")


@pytest.fixture
def warmed_up(clock):
    """Everything verify() may import lazily is imported before recording starts."""
    verify(sign(CLAIMS, demo_key("RS256")), demo_key_set(), algorithms=["RS256"], audience="api", clock=clock)
    unknown = sign(CLAIMS, demo_key("RS256"), headers={"kid": "x"})
    outcome(verify, unknown, demo_key_set().jwks(), algorithms=["RS256"], audience="api", clock=clock)


@pytest.mark.parametrize("kid", ODD_KIDS, ids=kid_id)
@pytest.mark.parametrize("keys", [demo_key_set, lambda: demo_key_set().jwks()], ids=["key-set", "jwks-dict"])
def test_a6_an_odd_or_unknown_kid_is_a_plain_lookup_miss_and_opens_no_file(kid, keys, warmed_up, clock):
    assert demo_key("RS256").kid == "rs256-JjJTPQbC"
    token = sign(CLAIMS, demo_key("RS256"), headers={"kid": kid})
    trusted = keys()
    with file_and_network_access() as events:
        raised = outcome(verify, token, trusted, algorithms=["RS256"], audience="api", clock=clock)
    assert events == []
    assert type(raised) is UnknownKeyError, raised
    assert raised.claim == "kid"
    assert UnknownKeyError.lesson in str(raised)


def test_a6_many_unknown_kids_never_trigger_a_fetch_or_a_file_access(warmed_up, clock):
    trusted = demo_key_set()
    tokens = [sign(CLAIMS, demo_key("ES256"), headers={"kid": f"rotated-{n}"}) for n in range(50)]
    with file_and_network_access() as events:
        raised = [outcome(verify, token, trusted, algorithms=["ES256"], clock=clock) for token in tokens]
    assert events == []
    assert all(type(err) is UnknownKeyError for err in raised)
    assert len(trusted) == 3


def test_a6_the_right_kid_still_finds_its_key(clock):
    token = sign(CLAIMS, demo_key("EdDSA"))
    assert verify(token, demo_key_set(), algorithms=["EdDSA"], audience="api", clock=clock) == CLAIMS
    assert len(KeySet.from_jwks(demo_key_set().jwks())) == 3


# --- A7: exp, nbf, iat -----------------------------------------------------------------------


def _verify_times(claims, clock, leeway=0):
    token = key_signed({"alg": "ES256", "typ": "JWT"}, claims, demo_key("ES256"))
    return verify(token, demo_key("ES256"), algorithms=["ES256"], audience="api", clock=clock, leeway=leeway)


def test_a7_an_expired_token_is_rejected_with_its_exp_claim(clock):
    with pytest.raises(TokenExpiredError) as caught:
        _verify_times({**CLAIMS, "exp": NOW - 1}, clock)
    rejected(caught, TokenExpiredError, claim="exp")
    assert "1 s before now" in str(caught.value)


def test_a7_a_token_is_expired_at_the_very_second_of_its_exp(clock):
    with pytest.raises(TokenExpiredError) as caught:
        _verify_times({**CLAIMS, "exp": NOW}, clock)
    rejected(caught, TokenExpiredError, claim="exp")


def test_a7_a_token_whose_nbf_is_in_the_future_is_not_yet_valid_with_its_nbf_claim(clock):
    with pytest.raises(TokenNotYetValidError) as caught:
        _verify_times({**CLAIMS, "nbf": NOW + 60}, clock)
    rejected(caught, TokenNotYetValidError, claim="nbf")


def test_a7_a_token_issued_in_the_future_is_not_yet_valid_with_its_iat_claim(clock):
    with pytest.raises(TokenNotYetValidError) as caught:
        _verify_times({**CLAIMS, "iat": NOW + 60}, clock)
    rejected(caught, TokenNotYetValidError, claim="iat")


@pytest.mark.parametrize(
    ("claims", "enough", "too_little", "error"),
    [
        ({**CLAIMS, "exp": NOW - 30}, 31, 30, TokenExpiredError),
        ({**CLAIMS, "nbf": NOW + 30}, 30, 29, TokenNotYetValidError),
        ({**CLAIMS, "iat": NOW + 30}, 30, 29, TokenNotYetValidError),
    ],
    ids=["exp-30s-ago", "nbf-in-30s", "iat-in-30s"],
)
def test_a7_a_small_explicit_leeway_absorbs_exactly_that_much_clock_skew(claims, enough, too_little, error, clock):
    assert _verify_times(claims, clock, leeway=enough) == claims
    assert _verify_times(claims, clock, leeway=2.5 * enough) == claims
    with pytest.raises(error):
        _verify_times(claims, clock, leeway=too_little)


def test_a7_the_largest_leeway_allowed_is_five_minutes(clock):
    claims = {**CLAIMS, "exp": NOW - 299}
    assert _verify_times(claims, clock, leeway=300) == claims


@pytest.mark.parametrize("leeway", [301, 3600, 86400, -1, -0.1, float("inf"), float("nan"), True, "60", None])
def test_a7_a_leeway_over_300_seconds_negative_or_not_a_number_is_a_usage_error(leeway, clock):
    with pytest.raises(UsageError):
        _verify_times({**CLAIMS, "exp": NOW - 3000}, clock, leeway=leeway)


@pytest.mark.parametrize("exp", ["tomorrow", None, True, [NOW + 60], float("inf"), float("nan")])
def test_a7_an_exp_that_is_not_a_finite_number_is_an_invalid_claim(exp, clock):
    with pytest.raises(InvalidClaimError) as caught:
        _verify_times({**CLAIMS, "exp": exp}, clock)
    rejected(caught, InvalidClaimError, claim="exp")


def test_a7_a_token_expires_while_the_demo_clock_moves_on(clock):
    token = sign(CLAIMS, demo_key("RS256"))
    assert verify(token, demo_key("RS256"), algorithms=["RS256"], audience="api", clock=clock) == CLAIMS
    clock.advance(minutes=5)
    with pytest.raises(TokenExpiredError):
        verify(token, demo_key("RS256"), algorithms=["RS256"], audience="api", clock=clock)
    assert verify(token, demo_key("RS256"), algorithms=["RS256"], audience="api", clock=clock, leeway=1) == CLAIMS


# --- A8: iss and aud -------------------------------------------------------------------------


def _verify_iss_aud(claims, clock, **expected):
    token = sign(claims, demo_key("EdDSA"))
    return verify(token, demo_key("EdDSA"), algorithms=["EdDSA"], clock=clock, **expected)


def test_a8_the_exact_issuer_and_audience_are_accepted(clock):
    assert _verify_iss_aud(CLAIMS, clock, issuer=ISSUER, audience="api") == CLAIMS
    claims = {**CLAIMS, "aud": ["billing", "api"]}
    assert _verify_iss_aud(claims, clock, issuer=ISSUER, audience="api") == claims
    assert _verify_iss_aud(CLAIMS, clock, issuer=ISSUER, audience=["billing", "api"]) == CLAIMS


@pytest.mark.parametrize(
    "iss",
    [
        "https://evil.example",
        "https://issuer.example.evil.com",
        "https://issuer.example/evil",
        "https://issuer.example/",
        "https://issuer.exam",
        "https://issuer",
        "HTTPS://ISSUER.EXAMPLE",
        "",
        ["https://issuer.example"],
    ],
    ids=[
        "other",
        "expected-is-prefix",
        "expected-is-prefix-path",
        "slash",
        "prefix-of-expected",
        "short",
        "case",
        "empty",
        "list",
    ],
)
def test_a8_a_wrong_issuer_or_one_that_is_a_prefix_of_the_expected_one_or_vice_versa_is_rejected(iss, clock):
    with pytest.raises(IssuerMismatchError) as caught:
        _verify_iss_aud({**CLAIMS, "iss": iss}, clock, issuer=ISSUER, audience="api")
    rejected(caught, IssuerMismatchError, claim="iss")


def test_a8_a_missing_issuer_is_rejected_when_an_issuer_is_expected(clock):
    claims = {k: v for k, v in CLAIMS.items() if k != "iss"}
    with pytest.raises(MissingClaimError) as caught:
        _verify_iss_aud(claims, clock, issuer=ISSUER, audience="api")
    rejected(caught, MissingClaimError, claim="iss")


@pytest.mark.parametrize("aud", ["billing", ["billing", "admin"], "ap", "api2", "API", []])
def test_a8_a_token_for_another_audience_is_rejected(aud, clock):
    with pytest.raises(AudienceMismatchError) as caught:
        _verify_iss_aud({**CLAIMS, "aud": aud}, clock, issuer=ISSUER, audience="api")
    rejected(caught, AudienceMismatchError, claim="aud")


def test_a8_a_missing_audience_is_rejected_when_an_audience_is_expected(clock):
    claims = {k: v for k, v in CLAIMS.items() if k != "aud"}
    with pytest.raises(MissingClaimError) as caught:
        _verify_iss_aud(claims, clock, issuer=ISSUER, audience="api")
    rejected(caught, MissingClaimError, claim="aud")


@pytest.mark.parametrize("aud", ["api", ["api"], ["billing", "api"]])
def test_a8_a_token_with_an_audience_is_rejected_when_the_verifier_names_none(aud, clock):
    with pytest.raises(AudienceMismatchError) as caught:
        _verify_iss_aud({**CLAIMS, "aud": aud}, clock, issuer=ISSUER)
    rejected(caught, AudienceMismatchError, claim="aud")


@pytest.mark.parametrize("aud", [42, {"api": True}, ["api", 42], None])
def test_a8_an_audience_of_the_wrong_type_is_an_invalid_claim(aud, clock):
    with pytest.raises(InvalidClaimError) as caught:
        _verify_iss_aud({**CLAIMS, "aud": aud}, clock, issuer=ISSUER, audience="api")
    rejected(caught, InvalidClaimError, claim="aud")


# --- A9: typ -------------------------------------------------------------------------------------


def test_a9_an_id_token_with_typ_jwt_is_rejected_where_an_access_token_is_required(clock):
    id_token = sign({**CLAIMS, "nonce": "n-0S6_WzA2Mj", "azp": "client"}, demo_key("RS256"))
    assert decode_unverified(id_token).header["typ"] == "JWT"
    with pytest.raises(WrongTokenTypeError) as caught:
        verify(id_token, demo_key_set(), algorithms=["RS256"], audience="api", clock=clock, typ="at+jwt")
    rejected(caught, WrongTokenTypeError, claim="typ")


@pytest.mark.parametrize("header_typ", [None, "", "jwt", "at+jwt+evil", ["at+jwt"]])
def test_a9_a_missing_or_other_typ_is_rejected_where_at_jwt_is_required(header_typ, clock):
    header = {"alg": "RS256", "kid": demo_key("RS256").kid}
    if header_typ is not None:
        header["typ"] = header_typ
    token = key_signed(header, CLAIMS, demo_key("RS256"))
    with pytest.raises(WrongTokenTypeError) as caught:
        verify(token, demo_key_set(), algorithms=["RS256"], audience="api", clock=clock, typ="at+jwt")
    rejected(caught, WrongTokenTypeError, claim="typ")


@pytest.mark.parametrize("token_typ", ["at+jwt", "application/at+jwt", "AT+JWT", "Application/AT+JWT"])
def test_a9_an_access_token_typed_at_jwt_or_application_at_jwt_is_accepted(token_typ, clock):
    token = sign(CLAIMS, demo_key("RS256"), typ=token_typ)
    for required in ("at+jwt", "application/at+jwt"):
        assert verify(token, demo_key_set(), algorithms=["RS256"], audience="api", clock=clock, typ=required) == CLAIMS


# --- A10: crit -------------------------------------------------------------------------------------


@pytest.mark.parametrize("crit", [["exp"], ["b64"], ["http://example.com/extension"], ["b64", "x"], [], "b64"])
def test_a10_a_token_with_an_unknown_crit_header_parameter_is_rejected(crit, clock):
    token = sign(CLAIMS, demo_key("ES256"), headers={"crit": crit, "b64": False, "x": 1})
    with pytest.raises(UnsupportedCriticalHeaderError) as caught:
        verify(token, demo_key_set(), algorithms=["ES256"], audience="api", clock=clock)
    rejected(caught, UnsupportedCriticalHeaderError, claim="crit")
    assert repr(crit) in str(caught.value)


# --- A11: whatever the decoder is given ---------------------------------------------------------------

HEADER = segment({"alg": "HS256", "typ": "JWT"})
PAYLOAD = segment({"sub": "alice"})


def _raw(header: bytes | str, payload: bytes | str, signature: str = "c2ln") -> str:
    """Three segments from raw JSON bytes (or segments already encoded)."""
    parts = [part if isinstance(part, str) else b64url_encode(part) for part in (header, payload)]
    return f"{parts[0]}.{parts[1]}.{signature}"


def _nested(depth: int) -> str:
    return b64url_encode(('{"a":' + "[" * depth + "]" * depth + "}").encode())


MALFORMED = {
    "one-segment": ("eyJhbGciOiJIUzI1NiJ9", "token", ["no dots", "not a JWT"]),
    "opaque-token": ("2YotnFZFEjr1zCsicMWpAA", "token", ["no dots", "opaque"]),
    "two-segments": (f"{HEADER}.{PAYLOAD}", "token", ["two parts", "three"]),
    "four-segments": (f"{HEADER}.{PAYLOAD}.c2ln.c2ln", "token", ["4 parts", "exactly three"]),
    "five-segments-jwe": (f"{HEADER}.a.b.c.d", "token", ["five parts", "JWE", "RFC 7516"]),
    "empty": ("", "token", ["empty"]),
    "only-whitespace": (" \n\t ", "token", ["empty"]),
    "only-dots": ("..", "header", ["not JSON"]),
    "padding": (f"{HEADER}=.{PAYLOAD}.c2ln", "header", ["'='", "padding"]),
    "plus": (f"{HEADER}.{PAYLOAD}.ab+d", "signature", ["'+'", "plain base64"]),
    "slash": (f"{HEADER}.{PAYLOAD[:-1]}/.c2ln", "payload", ["'/'", "plain base64"]),
    "space": (f"{HEADER}.{PAYLOAD[:4]} {PAYLOAD[4:]}.c2ln", "payload", ["' '", "no spaces"]),
    "line-break": (f"{HEADER}.{PAYLOAD}\n.c2ln", "payload", ["'\\n'", "no spaces"]),
    "non-ascii-letter": (f"{HEADER}.{PAYLOAD}é.c2ln", "payload", ["'é'", "base64url uses only"]),
    "length-4n+1": (f"{HEADER}.{PAYLOAD}.abcde", "signature", ["5 characters", "lost or added"]),
    "header-not-json": (_raw(b"not json", PAYLOAD), "header", ["header is not JSON", "not json"]),
    "header-empty": (f".{PAYLOAD}.c2ln", "header", ["header is not JSON"]),
    "payload-not-utf8": (_raw(HEADER, b'{"sub":"\xff\xfe"}'), "payload", ["UTF-8"]),
    "payload-latin1": (_raw(HEADER, '{"n":"Zoë"}'.encode("latin-1")), "payload", ["UTF-8"]),
    "payload-list": (_raw(HEADER, b"[1, 2]"), "payload", ["JSON list", "JSON object"]),
    "header-string": (_raw(b'"HS256"', PAYLOAD), "header", ["JSON str", "JSON object"]),
    "payload-null": (_raw(HEADER, b"null"), "payload", ["JSON NoneType", "JSON object"]),
    "duplicate-claim": (_raw(HEADER, b'{"sub":"alice","sub":"admin"}'), "payload", ["'sub' twice", "duplicate"]),
    "duplicate-alg": (_raw(b'{"alg":"HS256","alg":"none"}', PAYLOAD), "header", ["'alg' twice"]),
    "deeply-nested": (f"{HEADER}.{_nested(5000)}.c2ln", "payload", ["nested too deeply"]),
    "none": (None, "token", ["nothing (None)"]),
    "int": (42, "token", ["got an int", "as text"]),
    "float": (4.2, "token", ["got a float"]),
    "dict": ({"alg": "none"}, "token", ["got a dict"]),
    "bytes-non-ascii": (f"{HEADER}.{PAYLOAD}.".encode() + "é".encode(), "token", ["not ASCII"]),
    "one-megabyte": ("a" * 1_000_000, "token", ["1,000,000 characters", "refuses"]),
    "one-megabyte-of-a-valid-shape": (f"{HEADER}.{'A' * 1_000_000}.c2ln", "token", ["refuses"]),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a11_the_decoder_refuses_malformed_input_with_a_helpful_token_format_error(case, clock):
    value, part, words = MALFORMED[case]
    with pytest.raises(TokenFormatError) as caught:
        decode_unverified(value, clock=clock)
    err = caught.value
    assert type(err) is TokenFormatError
    assert err.part == part
    message = str(err)
    assert message[0].isupper() and message.endswith((".", "?")), message
    assert words
    for word in words:
        assert word in message, (word, message)
    assert len(message) < 300


@pytest.mark.parametrize("case", MALFORMED)
def test_a11_verify_refuses_the_same_malformed_input_with_the_same_token_format_error(case, clock):
    value, part, _ = MALFORMED[case]
    with pytest.raises(TokenLabError) as caught:
        verify(value, demo_key("HS256"), algorithms=["HS256"], clock=clock)
    assert type(caught.value) is TokenFormatError
    assert caught.value.part == part


def test_a11_input_just_over_the_size_cap_is_refused_before_any_decoding(clock):
    token = sign({"pad": "x" * MAX_TOKEN_CHARS}, demo_key("HS256"))
    assert len(token) > MAX_TOKEN_CHARS
    with pytest.raises(TokenFormatError, match="refuses anything over 32,768"):
        decode_unverified(token, clock=clock)
    fits = sign({"pad": "x" * (MAX_TOKEN_CHARS // 2)}, demo_key("HS256"))
    assert decode_unverified(fits, clock=clock).claims["pad"].startswith("x")


def test_a11_decoded_is_not_verified(clock):
    forged = hmac_signed({"alg": "HS256"}, {**CLAIMS, "sub": "admin"}, b"not the issuer's secret, 32 bytes+")
    decoded = decode_unverified(forged, clock=clock)
    assert decoded.claims["sub"] == "admin"
    assert decoded.verified is False
    assert str(decoded).startswith("UNVERIFIED — decoded is not verified")
    with pytest.raises(InvalidTokenError):
        verify(forged, demo_key("HS256"), algorithms=["HS256"], audience="api", clock=clock)
