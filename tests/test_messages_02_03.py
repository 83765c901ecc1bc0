"""Lessons 02 and 03 show these tokenlab messages: they cite the section that says each rule, and say so
where tokenlab is stricter than the standard."""

import hashlib
import hmac

import pytest

from tokenlab import KeySet, decode_unverified, demo_key, sign, verify
from tokenlab.claims import HEADER_MEANINGS
from tokenlab.errors import AlgorithmNotAllowedError, TokenFormatError, UnknownKeyError, UsageError
from tokenlab.tokens import b64url_encode


def test_the_decoders_jku_warning_cites_key_origin_authentication():
    claims = {"sub": "alice", "aud": "https://api.example.com", "exp": 1767603900}
    token = sign(claims, demo_key("RS256"), headers={"jku": "https://keys.example.net/jwks.json"})
    warning = next(w for w in decode_unverified(token).warnings if w.code == "header_jku")
    assert "RFC 7515 §10.3" in warning.message and "RFC 8725 §3.10" in warning.message
    assert "must never" not in warning.message


def test_the_decoders_weak_secret_warning_takes_the_length_from_rfc_7518():
    head = b64url_encode(b'{"alg":"HS256","typ":"JWT"}')
    body = b64url_encode(b'{"sub":"alice"}')
    mac = hmac.new(b"secret", f"{head}.{body}".encode(), hashlib.sha256).digest()
    warning = next(
        w for w in decode_unverified(f"{head}.{body}.{b64url_encode(mac)}").warnings if w.code == "weak_secret"
    )
    assert "32 bytes (RFC 7518 §3.2)" in warning.message and "RFC 8725 §3.5" in warning.message


UNSIGNED = b64url_encode(b'{"alg":"none"}') + "." + b64url_encode(b'{"sub":"alice"}') + "."


def test_the_none_warning_cites_rfc_7518_for_the_must_not_and_rfc_8725_for_the_libraries():
    warning = next(w for w in decode_unverified(UNSIGNED).warnings if w.code == "alg_none")
    assert "unless the application allows it for this token (RFC 7518 §3.6, RFC 8725 §3.2)" in warning.message


def test_alg_none_is_refused_as_tokenlabs_choice_and_rfc_8725_says_what_it_allows():
    unsigned = UNSIGNED
    with pytest.raises(UsageError, match="tokenlab's verifier never accepts it") as raised:
        verify(unsigned, demo_key("RS256").public(), algorithms=["none"])
    assert "RFC 8725 §3.2" in str(raised.value)


def test_refusing_none_is_called_the_verifiers_choice_with_what_rfc_7518_forbids():
    with pytest.raises(AlgorithmNotAllowedError) as raised:
        verify(UNSIGNED, demo_key("RS256").public(), algorithms=["RS256"])
    assert "tokenlab's verifier chooses never to accept 'none', because" in str(raised.value)
    assert "RFC 7518 §3.6" in str(raised.value) and "tokenlab never accepts" not in str(raised.value)


def test_an_unknown_kid_may_also_be_a_key_published_after_the_verifiers_copy_was_fetched():
    token = sign({"sub": "alice", "exp": 1767603900}, demo_key("ES256"))
    with pytest.raises(UnknownKeyError) as raised:
        verify(token, KeySet([demo_key("RS256").public()]), algorithms=["ES256"])
    assert "published it after this verifier's copy was fetched" in str(raised.value)
    assert "no key in that set signed this token" in str(raised.value)
    assert "no trusted key signed this token" not in str(raised.value)


def test_duplicate_names_are_refused_as_the_decoders_choice_since_rfc_7519_also_allows_last_wins():
    doubled = b64url_encode(b'{"alg":"none"}') + "." + b64url_encode(b'{"sub":"a","sub":"b"}') + "."
    with pytest.raises(TokenFormatError) as raised:
        decode_unverified(doubled)
    assert "tokenlab's decoder chooses to reject duplicate names, because" in str(raised.value)
    assert "either reject them or keep only the last one" in str(raised.value)


@pytest.mark.parametrize("name", ["jku", "x5u"])
def test_the_decoder_explains_a_key_url_without_presenting_never_fetching_as_an_rfc_rule(name):
    meaning = HEADER_MEANINGS[name]
    assert "never" not in meaning and "RFC 8725 §3.10" in meaning


def test_the_long_lived_warning_does_not_put_words_in_rfc_6819s_mouth():
    token = sign({"sub": "alice", "aud": "x", "iat": 1767603600, "exp": 1767603600 + 2 * 86400}, demo_key("RS256"))
    warning = next(w for w in decode_unverified(token).warnings if w.code == "long_lived")
    assert "minutes (RFC 6819" not in warning.message and "RFC 6750 §5.3 asks for an hour or less" in warning.message
