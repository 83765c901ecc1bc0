"""The store's API-key records (:mod:`tokenlab.provider.apikeys`): a mixin of :class:`~tokenlab.provider.store.Store`.

Keys are kept by id and by SHA-256, never as themselves; every method takes the store's lock and returns copies.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from tokenlab.provider.records import ApiKeyRecord

__all__ = ["ApiKeyStore"]


class ApiKeyStore:
    """API keys by id, in order of creation, and the SHA-256 of each key -> its id."""

    lock: threading.RLock
    api_keys: dict[str, ApiKeyRecord]
    api_key_ids: dict[str, str]
    api_key_lookups: int

    def add_api_key(self, record: ApiKeyRecord) -> None:
        """Remember a new key by its id and its SHA-256; the key itself never reaches the store."""
        with self.lock:
            if record.key_id in self.api_keys or record.digest in self.api_key_ids:
                raise RuntimeError("API key collision")  # 190 random bits: never expected
            self.api_keys[record.key_id] = record
            self.api_key_ids[record.digest] = record.key_id

    def api_key_by_digest(self, key_digest: str) -> ApiKeyRecord | None:
        """A copy of the record of the key with this SHA-256 (counted in ``api_key_lookups``), or ``None``."""
        with self.lock:
            self.api_key_lookups += 1
            key_id = self.api_key_ids.get(key_digest)
            return replace(self.api_keys[key_id]) if key_id is not None else None

    def api_keys_of(self, owner: str) -> list[ApiKeyRecord]:
        """Copies of ``owner``'s keys, oldest first."""
        with self.lock:
            return [replace(r) for r in self.api_keys.values() if r.owner == owner]

    def api_key_of(self, owner: str, key_id: str) -> ApiKeyRecord | None:
        """A copy of the key ``key_id`` if ``owner`` owns it; another owner's key is as good as unknown."""
        with self.lock:
            record = self.api_keys.get(key_id)
            return replace(record) if record is not None and record.owner == owner else None

    def revoke_api_key(self, owner: str, key_id: str, now: int) -> ApiKeyRecord | None:
        """Revoke ``owner``'s key (again is fine: the first time counts); a copy, or ``None`` if not theirs."""
        with self.lock:
            record = self.api_keys.get(key_id)
            if record is None or record.owner != owner:
                return None
            if record.revoked_at is None:
                record.revoked_at = now
            return replace(record)

    def rotate_api_key(
        self, owner: str, key_id: str, successor: ApiKeyRecord, old_until: int, now: int
    ) -> tuple[str, ApiKeyRecord | None]:
        """Replace a live key by ``successor`` in one step; the old key stays valid until ``old_until`` at most.

        Returns ``("rotated", old)``, or ``("unknown", None)``, ``("not_live", old)`` (revoked or expired) or
        ``("already_rotated", old)`` without changing anything: two concurrent rotations never make two successors.
        """
        with self.lock:
            record = self.api_keys.get(key_id)
            if record is None or record.owner != owner:
                return "unknown", None
            if record.revoked_at is not None or now >= record.expires_at:
                return "not_live", replace(record)
            if record.replaced_by is not None:
                return "already_rotated", replace(record)
            self.add_api_key(successor)
            record.replaced_by = successor.key_id
            record.expires_at = min(record.expires_at, old_until)
            return "rotated", replace(record)

    def touch_api_key(self, key_id: str, now: int) -> None:
        """Note that a key was just used (``last_used_at``): what tells an owner which keys are still needed."""
        with self.lock:
            record = self.api_keys.get(key_id)
            if record is not None:
                record.last_used_at = now
