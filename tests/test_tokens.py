"""tokenlab.tokens: signing byte for byte, verifying, which key verified; properties of the three modules together.

Base64url and the parts of a token are tested in test_token_format.py, the explanations and warnings of
decode_unverified in test_decoded.py."""

import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tokenlab.clock import Clock
from tokenlab.errors import (
    InvalidClaimError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidTokenError,
    KeyAlgorithmMismatchError,
    MissingClaimError,
    TokenFormatError,
    UnknownKeyError,
    UsageError,
)
from tokenlab.keys import DEMO_ALGORITHMS, KeySet, as_key, demo_key, demo_key_set
from tokenlab.tokens import (
    DecodedToken,
    b64url_decode,
    b64url_encode,
    decode_unverified,
    select_key,
    sign,
    trusted_algorithms,
    verify,
    verify_complete,
)

NOW = 1767603600  # Clock.frozen(): 2026-01-05 09:00:00 UTC
ISSUER = "https://issuer.example"
CLAIMS = {"iss": ISSUER, "sub": "alice", "aud": "api", "iat": NOW, "exp": NOW + 300, "scope": "read write"}
FAST = settings(max_examples=150, deadline=None, database=None)


@pytest.fixture
def clock():
    return Clock.frozen()


def segment(value) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode())


def warning_codes(token, clock) -> list[str]:
    return [w.code for w in decode_unverified(token, clock=clock).warnings]


# --- signing --------------------------------------------------------------------------

SIGNED_SHA256 = {
    "HS256": "2b04acea64b18ed4b64204a6e283c91e5e76f8710cbe3fc62f936af2f27b58ac",
    "RS256": "8fbcb19be814826549f41c031ab86fa5bdedde06737f6191e031949d5848a958",
    "ES256": "2e27071cf65d1956e9995f68391616ff2d401d25a78a59ad7d081c76e5f89d1d",
    "EdDSA": "ce4a213e4601c729d4b8f2786b4e1c75f321928741961ff0534ee29c755c047d",
}


@pytest.mark.parametrize("alg", DEMO_ALGORITHMS)
def test_sign_gives_the_same_bytes_as_every_earlier_release_for_each_demo_key(alg, clock):
    claims = {"iss": ISSUER, "sub": "alice", "aud": "api", "iat": clock.timestamp(), "exp": clock.timestamp() + 300}
    claims["scope"] = "read write"
    token = sign(claims, demo_key(alg))
    assert token == sign(claims, demo_key(alg))
    assert hashlib.sha256(token.encode()).hexdigest() == SIGNED_SHA256[alg]


@pytest.mark.parametrize("alg", DEMO_ALGORITHMS)
def test_sign_writes_a_compact_header_with_the_keys_alg_and_kid_and_typ_jwt(alg):
    token = sign({"sub": "alice"}, demo_key(alg))
    header, payload, _ = token.split(".")
    assert b64url_decode(header) == f'{{"alg":"{alg}","typ":"JWT","kid":"{demo_key(alg).kid}"}}'.encode()
    assert b64url_decode(payload) == b'{"sub":"alice"}'


def test_sign_sets_the_typ_asked_for_and_adds_extra_header_parameters():
    token = sign({"sub": "alice"}, demo_key("ES256"), typ="at+jwt", headers={"kid": "rotated", "cty": "x"})
    assert decode_unverified(token).header == {"alg": "ES256", "typ": "at+jwt", "kid": "rotated", "cty": "x"}


def test_sign_refuses_an_alg_header_because_the_key_decides_it():
    with pytest.raises(UsageError, match="the key decides 'alg'"):
        sign({"sub": "alice"}, demo_key("RS256"), headers={"alg": "HS256"})


def test_sign_writes_aware_datetimes_as_numeric_dates():
    expires = datetime(2026, 1, 5, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    token = sign({"exp": expires}, demo_key("HS256"))
    assert decode_unverified(token).claims == {"exp": NOW}


def test_sign_refuses_a_naive_datetime_instead_of_guessing_the_local_time_zone():
    with pytest.raises(UsageError, match="time zone"):
        sign({"exp": datetime(2026, 1, 5, 9, 5)}, demo_key("HS256"))


@pytest.mark.parametrize(
    ("claims", "headers"),
    [
        ({"exp": float("nan")}, None),
        ({"exp": float("inf")}, None),
        ({"when": datetime}, None),
        ({"ids": {1, 2}}, None),
        ({}, {"x5t": b"bytes"}),
        ({}, {"n": float("nan")}),
    ],
)
def test_sign_refuses_claims_or_headers_that_are_not_json_with_a_usage_error(claims, headers):
    with pytest.raises(UsageError, match="must be JSON"):
        sign(claims, demo_key("HS256"), headers=headers)


@pytest.mark.parametrize("secret", [b"secret", "your-256-bit-secret", b"k" * 31])
def test_sign_refuses_an_hmac_secret_shorter_than_the_hash(secret):
    with pytest.raises(InvalidKeyError, match="at least 32 random bytes"):
        sign({"sub": "alice"}, secret)


def test_sign_with_a_public_key_says_it_can_only_verify():
    with pytest.raises(InvalidKeyError, match="can verify but not sign"):
        sign({"sub": "alice"}, demo_key("EdDSA").public_pem())


def test_sign_keeps_non_ascii_claims_readable_as_utf_8():
    token = sign({"name": "Zoë 日本"}, demo_key("HS256"))
    assert b64url_decode(token.split(".")[1]) == '{"name":"Zoë 日本"}'.encode()
    assert decode_unverified(token).claims["name"] == "Zoë 日本"


# --- a token with characters cut off is never "decoded, no warnings" -----------------------------


def cut(token: str, characters: int) -> str:
    return token[:-characters]


def test_an_es256_token_with_30_characters_cut_off_warns_that_its_signature_is_42_bytes_not_64(clock):
    decoded = decode_unverified(cut(sign(CLAIMS, demo_key("ES256")), 30), clock=clock)
    assert len(decoded.signature) == 42
    (warning,) = decoded.warnings
    assert warning.code == "signature_size"
    assert warning.message.startswith("The signature is 42 bytes, but an ES256 signature is R and S side by side")
    assert "always 64 bytes (RFC 7518 §3.4)" in warning.message
    assert "cut off" in warning.message


@pytest.mark.parametrize(
    ("alg", "rule"),
    [
        ("HS256", "always 32 bytes (RFC 7518 §3.2)"),
        ("RS256", "RFC 7518 §3.3 requires keys of 2048 bits (256 bytes) or more"),
        ("ES256", "always 64 bytes (RFC 7518 §3.4)"),
        ("EdDSA", "always 64 bytes with Ed25519, 114 with Ed448 (RFC 8037 §3.1)"),
    ],
)
def test_every_cut_into_a_demo_tokens_signature_is_refused_or_warned_about_with_the_rule(alg, rule, clock):
    token = sign(CLAIMS, demo_key(alg))
    for characters in range(1, len(token.rsplit(".", 1)[1])):
        try:
            decoded = decode_unverified(cut(token, characters), clock=clock)
        except TokenFormatError as err:  # 1 more than a multiple of 4: no base64url text is that long
            assert "was it cut off?" in str(err)
            continue
        found = {w.code: w.message for w in decoded.warnings}
        assert rule in found["signature_size"], (characters, found)


@pytest.mark.parametrize("alg", DEMO_ALGORITHMS)
def test_a_whole_signature_of_each_demo_key_gets_no_size_warning(alg, clock):
    assert warning_codes(sign(CLAIMS, demo_key(alg)), clock) == []


@pytest.mark.parametrize(
    ("alg", "size", "warned"),
    [
        ("HS384", 48, False),
        ("HS512", 63, True),
        ("ES384", 96, False),
        ("ES512", 132, False),
        ("ES512", 128, True),
        ("EdDSA", 114, False),  # Ed448
        ("RS512", 512, False),  # a 4096-bit key
        ("PS256", 384, False),  # a 3072-bit key
        ("RS256", 300, True),  # the size of no common RSA key
        ("RS256", 128, True),  # a 1024-bit key, or a cut: either way not to be trusted
        ("XY999", 7, False),  # an algorithm tokenlab does not know: no rule to apply
    ],
)
def test_the_signature_size_is_checked_against_what_the_alg_always_gives(alg, size, warned, clock):
    token = f"{segment({'alg': alg})}.{segment(CLAIMS)}.{b64url_encode(bytes(size))}"
    assert ("signature_size" in warning_codes(token, clock)) is warned


def test_a_short_rsa_signature_says_the_key_may_be_too_small_and_cites_pss_for_ps256(clock):
    token = f"{segment({'alg': 'PS256'})}.{segment(CLAIMS)}.{b64url_encode(bytes(128))}"
    (message,) = [w.message for w in decode_unverified(token, clock=clock).warnings if w.code == "signature_size"]
    assert "RFC 7518 §3.5 requires keys of 2048 bits (256 bytes) or more" in message
    assert "the key is too small to trust" in message


def test_verify_names_the_size_every_signature_of_the_key_has(clock):
    key = demo_key("RS256")
    with pytest.raises(InvalidSignatureError) as caught:
        verify(cut(sign(CLAIMS, key), 30), key.public(), algorithms=["RS256"], audience="api", clock=clock)
    assert str(caught.value).startswith(
        f"The signature is 234 bytes, but key {key.kid} has a 2048-bit modulus, and an RS256 signature is as long "
        "as the modulus, always 256 bytes (RFC 7518 §3.3)"
    )


def test_verify_of_a_cut_ed25519_token_says_the_key_signs_64_bytes(clock):
    key = demo_key("EdDSA")
    with pytest.raises(InvalidSignatureError, match=r"is an Ed25519 key, and its signatures are always 64 bytes"):
        verify(cut(sign(CLAIMS, key), 30), key.public(), algorithms=["EdDSA"], audience="api", clock=clock)


# --- verifying: the ordinary cases (the attacks are in test_security_verify.py) -----------------


@pytest.mark.parametrize("alg", DEMO_ALGORITHMS)
def test_verify_returns_the_claims_of_a_valid_token(alg, clock):
    token = sign(CLAIMS, demo_key(alg))
    assert verify(token, demo_key(alg), algorithms=[alg], audience="api", issuer=ISSUER, clock=clock) == CLAIMS
    assert verify(token, demo_key(alg).public(), algorithms=alg, audience="api", clock=clock) == CLAIMS


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_verify_picks_the_key_by_kid_from_a_key_set_or_a_jwks(alg, clock):
    token = sign(CLAIMS, demo_key(alg))
    assert verify(token, demo_key_set(), algorithms=[alg], audience="api", clock=clock)["sub"] == "alice"
    assert verify(token, demo_key_set().jwks(), algorithms=[alg], audience="api", clock=clock)["sub"] == "alice"


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_verify_reads_the_public_key_as_pem_or_jwk_text(alg, clock):
    token = sign(CLAIMS, demo_key(alg))
    for key in (demo_key(alg).public_pem(), json.dumps(demo_key(alg).public_jwk()), demo_key(alg).public_jwk()):
        assert verify(token, key, algorithms=[alg], audience="api", clock=clock) == CLAIMS


def test_verify_uses_the_only_key_of_a_one_key_set_for_a_token_without_kid(clock):
    header = {"alg": "ES256", "typ": "JWT"}
    signing_input = f"{segment(header)}.{segment(CLAIMS)}"
    token = f"{signing_input}.{b64url_encode(demo_key('ES256').sign_bytes(signing_input.encode()))}"
    assert verify(token, KeySet([demo_key("ES256")]), algorithms=["ES256"], audience="api", clock=clock) == CLAIMS
    with pytest.raises(UnknownKeyError, match="no kid"):
        verify(token, demo_key_set(), algorithms=["ES256"], audience="api", clock=clock)


def test_an_rsa_key_given_as_key_material_verifies_ps256_but_a_pinned_rs256_key_does_not(clock):
    token = sign(CLAIMS, as_key(demo_key("RS256").signing, "PS256"))
    public = demo_key("RS256").verifying
    assert verify(token, public, algorithms=["PS256"], audience="api", clock=clock) == CLAIMS
    with pytest.raises(KeyAlgorithmMismatchError):
        verify(token, demo_key("RS256"), algorithms=["PS256"], audience="api", clock=clock)


def test_a_longer_hmac_secret_given_as_text_serves_hs512(clock):
    secret = "s" * 64
    token = sign(CLAIMS, as_key(secret, "HS512"))
    assert verify(token, secret, algorithms=["HS512"], audience="api", clock=clock) == CLAIMS


# --- which key verified the token -------------------------------------------------

CURRENT, NEXT = demo_key("RS256"), demo_key("RS256", generation=2)  # same alg, different kid: only kid tells them apart


def test_verify_complete_reports_the_key_of_a_two_key_set_that_signed_each_token(clock):
    both = KeySet([CURRENT.public(), NEXT.public()])
    assert CURRENT.kid != NEXT.kid
    for signer in (CURRENT, NEXT):
        result = verify_complete(sign(CLAIMS, signer), both, algorithms=["RS256"], audience="api", clock=clock)
        assert result.key is both.get(signer.kid)
        assert (result.claims, result.header["kid"], result.algorithms) == (CLAIMS, signer.kid, ("RS256",))


def test_verify_complete_reports_the_only_key_of_a_one_key_set_for_a_token_without_kid(clock):
    header = {"alg": "RS256", "typ": "JWT"}
    signing_input = f"{segment(header)}.{segment(CLAIMS)}"
    token = f"{signing_input}.{b64url_encode(NEXT.sign_bytes(signing_input.encode()))}"
    result = verify_complete(token, KeySet([NEXT.public()]), algorithms=["RS256"], audience="api", clock=clock)
    assert result.key.kid == NEXT.kid
    with pytest.raises(UnknownKeyError, match="no kid"):
        verify_complete(token, KeySet([CURRENT.public(), NEXT.public()]), algorithms=["RS256"], audience="api")


def test_a_key_that_does_not_match_the_token_is_named_in_the_refusal(clock):
    token = sign(CLAIMS, NEXT)
    with pytest.raises(UnknownKeyError, match=f"kid '{NEXT.kid}'"):
        verify_complete(token, KeySet([CURRENT.public()]), algorithms=["RS256"], audience="api", clock=clock)
    impostor = KeySet([as_key(CURRENT.verifying, "RS256", kid=NEXT.kid)])  # NEXT's kid, CURRENT's key material
    with pytest.raises(InvalidSignatureError, match=f"does not match key {NEXT.kid}"):
        verify_complete(token, impostor, algorithms=["RS256"], audience="api", clock=clock)
    with pytest.raises(KeyAlgorithmMismatchError, match="pinned to ES256"):
        verify_complete(token, demo_key("ES256"), algorithms=["RS256"], audience="api", clock=clock)


def test_verify_returns_exactly_the_claims_verify_complete_reports(clock):
    token = sign(CLAIMS, CURRENT)
    complete = verify_complete(token, CURRENT, algorithms=["RS256"], audience="api", clock=clock)
    assert verify(token, CURRENT, algorithms=["RS256"], audience="api", clock=clock) == complete.claims
    assert complete.key is CURRENT


def test_select_key_chooses_by_kid_never_by_position_and_names_what_is_missing():
    both = KeySet([CURRENT.public(), NEXT.public()])
    assert select_key(both, {"alg": "RS256", "kid": NEXT.kid}).kid == NEXT.kid
    assert select_key(both.jwks(), {"alg": "RS256", "kid": CURRENT.kid}).kid == CURRENT.kid
    assert select_key(KeySet([NEXT.public()]), {"alg": "RS256"}).kid == NEXT.kid
    with pytest.raises(UnknownKeyError, match="'rs256-nope'"):
        select_key(both, {"alg": "RS256", "kid": "rs256-nope"})
    with pytest.raises(KeyAlgorithmMismatchError, match=f"the key is {NEXT.kid}, pinned to RS256"):
        select_key(both, {"alg": "PS256", "kid": NEXT.kid})
    with pytest.raises(InvalidKeyError, match="cannot be used"):
        select_key("", {"alg": "HS256"})


def test_trusted_algorithms_are_the_keys_own_whatever_the_token_asks_for():
    assert trusted_algorithms(demo_key_set(), "HS256") == ["ES256", "EdDSA", "RS256"]
    assert trusted_algorithms(demo_key_set().jwks()) == ["ES256", "EdDSA", "RS256"]
    assert trusted_algorithms(CURRENT, "PS256") == ["RS256"]  # a pinned key stays pinned
    assert trusted_algorithms(CURRENT.verifying, "PS256") == ["PS256"]  # RSA key material serves its family
    assert trusted_algorithms(CURRENT.public_pem(), "HS256") == ["RS256"]  # never an RSA key as an HMAC secret
    assert trusted_algorithms("s" * 64, "HS512") == ["HS512"]
    assert trusted_algorithms("s" * 64, "none") == ["HS256"]


@pytest.mark.parametrize("algorithms", [[], ()])
def test_verify_with_no_allowed_algorithm_is_a_usage_error(algorithms, clock):
    with pytest.raises(UsageError, match="algorithms is empty"):
        verify(sign(CLAIMS, demo_key("RS256")), demo_key("RS256"), algorithms=algorithms, clock=clock)


def test_verify_requires_exp_by_default_and_each_claim_named_in_require(clock):
    no_exp = sign({"sub": "alice"}, demo_key("HS256"))
    with pytest.raises(MissingClaimError) as caught:
        verify(no_exp, demo_key("HS256"), algorithms=["HS256"], clock=clock)
    assert caught.value.claim == "exp"
    assert verify(no_exp, demo_key("HS256"), algorithms=["HS256"], clock=clock, require=()) == {"sub": "alice"}
    token = sign({"exp": NOW + 60}, demo_key("HS256"))
    with pytest.raises(MissingClaimError) as caught:
        verify(token, demo_key("HS256"), algorithms=["HS256"], clock=clock, require=["exp", "jti"])
    assert caught.value.claim == "jti"


def test_verify_rejects_a_time_claim_that_is_not_a_number(clock):
    token = sign({**CLAIMS, "nbf": "now"}, demo_key("HS256"))
    with pytest.raises(InvalidClaimError) as caught:
        verify(token, demo_key("HS256"), algorithms=["HS256"], audience="api", clock=clock)
    assert caught.value.claim == "nbf"


@pytest.mark.parametrize("key", [None, 5, "", {"kty": "nope"}])
def test_verify_with_an_unusable_key_raises_invalid_key_error(key, clock):
    with pytest.raises(InvalidKeyError, match="cannot be used"):
        verify(sign(CLAIMS, demo_key("HS256")), key, algorithms=["HS256"], audience="api", clock=clock)


def test_verify_measures_time_on_the_given_clock(clock):
    token = sign(CLAIMS, demo_key("EdDSA"))
    clock.advance(minutes=4, seconds=59)
    assert verify(token, demo_key("EdDSA"), algorithms=["EdDSA"], audience="api", clock=clock)["sub"] == "alice"
    clock.advance(seconds=1)
    with pytest.raises(InvalidTokenError, match="expired at 2026-01-05 09:05:00 UTC"):
        verify(token, demo_key("EdDSA"), algorithms=["EdDSA"], audience="api", clock=clock)


# --- properties -------------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
# What a JSON producer may write in a token, NaN and Infinity included (Python's json writes and reads them).
loose_values = st.recursive(
    json_scalars | st.floats() | st.integers(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)
interesting_names = st.sampled_from(
    ["alg", "typ", "kid", "crit", "jku", "jwk", "x5u", "x5c", "exp", "nbf", "iat", "auth_time", "aud", "password"]
)
json_objects = st.dictionaries(interesting_names | st.text(max_size=6), loose_values, max_size=6)
edge_times = st.sampled_from([0, -1, 10**30, -(10**30), 1e300, -1e300, float("inf"), float("-inf"), float("nan")])
time_values = edge_times | st.integers() | st.floats() | st.integers(min_value=NOW - 10**6, max_value=NOW + 10**6)
time_claims = st.fixed_dictionaries(
    {}, optional={name: time_values for name in ("exp", "nbf", "iat", "auth_time")} | {"aud": st.just("api")}
)
as_json = json.dumps  # writes NaN and Infinity, as a careless producer would
segment_bytes = st.one_of(
    time_claims.map(lambda obj: as_json(obj).encode()),
    json_objects.map(lambda obj: as_json(obj).encode()),
    loose_values.map(lambda value: as_json(value).encode()),
    st.binary(max_size=64),
    st.text(max_size=40).map(lambda text: text.encode("utf-8", "surrogatepass")),
)
header_bytes = st.one_of(json_objects.map(lambda obj: as_json(obj).encode()), segment_bytes)
payload_bytes = st.one_of(time_claims.map(lambda obj: as_json(obj).encode()), segment_bytes)
b64url_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
signature_text = st.binary(max_size=80).map(b64url_encode) | st.text(b64url_alphabet + "=+/ .", max_size=90)
three_segments = st.tuples(header_bytes.map(b64url_encode), payload_bytes.map(b64url_encode), signature_text).map(
    ".".join
)


def decodes_or_refuses_as_a_format_error(value) -> None:
    try:
        decoded = decode_unverified(value, clock=Clock.frozen())
    except TokenFormatError as exc:
        message = str(exc)
        assert message[:1].isupper() and message.endswith((".", "?")), message
        return
    assert isinstance(decoded, DecodedToken)
    assert str(decoded).startswith("UNVERIFIED")


@FAST
@given(st.text(max_size=300))
def test_decode_of_any_text_returns_a_decoded_token_or_raises_token_format_error(text):
    decodes_or_refuses_as_a_format_error(text)


@FAST
@given(st.binary(max_size=300))
def test_decode_of_any_bytes_returns_a_decoded_token_or_raises_token_format_error(data):
    decodes_or_refuses_as_a_format_error(data)


@settings(max_examples=400, deadline=None, database=None)
@given(three_segments)
def test_decode_of_three_base64url_segments_of_any_content_never_raises_anything_else(token):
    decodes_or_refuses_as_a_format_error(token)


@FAST
@given(st.one_of(three_segments, st.text(max_size=100)))
def test_verify_of_any_input_raises_only_a_format_or_invalid_token_error(token):
    with pytest.raises((TokenFormatError, InvalidTokenError)):
        verify(token, demo_key("HS256"), algorithms=["HS256", "RS256"], clock=Clock.frozen())


claims_dicts = st.dictionaries(st.text(max_size=12), json_values, max_size=8)


@FAST
@given(claims_dicts)
def test_sign_then_decode_unverified_gives_back_the_claims(claims):
    token = sign(claims, demo_key("HS256"))
    assert decode_unverified(token, clock=Clock.frozen()).claims == claims


REGISTERED = {"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}


@pytest.mark.parametrize("alg", DEMO_ALGORITHMS)
@settings(max_examples=25, deadline=None, database=None)
@given(
    claims=st.dictionaries(st.text(max_size=12).filter(lambda name: name not in REGISTERED), json_values, max_size=6)
)
def test_verify_with_the_right_key_gives_back_the_signed_claims(alg, claims):
    claims = {**claims, "exp": NOW + 300}
    token = sign(claims, demo_key(alg))
    assert verify(token, demo_key(alg).public(), algorithms=[alg], clock=Clock.frozen()) == claims


@settings(max_examples=60, deadline=None, database=None)
@given(claims=claims_dicts, position=st.integers(min_value=0), replacement=st.sampled_from(b64url_alphabet))
def test_any_one_character_change_in_header_or_payload_is_never_accepted(claims, position, replacement):
    token = sign({**claims, "exp": NOW + 300}, demo_key("HS256"))
    signed_part = token.rsplit(".", 1)[0]
    position %= len(signed_part)
    assume(signed_part[position] not in (".", replacement))
    tampered = signed_part[:position] + replacement + token[position + 1 :]
    with pytest.raises((TokenFormatError, InvalidTokenError)):
        verify(tampered, demo_key("HS256"), algorithms=["HS256"], clock=Clock.frozen(), require=())
