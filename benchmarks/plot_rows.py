"""Pictures: a token timeline of 50 events and a sequence diagram of a 12-exchange flow, against plain matplotlib.

The baseline is what any chart of that size costs in matplotlib (a figure, 50 ``barh`` calls, one draw); the
target is absolute, ≤ 300 ms, because a learner waits for it. Both sides draw to an Agg canvas, no file written.
"""

from __future__ import annotations

import contextlib
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from benchmarks.measure import Settings, paired_medians
from benchmarks.report import Row, verdict
from tokenlab import client
from tokenlab.errors import OAuthError
from tokenlab.plots import plot_sequence, plot_token_timeline
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
    a, b = paired_medians(lambda: _draw_timeline(events), lambda: _draw_bars(50), settings.rounds)
    timeline = [
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
    return [*timeline, sequence_row(settings)]


def twelve_exchanges() -> list:
    """Two authorization-code flows with PKCE and their API calls: exactly 12 recorded exchanges."""
    redirect = "http://127.0.0.1/callback"
    with MockProvider(seed=12) as op:
        meta = client.discover(op.issuer)
        while len(op.exchanges) < 12:
            pkce = client.PKCE.make()
            url = client.authorization_url(
                meta, client_id="notebook-app", redirect_uri=redirect, scope="orders:read", state="s" * 22, pkce=pkce
            )
            code = client.login_as(url, "alice", "wonderland").code
            tokens = client.exchange_code(meta, code, client_id="notebook-app", redirect_uri=redirect, pkce=pkce)
            client.call_api(op.url("/api/orders"), tokens["access_token"])
        return op.exchanges[:12]


def _draw_sequence(exchanges: list) -> float:
    started = time.perf_counter()
    ax = plot_sequence(exchanges)
    ax.figure.canvas.draw()
    elapsed = time.perf_counter() - started
    plt.close(ax.figure)
    return elapsed


def _draw_lines(count: int) -> float:
    started = time.perf_counter()
    fig, ax = plt.subplots(figsize=(10, 6))
    for row in range(count):
        ax.plot([0, 1], [row, row])
        ax.text(0.5, row, f"label {row}")
    fig.canvas.draw()
    elapsed = time.perf_counter() - started
    plt.close(fig)
    return elapsed


def sequence_row(settings: Settings) -> Row:
    exchanges = twelve_exchanges()
    a, b = paired_medians(lambda: _draw_sequence(exchanges), lambda: _draw_lines(25), settings.rounds)
    return Row(
        "sequence diagram, 12 exchanges",
        a,
        b,
        a / b,
        "≤ 300 ms",
        verdict(a <= 0.300),
        "baseline: matplotlib drawing 25 labelled lines (one per arrow)",
        unit="ms",
    )
