"""Checks for the exercises of notebook 00 (Start here)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tokenlab.clock import DEMO_START, Clock, format_utc, humanize_delta
from tokenlab.exercises._feedback import Feedback, is_unanswered

__all__ = ["check_time_travel"]

_TARGET = DEMO_START + timedelta(hours=1, minutes=30)


def check_time_travel(clock: Any) -> Feedback:
    """Exercise 0.1: move the course clock to 10:30 on the demo day."""
    name = "Exercise 0.1 (time travel)"
    if is_unanswered(clock):
        return Feedback.unanswered(name, "your clock")
    if isinstance(clock, datetime):
        return Feedback.not_yet(
            name,
            f"that is a datetime ({format_utc(clock)}), the time advance() returns, not the clock itself.",
            "keep the clock in `clock`: call clock.advance(...) on a line of its own, without `clock = `.",
        )
    if isinstance(clock, str):
        return Feedback.not_yet(
            name,
            f"{clock!r} is text, not a clock.",
            "move the clock made by Clock.frozen() with clock.advance(...), then pass that clock to the check.",
        )
    if not isinstance(clock, Clock):
        return Feedback.not_yet(
            name,
            f"that is a {type(clock).__name__}, not a tokenlab Clock.",
            "pass the clock itself, the `clock` variable made by Clock.frozen().",
        )
    if not clock.is_frozen:
        return Feedback.not_yet(
            name, "this clock follows the real time.", "start from Clock.frozen(), as the cell above does."
        )
    now = clock.now()
    if now == _TARGET:
        return Feedback.solved(name, f"the clock reads {format_utc(now)}: you moved time without waiting for it.")
    if now < _TARGET:
        return Feedback.not_yet(
            name,
            f"the clock reads {format_utc(now)}, still before the target.",
            "advance() adds to the current time; keep moving forward.",
        )
    moved = now - DEMO_START
    if moved == _TARGET - _TARGET.replace(hour=0, minute=0):
        return Feedback.not_yet(
            name,
            f"the clock reads {format_utc(now)}: you gave advance() the time of day you want, and it added "
            f"{humanize_delta(moved.total_seconds())} to the {DEMO_START:%H:%M} the clock read.",
            "advance() adds a step to the time the clock reads now; it does not set the time. "
            f"How long is it from {DEMO_START:%H:%M} to {_TARGET:%H:%M}?",
        )
    return Feedback.not_yet(
        name,
        f"the clock reads {format_utc(now)}, past the target: advance() added "
        f"{humanize_delta(moved.total_seconds())} to the {DEMO_START:%H:%M} it read.",
        "advance() adds to the current time, and also takes negative values; or start again with Clock.frozen().",
    )
