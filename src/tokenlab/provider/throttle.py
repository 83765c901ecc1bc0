"""Guess limits: count a key's recent failures and say how long it must wait, on the provider's clock.

A short secret that people type — a device flow's user code, a password — can
only be kept safe online by limiting how often it may be guessed (RFC 8628
§5.1). :class:`Throttle` is that limit, and nothing more: the caller names
what is being guessed (a user, a login transaction, a browser session), records
each wrong answer, and asks before checking the next one::

    throttle = Throttle(limit=5, window=60, clock=app.clock)
    if wait := throttle.blocked_for(key):
        ...  # refuse before looking at the answer: a blocked guesser learns nothing
    if wrong:
        throttle.record_failure(key)

The window slides: a key is blocked once ``limit`` failures fall within the last
``window`` seconds, until the oldest of them is ``window`` seconds old. Time is
the provider's clock, so a lesson's frozen clock moved forward lifts a block,
and a clock moved back (lesson 08's time travel) neither lifts one nor makes it
last longer than ``window``: a failure "in the future" is taken as happening now.

Keys are never remote addresses here by design: behind jupyter-server-proxy or
a hub every learner comes from 127.0.0.1, so an address key would let one
learner's typos lock out everyone. Memory is bounded: each key keeps at most
``limit`` times, keys whose failures have aged out are pruned as new ones come,
and past ``max_keys`` the key whose last failure is oldest is forgotten. Long keys
are stored as their SHA-256, so a caller's key cannot grow the store either.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Protocol

from tokenlab.errors import UsageError

__all__ = ["MAX_KEYS", "Throttle", "shared_throttle"]

MAX_KEYS = 10_000
"""How many keys one throttle remembers at most (a few hundred kilobytes)."""
_LONG_KEY = 128


class _HasTimestamp(Protocol):
    def timestamp(self) -> int: ...


def _whole(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"Throttle({name}=...) takes a whole number of at least 1, not {value!r}")
    return value


class Throttle:
    """At most ``limit`` failures per key within a sliding ``window`` of seconds, on ``clock``.

    ``clock`` is the provider's :class:`~tokenlab.clock.Clock` (anything with ``timestamp()``) or a function
    returning whole seconds. Thread-safe: the server's threads share one throttle.
    """

    def __init__(
        self,
        limit: int,
        window: int,
        clock: _HasTimestamp | Callable[[], int],
        *,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.limit = _whole("limit", limit)
        self.window = _whole("window", window)
        self.max_keys = _whole("max_keys", max_keys)
        timestamp = getattr(clock, "timestamp", None)
        now = timestamp if callable(timestamp) else clock
        if not callable(now):
            raise UsageError(f"Throttle(clock=...) takes the provider's Clock or a function, not {clock!r}")
        self._now: Callable[[], int] = now
        self._lock = threading.Lock()
        # key -> times of its last `limit` failures, oldest first; keys ordered by their last failure
        self._failures: OrderedDict[str, deque[int]] = OrderedDict()

    def __len__(self) -> int:
        """How many keys are remembered now."""
        with self._lock:
            return len(self._failures)

    def __repr__(self) -> str:
        return f"Throttle(limit={self.limit}, window={self.window}, keys={len(self)})"

    # --- the four questions --------------------------------------------------

    def failures(self, key: str) -> int:
        """``key``'s failures within the window, counted up to ``limit`` (more never changes an answer)."""
        with self._lock:
            return len(self._live(_stored(key), int(self._now())))

    def record_failure(self, key: str) -> None:
        """Count one wrong answer for ``key`` now."""
        stored = _stored(key)
        with self._lock:
            now = int(self._now())
            times = self._live(stored, now)
            times.append(now)
            self._failures[stored] = times
            self._failures.move_to_end(stored)
            self._prune(now)

    def blocked_for(self, key: str) -> int:
        """Seconds until ``key`` may try again; 0 if it may now."""
        with self._lock:
            now = int(self._now())
            times = self._live(_stored(key), now)
            if len(times) < self.limit:
                return 0
            return max(1, times[-self.limit] + self.window - now)

    def reset(self, key: str) -> None:
        """Forget ``key``'s failures (after a success, say)."""
        with self._lock:
            self._failures.pop(_stored(key), None)

    def clear(self) -> None:
        """Forget every key."""
        with self._lock:
            self._failures.clear()

    # --- bookkeeping (under the lock) ----------------------------------------

    def _live(self, stored: str, now: int) -> deque[int]:
        """The key's failures still inside the window (a new empty deque if none), times after ``now`` taken as
        ``now``; a key with none left is forgotten."""
        times = self._failures.get(stored)
        if times is None:
            return deque(maxlen=self.limit)
        if times and times[-1] > now:  # the clock went back: "later" failures happened now, no later
            times = deque((min(t, now) for t in times), maxlen=self.limit)
            self._failures[stored] = times
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self._failures[stored]
        return times

    def _prune(self, now: int) -> None:
        """Drop keys whose last failure aged out (the oldest come first), then the oldest beyond ``max_keys``."""
        while self._failures:
            oldest, times = next(iter(self._failures.items()))
            if now - times[-1] < self.window and len(self._failures) <= self.max_keys:
                break
            del self._failures[oldest]


def _stored(key: str) -> str:
    if not isinstance(key, str):
        raise UsageError(f"a throttle key is a string, not {type(key).__name__}")
    if len(key) <= _LONG_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


_SHARED: weakref.WeakKeyDictionary[object, dict[str, Throttle]] = weakref.WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()


def shared_throttle(app: object, name: str, limit: int, window: int) -> Throttle:
    """The throttle called ``name`` of this provider ``app`` (made on first use, on ``app.clock``), so that the
    pages which check the same secret — a user's password on the login page and on the device page — count
    guesses together. Asking again with other limits is a programming error."""
    with _SHARED_LOCK:
        throttles = _SHARED.setdefault(app, {})
        throttle = throttles.get(name)
        if throttle is None:
            throttle = throttles[name] = Throttle(limit, window, app.clock)  # type: ignore[attr-defined]
        elif (throttle.limit, throttle.window) != (limit, window):
            raise UsageError(
                f"the throttle {name!r} counts {throttle.limit} failures in {throttle.window} s; "
                f"asked for {limit} in {window} s"
            )
        return throttle
