"""tokenlab.signature_base: the exact bytes a request signature covers (RFC 9421 §2.5), and SigV4's canonical query."""

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokenlab.errors import MalformedSignatureError, MissingSignatureError
from tokenlab.signature_base import (
    SignatureInput,
    canonical_query,
    canonical_request,
    content_digest,
    diff_bytes,
    field_map,
    parse_signature_dictionary,
    show_base,
)

# RFC 9421 Appendix B.1 (the shared secret "test-shared-secret") and B.2 (the request), used by the examples of B.2.
RFC_SECRET = base64.b64decode(
    "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ=="
)
RFC_URL = "https://example.com/foo?param=Value&Pet=dog"
RFC_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
    "Content-Length": "18",
}


def test_rfc_9421_appendix_b_2_5_hmac_example_comes_out_byte_for_byte():
    signature_input = SignatureInput(
        ("date", "@authority", "content-type"), {"created": 1618884473, "keyid": "test-shared-secret"}, "sig-b25"
    )
    base = canonical_request("POST", RFC_URL, RFC_HEADERS, signature_input)
    assert base == (
        b'"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
        b'"@authority": example.com\n'
        b'"content-type": application/json\n'
        b'"@signature-params": ("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"'
    )
    mac = hmac.new(RFC_SECRET, base, hashlib.sha256).digest()
    assert base64.b64encode(mac) == b"pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8="
    assert signature_input.header() == (
        'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"'
    )


def test_rfc_9421_appendix_b_2_3_full_coverage_base_keeps_the_query_exactly_as_sent():
    covered = ("date", "@method", "@path", "@query", "@authority", "content-type", "content-digest", "content-length")
    signature_input = SignatureInput(covered, {"created": 1618884473, "keyid": "test-key-rsa-pss"}, "sig-b23")
    base = canonical_request("POST", RFC_URL, RFC_HEADERS, signature_input)
    assert base == (
        b'"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
        b'"@method": POST\n'
        b'"@path": /foo\n'
        b'"@query": ?param=Value&Pet=dog\n'
        b'"@authority": example.com\n'
        b'"content-type": application/json\n'
        b'"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:\n'
        b'"content-length": 18\n'
        b'"@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" '
        b'"content-length");created=1618884473;keyid="test-key-rsa-pss"'
    )


def test_rfc_9421_appendix_b_2_6_ed25519_example_base_comes_out_byte_for_byte():
    covered = ("date", "@method", "@path", "@authority", "content-type", "content-length")
    signature_input = SignatureInput(covered, {"created": 1618884473, "keyid": "test-key-ed25519"}, "sig-b26")
    assert canonical_request("POST", RFC_URL, RFC_HEADERS, signature_input) == (
        b'"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
        b'"@method": POST\n'
        b'"@path": /foo\n'
        b'"@authority": example.com\n'
        b'"content-type": application/json\n'
        b'"content-length": 18\n'
        b'"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");'
        b'created=1618884473;keyid="test-key-ed25519"'
    )


def test_the_base_is_one_line_per_component_in_the_listed_order_then_the_signature_params():
    signature_input = SignatureInput.make(
        ("content-type", "@path", "@method", "@authority", "@query", "@scheme"), created=1, keyid="k", nonce="n"
    )
    base = canonical_request(
        "POST", "http://Shop.Example:8080/a/b%20c?z=1&a=2", {"Content-Type": " text/plain "}, signature_input
    )
    assert base.split(b"\n") == [
        b'"content-type": text/plain',
        b'"@path": /a/b%20c',
        b'"@method": POST',
        b'"@authority": shop.example:8080',
        b'"@query": ?z=1&a=2',
        b'"@scheme": http',
        b'"@signature-params": ("content-type" "@path" "@method" "@authority" "@query" "@scheme");'
        b'created=1;keyid="k";nonce="n";alg="hmac-sha256"',
    ]
    assert not base.endswith(b"\n")


def test_a_verifier_reads_the_signature_input_from_the_headers_when_none_is_given():
    signature_input = SignatureInput.make(("@method",), created=1, keyid="k", nonce="n")
    headers = {"Signature-Input": signature_input.header()}
    assert canonical_request("GET", "http://x/", headers) == canonical_request("GET", "http://x/", {}, signature_input)
    with pytest.raises(MissingSignatureError):
        canonical_request("GET", "http://x/", {})


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("", ""),
        ("status=open&limit=2", "limit=2&status=open"),  # sorted by name
        ("a=2&a=10&a=1", "a=1&a=10&a=2"),  # a repeated name: sorted by (encoded) value
        ("a-b=1&a=2", "a=2&a-b=1"),  # by name first, not by the "name=value" text
        ("q=tea+set", "q=tea%20set"),  # "+" is a space in a form, and a space is %20
        ("q=tea%20set", "q=tea%20set"),
        ("q=a%2bb", "q=a%2Bb"),  # an encoded plus stays a plus; hex in upper case
        ("path=%2Fa%2Fb&x=/", "path=%2Fa%2Fb&x=%2F"),  # "/" is not unreserved
        ("t=%7E~", "t=~~"),  # "~" is unreserved: never encoded
        ("flag&empty=&=v", "=v&empty=&flag="),  # no "=" is an empty value
        ("a=1&&b=2&", "a=1&b=2"),  # empty segments are skipped
        ("name=caf%C3%A9&z=é", "name=caf%C3%A9&z=%C3%A9"),  # UTF-8, encoded or not
        ("%C3%A9=1&z=1", "%C3%A9=1&z=1"),  # sorted after encoding: "%" before "z"
        ("b=%zz", "b=%25zz"),  # a stray "%" is a literal percent sign
    ],
)
def test_the_canonical_query_follows_sigv4(query, canonical):
    assert canonical_query(query) == canonical


def test_a_query_that_is_not_utf_8_cannot_be_canonicalised_for_sigv4_but_signs_as_sent():
    with pytest.raises(UnicodeDecodeError):
        canonical_query("a=%FF")
    signature_input = SignatureInput.make(("@query",), created=1, keyid="k", nonce="n")
    assert canonical_request("GET", "http://x/?a=%FF", {}, signature_input).startswith(b'"@query": ?a=%FF\n')


def test_an_absurdly_long_query_is_refused():
    with pytest.raises(ValueError):
        canonical_query("&".join(f"p{i}=1" for i in range(300)))


@given(st.lists(st.tuples(st.text(max_size=6), st.text(max_size=6)), max_size=6))
def test_any_order_and_any_legal_encoding_of_the_same_parameters_give_one_canonical_query(pairs):
    from urllib.parse import quote, quote_plus

    plus = "&".join(f"{quote_plus(n)}={quote_plus(v)}" for n, v in pairs)
    percent = "&".join(f"{quote(n, safe='')}={quote(v, safe='')}" for n, v in reversed(pairs))
    assert canonical_query(plus) == canonical_query(percent)


@pytest.mark.parametrize(
    ("url", "line"),
    [
        ("http://x/?param=value&foo=bar&baz=bat%2Dman", b'"@query": ?param=value&foo=bar&baz=bat%2Dman'),  # §2.2.7
        ("http://x/path?queryString", b'"@query": ?queryString'),  # §2.2.7's second example
        ("http://x/", b'"@query": ?'),  # no query: "?" alone
        ("http://x/?", b'"@query": ?'),
        ("http://x/?z=1&a=2", b'"@query": ?z=1&a=2'),  # never sorted
        ("http://x/?q=tea+set&q=cups", b'"@query": ?q=tea+set&q=cups'),  # never decoded or re-encoded
        ("http://x/?a=%2f", b'"@query": ?a=%2f'),  # percent-encoded octets as they are, lower-case hex too
    ],
)
def test_the_query_component_is_the_query_exactly_as_sent_rfc_9421_section_2_2_7(url, line):
    signature_input = SignatureInput.make(("@query",), created=1, keyid="k", nonce="n")
    assert canonical_request("GET", url, {}, signature_input).split(b"\n")[0] == line


def test_a_reordered_or_re_encoded_query_is_another_signature_base():
    signature_input = SignatureInput.make(("@query",), created=1, keyid="k", nonce="n")
    sent = canonical_request("GET", "http://x/?status=open&limit=2", {}, signature_input)
    for copy in ("http://x/?limit=2&status=open", "http://x/?status=%6Fpen&limit=2"):
        assert canonical_request("GET", copy, {}, signature_input) != sent


@pytest.mark.parametrize(
    ("url", "authority", "path"),
    [
        ("http://EXAMPLE.com:80/", "example.com", "/"),
        ("https://example.com:443/x", "example.com", "/x"),
        ("https://example.com:80/x", "example.com:80", "/x"),
        ("http://127.0.0.1:8413", "127.0.0.1:8413", "/"),
        ("http://user:pw@example.com/", "example.com", "/"),
        ("http://[::1]:8080/%7Ea", "[::1]:8080", "/%7Ea"),
        ("http://[::1]/", "[::1]", "/"),
    ],
)
def test_authority_is_lower_case_without_its_default_port_and_the_path_is_as_sent(url, authority, path):
    signature_input = SignatureInput.make(("@authority", "@path"), created=1, keyid="k", nonce="n")
    lines = canonical_request("GET", url, {}, signature_input).split(b"\n")
    assert lines[:2] == [f'"@authority": {authority}'.encode(), f'"@path": {path}'.encode()]


def test_header_values_are_trimmed_and_a_field_on_several_lines_is_joined_with_comma_space():
    fields = field_map([("Accept", " a "), ("X-Trace", "1"), ("accept", "b\t")])
    assert fields == {"accept": "a, b", "x-trace": "1"}
    signature_input = SignatureInput.make(("accept",), created=1, keyid="k", nonce="n")
    assert canonical_request("GET", "http://x/", [("Accept", "a"), ("Accept", "b")], signature_input).startswith(
        b'"accept": a, b\n'
    )


@pytest.mark.parametrize(
    ("covered", "headers", "error", "component"),
    [
        (("x-missing",), {}, MissingSignatureError, "x-missing"),
        (("@target-uri",), {}, MalformedSignatureError, "@target-uri"),
        (("@signature-params",), {}, MalformedSignatureError, "@signature-params"),
        (("Content-Type",), {"Content-Type": "a"}, MalformedSignatureError, None),
        (("@method", "@method"), {}, MalformedSignatureError, None),
        (("x-name",), {"X-Name": "café"}, MalformedSignatureError, None),
    ],
)
def test_a_base_that_cannot_be_built_says_why(covered, headers, error, component):
    signature_input = SignatureInput.make(covered, created=1, keyid="k", nonce="n")
    with pytest.raises(error) as caught:
        canonical_request("GET", "http://x/", headers, signature_input)
    assert caught.value.component == component


def test_content_digest_is_the_rfc_9530_sha_256_field():
    assert content_digest(b'{"hello": "world"}') == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
    assert content_digest(b"") == "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"


@pytest.mark.parametrize(
    "text",
    [
        'sig1=("@method" "@path");created=1767603600;keyid="shop";nonce="n-1";alg="hmac-sha256"',
        'sig1=();created=0;keyid="a"',
        'sig1=("a");created=-5;x;y=""',
        'sig1=("a");created=1;created=2',  # a repeated key: the general parser's last-one-wins
        'sig1=(  "a"  "b" );created=007',  # not canonical: re-serialised
        'sig1=("a");tag=tok;k=:aGk=:;b=?0',  # tokens, bytes, false: the general parser
        '  sig1=("a");created=1  ',
    ],
)
def test_the_fast_reading_of_a_canonical_signature_input_agrees_with_the_general_parser(text):
    fast = SignatureInput.parse(text)
    member = parse_signature_dictionary(text, "Signature-Input")["sig1"]
    general = SignatureInput(tuple(item.value for item in member.items), dict(member.params), "sig1")
    assert (fast.covered, dict(fast.params), fast.label) == (general.covered, general.params, general.label)
    assert fast.value() == general.value()


_names = st.from_regex(r"[\x20\x21\x23-\x5b\x5d-\x7e]{0,10}", fullmatch=True)


@given(
    st.lists(_names, max_size=5),
    st.integers(-(10**14), 10**14),
    _names,
    _names,
    st.booleans(),
)
def test_any_signature_input_tokenlab_writes_reads_back_the_same_by_either_path(covered, created, keyid, nonce, flag):
    params = {"created": created, "keyid": keyid, "nonce": nonce, **({"flag": True} if flag else {})}
    written = SignatureInput(tuple(covered), params).header()
    fast = SignatureInput.parse(written)
    member = parse_signature_dictionary(written, "Signature-Input")["sig1"]
    assert fast.covered == tuple(item.value for item in member.items) == tuple(covered)
    assert dict(fast.params) == dict(member.params) == params
    assert fast.header() == written


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("not a dictionary", None),
        ('sig1="a string"', None),
        ("sig1=(tok)", None),
        ('sig1=("a";p=1)', None),
        ('sig1=("a"), sig2=("b")', None),  # two signatures: which one?
        ('sig1=("a")', "sig2"),
    ],
)
def test_a_signature_input_that_does_not_fit_is_malformed(text, label):
    with pytest.raises(MalformedSignatureError):
        SignatureInput.parse(text, label)


def test_a_label_picks_one_of_several_signatures():
    parsed = SignatureInput.parse('sig1=("a");created=1, proxy=("b");created=2', "proxy")
    assert (parsed.label, parsed.covered, parsed.created) == ("proxy", ("b",), 2)


def test_show_base_makes_every_newline_byte_visible():
    assert show_base(b'"@method": GET\n"@path": /') == '"@method": GET␊\n"@path": /\n(25 bytes)'


def test_diff_bytes_marks_the_characters_that_changed():
    before = b'"@method": GET\n"@path": /orders'
    after = b'"@method": GET\n"@path": /ordars'
    assert diff_bytes(before, after).splitlines() == [
        '  "@method": GET',
        '- "@path": /orders',
        '+ "@path": /ordars',
        "  " + " " * 13 + "^",  # under the "e" that became an "a"
        "(1 of 31 bytes differ)",
    ]
    assert diff_bytes(before, before).endswith("(identical)")
    assert diff_bytes(before, before + b"x").endswith("(31 bytes before, 32 after)")


@pytest.mark.parametrize(
    ("covered", "keyid", "nonce"),
    [(("@method", "content-type"), "shop", "n-1"), ((), "k", ""), (("x",), 'say "hi"', "back\\slash")],
)
def test_the_quick_writing_of_tokenlabs_own_parameters_matches_the_general_serialiser(covered, keyid, nonce):
    made = SignatureInput.make(covered, created=1767603600, keyid=keyid, nonce=nonce)
    general = SignatureInput(made.covered, dict(made.params), made.label)  # no cached value: serialised in full
    assert made.value() == general.value()
    assert SignatureInput.parse(made.header()).params == made.params


def test_a_label_must_be_an_rfc_9651_key():
    with pytest.raises(MalformedSignatureError):
        SignatureInput.make(("@method",), created=1, keyid="k", nonce="n", label="Sig 1").header()
