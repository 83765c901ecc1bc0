"""The canonical request: exactly which bytes a request signature covers (RFC 9421 §2.5).

A signer and a verifier must derive the same bytes from the same request, each from its own copy of it.
tokenlab builds them as RFC 9421 builds its *signature base*: one line ``"name": value`` per covered
component, in the order ``Signature-Input`` lists them, then the ``"@signature-params"`` line, all joined
by single ``\\n`` bytes (no newline at the end), in ASCII::

    "@method": POST
    "@authority": 127.0.0.1:8413
    "@path": /signed/orders
    "@query": ?
    "content-digest": sha-256=:Si+r3dyjqwtGJ3aRFFUJEuYpcuAHMl3i9s8WnykwlLs=:
    "content-type": application/json
    "@signature-params": ("@method" "@authority" "@path" "@query" "content-digest" "content-type");created=...

Components: ``@method`` (§2.2.1, as sent), ``@authority`` (§2.2.3, lower case, default port dropped),
``@scheme`` (§2.2.4), ``@path`` (§2.2.6, as sent, ``/`` if empty), ``@query`` (§2.2.7) and header fields by
lower-case name (§2.1: values trimmed, a field on several lines joined with ``, ``). The body is covered
through its ``Content-Digest`` field (RFC 9530 §2).

``@query`` is the query exactly as sent, with its leading ``?``, percent-encoded octets left as they are, and
``?`` alone when the request has no query (RFC 9421 §2.2.7). Nothing is decoded, re-encoded or sorted, so a
query whose parameters were reordered or re-encoded on the way is a different signature base and fails to
verify. ``@query-param`` (§2.2.8) and the other components of §2.2 are not implemented: a signature that
covers one is refused as malformed, never guessed at.

:func:`canonical_query` is a different thing, kept for lesson 13: AWS Signature Version 4's canonical query
string, which *does* sort and re-encode. SigV4 signs that form; RFC 9421 does not.

The RFC's own examples come out byte for byte: the HMAC signature of Appendix B.2.5 and the signature bases of
B.2.3 and B.2.6; see ``tests/test_signature_base.py``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from tokenlab.errors import MalformedSignatureError, MissingSignatureError
from tokenlab.structured_fields import (
    InnerList,
    StructuredFieldError,
    parse_dictionary,
    serialize_bare_item,
    serialize_params,
)

__all__ = [
    "ALGORITHM",
    "SignatureInput",
    "build_base",
    "canonical_query",
    "canonical_request",
    "content_digest",
    "diff_bytes",
    "field_map",
    "parse_signature_dictionary",
    "show_base",
]

ALGORITHM = "hmac-sha256"
"""RFC 9421 §3.3.3: HMAC with SHA-256; the only algorithm tokenlab signs or accepts."""

_DERIVED = ("@method", "@authority", "@scheme", "@path", "@query")
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_MAX_QUERY_FIELDS = 256
_PLAIN_PAIR = re.compile(r"([A-Za-z0-9\-._~]*)(?:=([A-Za-z0-9\-._~]*))?")  # RFC 3986 §2.3 unreserved only
_KEY = r"[a-z*][a-z0-9_\-.*]*"
_STRING = r'"[\x20\x21\x23-\x5b\x5d-\x7e]*"'  # RFC 9651 §3.3.3 without escapes
_CANONICAL_INTEGER = r"0|-?[1-9][0-9]{0,14}"
_LABEL = re.compile(_KEY)
_CANONICAL_INPUT = re.compile(
    rf"({_KEY})=(\(((?:{_STRING}(?: {_STRING})*)?)\)((?:;{_KEY}(?:=(?:{_STRING}|{_CANONICAL_INTEGER}))?)*))"
)
_CANONICAL_PARAM = re.compile(rf';({_KEY})(?:=("[^"]*"|[-0-9]+))?')  # only ever run on text _CANONICAL_INPUT matched
_PLAIN_TEXT = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")  # a string RFC 9651 §4.1.6 writes as it is, in quotes


def canonical_query(query: str) -> str:
    """AWS Signature Version 4's canonical query string for ``query`` (not RFC 9421's ``@query``).

    SigV4 percent-encodes each name and value from its UTF-8 bytes, leaving only ``A-Z a-z 0-9 - . _ ~``
    (RFC 3986 §2.3) and writing a space as ``%20``, then sorts the pairs by encoded name, then encoded value.
    Reading a query that arrived, tokenlab first decodes it as a form is decoded (``+`` is a space): that step is
    tokenlab's choice, so that ``q=tea+set`` and ``q=tea%20set`` give one canonical form.

    >>> canonical_query("status=open&limit=2&q=tea+set")
    'limit=2&q=tea%20set&status=open'
    """
    segments = [segment for segment in query.split("&") if segment]  # empty ones are skipped, as forms do
    if len(segments) > _MAX_QUERY_FIELDS:
        raise ValueError(f"a query of more than {_MAX_QUERY_FIELDS} parameters")
    pairs = []
    for segment in segments:
        plain = _PLAIN_PAIR.fullmatch(segment)  # nothing to decode or encode: the common case
        if plain is not None:
            pairs.append((plain[1], plain[2] or ""))
        else:
            name, _, value = segment.partition("=")
            pairs.append((_reencode(name), _reencode(value)))
    pairs.sort()  # by encoded name, then encoded value
    return "&".join(f"{name}={value}" for name, value in pairs)


def _reencode(text: str) -> str:
    """Form-decode (``+`` is a space, UTF-8 strictly), then percent-encode every byte but the unreserved ones."""
    return quote(unquote(text.replace("+", " "), encoding="utf-8", errors="strict"), safe="")


def content_digest(body: bytes) -> str:
    """The ``Content-Digest`` field for ``body`` (RFC 9530 §2): ``sha-256=:<base64 of SHA-256>:``."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + ":"


@dataclass(frozen=True)
class SignatureInput:
    """One signature's entry in ``Signature-Input`` (RFC 9421 §4.1): its label, covered components, parameters."""

    covered: tuple[str, ...]
    params: Mapping[str, Any]  # in order; tokenlab signs created, keyid, nonce, alg (§2.3)
    label: str = "sig1"

    @classmethod
    def make(
        cls, covered: Iterable[str], *, created: int, keyid: str, nonce: str, label: str = "sig1"
    ) -> SignatureInput:
        """The parameters tokenlab signs with, in this order: ``created``, ``keyid``, ``nonce``, ``alg`` (§2.3)."""
        made = cls(tuple(covered), {"created": created, "keyid": keyid, "nonce": nonce, "alg": ALGORITHM}, label)
        try:
            plain = _PLAIN_TEXT.fullmatch("".join((*made.covered, keyid, nonce)))  # checked character by character
        except TypeError:  # something that is not a string: the general serialiser will say what
            plain = None
        if plain and type(created) is int and abs(created) < 10**15:
            names = '" "'.join(made.covered)  # RFC 9651 §4.1.6: plain strings are written as they are, in quotes
            names = f'"{names}"' if made.covered else ""
            made.__dict__["_value"] = f'({names});created={created};keyid="{keyid}";nonce="{nonce}";alg="{ALGORITHM}"'
        return made

    @classmethod
    def parse(cls, field_value: str, label: str | None = None) -> SignatureInput:
        """Read one signature's entry from a ``Signature-Input`` value; the only one if ``label`` is ``None``."""
        canonical = _CANONICAL_INPUT.fullmatch(field_value.strip(" \t"))
        if canonical is not None and label in (None, canonical[1]):
            parsed = cls._from_canonical(canonical)
            if parsed is not None:
                return parsed
        members = parse_signature_dictionary(field_value, "Signature-Input")
        label = _pick_label(members, label, "Signature-Input")
        member = members[label]
        if not isinstance(member, InnerList):
            raise MalformedSignatureError(
                f"Signature-Input {label} must be a list of components in parentheses.", component="signature-input"
            )
        covered = []
        for item in member.items:
            if type(item.value) is not str or item.params:
                raise MalformedSignatureError(
                    f"Covered components are quoted names without parameters; got {item.value!r}.",
                    component="signature-input",
                )
            covered.append(item.value)
        return cls(tuple(covered), dict(member.params), label)

    @classmethod
    def _from_canonical(cls, match: re.Match) -> SignatureInput | None:
        """The common case, without the general parser: one signature, already in RFC 9651's canonical form
        (plain strings, canonical integers), so its text is its own serialisation. ``None`` if a key repeats."""
        label, value, components, params_text = match.groups()
        params: dict[str, Any] = {}
        for key, text in _CANONICAL_PARAM.findall(params_text):
            if key in params:
                return None  # the general parser keeps the last value, and the text is not canonical
            params[key] = text[1:-1] if text[:1] == '"' else int(text) if text else True
        parsed = cls(tuple(components[1:-1].split('" "')) if components else (), params, label)
        parsed.__dict__["_value"] = value  # what serialising the parsed value would give, byte for byte
        return parsed

    def param(self, name: str) -> Any:
        return self.params.get(name)

    @property
    def created(self) -> Any:
        return self.param("created")

    @property
    def keyid(self) -> Any:
        return self.param("keyid")

    @property
    def nonce(self) -> Any:
        return self.param("nonce")

    def value(self) -> str:
        """The ``@signature-params`` value: the inner list with its parameters, serialised (RFC 9421 §2.3)."""
        value = self.__dict__.get("_value")  # computed once (a frozen dataclass keeps its own cache here)
        if value is None:
            try:
                covered = " ".join(serialize_bare_item(name) for name in self.covered)
                value = f"({covered}){serialize_params(self.params)}"
            except StructuredFieldError as err:
                raise MalformedSignatureError(f"These signature parameters cannot be written: {err}.") from None
            self.__dict__["_value"] = value
        return value

    def header(self) -> str:
        """The whole ``Signature-Input`` field value for this one signature."""
        if _LABEL.fullmatch(self.label) is None:
            raise MalformedSignatureError(
                f"{self.label!r} cannot label a signature: an RFC 9651 key is lower case (§3.2)."
            )
        return f"{self.label}={self.value()}"


def canonical_request(
    method: str,
    url: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    signature_input: SignatureInput | None = None,
) -> bytes:
    """The exact bytes the MAC covers: RFC 9421's signature base (§2.5) for this request.

    One line ``"component": value`` per covered component, in the order ``Signature-Input`` lists them,
    then ``"@signature-params": …``; lines end in a single ``\\n`` byte, the last one does not. With no
    ``signature_input`` it is read from the headers' ``Signature-Input``, as a verifier does. The body
    is not in the base; its ``Content-Digest`` is.
    """
    fields = field_map(headers)
    if signature_input is None:
        if "signature-input" not in fields:
            raise MissingSignatureError("The request has no Signature-Input field.", component="signature-input")
        signature_input = SignatureInput.parse(fields["signature-input"])
    return build_base(method, url, fields, signature_input)


def build_base(method: str, url: str, fields: Mapping[str, str], signature_input: SignatureInput) -> bytes:
    """:func:`canonical_request` for header fields already read by :func:`field_map` (lower-case names)."""
    covered = signature_input.covered
    if len(set(covered)) != len(covered):
        raise MalformedSignatureError("A component is listed twice in Signature-Input (RFC 9421 §2.5).")
    parts = urlsplit(url)
    lines = []
    for name in covered:
        value = fields.get(name) if name[:1] != "@" else _derived(name, method, parts)
        if value is None or name != name.lower():
            _refuse_field(name)
        if "\n" in value or "\r" in value:
            value = " ".join(line.strip() for line in value.splitlines())  # obsolete line folding (RFC 9421 §2.1)
        lines.append(f'"{name}": {value}')
    lines.append(f'"@signature-params": {signature_input.value()}')
    text = "\n".join(lines)
    if not text.isascii():
        raise MalformedSignatureError("A covered component has non-ASCII characters; a signature base is ASCII.")
    return text.encode("ascii")


def _derived(name: str, method: str, parts: Any) -> str:
    """The value of a derived component (RFC 9421 §2.2)."""
    if name == "@method":
        return method
    if name == "@authority":
        return _authority(parts)
    if name == "@path":
        return parts.path or "/"
    if name == "@query":
        return "?" + parts.query  # §2.2.7: as sent, "?" alone when there is none; nothing decoded or sorted
    if name == "@scheme":
        return parts.scheme.lower()
    raise MalformedSignatureError(
        f"{name} is not a component tokenlab signs; it knows {', '.join(_DERIVED)} and header fields.", component=name
    )


def _refuse_field(name: str) -> None:
    if name != name.lower() or not name:
        raise MalformedSignatureError(f"A header is covered by its lower-case name, not {name!r} (RFC 9421 §2.1).")
    raise MissingSignatureError(f"The signature covers the header {name!r}, which the request lacks.", component=name)


def _authority(parts: Any) -> str:
    """RFC 9421 §2.2.3: host in lower case, with the port unless it is the scheme's default."""
    authority = parts.netloc.rpartition("@")[2].lower()  # never the userinfo
    host, port = authority, ""
    if not authority.endswith("]") and ":" in authority:  # "[::1]" is an IPv6 literal without a port
        host, _, port = authority.rpartition(":")
        if port and not port.isdigit():
            raise MalformedSignatureError("The URL's port is not a number.", component="@authority")
    if not port or port == _DEFAULT_PORTS.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"


def field_map(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Header fields by lower-case name; a field sent on several lines becomes one value joined by ``, ``."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    fields: dict[str, str] = {}
    for name, value in pairs:
        key, value = name.lower(), str(value).strip(" \t")
        fields[key] = f"{fields[key]}, {value}" if key in fields else value
    return fields


def parse_signature_dictionary(value: str, field: str) -> dict[str, Any]:
    try:
        return parse_dictionary(value)
    except StructuredFieldError as err:
        raise MalformedSignatureError(
            f"{field} is not an RFC 9651 dictionary: {err}.", component=field.lower()
        ) from None


def _pick_label(members: Mapping[str, Any], label: str | None, field: str) -> str:
    if label is None:
        if len(members) != 1:
            raise MalformedSignatureError(
                f"{field} holds {len(members)} signatures; say which label to check.", component=field.lower()
            )
        return next(iter(members))
    if label not in members:
        raise MalformedSignatureError(f"{field} has no signature labelled {label!r}.", component=field.lower())
    return label


# --- seeing the bytes -----------------------------------------------------------


def show_base(base: bytes) -> str:
    """The signature base as text with its separators visible: ``␊`` marks each newline byte."""
    lines = base.decode("ascii").split("\n")
    return "\n".join(line + "␊" for line in lines[:-1]) + "\n" + lines[-1] + f"\n({len(base)} bytes)"


def diff_bytes(before: bytes, after: bytes) -> str:
    """Line by line, the lines that differ (``-`` before, ``+`` after) with ``^`` under each differing character."""
    old, new = before.decode("ascii").split("\n"), after.decode("ascii").split("\n")
    out = []
    for index in range(max(len(old), len(new))):
        a = old[index] if index < len(old) else ""
        b = new[index] if index < len(new) else ""
        if a == b:
            out.append("  " + a)
            continue
        marks = "".join(" " if i < len(a) and i < len(b) and a[i] == b[i] else "^" for i in range(max(len(a), len(b))))
        out += ["- " + a, "+ " + b, "  " + marks.rstrip()]
    if len(before) == len(after):
        changed = sum(x != y for x, y in zip(before, after, strict=True))
        out.append(f"({changed} of {len(before)} bytes differ)" if changed else "(identical)")
    else:
        out.append(f"({len(before)} bytes before, {len(after)} after)")
    return "\n".join(out)
