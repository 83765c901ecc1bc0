"""What the decoder shows, computed by plain functions: no widgets, no HTML, no network.

:func:`analyse` takes whatever a learner pasted and decodes as much of it as
it can (SECURITY.md A11): a whole JWT through
:func:`~tokenlab.tokens.decode_unverified`; a broken one part by part, saying
what is wrong with each; anything else as one plain message. When a key is
given it then runs :func:`~tokenlab.tokens.verify_complete` and keeps the two results
apart: *decoded* is what anyone can read, *verified* is what a key proves.

Nothing here raises: every failure becomes a message in the result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tokenlab.clock import Clock, format_utc
from tokenlab.decoded import strip_bearer
from tokenlab.errors import (
    AudienceMismatchError,
    InvalidClaimError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidTokenError,
    IssuerMismatchError,
    MissingClaimError,
    TokenExpiredError,
    TokenFormatError,
    TokenLabError,
    TokenNotYetValidError,
)
from tokenlab.keys import Key, KeySet
from tokenlab.tokens import (
    MAX_TOKEN_CHARS,
    DecodedToken,
    Explanation,
    TokenWarning,
    b64url_decode,
    b64url_encode,
    decode_unverified,
    select_key,
    trusted_algorithms,
    verify_complete,
)

__all__ = ["Analysis", "Check", "Tampered", "analyse", "check_signature", "key_from_text", "tamper"]

_START_SHOWN = 80  # characters of a cut-off header shown
_EMPTY_JSON = "e30"  # base64url of "{}": stands in for a broken part so the other one can still be explained
_PAYLOAD_WARNINGS = frozenset(
    {
        "expired",
        "no_exp",
        "no_aud",
        "readable_secrets",
        "long_lived",
        "not_yet_valid",
        "issued_in_future",
        "bad_exp",
        "bad_nbf",
        "bad_iat",
    }
)
_CLAIM_ERRORS = (
    TokenExpiredError,
    TokenNotYetValidError,
    MissingClaimError,
    InvalidClaimError,
    IssuerMismatchError,
    AudienceMismatchError,
)
"""Raised by :func:`verify` only after the signature has been found valid."""
_NO_AUDIENCE = "(no audience given)"


@dataclass(frozen=True)
class Check:
    """The outcome of verifying, kept apart from decoding.

    ``status`` is ``"no_key"``, ``"no_token"`` (nothing complete to verify),
    ``"valid"``, ``"invalid_signature"``, ``"rejected_claims"`` (signature
    valid, a claim check failed), ``"rejected"`` (refused before the signature
    was checked: algorithm, kid, key strength), ``"bad_key"`` or ``"error"``.
    """

    status: str
    message: str = ""
    error: str = ""  # the exception's class name, if any
    key_label: str = ""  # "rs256-JjJTPQbC (RS256)"
    checked: tuple[str, ...] = ()  # what a valid verdict covered, and what it did not

    @property
    def verified(self) -> bool:
        return self.status == "valid"


@dataclass(frozen=True)
class Analysis:
    """A pasted token taken apart as far as possible, and its verification."""

    text: str  # the input as text, after trimming (may be cut for display: see ``length``)
    length: int  # how long the input was, in characters
    parts: tuple[str, ...]  # the dot-separated parts ("" when the input was not usable text)
    decoded: DecodedToken | None  # the whole token, when it decoded
    explanations: tuple[Explanation, ...]
    warnings: tuple[TokenWarning, ...]
    problems: tuple[str, ...]  # what is wrong with the input, first problem first
    check: Check = field(default_factory=lambda: Check("no_token"))
    empty: bool = False  # nothing but whitespace was given: not an error, just nothing to show yet

    @property
    def state(self) -> str:
        """``"decoded"``, ``"partial"`` (some parts decoded) or ``"broken"``."""
        if self.decoded is not None:
            return "decoded"
        return "partial" if self.explanations else "broken"


def _plain(err: BaseException) -> str:
    """An exception as one line a learner can read (never a traceback)."""
    text = str(err).strip() or type(err).__name__
    return text if isinstance(err, TokenLabError) else f"{type(err).__name__}: {text}"


def analyse(
    raw: Any,
    *,
    key: Any = None,
    key_label: str = "",
    clock: Clock | None = None,
    audience: str | list[str] | None = None,
    issuer: str | None = None,
    leeway: float = 0,
) -> Analysis:
    """Decode ``raw`` as far as possible and, given a ``key``, verify it. Never raises."""
    try:
        decoded = decode_unverified(raw, clock=clock)
    except TokenFormatError as err:
        return _partial(raw, str(err), clock)
    except Exception as err:  # a bug must not reach the learner as a traceback
        return Analysis("", 0, (), None, (), (), (_plain(err),))
    text = decoded.token
    check = check_signature(
        decoded, key, key_label=key_label, clock=clock, audience=audience, issuer=issuer, leeway=leeway
    )
    return Analysis(text, len(text), decoded.segments, decoded, decoded.explanations, decoded.warnings, (), check)


def _partial(raw: Any, problem: str, clock: Clock | None) -> Analysis:
    """Decode each part on its own, so a broken token still shows whatever can be read."""
    if not isinstance(raw, str) or len(raw) > MAX_TOKEN_CHARS:  # not text, or too long to look at: say so and stop
        text = raw if isinstance(raw, str) else ""
        return Analysis(text[:200], len(text), (), None, (), (), (problem,))
    text, notes = strip_bearer(raw)
    if not text:
        return Analysis("", len(raw), (), None, (), tuple(notes), (problem,), empty=True)
    parts = tuple(text.split("."))
    problems = [problem]
    explanations: list[Explanation] = []
    if len(parts) == 1:
        if text.startswith("eyJ"):
            problems.append(_readable_start(text))
        else:
            try:
                b64url_decode(text, part="input")
            except TokenFormatError as err:
                problems.append(str(err))
        return Analysis(text, len(text), parts, None, (), tuple(notes), tuple(problems))
    header_ok = _try_part(f"{parts[0]}.{_EMPTY_JSON}.", "header", problems, clock)
    payload_ok = len(parts) in (2, 3) and _try_part(f"{_EMPTY_JSON}.{parts[1]}.", "payload", problems, clock)
    if len(parts) == 3:
        try:
            b64url_decode(parts[2], part="signature")
        except TokenFormatError as err:
            problems.append(str(err))
    if header_ok and payload_ok:  # only the signature is broken or missing: explain everything else
        both = decode_unverified(f"{parts[0]}.{parts[1]}.", clock=clock)
        keep = [w for w in both.warnings if len(parts) == 2 or w.code != "no_signature"]
        return _result(text, parts, both.explanations, notes + keep, problems)
    if header_ok:
        part = header_ok
        explanations += [e for e in part.explanations if e.part == "header"]
        notes += [w for w in part.warnings if w.code not in _PAYLOAD_WARNINGS | {"no_signature", "weak_secret"}]
    if payload_ok:
        part = payload_ok
        explanations += [e for e in part.explanations if e.part == "payload"]
        notes += [w for w in part.warnings if w.code in _PAYLOAD_WARNINGS]
    return _result(text, parts, explanations, notes, problems)


def _readable_start(text: str) -> str:
    """What the first characters of a cut-off JWT say (all of them, or all but a last one that cannot be decoded)."""
    whole = text[:-1] if len(text) % 4 == 1 else text
    try:
        start = b64url_decode(whole, part="input").decode("utf-8", errors="replace")
    except TokenFormatError as err:
        return str(err)
    shown = start if len(start) <= _START_SHOWN else start[:_START_SHOWN] + "…"
    what = "It decodes to" if whole == text else f"Its first {len(whole)} characters decode to"
    if _is_json_object(start):
        return f"{what} {shown!r}, a whole JSON header; the payload and the signature are missing."
    return (
        f"{what} {shown!r}: the beginning of the JSON header; "
        "the rest of the header, the payload and the signature are missing."
    )


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):
        return False


def _try_part(stand_in: str, part: str, problems: list[str], clock: Clock | None) -> DecodedToken | None:
    """Decode one real part beside a stand-in ``{}``; on failure, note what is wrong with that part."""
    try:
        return decode_unverified(stand_in, clock=clock)
    except TokenFormatError as err:
        problems.append(str(err))
    except Exception as err:  # pragma: no cover - decode_unverified raises nothing else
        problems.append(f"The {part} could not be read: {_plain(err)}")
    return None


def _result(text: str, parts: tuple[str, ...], explanations, warnings, problems: list[str]) -> Analysis:
    unique = tuple(dict.fromkeys(problems))  # the same message once, first occurrence first
    return Analysis(text, len(text), parts, None, tuple(explanations), tuple(warnings), unique)


# --- verifying ------------------------------------------------------------------------------------


def key_from_text(text: str) -> Any:
    """What a learner typed in the key box, as something :func:`verify` takes: ``None`` for nothing,
    a :class:`~tokenlab.keys.KeySet` for a JWKS, a dict for a JWK, the text itself for a secret or PEM.
    Raises :class:`~tokenlab.errors.InvalidKeyError` for a JWKS that cannot be read."""
    stripped = text.strip()
    if not stripped:
        return None
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            return stripped  # as_key explains: "starts like a JWK but is not valid JSON"
        if isinstance(data, dict) and "keys" in data:
            return KeySet.from_jwks(data)
        return data
    return stripped


def _audience_for(claims: Mapping[str, Any], audience: Any) -> Any:
    """The audience to check: the one given, or (when none is) the token's own, so that ``aud`` goes unchecked."""
    if audience is not None:
        return audience
    if "aud" not in claims:
        return None
    aud = claims["aud"]
    if isinstance(aud, str) or (isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud)):
        return aud
    return _NO_AUDIENCE  # a malformed aud: verify explains what is wrong with it


def check_signature(
    decoded: DecodedToken,
    key: Any,
    *,
    key_label: str = "",
    clock: Clock | None = None,
    audience: str | list[str] | None = None,
    issuer: str | None = None,
    leeway: float = 0,
) -> Check:
    """Verify ``decoded`` with ``key`` (anything :func:`verify` takes, a JWKS dict or a KeySet) and say how it went.

    The verifier accepts the algorithm(s) of its key(s), not the token's choice; the times are checked on
    ``clock``; ``aud`` and ``iss`` only when ``audience`` / ``issuer`` are given. Never raises.
    """
    if key is None:
        return Check("no_key")
    try:
        if isinstance(key, Mapping) and "keys" in key:
            key = KeySet.from_jwks(key)
        if isinstance(key, KeySet) and not len(key):
            return Check("bad_key", "The key set holds no key tokenlab can use.", "InvalidKeyError")
        verified = verify_complete(
            decoded.token,
            key,
            algorithms=trusted_algorithms(key, decoded.header.get("alg")),
            audience=_audience_for(decoded.claims, audience),
            issuer=issuer,
            clock=clock,
            leeway=leeway,
        )
    except InvalidSignatureError as err:
        return Check("invalid_signature", str(err), type(err).__name__, _label(_key_tried(key, decoded), key_label))
    except _CLAIM_ERRORS as err:
        return Check("rejected_claims", str(err), type(err).__name__, _label(_key_tried(key, decoded), key_label))
    except InvalidTokenError as err:
        return Check("rejected", str(err), type(err).__name__)
    except InvalidKeyError as err:
        return Check("bad_key", str(err), type(err).__name__)
    except TokenLabError as err:
        return Check("error", str(err), type(err).__name__)
    except Exception as err:  # a bug must not reach the learner as a traceback
        return Check("error", _plain(err), type(err).__name__)
    checked = _what_was_checked(decoded, clock, audience, issuer, leeway)
    return Check("valid", "", "", _label(verified.key, key_label), checked)


def _key_tried(source: Any, decoded: DecodedToken) -> Key | None:
    """The key verify() checked the signature with, for a token it refused after choosing one."""
    try:
        return select_key(source, decoded.header)
    except TokenLabError:  # pragma: no cover - called only after verify() chose this very key
        return None


def _label(used: Key | None, key_label: str) -> str:
    label = f"{used.kid} ({used.alg})" if used is not None else ""
    return f"{label} {key_label}".strip()


def _what_was_checked(
    decoded: DecodedToken, clock: Clock | None, audience: Any, issuer: str | None, leeway: float
) -> tuple[str, ...]:
    claims = decoded.claims
    times = [name for name in ("exp", "nbf", "iat") if name in claims]
    now = format_utc((clock or Clock.system()).timestamp())
    lines = ["signature valid"]
    if times:
        slack = f", leeway {leeway:g} s" if leeway else ""
        lines.append(f"{', '.join(times)} checked at {now}{slack}")
    lines.append(f"aud checked ({audience!r})" if audience is not None else "aud not checked (no audience given)")
    lines.append(f"iss checked ({issuer!r})" if issuer is not None else "iss not checked (no issuer given)")
    return tuple(lines)


# --- tampering ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tampered:
    """The token re-encoded with edited claims and the *original* signature."""

    token: str | None  # None when the edit is not a JSON object
    problem: str = ""
    changed: tuple[str, ...] = ()  # claim names added, removed or changed


def tamper(decoded: DecodedToken, edited: Any) -> Tampered:
    """Replace the payload of ``decoded`` by ``edited`` (JSON text or a dict), keep header and signature.

    The signature covers the exact bytes of header and payload (RFC 7515 §5.1), so any real change
    breaks it; claims left as they were keep the original payload bytes. Never raises.
    """
    if isinstance(edited, str):
        if len(edited) > MAX_TOKEN_CHARS:
            return Tampered(None, f"The edited payload is over {MAX_TOKEN_CHARS:,} characters.")
        try:
            edited = json.loads(edited)
        except ValueError as exc:
            return Tampered(None, f"The edited payload is not JSON: {exc}.")
        except RecursionError:
            return Tampered(None, "The edited payload is JSON nested too deeply.")
    if not isinstance(edited, Mapping):
        return Tampered(None, f"The payload must be a JSON object {{...}}, not {type(edited).__name__}.")
    claims = dict(edited)
    original = decoded.claims
    changed = tuple(sorted(n for n in set(original) | set(claims) if original.get(n, ...) != claims.get(n, ...)))
    if not changed and list(claims) == list(original):
        return Tampered(decoded.token)
    try:
        payload = json.dumps(claims, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return Tampered(None, f"The edited payload cannot be written as JSON: {exc}.")
    segment = b64url_encode(payload.encode("utf-8"))
    header, _, signature = decoded.segments
    return Tampered(f"{header}.{segment}.{signature}", "", changed)
