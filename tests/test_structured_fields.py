"""tokenlab.structured_fields: RFC 9651 Dictionaries, parsed strictly and serialised canonically."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokenlab.structured_fields import (
    InnerList,
    Item,
    StructuredFieldError,
    Token,
    parse_dictionary,
    serialize_dictionary,
    serialize_inner_list,
)


def test_a_signature_input_parses_into_an_inner_list_with_parameters():
    fields = parse_dictionary('sig1=("@method" "@path" "content-digest");created=1767603600;keyid="shop";alg=hmac')
    member = fields["sig1"]
    assert isinstance(member, InnerList)
    assert [item.value for item in member.items] == ["@method", "@path", "content-digest"]
    assert member.params == {"created": 1767603600, "keyid": "shop", "alg": Token("hmac")}
    assert isinstance(member.params["alg"], Token)


def test_every_bare_item_type_rfc_9651_section_3_3_that_signatures_use():
    fields = parse_dictionary('a=1, b=-42, c="say \\"hi\\" \\\\", d=tok/en:1, e=:aGVsbG8=:, f=?0, g, h;p=?1;q')
    assert fields["a"] == Item(1)
    assert fields["b"] == Item(-42)
    assert fields["c"] == Item('say "hi" \\')
    assert fields["d"] == Item(Token("tok/en:1"))
    assert fields["e"] == Item(b"hello")
    assert fields["f"] == Item(False)
    assert fields["g"] == Item(True)
    assert fields["h"] == Item(True, {"p": True, "q": True})


def test_the_content_digest_example_of_rfc_9530_parses_to_its_bytes():
    fields = parse_dictionary("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:")
    assert len(fields["sha-256"].value) == 32


def test_byte_sequences_may_leave_out_their_padding_rfc_9651_section_4_2_7():
    assert parse_dictionary("a=:aGVsbG8:")["a"].value == b"hello"


def test_whitespace_around_members_is_allowed_and_the_last_duplicate_key_wins():
    fields = parse_dictionary(" a=1 ,\tb=2,  a=3 ")
    assert list(fields) == ["b", "a"]
    assert fields["a"] == Item(3)


def test_an_empty_field_is_an_empty_dictionary():
    assert parse_dictionary("") == {}


@pytest.mark.parametrize(
    "text",
    [
        "a=1,",  # trailing comma
        "A=1",  # keys are lower case
        'a="open',  # unterminated string
        'a="\\x"',  # only \" and \\ are escapes
        "a=1.5",  # decimals are refused
        "a=1234567890123456",  # 16 digits
        "a=:not base64!:",
        "a=?2",
        "a=(1 2",  # unclosed inner list
        "a=(1,2)",
        "a=1 b=2",  # members need commas
        'a="café"',  # non-ASCII
        "a=@",
    ],
)
def test_anything_else_fails_to_parse(text):
    with pytest.raises(StructuredFieldError):
        parse_dictionary(text)


def test_serialising_is_canonical_so_spacing_and_leading_zeros_disappear():
    fields = parse_dictionary('sig1=(  "a"   "b" );created=007;x=?1')
    assert serialize_inner_list(fields["sig1"]) == '("a" "b");created=7;x'
    assert serialize_dictionary(fields) == 'sig1=("a" "b");created=7;x'


def test_strings_with_quotes_and_backslashes_are_escaped_when_serialised():
    assert serialize_dictionary({"a": Item('say "hi" \\')}) == 'a="say \\"hi\\" \\\\"'


@pytest.mark.parametrize("value", ["tab\there", "café", 10**15, 1.5, Token("bad token")])
def test_values_that_have_no_structured_form_cannot_be_serialised(value):
    with pytest.raises(StructuredFieldError):
        serialize_dictionary({"a": Item(value)})


_keys = st.from_regex(r"[a-z*][a-z0-9_\-.*]{0,8}", fullmatch=True)
_bare = st.one_of(
    st.integers(-(10**15) + 1, 10**15 - 1),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12),
    st.from_regex(r"[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]{0,8}", fullmatch=True).map(Token),
    st.binary(max_size=12),
    st.booleans(),
)
_params = st.dictionaries(_keys, _bare, max_size=3)
_items = st.builds(Item, _bare, _params)
_members = st.one_of(_items, st.builds(InnerList, st.lists(_items, max_size=4).map(tuple), _params))


@given(st.dictionaries(_keys, _members, max_size=4))
def test_parse_after_serialise_gives_back_the_same_dictionary(members):
    text = serialize_dictionary(members)
    assert parse_dictionary(text) == members
    assert serialize_dictionary(parse_dictionary(text)) == text


@pytest.mark.parametrize("value", ["a=@1659578233", 'a=%"caf%c3%a9"'])
def test_the_dates_and_display_strings_rfc_9651_added_are_refused_as_no_signature_field_uses_them(value):
    with pytest.raises(StructuredFieldError):
        parse_dictionary(value)
