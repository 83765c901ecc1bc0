"""tokenlab.decoded: decode_unverified explains every part of a token, warns, and verifies nothing."""

import hashlib
import hmac
import json

import pytest

from tokenlab.clock import Clock
from tokenlab.decoded import decode_unverified
from tokenlab.keys import demo_key
from tokenlab.token_format import b64url_encode
from tokenlab.tokens import sign

NOW = 1767603600  # Clock.frozen(): 2026-01-05 09:00:00 UTC
ISSUER = "https://issuer.example"
CLAIMS = {"iss": ISSUER, "sub": "alice", "aud": "api", "iat": NOW, "exp": NOW + 300, "scope": "read write"}


@pytest.fixture
def clock():
    return Clock.frozen()


def segment(value) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode())


def hand_signed(header, claims, secret: bytes) -> str:
    signing_input = f"{segment(header)}.{segment(claims)}"
    return f"{signing_input}.{b64url_encode(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"


def warning_codes(token, clock) -> list[str]:
    return [w.code for w in decode_unverified(token, clock=clock).warnings]


# --- decoding without verifying ------------------------------------------------------------


def test_decode_unverified_returns_header_claims_signature_and_segments(clock):
    token = sign(CLAIMS, demo_key("RS256"))
    decoded = decode_unverified(token, clock=clock)
    assert decoded.header == {"alg": "RS256", "typ": "JWT", "kid": demo_key("RS256").kid}
    assert decoded.claims == CLAIMS
    assert len(decoded.signature) == 256
    assert decoded.token == token
    assert decoded.signing_input == token.rsplit(".", 1)[0].encode()
    assert decoded.verified is False


def test_decoded_times_are_explained_relative_to_the_given_clock(clock):
    claims = {"iat": NOW, "nbf": NOW + 120, "exp": NOW + 300, "auth_time": NOW - 3600}
    token = sign(claims, demo_key("HS256"))
    shown = {e.name: e.shown for e in decode_unverified(token, clock=clock).explanations}
    assert shown["exp"] == "2026-01-05 09:05:00 UTC (expires in 5 min)"
    assert shown["nbf"] == "2026-01-05 09:02:00 UTC (valid in 2 min)"
    assert shown["iat"] == "2026-01-05 09:00:00 UTC (issued just now)"
    assert shown["auth_time"] == "2026-01-05 08:00:00 UTC (logged in 1 h ago)"
    clock.advance(minutes=10)
    shown = {e.name: e.shown for e in decode_unverified(token, clock=clock).explanations}
    assert shown["exp"] == "2026-01-05 09:05:00 UTC (expired 5 min ago)"
    assert shown["nbf"] == "2026-01-05 09:02:00 UTC (valid since 8 min ago)"
    assert shown["iat"] == "2026-01-05 09:00:00 UTC (issued 10 min ago)"
    clock.set(NOW - 90)
    shown = {e.name: e.shown for e in decode_unverified(token, clock=clock).explanations}
    assert shown["iat"] == "2026-01-05 09:00:00 UTC (issued 1 min 30 s in the future!)"


def test_a_time_claim_no_calendar_can_show_is_explained_not_raised(clock):
    token = sign({"exp": 10**30, "iat": -1e300, "nbf": "soon"}, demo_key("HS256"))
    shown = {e.name: e.shown for e in decode_unverified(token, clock=clock).explanations}
    assert shown["exp"] == f"{10**30} (not a time any calendar can show)"
    assert shown["nbf"] == '"soon"'


def test_each_claim_and_header_parameter_carries_its_meaning(clock):
    token = sign({"sub": "alice", "favourite_colour": "green"}, demo_key("HS256"))
    meaning = {(e.part, e.name): e.meaning for e in decode_unverified(token, clock=clock).explanations}
    assert "RFC 7519 §4.1.2" in meaning["payload", "sub"]
    assert "private claim" in meaning["payload", "favourite_colour"]
    assert "RFC 7515 §4.1.1" in meaning["header", "alg"]


def test_a_decoded_token_prints_unverified_first_then_every_part_and_the_warnings(clock):
    token = sign({"sub": "alice", "password": "hunter2"}, demo_key("RS256"))
    text = str(decode_unverified(token, clock=clock))
    assert text.startswith("UNVERIFIED")
    assert "decoded is not verified" in text.splitlines()[0]
    for expected in ("header:", "payload:", '"alice"', "signature: 256 bytes", "warnings:", "⚠ No 'exp'"):
        assert expected in text


def test_a_well_made_access_token_has_no_warnings(clock):
    assert warning_codes(sign(CLAIMS, demo_key("ES256")), clock) == []


@pytest.mark.parametrize(
    ("make", "code", "words"),
    [
        (lambda: f"{segment({'alg': 'none'})}.{segment(CLAIMS)}.", "alg_none", "no signature"),
        (lambda: f"{segment({'alg': 'nOnE'})}.{segment(CLAIMS)}.", "alg_none", "'nOnE'"),
        (lambda: f"{segment({'typ': 'JWT'})}.{segment(CLAIMS)}.", "no_alg", "'alg'"),
        (lambda: sign(CLAIMS, demo_key("RS256")).rsplit(".", 1)[0] + ".", "no_signature", "stripped"),
        (lambda: hand_signed({"alg": "HS256"}, CLAIMS, b"secret"), "weak_secret", "guessable secret 'secret'"),
        (
            lambda: hand_signed({"alg": "HS256"}, CLAIMS, b"your-256-bit-secret"),
            "weak_secret",
            "'your-256-bit-secret'",
        ),
        (lambda: sign({k: v for k, v in CLAIMS.items() if k != "exp"}, demo_key("RS256")), "no_exp", "never expires"),
        (lambda: sign({**CLAIMS, "exp": NOW + 2 * 86400}, demo_key("RS256")), "long_lived", "Lives 2 days"),
        (lambda: sign({**CLAIMS, "exp": NOW - 60}, demo_key("RS256")), "expired", "Expired 1 min ago"),
        (lambda: sign({**CLAIMS, "nbf": NOW + 60}, demo_key("RS256")), "not_yet_valid", "another 1 min"),
        (lambda: sign({**CLAIMS, "iat": NOW + 60}, demo_key("RS256")), "issued_in_future", "1 min in the future"),
        (lambda: sign({**CLAIMS, "exp": "tomorrow"}, demo_key("RS256")), "bad_exp", "'tomorrow'"),
        (lambda: sign(CLAIMS, demo_key("RS256"), headers={"jku": "https://evil.example/jwks"}), "header_jku", "jku"),
        (lambda: sign(CLAIMS, demo_key("RS256"), headers={"x5u": "https://evil.example/c"}), "header_x5u", "x5u"),
        (lambda: sign(CLAIMS, demo_key("RS256"), headers={"jwk": {"kty": "oct"}}), "header_jwk", "'jwk'"),
        (lambda: sign(CLAIMS, demo_key("RS256"), headers={"kid": "../../dev/null"}), "odd_kid", "path"),
        (lambda: sign(CLAIMS, demo_key("RS256"), headers={"kid": "1' OR '1'='1"}), "odd_kid", "query"),
        (lambda: sign(CLAIMS, demo_key("RS256"), headers={"kid": 7}), "odd_kid", "kid 7"),
        (lambda: sign(CLAIMS, demo_key("RS256"), headers={"crit": ["exp"]}), "crit", "['exp']"),
        (lambda: sign({k: v for k, v in CLAIMS.items() if k != "aud"}, demo_key("RS256")), "no_aud", "replayed"),
        (lambda: sign({**CLAIMS, "api_key": "k", "Password": "p"}, demo_key("RS256")), "readable_secrets", "api_key"),
    ],
)
def test_decode_warns_about_what_a_careful_reader_should_worry_about(make, code, words, clock):
    decoded = decode_unverified(make(), clock=clock)
    found = {w.code: w.message for w in decoded.warnings}
    assert code in found
    assert words in found[code]


@pytest.mark.parametrize("name", ["exp", "nbf", "iat"])
@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "NaN"])
def test_decode_warns_about_a_time_claim_that_is_not_finite_instead_of_crashing(name, value, clock):
    payload = b64url_encode(f'{{"{name}":{value},"aud":"api"}}'.encode())
    token = f"{segment({'alg': 'HS256'})}.{payload}.c2ln"
    decoded = decode_unverified(token, clock=clock)
    assert f"bad_{name}" in [w.code for w in decoded.warnings]
    str(decoded)


@pytest.mark.parametrize("prefix", ["Bearer ", "bearer ", "BEARER   ", "  Bearer \t"])
def test_decode_strips_a_bearer_prefix_and_says_so(prefix, clock):
    token = sign(CLAIMS, demo_key("ES256"))
    decoded = decode_unverified(prefix + token + "\n", clock=clock)
    assert decoded.token == token
    assert [w.code for w in decoded.warnings] == ["bearer_prefix"]
    assert "Authorization header" in decoded.warnings[0].message


def test_decode_reads_a_token_given_as_ascii_bytes(clock):
    token = sign(CLAIMS, demo_key("HS256"))
    assert decode_unverified(token.encode(), clock=clock).claims == CLAIMS
    assert decode_unverified(bytearray(token.encode()), clock=clock).claims == CLAIMS


def test_decode_checks_no_signature_at_all_so_a_forgery_decodes_fine(clock):
    forged = hand_signed({"alg": "HS256"}, {**CLAIMS, "sub": "admin"}, b"attacker's own secret, long enough!!")
    decoded = decode_unverified(forged, clock=clock)
    assert decoded.claims["sub"] == "admin"
    assert decoded.verified is False
