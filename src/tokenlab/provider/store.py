"""Everything the provider remembers: codes, grants, tokens, device codes, revocations.

Thread-safe: one lock guards all of it, and every single-use thing (an
authorization code, a refresh token, a device code) is checked and consumed
in one step under that lock, so two concurrent redemptions give exactly one
success (RFC 6749 §4.1.2, §10.5; RFC 9700 §4.14.2). Secrets are kept only as
SHA-256 hashes: a dump of the store leaks no usable token.

A *grant* is one client's authorization from one user (or, for client
credentials, from itself). Every token issued under it belongs to its family;
revoking the grant kills them all. Revoking a refresh token does that (RFC 7009
§2.1: the server SHOULD also invalidate the grant's access tokens), and so does
a reused refresh token: there RFC 9700 §4.14.2 asks only that the active
refresh token be revoked, and tokenlab's provider chooses to revoke the family.

Bounded memory (SECURITY.md H9). Whatever expired is forgotten, on the provider's own clock (so time travel in a
lesson prunes too), at most once per clock second, when something new is stored: codes, refresh tokens, access
tokens, device codes and login sessions, then grants none of whose tokens are left, and redeemed codes whose grant is
gone. tokenlab's provider chooses to keep each record for :data:`RETAIN` seconds after it expired, because a client
that comes back a little late should hear "this code has expired" (RFC 6749 §4.1.2) rather than "unknown". What an
unauthenticated caller can make (device authorizations of a public client, login pages) is also capped by count
(:data:`MAX_PENDING`), oldest pending first, and the token timeline keeps the last :data:`MAX_EVENTS` events.
"""

from __future__ import annotations

import base64
import hashlib
import random
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from tokenlab.claims import MAX_LEEWAY
from tokenlab.provider.apikey_store import ApiKeyStore
from tokenlab.provider.records import (
    CAME_BACK,
    AccessRecord,
    ApiKeyRecord,
    AuthorizationCode,
    DeviceAuthorization,
    Grant,
    LoginSession,
    PendingAuthorization,
    RefreshRecord,
    TokenEvent,
)

__all__ = [
    "MAX_EVENTS",
    "MAX_PENDING",
    "RETAIN",
    "AccessRecord",
    "ApiKeyRecord",
    "AuthorizationCode",
    "DeviceAuthorization",
    "Grant",
    "LoginSession",
    "PendingAuthorization",
    "RefreshRecord",
    "Store",
    "TokenEvent",
    "digest",
    "new_secret",
]


RETAIN = 24 * 3600
"""Seconds a record is kept after it expired, on the provider's clock: late requests are told why they fail."""
MAX_PENDING = 1000
"""Unanswered login pages and device authorizations kept at most, each: the oldest pending ones go first."""
MAX_EVENTS = 10_000
"""Token events kept for the timelines (``op.events``): the oldest go first."""


def digest(secret: str) -> str:
    """The SHA-256 of a token or code: what the store keeps instead of the secret itself."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def new_secret(nbytes: int = 32) -> str:
    """A fresh random secret: 256 bits by default, base64url (RFC 6749 §10.10, RFC 6819 §5.1.4.2.2)."""
    return secrets.token_urlsafe(nbytes)


@dataclass
class Store(ApiKeyStore):
    """The provider's memory. Methods that change state take the lock; callers never do."""

    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    seed: int | None = None  # reproducible secrets for lessons only (ProviderConfig.seed): never for anything real
    now: Callable[[], int] = field(default=lambda: int(time.time()), repr=False)  # the provider's clock
    events: deque[TokenEvent] = field(default_factory=lambda: deque(maxlen=MAX_EVENTS))
    labels: dict[str, str] = field(default_factory=dict)  # jti or refresh digest -> "AT1", "RT1", …
    sessions: dict[str, LoginSession] = field(default_factory=dict)  # digest of the session cookie -> session
    grants: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)  # by digest
    used_codes: dict[str, str] = field(default_factory=dict)  # digest -> grant id issued from it
    used_code_expiry: dict[str, int] = field(default_factory=dict)  # digest -> when that code would have expired
    access: dict[str, AccessRecord] = field(default_factory=dict)  # by jti
    opaque: dict[str, str] = field(default_factory=dict)  # digest of an opaque access token -> jti
    refresh: dict[str, RefreshRecord] = field(default_factory=dict)  # by digest
    revoked_jtis: dict[str, int] = field(default_factory=dict)  # jti -> exp: kept until exp + MAX_LEEWAY
    devices: dict[str, DeviceAuthorization] = field(default_factory=dict)  # by digest of the device code
    user_codes: dict[str, str] = field(default_factory=dict)  # user code -> digest of the device code
    pending: dict[str, PendingAuthorization] = field(default_factory=dict)  # by digest of the login page's request id
    api_keys: dict[str, ApiKeyRecord] = field(default_factory=dict)  # by key id, in order of creation
    api_key_ids: dict[str, str] = field(default_factory=dict)  # SHA-256 of an API key -> its key id
    api_key_lookups: int = 0  # keys looked up by hash; a key that fails its checksum never gets this far

    def __post_init__(self) -> None:
        self._random = None if self.seed is None else random.Random(self.seed)
        self._label_counts = {"AT": 0, "RT": 0}
        self._pruned_at: int | None = None

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
        gone = now - RETAIN
        with self.lock:
            self.forget_expired(now)
            for key in [k for k, r in self.codes.items() if r.expires_at <= gone]:
                del self.codes[key]
            for key in [k for k, r in self.pending.items() if r.expires_at <= now]:
                del self.pending[key]
            for key in [k for k, r in self.sessions.items() if r.expires_at <= now]:
                del self.sessions[key]
            for jti in [j for j, r in self.access.items() if r.expires_at + MAX_LEEWAY <= gone]:
                del self.access[jti]
                self.labels.pop(jti, None)
            for key in [k for k, jti in self.opaque.items() if jti not in self.access]:
                del self.opaque[key]
            for key in [k for k, r in self.refresh.items() if min(r.expires_at, r.idle_expires_at) <= gone]:
                del self.refresh[key]
                self.labels.pop(key, None)
            for key in [k for k, r in self.devices.items() if r.expires_at <= gone]:
                self.user_codes.pop(self.devices.pop(key).user_code, None)
            alive = {r.grant_id for r in self.access.values()} | {r.grant_id for r in self.refresh.values()}
            alive |= {r.grant_id for r in self.devices.values() if r.grant_id}
            for grant_id in [g for g, r in self.grants.items() if g not in alive and r.created <= gone]:
                del self.grants[grant_id]
            for key in [k for k, exp in self.used_code_expiry.items() if exp <= gone]:
                if self.used_codes.get(key) not in self.grants:  # its grant is gone (or never linked)
                    self.used_codes.pop(key, None)
                    del self.used_code_expiry[key]

    def secret(self, nbytes: int = 32) -> str:
        """A fresh random secret, base64url. From ``secrets`` (the OS's CSPRNG, RFC 6749 §10.10), unless the
        provider was given a ``seed`` so that a lesson's stored outputs repeat byte for byte."""
        if self._random is None:
            return new_secret(nbytes)
        with self.lock:
            data = self._random.randbytes(nbytes)
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

    # --- the event log, for timelines ---------------------------------------

    def record(
        self, kind: str, token_type: str, key: str, grant_id: str, *, expires_at: int | None = None, detail: str = ""
    ) -> None:
        """Log an event for the token known by ``key`` (its jti, or its refresh-token digest)."""
        with self.lock:
            label = self.labels.get(key)
            if label is None:
                prefix = "AT" if token_type == "access_token" else "RT"
                self._label_counts[prefix] += 1
                label = f"{prefix}{self._label_counts[prefix]}"
                self.labels[key] = label
            self.events.append(TokenEvent(self.now(), kind, token_type, label, grant_id, expires_at, detail))

    # --- login sessions (single sign-on) --------------------------------------

    def start_login_session(self, session_id: str, sub: str, auth_time: int, expires_at: int) -> None:
        with self.lock:
            self._maybe_prune()
            self.sessions[digest(session_id)] = LoginSession(sub, auth_time, expires_at)

    def login_session(self, session_id: str, now: int) -> LoginSession | None:
        """The live session behind a cookie value, or ``None`` (unknown, ended or expired)."""
        if not session_id:
            return None
        with self.lock:
            session = self.sessions.get(digest(session_id))
            return session if session is not None and now < session.expires_at else None

    def end_login_session(self, session_id: str) -> LoginSession | None:
        with self.lock:
            return self.sessions.pop(digest(session_id), None)

    # --- grants ------------------------------------------------------------

    def new_grant(self, client_id: str, sub: str | None, scope: str, auth_time: int, now: int) -> Grant:
        grant = Grant(self.secret(12), client_id, sub, scope, auth_time, now)
        with self.lock:
            self._maybe_prune()
            self.grants[grant.grant_id] = grant
        return grant

    def revoke_grant(self, grant_id: str, reason: str) -> None:
        """Revoke a grant and every token of its family (see the module's docstring for when, and why)."""
        with self.lock:
            grant = self.grants.get(grant_id)
            if grant is None or grant.revoked:
                return
            grant.revoked, grant.revoked_reason = True, reason
            now = self.now()
            self.forget_expired(now)
            for record in self.access.values():
                if record.grant_id == grant_id:
                    if record.jti not in self.revoked_jtis and now < record.expires_at:
                        self.record("revoked", "access_token", record.jti, grant_id, detail=reason)
                    self.revoked_jtis[record.jti] = record.expires_at
            for key, refresh in self.refresh.items():
                if refresh.grant_id == grant_id:
                    if not refresh.used and now < min(refresh.expires_at, refresh.idle_expires_at):
                        self.record("revoked", "refresh_token", key, grant_id, detail=reason)
                    refresh.used = True

    def grant_alive(self, grant_id: str) -> bool:
        with self.lock:
            grant = self.grants.get(grant_id)
            return grant is not None and not grant.revoked

    # --- authorization codes (RFC 6749 §4.1.2) -----------------------------

    def add_code(self, code: str, record: AuthorizationCode) -> None:
        with self.lock:
            self._maybe_prune()
            self.codes[digest(code)] = record

    def take_code(self, code: str) -> tuple[AuthorizationCode | None, str | None]:
        """Consume a code atomically: ``(record, None)`` the first time; ``(None, grant_id)`` on reuse
        (the caller revokes that grant, RFC 6749 §4.1.2); ``(None, None)`` for an unknown code."""
        key = digest(code)
        with self.lock:
            record = self.codes.pop(key, None)
            if record is not None:
                self.used_codes[key] = ""
                self.used_code_expiry[key] = record.expires_at
                return record, None
            return None, self.used_codes.get(key)

    def code_came_back(self, code: str) -> str | None:
        """A redeemed code is presented again: the grant its first redemption started, for the caller to revoke
        (RFC 6749 §4.1.2). If that redemption has not linked its grant yet, the code is marked instead, and
        :meth:`link_code_once` tells the first redemption to revoke its own grant: no interleaving escapes."""
        key = digest(code)
        with self.lock:
            grant_id = self.used_codes.get(key)
            if grant_id in ("", CAME_BACK):
                self.used_codes[key] = CAME_BACK
                return None
            return grant_id

    def link_code_once(self, code: str, grant_id: str) -> bool:
        """Remember which grant a redeemed code started, so that its reuse can revoke it; ``False`` if the code came
        back while its first redemption ran (the caller then revokes that grant itself)."""
        key = digest(code)
        with self.lock:
            came_back = self.used_codes.get(key) == CAME_BACK
            self.used_codes[key] = grant_id
            return not came_back

    # --- pending authorization requests (the login page) -------------------

    def add_pending(self, request_id: str, record: PendingAuthorization, now: int) -> None:
        with self.lock:
            for key in [k for k, r in self.pending.items() if now >= r.expires_at]:
                del self.pending[key]
            while len(self.pending) >= MAX_PENDING:
                del self.pending[next(iter(self.pending))]  # the oldest first
            self.pending[digest(request_id)] = record

    def pending_request(self, request_id: str, now: int, *, take: bool = False) -> PendingAuthorization | None:
        """The unexpired pending request behind a login page; ``take=True`` consumes it atomically,
        so a page submitted twice (or by two tabs) is answered once."""
        key = digest(request_id)
        with self.lock:
            record = self.pending.get(key)
            if record is None or now >= record.expires_at:
                return None
            if take:
                del self.pending[key]
            return record

    # --- access tokens -----------------------------------------------------

    def add_access(self, record: AccessRecord, opaque_token: str | None = None) -> None:
        with self.lock:
            if record.jti in self.access:
                raise RuntimeError("jti collision")  # 128 random bits: never expected
            self._maybe_prune()
            self.access[record.jti] = record
            if opaque_token is not None:
                self.opaque[digest(opaque_token)] = record.jti

    def access_by_opaque(self, token: str) -> AccessRecord | None:
        with self.lock:
            jti = self.opaque.get(digest(token))
            return self.access.get(jti) if jti else None

    def access_active(self, jti: str, now: int) -> AccessRecord | None:
        """The record of a live access token: known, unexpired, not revoked, its grant alive."""
        with self.lock:
            record = self.access.get(jti)
            if record is None or now >= record.expires_at or jti in self.revoked_jtis:
                return None
            grant = self.grants.get(record.grant_id)
            if grant is None or grant.revoked:
                return None
            return record

    def revoke_access(self, jti: str) -> None:
        with self.lock:
            self.forget_expired(self.now())
            record = self.access.get(jti)
            if record is not None:
                if jti not in self.revoked_jtis:
                    self.record("revoked", "access_token", jti, record.grant_id, detail="access token revoked")
                self.revoked_jtis[jti] = record.expires_at

    def forget_expired(self, now: int) -> None:
        """Forget denylist entries no verifier needs any more: from ``exp`` + :data:`~tokenlab.claims.MAX_LEEWAY` on.

        A verifier that allows leeway still accepts a token for that long after its ``exp`` (RFC 7519 §4.1.4
        lets it allow "some small leeway"), so an entry dropped at ``exp`` would let a revoked token back in.
        tokenlab's provider keeps each entry for the most leeway tokenlab's ``verify`` accepts."""
        with self.lock:
            for jti in [j for j, exp in self.revoked_jtis.items() if exp + MAX_LEEWAY <= now]:
                del self.revoked_jtis[jti]

    # --- refresh tokens (RFC 6749 §6, RFC 9700 §4.14) ----------------------

    def add_refresh(self, token: str, record: RefreshRecord) -> None:
        with self.lock:
            self._maybe_prune()
            self.refresh[digest(token)] = record

    def take_refresh(
        self, token: str, validate: Callable[[RefreshRecord, Grant | None, bool], str]
    ) -> tuple[RefreshRecord | None, Grant | None, str, bool]:
        """Check and trade in a refresh token in one step: ``validate(record, grant, already_used)`` runs under
        the lock and raises to refuse (the token then stays as it was) or returns the scope to grant; only then
        is the token marked used. Returns ``(record, grant, scope, first_use)``; ``first_use=False`` is reuse."""
        with self.lock:
            record = self.refresh.get(digest(token))
            if record is None:
                return None, None, "", False
            grant = self.grants.get(record.grant_id)
            scope = validate(replace(record), replace(grant) if grant else None, record.used)
            first = not record.used
            record.used = True
            return replace(record), replace(grant) if grant else None, scope, first

    def live_refresh(self, token: str, now: int) -> tuple[RefreshRecord, Grant] | None:
        """A refresh token that would still work, with its grant (copies, to read): known, unused, within its
        absolute and idle lifetimes, its grant alive (RFC 7662 §2.2 "active", RFC 7009 §2.1)."""
        with self.lock:
            record = self.refresh.get(digest(token))
            if record is None or record.used or now >= record.expires_at or now >= record.idle_expires_at:
                return None
            grant = self.grants.get(record.grant_id)
            if grant is None or grant.revoked:
                return None
            return replace(record), replace(grant)

    # --- device authorization (RFC 8628) -----------------------------------

    def add_device(self, device_code: str, record: DeviceAuthorization) -> None:
        with self.lock:
            self._maybe_prune()
            waiting = [k for k, r in self.devices.items() if r.status == "pending"]
            for old in waiting[: max(0, len(waiting) - MAX_PENDING + 1)]:  # the oldest unanswered first
                self.user_codes.pop(self.devices.pop(old).user_code, None)
            key = digest(device_code)
            self.devices[key] = record
            self.user_codes[record.user_code] = key

    def device(self, device_code: str) -> DeviceAuthorization | None:
        with self.lock:
            return self.devices.get(digest(device_code))

    def device_by_user_code(self, user_code: str) -> DeviceAuthorization | None:
        with self.lock:
            key = self.user_codes.get(user_code)
            return self.devices.get(key) if key else None

    def add_device_if_new(self, device_code: str, record: DeviceAuthorization) -> bool:
        """:meth:`add_device`, unless its user code is already taken (``False``: the caller draws another)."""
        with self.lock:
            if record.user_code in self.user_codes:
                return False
            self.add_device(device_code, record)
            return True

    def decide_device(self, user_code: str, *, approve: bool, sub: str, now: int) -> DeviceAuthorization | None:
        """The user's answer on the verification page (RFC 8628 §3.3), taken once: only a pending, unexpired
        request changes. Returns a copy of it, or ``None``."""
        with self.lock:
            key = self.user_codes.get(user_code)
            record = self.devices.get(key) if key else None
            if record is None or record.status != "pending" or now >= record.expires_at:
                return None
            record.status = "approved" if approve else "denied"
            record.sub, record.auth_time = sub, now
            return replace(record)

    def poll_device(self, device_code: str, client_id: str, now: int) -> tuple[str, DeviceAuthorization | None]:
        """One poll at the token endpoint (RFC 8628 §3.4–3.5), decided atomically; returns the outcome and a copy.

        ``"unknown"`` (no such code, or another client's), ``"replayed"`` (already redeemed), ``"expired"``,
        ``"denied"``, ``"approved"`` (now used: exactly one poll ever sees this), ``"slow_down"`` (polled
        within ``interval`` seconds of the last poll: the interval grows by 5 s) or ``"pending"``.
        """
        with self.lock:
            record = self.devices.get(digest(device_code))
            if record is None or record.client_id != client_id:
                return "unknown", None
            if record.status == "used":
                record.replayed = True
                return "replayed", replace(record)
            if now >= record.expires_at:
                return "expired", replace(record)
            if record.status == "denied":
                return "denied", replace(record)
            if record.status == "approved":
                record.status = "used"
                return "approved", replace(record)
            too_soon = record.last_poll is not None and now - record.last_poll < record.interval
            record.last_poll = now
            if too_soon:
                record.interval += 5
                return "slow_down", replace(record)
            return "pending", replace(record)

    def link_device(self, device_code: str, grant_id: str) -> bool:
        """Remember the grant a redeemed device code started; ``False`` if the code came back meanwhile,
        so that the caller revokes that grant too."""
        with self.lock:
            record = self.devices.get(digest(device_code))
            if record is None:
                return True
            record.grant_id = grant_id
            return not record.replayed
