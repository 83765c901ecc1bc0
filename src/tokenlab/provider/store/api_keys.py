"""API keys (:mod:`tokenlab.provider.apikeys`): by id, and the SHA-256 of each key -> its id.

Keys are kept by id and by SHA-256, never as themselves; every method takes the store's lock and returns copies.
Rotation is one step under that lock, so two concurrent rotations never make two successors.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

from tokenlab.provider.records import ApiKeyRecord

__all__ = ["ApiKeyStore"]


@dataclass
class ApiKeyStore:
    """API keys by id, in order of creation, and the SHA-256 of each key -> its id."""

    lock: threading.RLock = field(repr=False)
    keys: dict[str, ApiKeyRecord] = field(default_factory=dict)  # by key id, in order of creation
    ids: dict[str, str] = field(default_factory=dict)  # SHA-256 of an API key -> its key id
    lookups: int = 0  # keys looked up by hash; a key that fails its checksum never gets this far

    def add(self, record: ApiKeyRecord) -> None:
        """Remember a new key by its id and its SHA-256; the key itself never reaches the store."""
        with self.lock:
            if record.key_id in self.keys or record.digest in self.ids:
                raise RuntimeError("API key collision")  # 190 random bits: never expected
            self.keys[record.key_id] = record
            self.ids[record.digest] = record.key_id

    def by_digest(self, key_digest: str) -> ApiKeyRecord | None:
        """A copy of the record of the key with this SHA-256 (counted in ``lookups``), or ``None``."""
        with self.lock:
            self.lookups += 1
            key_id = self.ids.get(key_digest)
            return replace(self.keys[key_id]) if key_id is not None else None

    def owned_by(self, owner: str) -> list[ApiKeyRecord]:
        """Copies of ``owner``'s keys, oldest first."""
        with self.lock:
            return [replace(r) for r in self.keys.values() if r.owner == owner]

    def owned(self, owner: str, key_id: str) -> ApiKeyRecord | None:
        """A copy of the key ``key_id`` if ``owner`` owns it; another owner's key is as good as unknown."""
        with self.lock:
            record = self.keys.get(key_id)
            return replace(record) if record is not None and record.owner == owner else None

    def revoke(self, owner: str, key_id: str, now: int) -> ApiKeyRecord | None:
        """Revoke ``owner``'s key (again is fine: the first time counts); a copy, or ``None`` if not theirs."""
        with self.lock:
            record = self.keys.get(key_id)
            if record is None or record.owner != owner:
                return None
            if record.revoked_at is None:
                record.revoked_at = now
            return replace(record)

    def rotate(
        self, owner: str, key_id: str, successor: ApiKeyRecord, old_until: int, now: int
    ) -> tuple[str, ApiKeyRecord | None]:
        """Replace a live key by ``successor`` in one step; the old key stays valid until ``old_until`` at most.

        Returns ``("rotated", old)``, or ``("unknown", None)``, ``("not_live", old)`` (revoked or expired) or
        ``("already_rotated", old)`` without changing anything: two concurrent rotations never make two successors.
        """
        with self.lock:
            record = self.keys.get(key_id)
            if record is None or record.owner != owner:
                return "unknown", None
            if record.revoked_at is not None or now >= record.expires_at:
                return "not_live", replace(record)
            if record.replaced_by is not None:
                return "already_rotated", replace(record)
            self.add(successor)
            record.replaced_by = successor.key_id
            record.expires_at = min(record.expires_at, old_until)
            return "rotated", replace(record)

    def touch(self, key_id: str, now: int) -> None:
        """Note that a key was just used (``last_used_at``): what tells an owner which keys are still needed."""
        with self.lock:
            record = self.keys.get(key_id)
            if record is not None:
                record.last_used_at = now

    def all(self) -> list[ApiKeyRecord]:
        """Copies of every key's record, oldest first, whoever owns it."""
        with self.lock:
            return [replace(r) for r in self.keys.values()]

    def digests(self) -> dict[str, str]:
        """A copy of the index by SHA-256: each key's digest -> its key id (not counted as lookups)."""
        with self.lock:
            return dict(self.ids)
