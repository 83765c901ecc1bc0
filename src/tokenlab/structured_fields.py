"""The part of Structured Field Values for HTTP (RFC 9651) that request signatures need: Dictionaries.

RFC 9651 obsoletes RFC 8941, which RFC 9421 and RFC 9530 cite; it adds Dates and Display Strings and keeps
the section numbers used here.
RFC 9421 carries a request signature in two Dictionary fields (RFC 9651 §3.2), and RFC 9530 carries the
body's digest in a third::

    Signature-Input: sig1=("@method" "@path");created=1767603600;keyid="shop-backend"
    Signature: sig1=:<base64 of the 32-byte HMAC>:
    Content-Digest: sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:

This module parses and serialises Dictionaries whose members are Items or Inner Lists (§3.1.1) with
Parameters (§3.1.2). A bare item may be an Integer, a String, a Token, a Byte Sequence or a Boolean
(§3.3.1, §3.3.3–3.3.6). Decimals (§3.3.2), and the Dates (§3.3.7) and Display Strings (§3.3.8) that RFC 9651
added, are refused: no signature field uses them. Parsing follows §4.2 and fails on anything else, with no
guessing; serialising follows §4.1, whose output is canonical, so parse-then-serialise turns any valid field
into the one form a signature base uses.

>>> fields = parse_dictionary('sig1=("@method" "@path");created=1767603600;keyid="shop"')
>>> fields["sig1"].items[1].value, fields["sig1"].params["created"]
('@path', 1767603600)
>>> serialize_inner_list(fields["sig1"])
'("@method" "@path");created=1767603600;keyid="shop"'
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

__all__ = [
    "InnerList",
    "Item",
    "StructuredFieldError",
    "Token",
    "parse_dictionary",
    "serialize_bare_item",
    "serialize_dictionary",
    "serialize_inner_list",
    "serialize_item",
    "serialize_params",
]


class Token(str):
    """An RFC 9651 Token (§3.3.4): a bare word such as ``hmac-sha256``, written without quotes."""

    __slots__ = ()


BareItem = int | str | Token | bytes | bool


_NO_PARAMS: Mapping[str, Any] = MappingProxyType({})


class Item(NamedTuple):
    """A bare item with its parameters (RFC 9651 §3.3)."""

    value: BareItem
    params: Mapping[str, BareItem] = _NO_PARAMS


class InnerList(NamedTuple):
    """A parenthesised list of items with its own parameters (RFC 9651 §3.1.1)."""

    items: tuple[Item, ...]
    params: Mapping[str, BareItem] = _NO_PARAMS


class StructuredFieldError(ValueError):
    """The text is not a structured field value of the expected kind (RFC 9651 §4.2: parsing fails)."""


_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_TOKEN = re.compile(r"[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*")
_INTEGER = re.compile(r"-?[0-9]+")
_BYTES = re.compile(r":([A-Za-z0-9+/=]*):")
_PLAIN_STRING = re.compile(r'"([\x20\x21\x23-\x5b\x5d-\x7e]*)"')  # the common case: no escapes
_SINGLE_BYTES_MEMBER = re.compile(r"([a-z*][a-z0-9_\-.*]*)=:([A-Za-z0-9+/=]*):")
_PLAIN_STRING_BODY = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")
_MAX_INTEGER = 999_999_999_999_999  # 15 digits (§3.3.1)


def parse_dictionary(text: str) -> dict[str, Item | InnerList]:
    """Parse a Dictionary field value (RFC 9651 §4.2.2); raise :class:`StructuredFieldError` if it is not one.

    Several field lines are first joined with ``,`` (RFC 9110 §5.3). A key given twice keeps its last value.
    """
    if not text.isascii():
        raise StructuredFieldError("a structured field is ASCII only (RFC 9651 §4.2)")
    text = text.strip(" \t")
    single = _SINGLE_BYTES_MEMBER.fullmatch(text)  # "label=:base64:", as in Signature: the common case
    if single is not None:
        return {single[1]: Item(_decode_bytes(single[2], 0))}
    result: dict[str, Item | InnerList] = {}
    end, i = len(text), 0
    while i < end:
        key, i = _parse_key(text, i)
        if i < end and text[i] == "=":
            member, i = _parse_member(text, i + 1)
        else:
            params, i = _parse_params(text, i)
            member = Item(True, params)
        result.pop(key, None)
        result[key] = member
        while i < end and text[i] in " \t":
            i += 1
        if i == end:
            return result
        if text[i] != ",":
            raise StructuredFieldError(f"expected ',' between dictionary members at character {i}")
        i += 1
        while i < end and text[i] in " \t":
            i += 1
        if i == end:
            raise StructuredFieldError("a dictionary must not end with ','")
    return result


def _parse_member(text: str, i: int) -> tuple[Item | InnerList, int]:
    if i < len(text) and text[i] == "(":
        return _parse_inner_list(text, i)
    value, i = _parse_bare_item(text, i)
    params, i = _parse_params(text, i)
    return Item(value, params), i


def _parse_inner_list(text: str, i: int) -> tuple[InnerList, int]:
    i += 1  # the "("
    items: list[Item] = []
    end = len(text)
    while i < end:
        while i < end and text[i] == " ":
            i += 1
        if i < end and text[i] == ")":
            params, i = _parse_params(text, i + 1)
            return InnerList(tuple(items), params), i
        plain = _PLAIN_STRING.match(text, i)  # a quoted name without parameters: the common case
        if plain is not None and text[plain.end() : plain.end() + 1] != ";":
            items.append(Item(plain.group(1)))
            i = plain.end()
        else:
            value, i = _parse_bare_item(text, i)
            params, i = _parse_params(text, i)
            items.append(Item(value, params))
        if i < end and text[i] not in " )":
            raise StructuredFieldError(f"expected a space or ')' in an inner list at character {i}")
    raise StructuredFieldError("an inner list is missing its closing ')'")


def _parse_params(text: str, i: int) -> tuple[Mapping[str, BareItem], int]:
    end = len(text)
    if i >= end or text[i] != ";":
        return _NO_PARAMS, i
    params: dict[str, BareItem] = {}
    while i < end and text[i] == ";":
        i += 1
        while i < end and text[i] == " ":
            i += 1
        key, i = _parse_key(text, i)
        value: BareItem = True
        if i < end and text[i] == "=":
            value, i = _parse_bare_item(text, i + 1)
        params.pop(key, None)
        params[key] = value
    return params, i


def _parse_key(text: str, i: int) -> tuple[str, int]:
    match = _KEY.match(text, i)
    if match is None:
        raise StructuredFieldError(f"expected a key (lower-case letters, digits, _-.*) at character {i}")
    return match.group(), match.end()


def _parse_bare_item(text: str, i: int) -> tuple[BareItem, int]:
    if i >= len(text):
        raise StructuredFieldError("expected a value at the end of the field")
    first = text[i]
    if first == '"':
        return _parse_string(text, i)
    if first == ":":
        match = _BYTES.match(text, i)
        if match is None:
            raise StructuredFieldError(f"a byte sequence is base64 between two ':' (character {i})")
        return _decode_bytes(match.group(1), i), match.end()
    if first == "-" or first.isdigit():
        match = _INTEGER.match(text, i)
        if match is None or len(match.group().lstrip("-")) > 15:
            raise StructuredFieldError(f"an integer has 1 to 15 digits (character {i})")
        if match.end() < len(text) and text[match.end()] == ".":
            raise StructuredFieldError("decimals are not used in signature fields")
        return int(match.group()), match.end()
    if first == "?":
        if text[i + 1 : i + 2] in ("0", "1"):
            return text[i + 1] == "1", i + 2
        raise StructuredFieldError(f"a boolean is ?0 or ?1 (character {i})")
    match = _TOKEN.match(text, i)
    if match is None:
        raise StructuredFieldError(f"unexpected {first!r} at character {i}")
    return Token(match.group()), match.end()


def _decode_bytes(data: str, i: int) -> bytes:
    try:
        return base64.b64decode(data + "=" * (-len(data) % 4), validate=True)  # §4.2.7: padding may be left out
    except binascii.Error:
        raise StructuredFieldError(f"the byte sequence at character {i} is not base64") from None


def _parse_string(text: str, i: int) -> tuple[str, int]:
    match = _PLAIN_STRING.match(text, i)
    if match is not None:
        return match.group(1), match.end()
    chars: list[str] = []
    i += 1
    end = len(text)
    while i < end:
        char = text[i]
        if char == "\\":
            if i + 1 < end and text[i + 1] in '"\\':
                chars.append(text[i + 1])
                i += 2
                continue
            raise StructuredFieldError(f'only \\" and \\\\ are escapes in a string (character {i})')
        if char == '"':
            return "".join(chars), i + 1
        if not " " <= char <= "~":
            raise StructuredFieldError(f"a string holds printable ASCII only (character {i})")
        chars.append(char)
        i += 1
    raise StructuredFieldError("a string is missing its closing quote")


# --- serialising (RFC 9651 §4.1) --------------------------------------------


def serialize_bare_item(value: BareItem) -> str:
    """One bare item in its canonical form (§4.1.3)."""
    kind = type(value)
    if kind is str and _PLAIN_STRING_BODY.fullmatch(value):  # the common case, checked first
        return f'"{value}"'
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        if abs(value) > _MAX_INTEGER:
            raise StructuredFieldError(f"{value} has more than 15 digits")
        return str(int(value))
    if isinstance(value, Token):
        if _TOKEN.fullmatch(value) is None:
            raise StructuredFieldError(f"{value!r} is not a token")
        return str(value)
    if isinstance(value, str):
        if not value.isascii() or not value.isprintable():
            raise StructuredFieldError(f"{value!r}: a string holds printable ASCII only")
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (bytes, bytearray)):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    raise StructuredFieldError(f"cannot serialise a {type(value).__name__}")


def serialize_params(params: Mapping[str, BareItem]) -> str:
    """``;key=value`` for each parameter, ``;key`` alone for true (§4.1.1.2)."""
    parts = []
    for key, value in params.items():
        if _KEY.fullmatch(key) is None:
            raise StructuredFieldError(f"{key!r} is not a key")
        parts.append(f";{key}" if value is True else f";{key}={serialize_bare_item(value)}")
    return "".join(parts)


def serialize_item(item: Item) -> str:
    return serialize_bare_item(item.value) + serialize_params(item.params)


def serialize_inner_list(inner: InnerList) -> str:
    """``("a" "b");p=1`` (§4.1.1.1)."""
    return "(" + " ".join(serialize_item(item) for item in inner.items) + ")" + serialize_params(inner.params)


def serialize_dictionary(members: Mapping[str, Item | InnerList]) -> str:
    """Members joined by ``, ``; a member whose value is true is written as its key alone (§4.1.2)."""
    parts = []
    for key, member in members.items():
        if _KEY.fullmatch(key) is None:
            raise StructuredFieldError(f"{key!r} is not a key")
        if isinstance(member, InnerList):
            parts.append(f"{key}={serialize_inner_list(member)}")
        elif member.value is True:
            parts.append(key + serialize_params(member.params))
        else:
            parts.append(f"{key}={serialize_item(member)}")
    return ", ".join(parts)
