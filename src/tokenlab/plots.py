"""Pictures that teach: matplotlib helpers.

Each function takes ``ax=None`` (a new figure when missing), draws on it, and
returns the Axes; none changes matplotlib's global settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from tokenlab.clock import Clock, as_datetime
from tokenlab.entropy import (
    AGE_OF_UNIVERSE_YEARS,
    ATTACKERS,
    SECONDS_PER_YEAR,
    TOKEN_FORMATS,
    Attacker,
    TokenFormat,
    expected_guess_seconds,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from tokenlab.provider.store import TokenEvent

__all__ = ["plot_brute_force", "plot_token_timeline"]


def _rate(per_second: float) -> str:
    """10, 10,000, 10^10: a guessing speed as people write it."""
    return f"{per_second:,.0f}" if per_second < 1e6 else f"10^{len(str(int(per_second))) - 1}"


_TIME_MARKS = (
    (1.0, "1 second"),
    (86400.0, "1 day"),
    (SECONDS_PER_YEAR, "1 year"),
    (1000 * SECONDS_PER_YEAR, "1,000 years"),
    (AGE_OF_UNIVERSE_YEARS * SECONDS_PER_YEAR, "age of the universe"),
)


def plot_brute_force(
    formats: Sequence[TokenFormat] = TOKEN_FORMATS,
    attackers: Sequence[Attacker] = ATTACKERS,
    *,
    max_bits: float = 260,
    ax: Axes | None = None,
) -> Axes:
    """Expected time to guess a secret against its entropy, one line per attacker speed.

    The y axis is logarithmic: each step of 10 bits multiplies the time by
    about a thousand. Vertical lines mark the secrets in ``formats``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 5.5), layout="constrained")
    bottom, top = 1e-6, 1e30
    bits = [b / 2 for b in range(0, int(max_bits * 2) + 1)]
    for attacker in attackers:
        seconds = [expected_guess_seconds(bits=b, guesses_per_second=attacker.guesses_per_second) for b in bits]
        ax.plot(bits, seconds, linewidth=2, label=f"{attacker.name}: {_rate(attacker.guesses_per_second)} guesses/s")
    ax.set_yscale("log")
    ax.set_ylim(bottom, top)
    ax.set_xlim(0, max_bits)
    universe = AGE_OF_UNIVERSE_YEARS * SECONDS_PER_YEAR
    ax.axhspan(universe, top, color="tab:green", alpha=0.08)
    ax.text(
        max_bits - 4,
        universe * 30,
        "out of reach: longer than the universe has existed",
        ha="right",
        fontsize=8,
        color="darkgreen",
    )
    for seconds, _ in _TIME_MARKS:
        ax.axhline(seconds, color="0.6", linewidth=0.8, linestyle=":")
    marks = ax.secondary_yaxis("right")
    marks.set_yticks([seconds for seconds, _ in _TIME_MARKS], labels=[label for _, label in _TIME_MARKS])
    marks.minorticks_off()
    marks.tick_params(labelsize=8)
    for number, fmt in enumerate(sorted(formats, key=lambda f: f.bits)):
        ax.axvline(fmt.bits, color="0.45", linewidth=0.8, alpha=0.7)
        ax.annotate(
            f"{fmt.name} · {fmt.bits:.0f} bits",
            (fmt.bits, top),
            xytext=(-3, -4 - 70 * (number % 2)),
            textcoords="offset points",
            rotation=90,
            fontsize=8,
            ha="right",
            va="top",
        )
    ax.set_xlabel("entropy of the secret (bits)")
    ax.set_ylabel("expected time to guess it (seconds, log scale)")
    ax.set_title("Brute force: every 10 bits of entropy multiply the attacker's work by about 1,000")
    ax.legend(loc="lower right", fontsize=8, title="attacker", title_fontsize=8, framealpha=0.95)
    return ax


# --- token lifecycles ------------------------------------------------------------------------------

_LANE_COLOURS = {"access_token": "tab:blue", "refresh_token": "tab:orange"}
_MARKERS = {
    # kind: (marker, colour, size, legend text)
    "used": ("o", "tab:green", 7, "used at the API"),
    "rejected": ("x", "tab:red", 9, "refused by the API"),
    "rotated": (">", "tab:purple", 8, "refresh token traded for new tokens"),
    "replay_detected": ("*", "crimson", 16, "reuse detected"),
    "revoked": ("X", "black", 10, "revoked"),
    "expired": ("|", "black", 18, "expired (exp reached)"),
}


def _when(value: Any) -> datetime:
    return as_datetime(value.timestamp() if isinstance(value, Clock) else value)


def plot_token_timeline(
    events: Sequence[TokenEvent],
    *,
    now: Clock | datetime | float | None = None,
    title: str = "What happened to each token",
    ax: Axes | None = None,
) -> Axes:
    """One lane per token, the shared clock on the x axis: when each token was issued, used, refused,
    rotated, revoked and when it expired (RFC 7519 §4.1.4). ``events`` is ``op.events``.

    A solid bar is the time a token was good for; after a revocation or a rotation, a faint bar shows
    how long it *would* have lived: a JWT stays cryptographically valid until ``exp``, which is why
    revocation needs the provider's help (RFC 7009 §2, RFC 7662).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(10, max(2.6, 1.2 + 0.45 * len({e.label for e in events}))), layout="constrained")
    if not events:
        ax.text(0.5, 0.5, "no token events yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    lanes: dict[str, list[TokenEvent]] = {}
    for event in events:
        lanes.setdefault(event.label, []).append(event)
    end_of_view = _when(now) if now is not None else max(_when(e.time) for e in events)
    shown: set[str] = set()
    for row, lane in enumerate(lanes.values()):
        y = -row
        issued = next((e for e in lane if e.kind == "issued"), lane[0])
        start = _when(issued.time)
        expires = _when(issued.expires_at) if issued.expires_at is not None else None
        ended = next((e for e in lane if e.kind in ("revoked", "rotated", "replay_detected")), None)
        good_until = min(filter(None, [expires, _when(ended.time) if ended else None, max(end_of_view, start)]))
        colour = _LANE_COLOURS.get(issued.token_type, "tab:gray")
        ax.barh(y, good_until - start, left=start, height=0.5, color=colour, alpha=0.85)
        if expires is not None and good_until < expires and issued.detail == "JWT":
            shown.add("still_verifies")
            ax.barh(
                y,
                expires - good_until,
                left=good_until,
                height=0.5,
                color=colour,
                alpha=0.15,
                hatch="//",
                edgecolor=colour,
            )
        for event in lane:
            if event.kind in _MARKERS:
                _mark(ax, event.kind, _when(event.time), y, shown)
        if expires is not None and expires <= end_of_view:
            _mark(ax, "expired", expires, y, shown)
    ax.set_yticks(
        [-row for row in range(len(lanes))], labels=[_lane_name(label, lane) for label, lane in lanes.items()]
    )
    ax.set_ylim(-len(lanes) + 0.4, 0.6)
    if now is not None:
        ax.axvline(end_of_view, color="0.3", linestyle="--", linewidth=1)
        ax.annotate(
            "now", (end_of_view, 0.55), ha="center", va="bottom", fontsize=8, color="0.3", annotation_clip=False
        )
    times = [_when(e.time) for e in events] + [
        _when(e.expires_at)
        for e in events
        if e.expires_at is not None and (e.token_type == "access_token" or _when(e.expires_at) <= end_of_view)
    ]
    first, last = min(times), max([*times, end_of_view])
    pad = (last - first) * 0.03 or timedelta(minutes=1)
    ax.set_xlim(first - pad, last + pad)  # bars pin the axis to their edges; keep markers there visible
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=timezone.utc))
    ax.set_xlabel(f"time on the course clock (UTC, {min(_when(e.time) for e in events):%Y-%m-%d})")
    ax.set_title(title)
    handles = [
        Patch(color=c, label=t.replace("_", " "))
        for t, c in _LANE_COLOURS.items()
        if any(e.token_type == t for e in events)
    ]
    if "still_verifies" in shown:
        handles.append(
            Patch(
                facecolor="0.85",
                hatch="//",
                edgecolor="0.5",
                label="revoked JWT: its signature still verifies until exp",
            )
        )
    handles += [
        Line2D([], [], linestyle="", marker=m, color=c, markersize=min(s, 10), label=text)
        for kind, (m, c, s, text) in _MARKERS.items()
        if kind in shown
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    ax.grid(axis="x", color="0.9")
    return ax


def _mark(ax: Axes, kind: str, when: datetime, y: float, shown: set[str]) -> None:
    marker, colour, size, _ = _MARKERS[kind]
    ax.plot([when], [y], linestyle="", marker=marker, color=colour, markersize=size, markeredgewidth=2, zorder=3)
    shown.add(kind)


def _lane_name(label: str, lane: Sequence[TokenEvent]) -> str:
    kind = "access" if lane[0].token_type == "access_token" else "refresh"
    return f"{label} ({kind})"
