"""One clock for everything that asks "what time is it?".

The provider, the verifier, the decoder and the plots all read the time from a
:class:`Clock`. A notebook freezes it at :data:`DEMO_START` so that every token
it signs is byte-identical from run to run, and moves it with
:meth:`Clock.advance` to watch a token expire, instead of sleeping.

>>> clock = Clock.frozen()
>>> clock.now().isoformat()
'2026-01-05T09:00:00+00:00'
>>> clock.advance(minutes=10).isoformat()
'2026-01-05T09:10:00+00:00'
>>> clock.timestamp()
1767604200
"""

from __future__ import annotations

import math
import threading
import time
from datetime import datetime, timedelta, timezone
from numbers import Real

from tokenlab.errors import UsageError

__all__ = ["DEMO_START", "Clock", "as_datetime", "format_utc", "humanize_delta"]

DEMO_START = datetime(2026, 1, 5, 9, 0, 0, tzinfo=timezone.utc)
"""Where the demo clock starts: Monday 5 January 2026, 09:00 UTC."""


def as_datetime(value: datetime | float | int | str) -> datetime:
    """Turn a datetime, a NumericDate (seconds since 1970, RFC 7519 §2) or an
    ISO 8601 string into an aware UTC datetime."""
    if isinstance(value, bool):
        raise UsageError(f"expected a time, got the boolean {value!r}")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise UsageError(
                f"{value!r} has no time zone; write datetime(..., tzinfo=timezone.utc) "
                "so that nobody has to guess which clock it means"
            )
        return value.astimezone(timezone.utc)
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise UsageError(f"{value!r} seconds since 1970 is not a time a calendar can show") from None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(f"{value!r} is not an ISO 8601 time such as '2026-01-05T09:00:00Z'") from None
        return as_datetime(parsed)
    raise UsageError(f"expected a time, got {type(value).__name__}")


class Clock:
    """A clock that is either the system's (plus an offset) or frozen.

    Thread-safe: the provider's server thread and the notebook read the same
    clock while the notebook moves it.
    """

    def __init__(self, frozen_at: datetime | float | int | str | None = None) -> None:
        self._lock = threading.Lock()
        self._frozen: datetime | None = None if frozen_at is None else as_datetime(frozen_at)
        self._offset = timedelta(0)

    @classmethod
    def frozen(cls, at: datetime | float | int | str = DEMO_START) -> Clock:
        """A clock that stands still at ``at`` until it is advanced."""
        return cls(frozen_at=at)

    @classmethod
    def system(cls) -> Clock:
        """The real time, which :meth:`advance` can shift (to simulate skew)."""
        return cls()

    @property
    def is_frozen(self) -> bool:
        return self._frozen is not None

    def now(self) -> datetime:
        """The current time of this clock, as an aware UTC datetime."""
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            offset = self._offset
        return datetime.now(timezone.utc) + offset

    def timestamp(self) -> int:
        """The current time as a NumericDate: whole seconds since 1970 (RFC 7519 §2)."""
        with self._lock:
            if self._frozen is not None:
                return int(self._frozen.timestamp())
            offset = self._offset.total_seconds()
        return int(time.time() + offset)

    def advance(
        self, *when: object, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0
    ) -> datetime:
        """Move the clock forward (or back, with negative values) by a step added to the time it reads now,
        and return the new time.

        The step is given in keywords: ``advance(hours=2)`` moves 09:00 to 11:00, and a second call to 13:00. To jump
        to a moment instead, use :meth:`set`.
        """
        if when:
            raise UsageError(
                f"advance() takes the step as keywords, not {when[0]!r}: it adds to the time the clock reads now "
                f"({format_utc(self.now())}). Write clock.advance(minutes=10) to move 10 minutes forward, or "
                "clock.set('2026-01-05T12:00:00Z') to jump to a moment."
            )
        units = {"days": days, "hours": hours, "minutes": minutes, "seconds": seconds}
        for unit, amount in units.items():
            if isinstance(amount, bool) or not isinstance(amount, Real) or not math.isfinite(amount):
                raise UsageError(f"advance({unit}=...) takes a number, such as {unit}=5, not {amount!r}")
        try:
            step = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
            with self._lock:
                if self._frozen is not None:
                    self._frozen += step
                else:
                    self._offset += step
        except OverflowError:
            raise UsageError("that step takes the clock beyond any time a calendar can show") from None
        return self.now()

    def set(self, when: datetime | float | int | str) -> datetime:
        """Freeze the clock at ``when``."""
        moment = as_datetime(when)
        with self._lock:
            self._frozen = moment
        return moment

    def __repr__(self) -> str:
        if self._frozen is not None:
            return f"<Clock frozen at {format_utc(self._frozen)}>"
        return f"<Clock system time{_offset_text(self._offset)}>"


def _offset_text(offset: timedelta) -> str:
    seconds = offset.total_seconds()
    if not seconds:
        return ""
    return f" {'+' if seconds > 0 else '-'} {humanize_delta(abs(seconds))}"


def format_utc(moment: datetime | float | int) -> str:
    """``2026-01-05 09:00:00 UTC``: unambiguous, sortable, the same on every machine."""
    return as_datetime(moment).strftime("%Y-%m-%d %H:%M:%S UTC")


def humanize_delta(seconds: float) -> str:
    """A length of time as a person would say it: ``45 s``, ``4 min``, ``2 h 5 min``, ``3 days``."""
    seconds = abs(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min" + (f" {secs} s" if secs and minutes < 10 else "")
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    days, hours = divmod(hours, 24)
    if days < 730:
        return f"{days} days" + (f" {hours} h" if hours and days < 10 else "")
    return f"{days // 365} years"
