"""An issuer's JWK Set as a verifier keeps it: fetched once, cached, refetched on an unknown ``kid`` — within bounds.

An API that accepts an issuer's tokens reads the issuer's public keys from its
``jwks_uri`` (RFC 8414 §2, OIDC Discovery §3) and keeps them:
fetching them for every token would make each API call wait on the issuer.
Two things make :class:`RemoteKeySet` fetch again:

1. **An unknown ``kid``.** The issuer has rotated its key: "the verifier knows
   to go back to the jwks_uri location to re-retrieve the keys when it sees an
   unfamiliar kid value" (OIDC Core §10.1.1). But anyone can write any
   ``kid`` into a token, so a flood of tokens with made-up kids must not become
   a flood of requests to the issuer. No standard sets a limit: tokenlab's
   verifier chooses at most one fetch per ``min_refetch_interval`` seconds,
   because otherwise every forged token would cost the issuer a request.
   Libraries make the same kind of choice (PyJWT's ``PyJWKClient`` waits a
   ``cooldown_duration`` between refetches). In between, an unknown kid is simply an :class:`~tokenlab.errors.UnknownKeyError`.
2. **Age.** A copy is used for as long as the response's ``Cache-Control:
   max-age`` allows, minus its ``Age`` (RFC 9111 §4.2.1, §4.2.3, §5.2.2.1), or
   ``default_max_age`` seconds if it says nothing. That is also how long a
   *retired* key keeps verifying here after the issuer dropped it.

Keys come only from the configured ``jwks_uri``: a ``jku``, ``jwk`` or ``x5u``
header in a token is never followed (RFC 8725 §3.10 for jku and x5u). Time is read from the
shared :class:`~tokenlab.clock.Clock`, so a notebook moves through cache expiry
with ``clock.advance(...)`` instead of sleeping.

>>> from tokenlab.provider import MockProvider
>>> with MockProvider() as op:
...     keys = RemoteKeySet(op.url("/jwks.json"), clock=op.clock)
...     token = op.mint("reporting-service")["access_token"]
...     for _ in range(3):
...         claims = keys.verify(token, algorithms=["RS256"], audience="demo-api", issuer=op.issuer, typ="at+jwt")
...     claims["client_id"], keys.fetches
('reporting-service', 1)
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from tokenlab.clock import Clock, format_utc
from tokenlab.errors import InvalidKeyError, UnknownKeyError, UsageError
from tokenlab.keys import KeySet
from tokenlab.tokens import decode_unverified, verify

__all__ = ["DEFAULT_MAX_AGE", "DEFAULT_MIN_REFETCH_INTERVAL", "LONGEST_MAX_AGE", "MAX_JWKS_BYTES", "RemoteKeySet"]

DEFAULT_MAX_AGE = 300
"""Seconds a fetched JWK Set is used when the response has no ``Cache-Control: max-age`` (5 minutes)."""

DEFAULT_MIN_REFETCH_INTERVAL = 60
"""At most one fetch per this many seconds, however many unknown kids arrive."""

LONGEST_MAX_AGE = 86400
"""A copy is never used for longer than a day, whatever ``max-age`` says: a key the issuer has
withdrawn (leaked, say) must stop verifying here within a bounded time."""

MAX_JWKS_BYTES = 256 * 1024
"""A JWK Set is a few KiB; a bigger answer is refused while it is read, so reading stays bounded."""

_TIMEOUT = 10


@dataclass(frozen=True)
class _Copy:
    """One fetched JWK Set and how long it may be used: the times are the clock's NumericDates."""

    keys: KeySet
    fetched_at: int
    fresh_until: int


class RemoteKeySet:
    """The keys published at ``jwks_uri``, cached, for verifying that issuer's tokens.

    Nothing is fetched until the first :meth:`verify` or :meth:`key_set`.
    ``session`` (a ``requests.Session``) reuses its connections; ``clock`` is
    the time for both the cache and the tokens' ``exp``/``nbf``/``iat``.
    ``fetches`` counts the HTTP requests made, ``throttled_refetches`` the
    unknown kids that would have caused one within ``min_refetch_interval``.

    Every fetch, whatever caused it, is at least ``min_refetch_interval``
    seconds after the previous one: a misconfigured ``max-age=0`` cannot turn
    each verification into a request either. A fetch that fails (connection
    refused, not 200, not JSON, not a JWK Set) raises
    :class:`~tokenlab.errors.InvalidKeyError` saying why, and again without
    asking until the interval has passed; stale keys are never used instead.
    """

    def __init__(
        self,
        jwks_uri: str,
        *,
        session: requests.Session | None = None,
        clock: Clock | None = None,
        default_max_age: float = DEFAULT_MAX_AGE,
        min_refetch_interval: float = DEFAULT_MIN_REFETCH_INTERVAL,
        timeout: float = _TIMEOUT,
    ) -> None:
        self.jwks_uri = _checked_uri(jwks_uri)
        self.clock = clock or Clock.system()
        self.default_max_age = _seconds("default_max_age", default_max_age, zero_ok=True)
        self.min_refetch_interval = _seconds("min_refetch_interval", min_refetch_interval, zero_ok=False)
        self.timeout = _seconds("timeout", timeout, zero_ok=False)
        self._session = session
        self._lock = threading.Lock()  # one fetch at a time; the decision to fetch is made under it
        self._copy: _Copy | None = None
        self._last_attempt: int | None = None
        self._last_failure: str | None = None
        self.fetches = 0
        self.throttled_refetches = 0

    # --- what a verifier uses ----------------------------------------------

    def key_set(self) -> KeySet:
        """The cached keys; fetched first if there are none yet or the copy has gone stale."""
        copy = self._copy
        if copy is not None and self.clock.timestamp() < copy.fresh_until:
            return copy.keys
        with self._lock:
            now = self.clock.timestamp()
            copy = self._copy
            if copy is not None and now < copy.fresh_until:  # another thread fetched it meanwhile
                return copy.keys
            return self._refresh(now).keys

    def verify(
        self,
        token: Any,
        *,
        algorithms: Iterable[str],
        audience: str | Iterable[str],
        issuer: str,
        typ: str | None = None,
        leeway: float = 0,
        require: Iterable[str] = ("exp",),
    ) -> dict[str, Any]:
        """Verify ``token`` with :func:`tokenlab.tokens.verify` against the cached keys; return its claims.

        ``issuer`` and ``audience`` are required: keys fetched from one issuer's
        ``jwks_uri`` verify only that issuer's tokens (RFC 8725 §3.8), and an
        issuer serving several APIs needs the audience checked (§3.9). A token
        whose ``kid`` is not cached makes one refetch, unless one happened less
        than ``min_refetch_interval`` ago; then it is refused with
        :class:`~tokenlab.errors.UnknownKeyError`.
        """
        if not isinstance(issuer, str) or not issuer:
            raise UsageError("name the issuer whose jwks_uri this is, e.g. issuer='https://login.example.com'")
        if audience is None:
            raise UsageError("name the audience this API answers to, e.g. audience='https://api.example.com'")
        options = {
            "algorithms": algorithms,
            "audience": audience,
            "issuer": issuer,
            "typ": typ,
            "leeway": leeway,
            "require": require,
            "clock": self.clock,
        }
        keys = self.key_set()
        try:
            return verify(token, keys, **options)
        except UnknownKeyError:
            kid = decode_unverified(token).header.get("kid")
            if not isinstance(kid, str):
                raise  # no kid (or not text): no fetched key set can say which key it means
        keys, refetched = self._keys_after_unknown_kid(keys, kid)
        try:
            return verify(token, keys, **options)
        except UnknownKeyError:
            pass
        fetched = "fetched again for this token" if refetched else "fetched again just now"
        raise UnknownKeyError(
            f"The token has kid {kid!r}, which is not in the issuer's key set at {self.jwks_uri} ({fetched}): "
            "it is not (or no longer) a key of this issuer.",
            claim="kid",
        )

    def _keys_after_unknown_kid(self, seen: KeySet, kid: str) -> tuple[KeySet, bool]:
        """Fetch again for an unfamiliar ``kid`` (OIDC Core §10.1.1), at most once per interval (tokenlab's choice)."""
        with self._lock:
            copy = self._copy
            if copy is not None and copy.keys is not seen:  # another thread refetched while this one verified
                return copy.keys, False
            now = self.clock.timestamp()
            if self._may_fetch(now):
                return self._fetch(now).keys, True
            self.throttled_refetches += 1
            assert self._last_attempt is not None  # _may_fetch is True before any attempt
            raise UnknownKeyError(
                f"The token has kid {kid!r}, which is not in the issuer's key set fetched from {self.jwks_uri} "
                f"{_ago(now - self._last_attempt)}. It is not fetched again before "
                f"{format_utc(self._last_attempt + self.min_refetch_interval)}: one fetch per "
                f"{self.min_refetch_interval:g} s at most: tokenlab's verifier chooses this limit, because otherwise "
                "made-up kids would flood the issuer with requests; OIDC Core §10.1.1 only says to fetch again on "
                "an unfamiliar kid.",
                claim="kid",
            )

    # --- for notebooks and tests ---------------------------------------------

    @property
    def fetched_at(self) -> int | None:
        """When the cached copy was fetched (a NumericDate on ``clock``), or ``None`` before the first fetch."""
        copy = self._copy
        return None if copy is None else copy.fetched_at

    @property
    def fresh_until(self) -> int | None:
        """When the cached copy goes stale and the next use fetches again, or ``None`` before the first fetch."""
        copy = self._copy
        return None if copy is None else copy.fresh_until

    def __repr__(self) -> str:
        copy = self._copy
        if copy is None:
            return f"<RemoteKeySet {self.jwks_uri}: not fetched yet>"
        return (
            f"<RemoteKeySet {self.jwks_uri}: {', '.join(key.kid for key in copy.keys) or 'no keys'}; "
            f"{self.fetches} fetch{'es' if self.fetches != 1 else ''}, fresh until {format_utc(copy.fresh_until)}>"
        )

    # --- fetching ------------------------------------------------------------

    def _may_fetch(self, now: int) -> bool:
        return self._last_attempt is None or now - self._last_attempt >= self.min_refetch_interval

    def _refresh(self, now: int) -> _Copy:
        """A fresh copy, or within the interval after the last attempt: its copy, or its failure again."""
        if not self._may_fetch(now):
            assert self._last_attempt is not None
            if self._last_failure is not None:
                raise InvalidKeyError(
                    f"{self._last_failure} Not asking again before "
                    f"{format_utc(self._last_attempt + self.min_refetch_interval)} "
                    f"(one fetch per {self.min_refetch_interval:g} s at most)."
                )
            if self._copy is not None:
                return self._copy
        return self._fetch(now)

    def _fetch(self, now: int) -> _Copy:
        """GET ``jwks_uri`` once (the caller holds the lock and has checked the interval)."""
        self._last_attempt = now
        self.fetches += 1
        try:
            copy = self._download(now)
        except InvalidKeyError as err:
            self._last_failure = str(err)
            raise
        self._last_failure = None
        self._copy = copy
        return copy

    def _download(self, now: int) -> _Copy:
        try:
            if self._session is not None:
                status, reason, headers, body = self._get(self._session)
            else:
                with requests.Session() as http:
                    status, reason, headers, body = self._get(http)
        except requests.RequestException as exc:
            raise InvalidKeyError(f"The JWK Set could not be fetched from {self.jwks_uri}: {_reason(exc)}.") from None
        if status != 200:
            raise InvalidKeyError(
                f"{self.jwks_uri} answered {status} {reason}, not 200 with the issuer's JWK Set "
                "(redirects are not followed: keys come from the configured jwks_uri only)."
            )
        try:
            document = json.loads(body)
        except ValueError:  # includes UnicodeDecodeError
            raise InvalidKeyError(f"{self.jwks_uri} answered with something that is not JSON, not a JWK Set.") from None
        try:
            keys = KeySet.from_jwks(document)
        except InvalidKeyError as exc:
            raise InvalidKeyError(f"{self.jwks_uri} did not answer with a JWK Set: {exc}.") from None
        return _Copy(keys, now, now + self._lifetime(headers))

    def _get(self, http: requests.Session) -> tuple[int, str, Mapping[str, str], bytes]:
        with http.get(
            self.jwks_uri,
            headers={"Accept": "application/jwk-set+json, application/json"},  # RFC 7517 §8.5.1
            timeout=self.timeout,
            allow_redirects=False,
            stream=True,
        ) as response:
            body = bytearray()
            for chunk in response.iter_content(16 * 1024):
                body += chunk
                if len(body) > MAX_JWKS_BYTES:
                    raise InvalidKeyError(
                        f"{self.jwks_uri} answered with more than {MAX_JWKS_BYTES // 1024} KiB: not a JWK Set."
                    )
            return response.status_code, response.reason or "", response.headers, bytes(body)

    def _lifetime(self, headers: Mapping[str, str]) -> int:
        """How long this copy may be used: its freshness lifetime minus its age (RFC 9111 §4.2.1, §4.2.3),
        between ``min_refetch_interval`` and :data:`LONGEST_MAX_AGE`."""
        directives = _cache_directives(headers.get("Cache-Control", ""))
        if "no-store" in directives or "no-cache" in directives:  # §5.2.2.4-5: do not reuse without asking
            lifetime = 0
        elif "max-age" in directives:
            lifetime = _delta_seconds(directives["max-age"])
        else:
            lifetime = self.default_max_age
        lifetime -= _delta_seconds(headers.get("Age", "0"))  # §5.1: how long it already sat in a cache
        return math.ceil(min(max(lifetime, self.min_refetch_interval), LONGEST_MAX_AGE))


def _checked_uri(uri: Any) -> str:
    """Only an absolute http(s) URL: no file paths, no other schemes. Outside the loopback lab, use https:
    keys fetched over plain HTTP can be swapped on the way."""
    try:
        parts = urlsplit(uri) if isinstance(uri, str) else None
        host = parts.hostname if parts is not None else None
    except ValueError:
        parts = host = None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise UsageError(f"jwks_uri must be an http(s) URL such as https://login.example.com/jwks.json, not {uri!r}")
    return uri


def _seconds(name: str, value: Any, *, zero_ok: bool) -> float:
    number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not number or value < 0 or (value == 0 and not zero_ok):
        bound = "≥ 0" if zero_ok else "> 0"
        raise UsageError(f"{name} is a number of seconds {bound}, not {value!r}")
    return value


def _cache_directives(header: str) -> dict[str, str | None]:
    """``Cache-Control`` as {directive: value}; names are case-insensitive (RFC 9111 §5.2).

    A directive given twice counts as invalid: RFC 9111 §4.2.1 lets a cache use the first occurrence or consider
    the response stale, and tokenlab's verifier chooses stale.
    """
    directives: dict[str, str | None] = {}
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        name = name.strip().lower()
        if not name:
            continue
        directives[name] = "invalid" if name in directives else value.strip().strip('"') if value else None
    return directives


def _delta_seconds(value: str | None) -> int:
    """A delta-seconds value (RFC 9111 §1.2.2); anything else counts as 0, i.e. stale (§4.2.1)."""
    return int(value) if value is not None and value.isascii() and value.isdigit() else 0


def _reason(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):  # before ConnectionError: ConnectTimeout is both
        return f"it did not answer within the timeout ({type(exc).__name__})"
    if isinstance(exc, requests.ConnectionError):
        return "nothing answered there (connection refused or reset, or no such host)"
    return type(exc).__name__


def _ago(seconds: int) -> str:
    return "just now" if seconds <= 0 else f"{seconds} s ago"
