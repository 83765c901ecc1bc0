"""Everything the provider remembers, in five parts that share ONE lock.

- :attr:`Store.logins` (:mod:`~tokenlab.provider.store.logins`): login pages waiting for an answer, consents, login
  sessions, authorization codes and the codes already redeemed;
- :attr:`Store.tokens` (:mod:`~tokenlab.provider.store.tokens`): grants, access tokens, refresh tokens, the denylist;
- :attr:`Store.devices` (:mod:`~tokenlab.provider.store.devices`): device authorizations (RFC 8628);
- :attr:`Store.api_keys` (:mod:`~tokenlab.provider.store.api_keys`): API keys, by id and by hash;
- :attr:`Store.events` (:mod:`~tokenlab.provider.store.events`): the token-event log behind the timelines.

Thread-safe: every method of every part takes the one lock, and every single-use thing (an authorization code, a
refresh token, a device code) is checked and consumed in one step under it, so two concurrent redemptions give
exactly one success (RFC 6749 §4.1.2, §10.5; RFC 9700 §4.14.2). Callers use the parts' methods, never their
dictionaries or the lock; what the methods hand out are copies. Secrets are kept only as SHA-256 hashes
(:func:`digest`): a dump of the store leaks no usable token.

Bounded memory (SECURITY.md H9). Whatever expired is forgotten, on the provider's own clock (so time travel in a
lesson prunes too), at most once per clock second, when something new is stored: codes, refresh tokens, access
tokens, device codes and login sessions, then grants none of whose tokens are left, and redeemed codes whose grant is
gone. tokenlab's provider chooses to keep each record for :data:`RETAIN` seconds after it expired, because a client
that comes back a little late should hear "this code has expired" (RFC 6749 §4.1.2) rather than "unknown". What an
unauthenticated caller can make is also capped by count: device authorizations of a public client
(:data:`MAX_PENDING`) and login pages (:data:`MAX_LOGIN_PAGES`), oldest first, and the token timeline keeps the last :data:`MAX_EVENTS` events.
"""

from __future__ import annotations

import base64
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tokenlab.provider.records import (
    AccessRecord,
    ApiKeyRecord,
    AuthorizationCode,
    DeviceAuthorization,
    Grant,
    LoginSession,
    LoginTransaction,
    PendingAuthorization,
    RefreshRecord,
    TokenEvent,
)
from tokenlab.provider.store import limits
from tokenlab.provider.store.api_keys import ApiKeyStore
from tokenlab.provider.store.devices import DeviceStore
from tokenlab.provider.store.events import EventLog
from tokenlab.provider.store.limits import MAX_EVENTS, MAX_LOGIN_PAGES, MAX_PENDING, RETAIN, digest, new_secret
from tokenlab.provider.store.logins import LoginStore
from tokenlab.provider.store.tokens import TokenStore

__all__ = [
    "MAX_EVENTS",
    "MAX_LOGIN_PAGES",
    "MAX_PENDING",
    "RETAIN",
    "AccessRecord",
    "ApiKeyRecord",
    "ApiKeyStore",
    "AuthorizationCode",
    "DeviceAuthorization",
    "DeviceStore",
    "EventLog",
    "Grant",
    "LoginSession",
    "LoginStore",
    "LoginTransaction",
    "PendingAuthorization",
    "RefreshRecord",
    "Store",
    "TokenEvent",
    "TokenStore",
    "digest",
    "new_secret",
]


@dataclass
class Store:
    """The provider's memory: five parts over one lock. Their methods take the lock; callers never do."""

    seed: int | None = None  # reproducible secrets for lessons only (ProviderConfig.seed): never for anything real
    now: Callable[[], int] = field(default=lambda: int(time.time()), repr=False)  # the provider's clock
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    logins: LoginStore = field(init=False)
    tokens: TokenStore = field(init=False)
    devices: DeviceStore = field(init=False)
    api_keys: ApiKeyStore = field(init=False)
    events: EventLog = field(init=False)

    def __post_init__(self) -> None:
        self._random = None if self.seed is None else random.Random(self.seed)
        self._pruned_at: int | None = None
        self.events = EventLog(self.lock, self.now)
        self.logins = LoginStore(self.lock, self._maybe_prune)
        self.tokens = TokenStore(self.lock, self.now, self.secret, self.events, self._maybe_prune)
        self.devices = DeviceStore(self.lock, self._maybe_prune)
        self.api_keys = ApiKeyStore(self.lock)

    def secret(self, nbytes: int = 32) -> str:
        """A fresh random secret, base64url. From ``secrets`` (the OS's CSPRNG, RFC 6749 §10.10), unless the
        provider was given a ``seed`` so that a lesson's stored outputs repeat byte for byte."""
        if self._random is None:
            return new_secret(nbytes)
        with self.lock:
            data = self._random.randbytes(nbytes)
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

    def counts(self) -> dict[str, int]:
        """How many records of each kind the store holds now: what a test or a lesson reads to see what it keeps."""
        with self.lock:
            return {
                "login_pages": len(self.logins.pages),
                "consents": len(self.logins.consents),
                "sessions": len(self.logins.sessions),
                "codes": len(self.logins.codes),
                "used_codes": len(self.logins.used_codes),
                "grants": len(self.tokens.grants),
                "access": len(self.tokens.access),
                "opaque": len(self.tokens.opaque),
                "refresh": len(self.tokens.refresh),
                "revoked_jtis": len(self.tokens.revoked_jtis),
                "devices": len(self.devices.devices),
                "user_codes": len(self.devices.user_codes),
                "api_keys": len(self.api_keys.keys),
                "events": len(self.events.events),
                "labels": len(self.events.labels),
            }

    # --- forgetting what expired (bounded memory) ------------------------------

    def _maybe_prune(self) -> None:
        """Prune at most once per second of the provider's clock (callers hold the lock)."""
        now = self.now()
        if now != self._pruned_at:
            self._pruned_at = now
            self.prune(now)

    def prune(self, now: int) -> None:
        """Forget every record that expired more than :data:`RETAIN` seconds before ``now``, and every grant with
        nothing left: no access token, refresh token or device code of it remembered."""
        gone = now - limits.RETAIN
        with self.lock:
            self.logins.prune(now, gone)
            self.tokens.prune(now, gone)
            self.devices.prune(gone)
            self.tokens.forget_grants(gone, also_alive=self.devices.grant_ids())
            self.logins.forget_redeemed(gone, grant_known=self.tokens.grant_known)
