"""``TimeTravel``: buttons and a slider that move the shared clock, and everything on the page follows.

>>> from tokenlab import Clock
>>> clock = Clock.frozen()
>>> travel = TimeTravel(clock)
>>> travel.advance(minutes=5)
>>> clock.now().isoformat(), travel.value
('2026-01-05T09:05:00+00:00', 5)
>>> travel.reset(); clock.now().isoformat()
'2026-01-05T09:00:00+00:00'

The slider holds how many minutes the clock has been moved since the widget
was made; moving it calls ``clock.advance`` by the difference, so moves made
elsewhere (``op.clock.advance(...)`` in a cell) are kept. After each move,
every :class:`~tokenlab.widgets.TokenDecoder` and timeline that reads the same
clock re-renders (they register themselves with :func:`watch`), and so does
anything passed to :meth:`TimeTravel.follow`. No threads, no timers.
"""

from __future__ import annotations

import base64
import io
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from tokenlab.clock import Clock, format_utc, humanize_delta
from tokenlab.errors import UsageError
from tokenlab.widgets.render import message_html, saved_copy_html

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.server import MockProvider

__all__ = ["TimeTravel", "TimelineView", "watch", "watchers"]

_WATCHERS: weakref.WeakKeyDictionary[Clock, weakref.WeakSet] = weakref.WeakKeyDictionary()


def watch(clock: Clock, widget: Any) -> None:
    """Ask for ``widget.refresh()`` whenever a :class:`TimeTravel` moves ``clock``."""
    _WATCHERS.setdefault(clock, weakref.WeakSet()).add(widget)


def unwatch(clock: Clock, widget: Any) -> None:
    if clock in _WATCHERS:
        _WATCHERS[clock].discard(widget)


def watchers(clock: Clock) -> list[Any]:
    """The widgets that follow ``clock`` (in no particular order)."""
    return list(_WATCHERS.get(clock, ()))


def _signed_minutes(minutes: int) -> str:
    if not minutes:
        return "±0 min"
    return f"{'+' if minutes > 0 else '−'}{humanize_delta(abs(minutes) * 60)}"


class TimeTravel(w.VBox):
    """Move ``clock`` (or ``provider.clock``) with buttons (+1 min, +5 min, +1 h, reset) or a minutes slider.

    ``follow`` lists extra things to update after each move: objects with a
    ``refresh()`` method, or callables that receive the new time. Decoders and
    timelines that read this clock follow it without being listed.
    """

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        provider: MockProvider | None = None,
        follow: Sequence[Any] = (),
        max_minutes: int = 120,
        min_minutes: int = 0,
    ) -> None:
        clock = clock if clock is not None else getattr(provider, "clock", None)
        if not isinstance(clock, Clock):
            raise UsageError("TimeTravel moves a clock: pass TimeTravel(op.clock), TimeTravel(provider=op) or a Clock")
        if not min_minutes <= 0 <= max_minutes:
            raise UsageError(f"the slider must include 0 (now): min_minutes={min_minutes}, max_minutes={max_minutes}")
        self._clock = clock
        self._followers: list[Any] = list(follow)
        self._now = w.HTML()
        self._now.add_class("tokenlab-timetravel-now")
        buttons = []
        for label, minutes in (("+1 min", 1), ("+5 min", 5), ("+1 h", 60), ("Reset", None)):
            button = w.Button(description=label, layout=w.Layout(width="auto"))
            button.add_class("tokenlab-timetravel-button")
            button.on_click(lambda _, m=minutes: self.reset() if m is None else self.advance(minutes=m))
            buttons.append(button)
        self._slider = w.IntSlider(
            value=0,
            min=min_minutes,
            max=max_minutes,
            step=1,
            description="minutes",
            continuous_update=False,  # re-render when the handle is released, not at every pixel
            layout=w.Layout(width="auto"),  # stretched by the VBox; a width of 100% plus the margins overflows
        )
        self._slider.add_class("tokenlab-timetravel-slider")
        self._message = w.HTML()
        self._message.add_class("tokenlab-timetravel-message")
        super().__init__([self._now, w.HBox(buttons), self._slider, self._message])
        self.add_class("tokenlab-timetravel")
        self._slider.observe(self._on_slider, names="value")
        self._show_time()

    # --- public -----------------------------------------------------------------------------------

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def value(self) -> int:
        """Minutes the clock has been moved by this widget (the slider's position)."""
        return self._slider.value

    @value.setter
    def value(self, minutes: int) -> None:
        minutes = int(minutes)
        self._slider.max = max(self._slider.max, minutes)
        self._slider.min = min(self._slider.min, minutes)
        self._slider.value = minutes

    def advance(self, *, minutes: int = 0, hours: int = 0) -> None:
        """Move the clock forward (or back, with negative values), like the buttons do."""
        self.value = self.value + int(minutes) + 60 * int(hours)

    def reset(self) -> None:
        """Undo this widget's moves: the clock goes back to where it was when the widget was made."""
        self.value = 0

    def follow(self, *targets: Any) -> TimeTravel:
        """Also update ``targets`` after each move (objects with ``refresh()``, or callables taking the time)."""
        self._followers.extend(t for t in targets if t not in self._followers)
        return self

    def timeline(self, events: Sequence[Any] | Callable[[], Sequence[Any]], *, title: str = "") -> TimelineView:
        """A token timeline (``op.events``, or a function returning them) whose "now" line follows this clock."""
        return TimelineView(events, clock=self._clock, title=title)

    def static_html(self) -> str:
        """The clock line, for a view that cannot run widgets; it says first that the buttons need the cell run."""
        note = saved_copy_html("time machine", "buttons and slider that move the clock")
        return f'<div class="tokenlab-static">{note}{self._now.value}</div>'

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/html"] = self.static_html()  # what a view without widgets shows
        return bundle

    def __repr__(self) -> str:
        return f"TimeTravel(clock at {format_utc(self._clock.now())}, {_signed_minutes(self.value)})"

    # --- private ----------------------------------------------------------------------------------

    def _on_slider(self, change: dict[str, Any]) -> None:
        self._clock.advance(minutes=change["new"] - change["old"])
        self._show_time()
        self._refresh_followers()

    def _show_time(self) -> None:
        self._now.value = (
            f'<span style="font-weight:bold">Clock: {format_utc(self._clock.now())}</span>'
            f' <span style="color:#57606a">({_signed_minutes(self.value)} moved here)</span>'
        )

    def _refresh_followers(self) -> None:
        problems = []
        targets = list(dict.fromkeys([*self._followers, *watchers(self._clock)], None))
        for target in targets:
            try:
                if hasattr(target, "refresh"):
                    target.refresh()
                elif callable(target):
                    target(self._clock.now())
            except Exception as err:  # a follower's bug is shown, not raised into the slider's callback
                problems.append(f"{type(target).__name__}: {type(err).__name__}: {err}")
        self._message.value = "".join(message_html(p, colour="#cf222e") for p in problems)


class TimelineView(w.Image):
    """A token timeline (:func:`tokenlab.plots.plot_token_timeline`) drawn as a PNG, redrawn when its clock moves."""

    def __init__(
        self,
        events: Sequence[Any] | Callable[[], Sequence[Any]],
        *,
        clock: Clock,
        title: str = "",
        dpi: int = 80,
    ) -> None:
        # As wide as the output at most, without the 2px side margins that would push it 4px past the edge.
        super().__init__(format="png", layout=w.Layout(max_width="100%", margin="2px 0px"))
        self.add_class("tokenlab-timeline")
        self._events = events
        self._clock = clock
        self._title = title
        self._dpi = dpi
        self._lanes = 0
        watch(clock, self)
        self.refresh()

    def refresh(self) -> None:
        """Draw again with the current events and the clock's "now"."""
        import matplotlib.pyplot as plt

        from tokenlab.plots import plot_token_timeline

        events = list(self._events() if callable(self._events) else self._events)
        self._lanes = len({getattr(e, "label", None) for e in events})
        options = {"title": self._title} if self._title else {}
        ax = plot_token_timeline(events, now=self._clock, **options)
        buffer = io.BytesIO()
        try:
            ax.figure.savefig(buffer, format="png", dpi=self._dpi)
        finally:
            plt.close(ax.figure)
        self.value = buffer.getvalue()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None and self.value:
            bundle["image/png"] = base64.b64encode(self.value).decode("ascii")  # for views without widgets
        return bundle

    def __repr__(self) -> str:
        return f"TimelineView({self._lanes} tokens, now {format_utc(self._clock.now())})"
