"""The nbval masks (tests/nbval-sanitize.cfg) hide what depends on a lesson provider's port, and nothing else.

A mask that hid more would let a real regression in a stored output pass; tests/test_shared_host.py shows that
they hide enough.
"""

from __future__ import annotations

import re
from pathlib import Path

from nbval.plugin import get_sanitize_patterns

from tokenlab import sign
from tokenlab.keys import demo_key

CONFIG = Path(__file__).parent / "nbval-sanitize.cfg"
PATTERNS = get_sanitize_patterns(CONFIG.read_text(encoding="utf-8"))


def masked(text: str) -> str:
    for regex, replace in PATTERNS:  # as nbval applies them: in the file's order
        text = re.sub(regex, replace, text)
    return text


def access_token(port: int, **claims: str) -> str:
    body = {"iss": f"http://127.0.0.1:{port}", "sub": "user-alice", "aud": "demo-api", "scope": "orders:read"}
    return sign({**body, **claims}, demo_key("RS256"), typ="at+jwt")


def test_every_mask_is_read_from_the_file():
    assert len(PATTERNS) == CONFIG.read_text(encoding="utf-8").count("\nregex: ")


def test_the_port_of_a_url_is_masked_whether_plain_or_url_encoded():
    assert masked("http://127.0.0.1:8406/token") == masked("http://127.0.0.1:8407/token")
    assert masked("iss=http%3A%2F%2F127.0.0.1%3A8406") == masked("iss=http%3A%2F%2F127.0.0.1%3A9123")
    assert masked("http://127.0.0.1:8406/token") != masked("http://127.0.0.1:8406/tokens")


def test_a_token_from_another_port_looks_the_same_and_one_with_other_claims_does_not():
    assert masked(access_token(8406)) == masked(access_token(8407))
    assert masked(access_token(8406)) != masked(access_token(8406, sub="user-mallory"))
    assert masked(access_token(8406)) != masked(access_token(8406, scope="orders:read orders:write"))


def test_a_token_from_another_issuer_is_compared_whole():
    token = sign({"iss": "https://login.example.com", "sub": "alice"}, demo_key("RS256"))
    assert masked(token) == token


def test_an_id_tokens_payload_is_masked_whole_because_its_at_hash_carries_the_port():
    one = access_token(8406, at_hash="a1" * 11)
    other = access_token(8407, at_hash="b2" * 11)
    assert masked(one) == masked(other)


def test_an_http_message_signature_is_masked_and_its_label_and_parameters_are_not():
    line = "Signature: sig1=:PhY5z1CeBsL9BOskxVVSXcQEnIFOen4ltacBr+Y4FUQ=:"
    assert masked(line) == "Signature: sig1=:SIGNATURE:"
    assert masked('Signature-Input: sig1=("@method");created=1') == 'Signature-Input: sig1=("@method");created=1'
