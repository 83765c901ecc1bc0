"""Decode, sign and verify JWTs (RFC 7519) in their compact JWS form (RFC 7515 §7.1).

>>> from tokenlab.clock import Clock
>>> from tokenlab.keys import demo_key
>>> clock = Clock.frozen()
>>> token = sign({"sub": "alice", "aud": "api", "exp": clock.timestamp() + 300}, demo_key("ES256"))
>>> decode_unverified(token, clock=clock).claims["sub"]   # anyone can read it...
'alice'
>>> verify(token, demo_key("ES256"), algorithms=["ES256"], audience="api", clock=clock)["sub"]
'alice'
>>> clock.advance(minutes=6)
datetime.datetime(2026, 1, 5, 9, 6, tzinfo=datetime.timezone.utc)
>>> verify(token, demo_key("ES256"), algorithms=["ES256"], audience="api", clock=clock)
Traceback (most recent call last):
...
tokenlab.errors.TokenExpiredError: The token expired at 2026-01-05 09:05:00 UTC, 1 min before now. ...

:func:`decode_unverified` reads anything a learner may paste and checks
nothing; :func:`verify` trusts nothing it has not checked.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tokenlab import claims as _claims
from tokenlab.clock import Clock, as_datetime, format_utc, humanize_delta
from tokenlab.errors import (
    AlgorithmNotAllowedError,
    AudienceMismatchError,
    InvalidKeyError,
    InvalidSignatureError,
    KeyAlgorithmMismatchError,
    TokenFormatError,
    UnknownKeyError,
    UnsupportedCriticalHeaderError,
    UsageError,
    WeakKeyError,
)
from tokenlab.keys import Key, KeySet, as_key, min_hmac_key_bytes
from tokenlab.token_warnings import WEAK_SECRETS, TokenWarning, signature_size_problem, token_warnings

__all__ = [
    "MAX_TOKEN_CHARS",
    "WEAK_SECRETS",
    "DecodedToken",
    "Explanation",
    "TokenWarning",
    "b64url_decode",
    "b64url_encode",
    "decode_unverified",
    "sign",
    "verify",
]

MAX_TOKEN_CHARS = 32 * 1024
"""Longer input is refused before any decoding: real JWTs are a few hundred
bytes to a few KiB, and tokenlab chooses to bound a parser's work before it
starts; HTTP servers cap a header at 8–16 KiB anyway."""

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_SYSTEM_CLOCK = Clock.system()

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
class _Parsed:
    header: dict[str, Any]
    claims: dict[str, Any]
    signature: bytes
    segments: tuple[str, str, str]


def _text_of(token: Any) -> str:
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


def _parse(token: str) -> _Parsed:
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenFormatError(_wrong_part_count(token, len(parts)), part="token")
    header = _json_object(b64url_decode(parts[0], part="header"), "header")
    claims = _json_object(b64url_decode(parts[1], part="payload"), "payload")
    signature = b64url_decode(parts[2], part="signature")
    return _Parsed(header, claims, signature, (parts[0], parts[1], parts[2]))


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


# --- decoding without verifying -------------------------------------------


@dataclass(frozen=True)
class Explanation:
    """One header parameter or claim, with its meaning and a readable value."""

    part: str  # "header" or "payload"
    name: str
    value: Any
    meaning: str
    shown: str  # the value as a person reads it, e.g. "2026-01-05 09:05:00 UTC (expires in 5 min)"


@dataclass(frozen=True)
class DecodedToken:
    """A token taken apart **without verifying anything**.

    Decoded is not verified: anybody can write any header and claims. Only
    :func:`verify`, with a key you trust, says whether to believe them.
    """

    header: dict[str, Any]
    claims: dict[str, Any]
    signature: bytes
    segments: tuple[str, str, str]
    explanations: tuple[Explanation, ...]
    warnings: tuple[TokenWarning, ...]
    verified: bool = False

    @property
    def signing_input(self) -> bytes:
        """What the signature covers: ``header.payload`` as ASCII (RFC 7515 §5.1)."""
        return f"{self.segments[0]}.{self.segments[1]}".encode("ascii")

    @property
    def token(self) -> str:
        return ".".join(self.segments)

    def __str__(self) -> str:
        lines = ["UNVERIFIED — decoded is not verified: anyone can write these values.", ""]
        for part in ("header", "payload"):
            lines.append(f"{part}:")
            width = max((len(e.name) for e in self.explanations if e.part == part), default=0)
            for e in self.explanations:
                if e.part == part:
                    lines.append(f"  {e.name:<{width}}  {e.shown}")
                    lines.append(f"  {'':<{width}}  ↳ {e.meaning}")
        lines.append(f"signature: {len(self.signature)} bytes")
        if self.warnings:
            lines += ["", "warnings:"] + [f"  ⚠ {w.message}" for w in self.warnings]
        return "\n".join(lines)


def decode_unverified(token: Any, *, clock: Clock | None = None) -> DecodedToken:
    """Take a JWT apart and explain it, **without verifying its signature or claims**.

    Accepts whatever a learner pastes: surrounding whitespace and a leading
    ``Bearer`` are removed. Anything that is not a JWT raises
    :class:`~tokenlab.errors.TokenFormatError` with a message saying what is
    wrong; nothing else is ever raised. Relative times ("expires in 4 min")
    are measured on ``clock`` (the real time by default).
    """
    text = _text_of(token).strip()
    notes: list[TokenWarning] = []
    if text[:7].lower() == "bearer ":
        text = text[7:].strip()
        notes.append(
            TokenWarning(
                "bearer_prefix",
                "Removed the 'Bearer ' prefix: it belongs to the Authorization header, not to the token (RFC 6750 §2.1).",
            )
        )
    parsed = _parse(text)
    now = (clock or _SYSTEM_CLOCK).timestamp()
    explanations = tuple(_explain(parsed, now))
    signing_input = f"{parsed.segments[0]}.{parsed.segments[1]}".encode("ascii")
    notes.extend(token_warnings(parsed.header, parsed.claims, parsed.signature, signing_input, now))
    return DecodedToken(parsed.header, parsed.claims, parsed.signature, parsed.segments, explanations, tuple(notes))


def _explain(parsed: _Parsed, now: int) -> Iterable[Explanation]:
    for name, value in parsed.header.items():
        meaning = _claims.HEADER_MEANINGS.get(name, "A header parameter this course does not cover.")
        yield Explanation("header", name, value, meaning, json.dumps(value, ensure_ascii=False))
    for name, value in parsed.claims.items():
        meaning = _claims.CLAIM_MEANINGS.get(
            name, "A private claim: its meaning is agreed between issuer and recipient (RFC 7519 §4.3)."
        )
        yield Explanation("payload", name, value, meaning, _show_claim(name, value, now))


def _show_claim(name: str, value: Any, now: int) -> str:
    shown = json.dumps(value, ensure_ascii=False)
    if name not in _claims.TIME_CLAIMS or isinstance(value, bool) or not isinstance(value, (int, float)):
        return shown
    try:
        when = format_utc(value)
    except (OverflowError, OSError, ValueError):
        return f"{shown} (not a time any calendar can show)"
    ahead = value - now
    phrase = {
        "exp": ("expires in {}", "expired {} ago", "expires now"),
        "nbf": ("valid in {}", "valid since {} ago", "valid from now"),
        "iat": ("issued {} in the future!", "issued {} ago", "issued just now"),
        "auth_time": ("logged in {} in the future!", "logged in {} ago", "logged in just now"),
    }[name]
    relative = phrase[2] if ahead == 0 else (phrase[0] if ahead > 0 else phrase[1]).format(humanize_delta(ahead))
    return f"{when} ({relative})"


# --- signing ----------------------------------------------------------------


def _numeric(value: Any) -> Any:
    return int(as_datetime(value).timestamp()) if isinstance(value, datetime) else value  # refuses naive datetimes


def sign(claims: Mapping[str, Any], key: Any, *, typ: str = "JWT", headers: Mapping[str, Any] | None = None) -> str:
    """Sign ``claims`` as a compact JWS with ``key`` (a :class:`~tokenlab.keys.Key`, or anything
    :func:`~tokenlab.keys.as_key` reads); the header gets the key's ``alg`` and ``kid``.

    Datetimes become NumericDates. Short HMAC secrets are refused (RFC 7518 §3.2).
    The same claims, key and clock always give the same token.
    """
    key = as_key(key)
    if key.symmetric and len(key.signing) < min_hmac_key_bytes(key.alg):
        raise InvalidKeyError(
            f"This HMAC secret is {len(key.signing)} bytes; {key.alg} needs at least "
            f"{min_hmac_key_bytes(key.alg)} random bytes (RFC 7518 §3.2), or it can be guessed offline."
        )
    header = {"alg": key.alg, "typ": typ, "kid": key.kid}
    for name, value in (headers or {}).items():
        if name == "alg":
            raise UsageError("the key decides 'alg': each key is pinned to one algorithm (RFC 8725 §3.1)")
        header[name] = value
    body = {k: _numeric(v) for k, v in claims.items()}
    try:
        header_json = json.dumps(header, separators=(",", ":"), allow_nan=False)
        payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:  # NaN and Infinity are not JSON (RFC 8259 §6)
        raise UsageError(f"the header and claims must be JSON: {exc}") from None
    signing_input = b64url_encode(header_json.encode()) + "." + b64url_encode(payload.encode("utf-8"))
    return signing_input + "." + b64url_encode(key.sign_bytes(signing_input.encode("ascii")))


# --- verifying --------------------------------------------------------------


def _select_key(key: Any, header: Mapping[str, Any], alg: str) -> Key:
    """Pick the key for this token: by ``kid`` from a key set, or the one key given (RFC 8725 §3.10)."""
    if isinstance(key, Mapping) and "keys" in key:
        key = KeySet.from_jwks(key)
    if isinstance(key, KeySet):
        kid = header.get("kid")
        found = key.get(kid) if kid is not None else key.only()
        if found is None:
            if kid is None:
                raise UnknownKeyError("The token has no kid, and no trusted key matches it.", claim="kid")
            raise UnknownKeyError(
                f"The token has kid {kid!r}, and no trusted key matches it: that key is not (or no longer) "
                "in the issuer's key set, or the issuer published it after this verifier's copy was fetched.",
                claim="kid",
            )
        key = found
    try:
        chosen = as_key(key)
    except InvalidKeyError as exc:
        raise InvalidKeyError(f"The key given to verify() cannot be used: {exc}") from None
    if chosen.alg != alg and not isinstance(key, Key):
        with contextlib.suppress(InvalidKeyError):
            chosen = as_key(key, alg)  # an RSA key may serve PS256, a secret HS512: same family
    if chosen.alg != alg:
        raise KeyAlgorithmMismatchError(
            f"The token says alg {alg}, but the key is {chosen.kid}, pinned to {chosen.alg}.", claim="alg"
        )
    return chosen


def verify(
    token: Any,
    key: Any,
    *,
    algorithms: Iterable[str],
    audience: str | Iterable[str] | None = None,
    issuer: str | None = None,
    clock: Clock | None = None,
    leeway: float = 0,
    typ: str | None = None,
    require: Iterable[str] = ("exp",),
) -> dict[str, Any]:
    """Verify a JWT and return its claims, or raise one of tokenlab's errors.

    The checks follow RFC 8725 (JWT Best Current Practices):

    1. the header's ``alg`` is one of ``algorithms`` and fits the key (RFC 8725 §3.1); ``none`` is
       never accepted, tokenlab's choice (RFC 8725 §3.2 only asks libraries not to unless the caller asks);
    2. no unknown ``crit`` extension (RFC 7515 §4.1.11); ``typ`` matches if required (RFC 8725 §3.11);
    3. the key comes from the caller: ``key`` itself, or by ``kid`` from a
       :class:`~tokenlab.keys.KeySet` or JWKS dict; never from the token (RFC 8725 §3.10);
    4. HMAC secrets are long enough (RFC 8725 §3.5) and the signature is valid (RFC 8725 §3.3);
    5. ``exp``/``nbf`` on ``clock`` with ``leeway`` seconds (RFC 7519 §4.1.4–4.1.5), and an ``iat`` in
       the future refused, tokenlab's choice (RFC 7519 §4.1.6 only says what ``iat`` means);
       ``iss`` exactly (RFC 8725 §3.8), ``aud`` includes ``audience`` (RFC 8725 §3.9), and the
       ``require`` claims are present.

    A token with an ``aud`` claim is refused when no ``audience`` is given,
    as RFC 7519 §4.1.3 requires.
    """
    allowed = [algorithms] if isinstance(algorithms, str) else list(algorithms)
    if not all(isinstance(a, str) and a for a in allowed):
        raise UsageError(f"algorithms must name algorithms, e.g. algorithms=['RS256'], not {algorithms!r}")
    if not allowed:
        raise UsageError("algorithms is empty: name the algorithms you accept, e.g. algorithms=['RS256']")
    if any(isinstance(a, str) and a.lower() == "none" for a in allowed):
        raise UsageError(
            "'none' cannot be allowed: tokenlab's verifier never accepts it, because an unsigned token proves "
            "nothing; RFC 8725 §3.2 only asks libraries not to accept it unless the caller explicitly requests it"
        )
    _claims.require_valid_leeway(leeway)
    parsed = _parse(_text_of(token))
    header = parsed.header

    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in allowed:
        raise AlgorithmNotAllowedError(
            f"The token's alg is {alg!r}; this verifier only accepts {', '.join(allowed)}.", claim="alg"
        )
    if "crit" in header:
        raise UnsupportedCriticalHeaderError(
            f"The header marks {header['crit']!r} as critical, and tokenlab implements no JWS extensions.", claim="crit"
        )
    if typ is not None:
        _claims.require_typ(header, typ)

    chosen = _select_key(key, header, alg)
    if chosen.symmetric and len(chosen.verifying) < min_hmac_key_bytes(alg):
        raise WeakKeyError(f"The HMAC secret is only {len(chosen.verifying)} bytes long.", claim="alg")
    if not parsed.signature:
        raise InvalidSignatureError("The signature is empty.", claim=None)
    size_problem = signature_size_problem(alg, len(parsed.signature), chosen)
    if size_problem is not None:
        raise InvalidSignatureError(size_problem)
    if not chosen.verify_bytes(f"{parsed.segments[0]}.{parsed.segments[1]}".encode("ascii"), parsed.signature):
        raise InvalidSignatureError(f"The signature does not match key {chosen.kid}.")

    claims = parsed.claims
    now = (clock or _SYSTEM_CLOCK).timestamp()
    required = [require] if isinstance(require, str) else list(require)
    _claims.require_claims(claims, required)
    _claims.require_valid_exp(claims, now, leeway)
    _claims.require_valid_nbf(claims, now, leeway)
    _claims.require_valid_iat(claims, now, leeway)
    if issuer is not None:
        _claims.require_issuer(claims, issuer)
    if audience is not None:
        _claims.require_audience(claims, audience)
    elif "aud" in claims:
        raise AudienceMismatchError(
            f"The token is meant for {claims['aud']!r}, and this verifier did not say which audience it is.",
            claim="aud",
        )
    return claims
