"""tokenlab.token_format: base64url, the three parts of a compact JWS, and what a JWT looks like in other text."""

import pytest

from tokenlab.errors import TokenFormatError
from tokenlab.keys import demo_key
from tokenlab.token_format import JWT_PATTERN, MAX_TOKEN_CHARS, b64url_decode, b64url_encode, parse_compact
from tokenlab.tokens import decode_unverified, sign

CLAIMS = {"sub": "alice", "aud": "api", "exp": 1767603900}


# --- base64url --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "text"), [(b"", ""), (b"f", "Zg"), (b"fo", "Zm8"), (b"foo", "Zm9v"), (b"\xfb\xff", "-_8")]
)
def test_b64url_encodes_without_padding_in_the_url_safe_alphabet_and_decodes_back(data, text):
    assert b64url_encode(data) == text
    assert b64url_decode(text) == data


def test_b64url_decode_names_the_part_that_is_broken():
    with pytest.raises(TokenFormatError) as caught:
        b64url_decode("ab=", part="payload")
    assert caught.value.part == "payload"
    assert str(caught.value).startswith("The payload contains '='")


def test_text_starting_eyj_with_no_dots_is_the_start_of_a_jwt_cut_off_not_an_opaque_token():
    with pytest.raises(TokenFormatError) as caught:
        decode_unverified(sign(CLAIMS, demo_key("ES256"))[:60])
    message = str(caught.value)
    assert message.startswith("This is not a JWT but the start of one, cut off: it begins with eyJ")
    assert "a JWT has three parts, header.payload.signature (RFC 7515 §7.1)" in message
    assert "opaque" not in message


def test_text_with_no_dots_that_does_not_start_eyj_may_still_be_an_opaque_token():
    with pytest.raises(TokenFormatError, match="It may be an opaque token"):
        decode_unverified("8xLOxBtZp8")


def test_the_size_cap_is_32_kib():
    assert MAX_TOKEN_CHARS == 32 * 1024


def test_parse_compact_decodes_the_three_parts_and_checks_nothing_they_say():
    token = sign(CLAIMS, demo_key("ES256"))
    parsed = parse_compact(token)
    assert (parsed.header["alg"], parsed.claims, len(parsed.signature)) == ("ES256", CLAIMS, 64)
    assert ".".join(parsed.segments) == token
    forged = parse_compact(token.rsplit(".", 1)[0] + ".AAAA")
    assert forged.claims == CLAIMS and forged.signature == b"\0\0\0"


def test_the_jwt_pattern_finds_each_token_in_a_line_of_text_and_nothing_else():
    first, second = sign(CLAIMS, demo_key("ES256")), sign(CLAIMS, demo_key("RS256"))
    line = f"GET /orders HTTP/1.1 Host: 127.0.0.1:8000 Authorization: Bearer {first} id_token={second}&x=a.b.c"
    assert [m.group(0) for m in JWT_PATTERN.finditer(line)] == [first, second]
    unsigned = first.rsplit(".", 1)[0] + "."
    assert JWT_PATTERN.fullmatch(unsigned)  # alg none: an empty signature is still a JWT's shape
    for not_a_jwt in ("127.0.0.1", "example.com.au", "eyJhbGciOi", "eyJ.", "abc.eyJz.def"):
        assert not JWT_PATTERN.fullmatch(not_a_jwt), not_a_jwt
