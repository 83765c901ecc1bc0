"""Timelines: drawing a token timeline of 50 events, against matplotlib drawing 50 plain bars.

The baseline is what any chart of that size costs in matplotlib (a figure, 50 ``barh`` calls, one draw); the
target is absolute, ≤ 300 ms, because a learner waits for it. Both sides draw to an Agg canvas, no file written.
"""

from __future__ import annotations

import contextlib
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from benchmarks.measure import Settings
from benchmarks.report import Row, verdict
from tokenlab import client
from tokenlab.errors import OAuthError
from tokenlab.plots import plot_token_timeline
from tokenlab.provider import MockProvider

WEB = {"client_id": "web-app", "client_secret": "web-app-secret-8f2d4c1e9b7a6350"}


def fifty_events() -> list:
    """A realistic history: logins, API calls, refreshes, expiries and one replay, exactly 50 events."""
    with MockProvider(seed=50) as op:
        meta = client.discover(op.issuer)
        tokens = op.mint("web-app", "alice", scope="orders:read")
        stolen = tokens["refresh_token"]
        while len(op.events) < 46:
            client.call_api(op.url("/api/orders"), tokens["access_token"])
            op.clock.advance(minutes=4)
            tokens = client.refresh(meta, tokens["refresh_token"], **WEB)
        with contextlib.suppress(OAuthError):  # the replay is refused, which is the point
            client.refresh(meta, stolen, **WEB)
        events = op.events
    while len(events) < 50:
        events = events + events[: 50 - len(events)]
    return events[:50]


def _draw_timeline(events: list) -> float:
    started = time.perf_counter()
    ax = plot_token_timeline(events)
    ax.figure.canvas.draw()
    elapsed = time.perf_counter() - started
    plt.close(ax.figure)
    return elapsed


def _draw_bars(count: int) -> float:
    started = time.perf_counter()
    fig, ax = plt.subplots(figsize=(10, 6))
    for row in range(count):
        ax.barh(-row, 10, left=row)
    fig.canvas.draw()
    elapsed = time.perf_counter() - started
    plt.close(fig)
    return elapsed


def rows(settings: Settings) -> list[Row]:
    events = fifty_events()
    _draw_timeline(events), _draw_bars(50)  # warm fonts and caches on both sides
    ours, theirs = [], []
    for round_index in range(max(5, settings.rounds)):
        order = (0, 1) if round_index % 2 == 0 else (1, 0)
        for side in order:
            (ours if side == 0 else theirs).append(_draw_timeline(events) if side == 0 else _draw_bars(50))
    a, b = statistics.median(ours), statistics.median(theirs)
    return [
        Row(
            "token timeline, 50 events",
            a,
            b,
            a / b,
            "≤ 300 ms",
            verdict(a <= 0.300),
            f"{len({e.label for e in events})} lanes; baseline: matplotlib drawing 50 plain bars",
            unit="ms",
        )
    ]
