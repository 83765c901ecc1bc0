"""Solutions for notebook 00 (Start here)."""

from tokenlab import Clock


def time_travel() -> Clock:
    """Exercise 0.1: the demo clock starts at 09:00; 10:30 is 90 minutes later.

    ``advance`` takes days, hours, minutes and seconds, so ``advance(hours=1, minutes=30)``
    works as well. Nothing waits: the clock is just a number that every part of
    the course reads.
    """
    clock = Clock.frozen()
    clock.advance(minutes=90)
    return clock
