"""How long the store remembers, how much it keeps, and how it hashes and draws secrets (SECURITY.md H9).

The parts of :class:`~tokenlab.provider.store.Store` read these caps when they need them, so a test may lower one
for its own run.
"""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["MAX_EVENTS", "MAX_LOGIN_PAGES", "MAX_PENDING", "RETAIN", "digest", "new_secret"]

RETAIN = 24 * 3600
"""Seconds a record is kept after it expired, on the provider's clock: late requests are told why they fail."""
MAX_PENDING = 1000
"""Unanswered device authorizations kept at most: the oldest pending ones go first."""
MAX_LOGIN_PAGES = 10_000
"""Login pages waiting for an answer, at most: the oldest are forgotten first (anyone can open one)."""
MAX_EVENTS = 10_000
"""Token events kept for the timelines (``op.events``): the oldest go first."""


def digest(secret: str) -> str:
    """The SHA-256 of a token or code: what the store keeps instead of the secret itself."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def new_secret(nbytes: int = 32) -> str:
    """A fresh random secret: 256 bits by default, base64url (RFC 6749 §10.10, RFC 6819 §5.1.4.2.2)."""
    return secrets.token_urlsafe(nbytes)
