"""Sign and verify JWTs (RFC 7519) in their compact JWS form (RFC 7515 §7.1).

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
nothing; :func:`verify` trusts nothing it has not checked, and
:func:`verify_complete` also says which of the caller's keys verified the
token. :func:`select_key` is the one place a key is chosen for a token.

The token's text is read by :mod:`tokenlab.token_format` and explained by
:mod:`tokenlab.decoded`; their public names are re-exported here.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tokenlab import claims as _claims
from tokenlab.clock import Clock, as_datetime
from tokenlab.decoded import DecodedToken, Explanation, decode_unverified
from tokenlab.errors import (
    AlgorithmNotAllowedError,
    AudienceMismatchError,
    InvalidKeyError,
    InvalidSignatureError,
    KeyAlgorithmMismatchError,
    TokenLabError,
    UnknownKeyError,
    UnsupportedCriticalHeaderError,
    UsageError,
    WeakKeyError,
)
from tokenlab.keys import Key, KeySet, as_key, min_hmac_key_bytes
from tokenlab.token_format import MAX_TOKEN_CHARS, b64url_decode, b64url_encode, parse_compact, token_text
from tokenlab.token_warnings import WEAK_SECRETS, TokenWarning, signature_size_problem

__all__ = [
    "MAX_TOKEN_CHARS",
    "WEAK_SECRETS",
    "DecodedToken",
    "Explanation",
    "TokenWarning",
    "VerifiedToken",
    "b64url_decode",
    "b64url_encode",
    "decode_unverified",
    "select_key",
    "sign",
    "trusted_algorithms",
    "verify",
    "verify_complete",
]

_SYSTEM_CLOCK = Clock.system()


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


# --- choosing the key -------------------------------------------------------


def _as_key_for(material: Any, alg: Any) -> Key:
    """``material`` as a :class:`Key`: pinned to ``alg`` when it can serve it (an RSA key PS256 as well as RS256, a
    secret HS512 as well as HS256), else to its own algorithm. A :class:`Key` is already pinned and stays as it is."""
    if isinstance(material, Key):
        return material
    natural = as_key(material)
    if natural.alg == alg or not isinstance(alg, str) or alg.lower() == "none":
        return natural
    with contextlib.suppress(TokenLabError):
        return as_key(material, alg)  # same family only: as_key refuses an RSA key for HS256
    return natural


def _key_set(key: Any) -> Any:
    return KeySet.from_jwks(key) if isinstance(key, Mapping) and "keys" in key else key


def select_key(key: Any, header: Mapping[str, Any]) -> Key:
    """The key to verify a token with this ``header``: by ``kid`` from a :class:`~tokenlab.keys.KeySet` or JWKS
    dict, or the one key given; never a key the token carries (RFC 8725 §3.10).

    A key set with a single key also serves a token without ``kid``. Raises
    :class:`~tokenlab.errors.UnknownKeyError` when no trusted key has the token's ``kid``,
    :class:`~tokenlab.errors.KeyAlgorithmMismatchError` when the key is pinned to another
    algorithm than the header's ``alg``, :class:`~tokenlab.errors.InvalidKeyError` when ``key``
    cannot be read as a key.
    """
    alg = header.get("alg")
    key = _key_set(key)
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
        chosen = _as_key_for(key, alg)
    except InvalidKeyError as exc:
        raise InvalidKeyError(f"The key given to verify() cannot be used: {exc}") from None
    if chosen.alg != alg:
        raise KeyAlgorithmMismatchError(
            f"The token says alg {alg}, but the key is {chosen.kid}, pinned to {chosen.alg}.", claim="alg"
        )
    return chosen


def trusted_algorithms(key: Any, token_alg: Any = None) -> list[str]:
    """The algorithms a verifier holding ``key`` (a key, a :class:`~tokenlab.keys.KeySet` or a JWKS dict) can
    accept: the one each key is pinned to, never what a token asks for (RFC 8725 §3.1). ``token_alg`` counts
    only where a key can serve it, as :func:`select_key` would (a secret verifies HS384 as well as HS256)."""
    key = _key_set(key)
    keys = list(key) if isinstance(key, KeySet) else [key]
    return sorted({_as_key_for(each, token_alg).alg for each in keys})


# --- verifying --------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedToken:
    """What :func:`verify_complete` proved: the claims and header of a token whose signature ``key`` verified."""

    header: dict[str, Any]
    claims: dict[str, Any]
    key: Key  # the caller's key that verified the signature, chosen by select_key
    algorithms: tuple[str, ...]  # the algorithms this verification accepted


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

    :func:`verify_complete` makes the same checks and also says which key verified the token.
    """
    return verify_complete(
        token,
        key,
        algorithms=algorithms,
        audience=audience,
        issuer=issuer,
        clock=clock,
        leeway=leeway,
        typ=typ,
        require=require,
    ).claims


def verify_complete(
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
) -> VerifiedToken:
    """Verify a JWT with the checks of :func:`verify` and return a :class:`VerifiedToken`: its claims, its header, and the
    :class:`~tokenlab.keys.Key` (from ``key``, chosen by :func:`select_key`) whose signature check passed.
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
    parsed = parse_compact(token_text(token))
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

    chosen = select_key(key, header)
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
    return VerifiedToken(header, claims, chosen, tuple(allowed))
