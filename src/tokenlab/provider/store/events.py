"""The token-event log: what happened to each token, in order, for the timelines (``MockProvider.events``).

Not to be confused with :mod:`tokenlab.provider.recorder`, which records HTTP exchanges: this log knows tokens,
by the short labels it gives them ("AT1", "RT1", …), one lane per token in order of issue.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tokenlab.provider.records import TokenEvent
from tokenlab.provider.store import limits

__all__ = ["EventLog"]


@dataclass
class EventLog:
    """The last :data:`~tokenlab.provider.store.limits.MAX_EVENTS` token events, under the store's lock."""

    lock: threading.RLock = field(repr=False)
    now: Callable[[], int] = field(repr=False)
    events: deque[TokenEvent] = field(default_factory=lambda: deque(maxlen=limits.MAX_EVENTS))
    labels: dict[str, str] = field(default_factory=dict)  # jti or refresh digest -> "AT1", "RT1", …
    _counts: dict[str, int] = field(default_factory=lambda: {"AT": 0, "RT": 0}, repr=False)

    def log(
        self, kind: str, token_type: str, key: str, grant_id: str, *, expires_at: int | None = None, detail: str = ""
    ) -> None:
        """Log an event for the token known by ``key`` (its jti, or its refresh-token digest)."""
        with self.lock:
            label = self.labels.get(key)
            if label is None:
                prefix = "AT" if token_type == "access_token" else "RT"
                self._counts[prefix] += 1
                label = f"{prefix}{self._counts[prefix]}"
                self.labels[key] = label
            self.events.append(TokenEvent(self.now(), kind, token_type, label, grant_id, expires_at, detail))

    def all(self) -> list[TokenEvent]:
        """Every event kept, oldest first (a copy: the events themselves are frozen)."""
        with self.lock:
            return list(self.events)

    def forget(self, keys: Iterable[str]) -> None:
        """Drop the labels of tokens the store forgot; their past events stay in the log."""
        with self.lock:
            for key in keys:
                self.labels.pop(key, None)
