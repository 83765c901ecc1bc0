"""A token taken apart and explained, **without verifying anything**: :func:`decode_unverified`.

What the decoder widget, ``tokenlab decode`` and the lessons show: each header
parameter and claim with its meaning and a readable value ("expires in 4
min"), and the warnings (:mod:`tokenlab.token_warnings`) a reader should see
before trusting it. Signing and verifying live in :mod:`tokenlab.tokens`, which
re-exports these names, so ``from tokenlab.tokens import DecodedToken,
decode_unverified`` keeps working.

>>> from tokenlab.clock import Clock
>>> token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln"
>>> decode_unverified(token, clock=Clock.frozen()).claims["sub"]
'alice'
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tokenlab import claims as _claims
from tokenlab.clock import Clock, format_utc, humanize_delta
from tokenlab.token_format import ParsedToken, parse_compact, token_text
from tokenlab.token_warnings import TokenWarning, token_warnings

__all__ = ["DecodedToken", "Explanation", "decode_unverified", "strip_bearer"]

_SYSTEM_CLOCK = Clock.system()


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
    :func:`~tokenlab.tokens.verify`, with a key you trust, says whether to believe them.
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


def strip_bearer(text: str) -> tuple[str, list[TokenWarning]]:
    """``text`` without surrounding whitespace and a leading ``Bearer``, with a note saying so when there was one."""
    text = text.strip()
    if text[:7].lower() != "bearer ":
        return text, []
    note = TokenWarning(
        "bearer_prefix",
        "Removed the 'Bearer ' prefix: it belongs to the Authorization header, not to the token (RFC 6750 §2.1).",
    )
    return text[7:].strip(), [note]


def decode_unverified(token: Any, *, clock: Clock | None = None) -> DecodedToken:
    """Take a JWT apart and explain it, **without verifying its signature or claims**.

    Accepts whatever a learner pastes: surrounding whitespace and a leading
    ``Bearer`` are removed. Anything that is not a JWT raises
    :class:`~tokenlab.errors.TokenFormatError` with a message saying what is
    wrong; nothing else is ever raised. Relative times ("expires in 4 min")
    are measured on ``clock`` (the real time by default).
    """
    text, notes = strip_bearer(token_text(token))
    parsed = parse_compact(text)
    now = (clock or _SYSTEM_CLOCK).timestamp()
    explanations = tuple(_explain(parsed, now))
    signing_input = f"{parsed.segments[0]}.{parsed.segments[1]}".encode("ascii")
    notes.extend(token_warnings(parsed.header, parsed.claims, parsed.signature, signing_input, now))
    return DecodedToken(parsed.header, parsed.claims, parsed.signature, parsed.segments, explanations, tuple(notes))


def _explain(parsed: ParsedToken, now: int) -> Iterable[Explanation]:
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
