"""Device authorizations (RFC 8628): by digest of the device code, and the user code -> that digest.

Each poll is decided in one step under the store's lock (:meth:`DeviceStore.poll`), so exactly one poll ever sees
an approval; a device code presented again after its redemption is marked, and the grant it started is revoked by
the caller (RFC 8628 §3.4 with RFC 6749 §4.1.2). Anyone may start a device flow for a public client, so unanswered
authorizations are capped (:data:`~tokenlab.provider.store.limits.MAX_PENDING`), the oldest first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from tokenlab.provider.records import DeviceAuthorization
from tokenlab.provider.store import limits
from tokenlab.provider.store.limits import digest

__all__ = ["DeviceStore"]


@dataclass
class DeviceStore:
    """Device authorizations by digest of the device code, and each user code -> that digest."""

    lock: threading.RLock = field(repr=False)
    tidy: Callable[[], None] = field(repr=False)  # the store forgets what expired (callers hold the lock)
    devices: dict[str, DeviceAuthorization] = field(default_factory=dict)
    user_codes: dict[str, str] = field(default_factory=dict)

    def add(self, device_code: str, record: DeviceAuthorization) -> None:
        with self.lock:
            self.tidy()
            waiting = [k for k, r in self.devices.items() if r.status == "pending"]
            for old in waiting[: max(0, len(waiting) - limits.MAX_PENDING + 1)]:  # the oldest unanswered first
                self.user_codes.pop(self.devices.pop(old).user_code, None)
            key = digest(device_code)
            self.devices[key] = record
            self.user_codes[record.user_code] = key

    def add_if_new(self, device_code: str, record: DeviceAuthorization) -> bool:
        """:meth:`add`, unless its user code is already taken (``False``: the caller draws another)."""
        with self.lock:
            if record.user_code in self.user_codes:
                return False
            self.add(device_code, record)
            return True

    def by_device_code(self, device_code: str) -> DeviceAuthorization | None:
        """A copy of the authorization behind a device code, or ``None``."""
        with self.lock:
            record = self.devices.get(digest(device_code))
            return replace(record) if record is not None else None

    def by_user_code(self, user_code: str) -> DeviceAuthorization | None:
        """A copy of the authorization behind a user code, or ``None``."""
        with self.lock:
            key = self.user_codes.get(user_code)
            record = self.devices.get(key) if key else None
            return replace(record) if record is not None else None

    def decide(self, user_code: str, *, approve: bool, sub: str, now: int) -> DeviceAuthorization | None:
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

    def poll(self, device_code: str, client_id: str, now: int) -> tuple[str, DeviceAuthorization | None]:
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

    def link_grant(self, device_code: str, grant_id: str) -> bool:
        """Remember the grant a redeemed device code started; ``False`` if the code came back meanwhile,
        so that the caller revokes that grant too."""
        with self.lock:
            record = self.devices.get(digest(device_code))
            if record is None:
                return True
            record.grant_id = grant_id
            return not record.replayed

    def grant_ids(self) -> set[str]:
        """The grants that redeemed device codes started: alive while their device code is remembered."""
        with self.lock:
            return {r.grant_id for r in self.devices.values() if r.grant_id}

    def prune(self, gone: int) -> None:
        """Forget device authorizations that expired by ``gone``, with their user codes."""
        with self.lock:
            for key in [k for k, r in self.devices.items() if r.expires_at <= gone]:
                self.user_codes.pop(self.devices.pop(key).user_code, None)
