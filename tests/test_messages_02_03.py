"""Lessons 02 and 03 show these tokenlab messages: they cite the section that says each rule, and say so
where tokenlab is stricter than the standard."""

import hashlib
import hmac

import pytest

from tokenlab import decode_unverified, demo_key, sign, verify
from tokenlab.errors import UsageError
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


def test_alg_none_is_refused_as_tokenlabs_choice_and_rfc_8725_says_what_it_allows():
    unsigned = b64url_encode(b'{"alg":"none"}') + "." + b64url_encode(b'{"sub":"alice"}') + "."
    warning = next(w for w in decode_unverified(unsigned).warnings if w.code == "alg_none")
    assert "unless its caller explicitly allowed 'none' (RFC 8725 §3.1, §3.2)" in warning.message
    with pytest.raises(UsageError, match="tokenlab's verifier never accepts it") as raised:
        verify(unsigned, demo_key("RS256").public(), algorithms=["none"])
    assert "RFC 8725 §3.2" in str(raised.value)
