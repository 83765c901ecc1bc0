"""Interleaved timing: tokenlab (A) and its baseline (B) share every round's machine load."""

from __future__ import annotations

import statistics
import timeit
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """How hard to measure: ``rounds`` A/B pairs, each batch of calls lasting about ``batch_seconds``."""

    rounds: int
    batch_seconds: float
    import_runs: int


FULL = Settings(rounds=21, batch_seconds=0.025, import_runs=7)
QUICK = Settings(rounds=3, batch_seconds=0.002, import_runs=3)


@dataclass(frozen=True)
class Comparison:
    """Median seconds per call of each side, and the median of the per-round ratios A/B."""

    a: float
    b: float
    ratio: float
    ratio_low: float  # lower and upper quartile of the per-round ratios: the noise band
    ratio_high: float

    def spread(self) -> str:
        return f"ratio IQR {self.ratio_low:.2f}–{self.ratio_high:.2f}"


def calls_per_batch(func: Callable[[], object], seconds: float) -> int:
    """How many calls of ``func`` take about ``seconds`` (at least one)."""
    timer = timeit.Timer(func)
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= seconds / 4 or number >= 1_000_000:
            return max(1, round(number * seconds / max(elapsed, 1e-9)))
        number *= 4


def quartiles(values: list[float]) -> tuple[float, float, float]:
    """Lower quartile, median, upper quartile (the median itself for fewer than 4 values)."""
    if len(values) < 4:
        mid = statistics.median(values)
        return min(values), mid, max(values)
    low, mid, high = statistics.quantiles(values, n=4)
    return low, mid, high


def compare(a: Callable[[], object], b: Callable[[], object], settings: Settings) -> Comparison:
    """Time ``a`` and ``b`` in alternating batches (A,B then B,A, ...), ``settings.rounds`` times each."""
    a(), b()  # warm caches on both sides before anything is timed
    timers = timeit.Timer(a), timeit.Timer(b)
    numbers = calls_per_batch(a, settings.batch_seconds), calls_per_batch(b, settings.batch_seconds)
    per_call: tuple[list[float], list[float]] = ([], [])
    for round_index in range(settings.rounds):
        order = (0, 1) if round_index % 2 == 0 else (1, 0)
        for side in order:
            per_call[side].append(timers[side].timeit(numbers[side]) / numbers[side])
    ratios = [ta / tb for ta, tb in zip(*per_call, strict=True)]
    low, mid, high = quartiles(ratios)
    return Comparison(statistics.median(per_call[0]), statistics.median(per_call[1]), mid, low, high)


def paired_medians(a: Callable[[], float], b: Callable[[], float], rounds: int) -> tuple[float, float]:
    """For runs too long to batch (a server start, a whole figure): each side returns its own elapsed seconds;
    run them in alternating order (A,B then B,A) after one warm-up each, and return the two medians."""
    a(), b()  # warm imports, fonts and caches on both sides
    times: tuple[list[float], list[float]] = ([], [])
    for round_index in range(max(5, rounds)):
        for side in (0, 1) if round_index % 2 == 0 else (1, 0):
            times[side].append((a, b)[side]())
    return statistics.median(times[0]), statistics.median(times[1])
