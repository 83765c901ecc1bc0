"""Grants and their tokens: access tokens (JWT or opaque), refresh tokens, and the denylist of revoked ``jti``s.

A *grant* is one client's authorization from one user (or, for client credentials, from itself). Every token issued
under it belongs to its family; :meth:`TokenStore.revoke_grant` kills them all, in one step under the store's lock.
Revoking a refresh token does that (RFC 7009 §2.1: the server SHOULD also invalidate the grant's access tokens), and
so does a reused refresh token: there RFC 9700 §4.14.2 asks only that the active refresh token be revoked, and
tokenlab's provider chooses to revoke the family. A refresh token is checked and traded in at once
(:meth:`~TokenStore.take_refresh`), so two concurrent refreshes give one success and one reuse.

Refresh tokens and opaque access tokens are kept as SHA-256 hashes; access tokens by their ``jti``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from tokenlab.claims import MAX_LEEWAY
from tokenlab.provider.records import AccessRecord, Grant, RefreshRecord
from tokenlab.provider.store.events import EventLog
from tokenlab.provider.store.limits import digest

__all__ = ["TokenStore"]


@dataclass
class TokenStore:
    """Grants by id, access tokens by jti (opaque ones also by digest), refresh tokens by digest, revoked jtis."""

    lock: threading.RLock = field(repr=False)
    now: Callable[[], int] = field(repr=False)
    secret: Callable[[int], str] = field(repr=False)  # the store's random source, for grant ids
    events: EventLog = field(repr=False)  # revocations are logged for the timelines
    tidy: Callable[[], None] = field(repr=False)  # the store forgets what expired (callers hold the lock)
    grants: dict[str, Grant] = field(default_factory=dict)
    access: dict[str, AccessRecord] = field(default_factory=dict)  # by jti
    opaque: dict[str, str] = field(default_factory=dict)  # digest of an opaque access token -> jti
    refresh: dict[str, RefreshRecord] = field(default_factory=dict)  # by digest
    revoked_jtis: dict[str, int] = field(default_factory=dict)  # jti -> exp: kept until exp + MAX_LEEWAY

    # --- grants ------------------------------------------------------------

    def new_grant(self, client_id: str, sub: str | None, scope: str, auth_time: int, now: int) -> Grant:
        grant = Grant(self.secret(12), client_id, sub, scope, auth_time, now)
        with self.lock:
            self.tidy()
            self.grants[grant.grant_id] = grant
        return replace(grant)

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
                        self.events.log("revoked", "access_token", record.jti, grant_id, detail=reason)
                    self.revoked_jtis[record.jti] = record.expires_at
            for key, refresh in self.refresh.items():
                if refresh.grant_id == grant_id:
                    if not refresh.used and now < min(refresh.expires_at, refresh.idle_expires_at):
                        self.events.log("revoked", "refresh_token", key, grant_id, detail=reason)
                    refresh.used = True

    def grant_alive(self, grant_id: str) -> bool:
        with self.lock:
            grant = self.grants.get(grant_id)
            return grant is not None and not grant.revoked

    def all_grants(self) -> list[Grant]:
        """Copies of every grant remembered, revoked ones included."""
        with self.lock:
            return [replace(g) for g in self.grants.values()]

    # --- access tokens -----------------------------------------------------

    def add_access(self, record: AccessRecord, opaque_token: str | None = None) -> None:
        with self.lock:
            if record.jti in self.access:
                raise RuntimeError("jti collision")  # 128 random bits: never expected
            self.tidy()
            self.access[record.jti] = record
            if opaque_token is not None:
                self.opaque[digest(opaque_token)] = record.jti

    def access_record(self, jti: str) -> AccessRecord | None:
        """A copy of the record of the access token ``jti``, live or not; ``None`` if this provider has none."""
        with self.lock:
            record = self.access.get(jti)
            return replace(record) if record is not None else None

    def all_access(self) -> list[AccessRecord]:
        """Copies of every access-token record remembered, oldest first."""
        with self.lock:
            return [replace(r) for r in self.access.values()]

    def access_by_opaque(self, token: str) -> AccessRecord | None:
        with self.lock:
            jti = self.opaque.get(digest(token))
            record = self.access.get(jti) if jti else None
            return replace(record) if record is not None else None

    def access_active(self, jti: str, now: int) -> AccessRecord | None:
        """The record of a live access token (a copy): known, unexpired, not revoked, its grant alive."""
        with self.lock:
            record = self.access.get(jti)
            if record is None or now >= record.expires_at or jti in self.revoked_jtis:
                return None
            grant = self.grants.get(record.grant_id)
            if grant is None or grant.revoked:
                return None
            return replace(record)

    def revoke_access(self, jti: str) -> None:
        with self.lock:
            self.forget_expired(self.now())
            record = self.access.get(jti)
            if record is not None:
                if jti not in self.revoked_jtis:
                    self.events.log("revoked", "access_token", jti, record.grant_id, detail="access token revoked")
                self.revoked_jtis[jti] = record.expires_at

    def denylist(self) -> dict[str, int]:
        """A copy of the revoked ``jti``s still remembered, each with its ``exp``."""
        with self.lock:
            return dict(self.revoked_jtis)

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
            self.tidy()
            self.refresh[digest(token)] = record

    def refresh_record(self, token: str) -> RefreshRecord | None:
        """A copy of the record of a refresh token, used or not; ``None`` if this provider never issued it."""
        with self.lock:
            record = self.refresh.get(digest(token))
            return replace(record) if record is not None else None

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

    # --- forgetting -------------------------------------------------------------

    def prune(self, now: int, gone: int) -> None:
        """Forget denylist entries no verifier needs, and access and refresh tokens that expired by ``gone``
        (with their timeline labels)."""
        with self.lock:
            self.forget_expired(now)
            dropped = [j for j, r in self.access.items() if r.expires_at + MAX_LEEWAY <= gone]
            for jti in dropped:
                del self.access[jti]
            for key in [k for k, jti in self.opaque.items() if jti not in self.access]:
                del self.opaque[key]
            stale = [k for k, r in self.refresh.items() if min(r.expires_at, r.idle_expires_at) <= gone]
            for key in stale:
                del self.refresh[key]
            self.events.forget(dropped + stale)

    def forget_grants(self, gone: int, also_alive: Iterable[str]) -> None:
        """Forget grants created by ``gone`` none of whose tokens is remembered (nor in ``also_alive``)."""
        with self.lock:
            alive = {r.grant_id for r in self.access.values()} | {r.grant_id for r in self.refresh.values()}
            alive.update(also_alive)
            for grant_id in [g for g, r in self.grants.items() if g not in alive and r.created <= gone]:
                del self.grants[grant_id]

    def grant_known(self, grant_id: str) -> bool:
        """Whether the grant is still remembered (revoked or not)."""
        with self.lock:
            return grant_id in self.grants
