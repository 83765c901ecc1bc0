"""What makes text a JWT: three base64url parts (RFC 7515 §7.1), a JSON header and payload (RFC 7519 §7.2).

The one place that reads a token's text. :func:`parse_compact` splits and
decodes a token without checking anything it says; whatever is not a JWT
raises :class:`~tokenlab.errors.TokenFormatError` with a sentence saying what
is wrong ("This has two parts; a JWT has three"). :data:`JWT_PATTERN` is what a
JWT looks like inside other text, for the code that finds or shortens tokens in
a log, a record or an HTTP exchange.

>>> parse_compact("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln").claims
{'sub': 'alice'}
>>> JWT_PATTERN.search("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln").group(0)[:12]
'eyJhbGciOiJI'
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from tokenlab.errors import TokenFormatError

__all__ = [
    "JWT_PATTERN",
    "MAX_TOKEN_CHARS",
    "ParsedToken",
    "b64url_decode",
    "b64url_encode",
    "parse_compact",
    "token_text",
]

MAX_TOKEN_CHARS = 32 * 1024
"""Longer input is refused before any decoding: real JWTs are a few hundred
bytes to a few KiB, and tokenlab chooses to bound a parser's work before it
starts; HTTP servers cap a header at 8–16 KiB anyway."""

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
"""A compact JWS inside other text: ``eyJ`` (the base64url of ``{"`` that opens a JSON header), then a
payload and a signature, which may be empty. It finds token-shaped text; only :func:`parse_compact` says
whether that text decodes."""

# --- base64url (RFC 7515 §2, RFC 4648 §5) ----------------------------------


def b64url_encode(data: bytes) -> str:
    """base64url without padding, as JWS uses it (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, *, part: str = "segment") -> bytes:
    """Decode unpadded base64url, saying exactly what is wrong with bad input."""
    if not _B64URL.fullmatch(text):
        bad = next(ch for ch in text if not (ch.isascii() and (ch.isalnum() or ch in "-_")))
        if bad == "=":
            hint = "JWTs leave out the '=' padding (RFC 7515 §2); remove it"
        elif bad in "+/":
            hint = "that is plain base64; base64url writes '-' and '_' instead of '+' and '/'"
        elif bad.isspace():
            hint = "a token has no spaces or line breaks: was it copied with extra text?"
        else:
            hint = "base64url uses only A–Z, a–z, 0–9, '-' and '_'"
        raise TokenFormatError(f"The {part} contains {bad!r}: {hint}.", part=part)
    if len(text) % 4 == 1:
        raise TokenFormatError(
            f"The {part} is {len(text)} characters long; base64url text can never be 1 more than "
            "a multiple of 4, so characters were lost or added (was it cut off?).",
            part=part,
        )
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):  # pragma: no cover - the checks above catch these
        raise TokenFormatError(f"The {part} is not valid base64url.", part=part) from None


def _json_object(raw: bytes, part: str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TokenFormatError(
            f"The {part} decodes to bytes that are not UTF-8 text; a JWT's JSON must be UTF-8 (RFC 7519 §7.2).",
            part=part,
        ) from None
    try:
        value = json.loads(text, object_pairs_hook=_reject_duplicates)
    except _DuplicateName as dup:
        raise TokenFormatError(
            f"The {part} names {dup.args[0]!r} twice. tokenlab's decoder chooses to reject duplicate names, because two "
            "parsers could read two different values; RFC 7519 §4 and RFC 7515 §4 let a parser either reject them or keep "
            "only the last one.",
            part=part,
        ) from None
    except ValueError as exc:
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise TokenFormatError(f"The {part} is not JSON ({exc.args[0].split(':')[0]}): {shown!r}.", part=part) from None
    except RecursionError:
        raise TokenFormatError(f"The {part} is JSON nested too deeply to be a real token.", part=part) from None
    if not isinstance(value, dict):
        raise TokenFormatError(
            f"The {part} is JSON {type(value).__name__}, but a JWT's {part} must be a JSON object {{...}} (RFC 7519 §7.2).",
            part=part,
        )
    return value


class _DuplicateName(ValueError):
    pass


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise _DuplicateName(name)
            seen.add(name)
    return result


@dataclass(frozen=True)
class ParsedToken:
    """The three parts of a compact JWS, decoded but not checked: header and claims as dicts, signature bytes."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signature: bytes
    segments: tuple[str, str, str]


def token_text(token: Any) -> str:
    """``token`` as text (ASCII bytes are accepted), or a :class:`~tokenlab.errors.TokenFormatError` saying what it is."""
    if isinstance(token, (bytes, bytearray)):
        try:
            token = bytes(token).decode("ascii")
        except UnicodeDecodeError:
            raise TokenFormatError(
                "These bytes are not ASCII text; a JWT is made of ASCII characters only.", part="token"
            ) from None
    if not isinstance(token, str):
        kind = type(token).__name__
        what = "nothing (None)" if token is None else f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"
        raise TokenFormatError(f"Expected a token as text, got {what}.", part="token")
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenFormatError(
            f"This is {len(token):,} characters long; tokenlab refuses anything over {MAX_TOKEN_CHARS:,} "
            "before decoding it (real JWTs are a few hundred characters).",
            part="token",
        )
    return token


def parse_compact(token: str) -> ParsedToken:
    """Split ``token`` into header, claims and signature (RFC 7515 §7.1), checking only that each part decodes."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenFormatError(_wrong_part_count(token, len(parts)), part="token")
    header = _json_object(b64url_decode(parts[0], part="header"), "header")
    claims = _json_object(b64url_decode(parts[1], part="payload"), "payload")
    signature = b64url_decode(parts[2], part="signature")
    return ParsedToken(header, claims, signature, (parts[0], parts[1], parts[2]))


def _wrong_part_count(token: str, count: int) -> str:
    if not token.strip():
        return "The input is empty: paste a token such as eyJhbGciOi...xxx.yyy.zzz."
    if count == 5:
        return "This has five parts: it looks like an encrypted JWE (RFC 7516), which tokenlab does not decode; a signed JWT has three."
    if count == 1 and token.startswith("eyJ"):
        return (
            "This is not a JWT but the start of one, cut off: it begins with eyJ, the base64url of '{\"' that opens a JSON "
            "header, but it has no dots, and a JWT has three parts, header.payload.signature (RFC 7515 §7.1)."
        )
    if count == 1:
        return (
            "This has no dots, so it is not a JWT (header.payload.signature). "
            "It may be an opaque token, which only its issuer can look up (RFC 7662)."
        )
    if count == 2:
        return "This has two parts; a JWT has three (header.payload.signature): was the end cut off?"
    return f"This has {count} parts separated by dots; a JWT has exactly three (header.payload.signature)."
