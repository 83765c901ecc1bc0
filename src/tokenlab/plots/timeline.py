"""Token lifetimes and signing-key rotation, each drawn as lanes on one time axis."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from tokenlab.clock import Clock, as_datetime

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

    from tokenlab.provider.app import KeyEvent
    from tokenlab.provider.store import TokenEvent

__all__ = ["lane_names", "plot_key_rotation", "plot_token_timeline"]


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

    A solid bar is the time a token was good for, up to ``now``; a pale bar, the life still ahead of a
    token that is good at ``now``. Only a revoked JWT gets a hatched bar, up to its ``exp``: it stays
    cryptographically valid until then, which is why revocation needs the provider's help (RFC 7009 §2,
    RFC 7662). Events after ``now`` (a replay on a clock set back) are not drawn: they have not happened yet.
    """
    end_of_view = _when(now) if now is not None else max((_when(e.time) for e in events), default=None)
    if now is not None:
        events = [e for e in events if _when(e.time) <= end_of_view]
    if ax is None:
        ax = _lane_axes(max(2.6, 1.2 + 0.45 * len({e.label for e in events})))
    if not events or end_of_view is None:
        ax.text(0.5, 0.5, "no token events yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    lanes: dict[str, list[TokenEvent]] = {}
    for event in events:
        lanes.setdefault(event.label, []).append(event)
    bars: dict[str, dict[str, tuple[list, list, list]]] = {part: {} for part in _BAR_STYLES}
    marks: dict[str, tuple[list, list]] = {}  # kind -> (x, y)
    for row, lane in enumerate(lanes.values()):
        _gather_lane(lane, -row, end_of_view, bars, marks)
    shown = _draw_gathered(ax, bars, marks)
    _name_lanes(ax, [(-row, _lane_name(label, lane)) for row, (label, lane) in enumerate(lanes.items())])
    ax.set_ylim(-len(lanes) + 0.4, 0.6)
    _set_time_axis(ax, _timeline_times(events, end_of_view), end_of_view, mark_now=now is not None)
    ax.set_title(title)
    handles = _timeline_legend(events, shown)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    ax.grid(axis="x", color="0.9")
    return ax


_BAR_STYLES = {
    "solid": {"alpha": 0.85},  # the time a token was good for, up to now
    "ahead": {"alpha": 0.3},  # the life still ahead of a token that is good at now
    "still_verifies": {"alpha": 0.15, "hatch": "//"},  # a revoked JWT, which verifies until its exp
}


def _gather_lane(
    lane: Sequence[TokenEvent], y: float, end_of_view: datetime, bars: dict[str, dict], marks: dict[str, tuple]
) -> None:
    """Add one token's bars and markers, at height ``y`` as seen at ``end_of_view``, to those of the other
    lanes: each bar style and colour is then drawn in one ``barh`` call, each kind of marker in one ``plot``."""
    issued = next((e for e in lane if e.kind == "issued"), lane[0])
    start = _when(issued.time)
    expires = _when(issued.expires_at) if issued.expires_at is not None else None
    ended = next((e for e in lane if e.kind in ("revoked", "rotated", "replay_detected")), None)
    ended_at = _when(ended.time) if ended else None
    life_end = min(filter(None, [expires, ended_at]), default=None)  # when it stops being good, if known
    colour = _LANE_COLOURS.get(issued.token_type, "tab:gray")
    _add(bars["solid"], colour, y, start, max(min(filter(None, [life_end, end_of_view])), start) - start)
    verifies_after_revocation = (
        ended is not None and ended.kind == "revoked" and issued.detail == "JWT" and expires is not None
    )
    if ended_at is None and expires is not None and expires > end_of_view:
        _add(bars["ahead"], colour, y, end_of_view, expires - end_of_view)
    elif verifies_after_revocation and ended_at < expires:
        _add(bars["still_verifies"], colour, y, ended_at, expires - ended_at)
    for event in lane:
        if event.kind in _MARKERS:
            marks.setdefault(event.kind, ([], []))[0].append(_when(event.time))
            marks[event.kind][1].append(y)
    if expires is not None and expires <= end_of_view and (ended is None or verifies_after_revocation):
        marks.setdefault("expired", ([], []))[0].append(expires)
        marks["expired"][1].append(y)


def _draw_gathered(ax: Axes, bars: dict[str, dict], marks: dict[str, tuple]) -> set[str]:
    """Draw the bars and markers of every lane; the bar styles and kinds of marker drawn, for the legend."""
    shown: set[str] = set()
    for part, by_colour in bars.items():
        for colour, (ys, lefts, widths) in by_colour.items():
            ax.barh(ys, widths, left=lefts, height=0.5, color=colour, edgecolor=colour, gid=part, **_BAR_STYLES[part])
            shown.add(part)
    for kind, (xs, ys) in marks.items():
        marker, colour, size, _ = _MARKERS[kind]
        ax.plot(xs, ys, linestyle="", marker=marker, color=colour, markersize=size, markeredgewidth=2, zorder=3)
        shown.add(kind)
    return shown


def _timeline_times(events: Sequence[TokenEvent], end_of_view: datetime) -> list[datetime]:
    """Every event, and every exp worth seeing: an access token's even when it lies ahead of now."""
    return [_when(e.time) for e in events] + [
        _when(e.expires_at)
        for e in events
        if e.expires_at is not None and (e.token_type == "access_token" or _when(e.expires_at) <= end_of_view)
    ]


def _set_time_axis(ax: Axes, times: list[datetime], end: datetime, *, mark_now: bool) -> None:
    """The course clock on the x axis, from the first of ``times`` to the last (or ``end``), with a margin:
    bars pin the axis to their edges, and markers there would be cut in half. A dashed line at ``end`` if
    ``mark_now``."""
    first, last = min(times), max([*times, end])
    pad = (last - first) * 0.03 or timedelta(minutes=1)
    ax.set_xlim(first - pad, last + pad)
    if mark_now:
        _mark_now(ax, end)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=timezone.utc))
    ax.set_xlabel(f"time on the course clock (UTC, {first:%Y-%m-%d})")


def _timeline_legend(events: Sequence[TokenEvent], shown: set[str]) -> list[Artist]:
    """One entry per token type present, per bar style and per kind of marker drawn."""
    handles: list[Artist] = [
        Patch(color=c, label=t.replace("_", " "))
        for t, c in _LANE_COLOURS.items()
        if any(e.token_type == t for e in events)
    ]
    if "ahead" in shown:
        handles.append(Patch(facecolor="0.6", alpha=0.3, label="still good at now, until it expires"))
    if "still_verifies" in shown:
        handles.append(
            Patch(facecolor="0.85", hatch="//", edgecolor="0.5", label="revoked JWT, still verifies until exp")
        )
    handles += [
        Line2D([], [], linestyle="", marker=m, color=c, markersize=min(s, 10), label=text)
        for kind, (m, c, s, text) in _MARKERS.items()
        if kind in shown
    ]
    return handles


def _mark_now(ax: Axes, now: datetime) -> None:
    """A dashed line at ``now``, labelled inside the Axes at the top, on whichever side of the line has room:
    never above the Axes, where the title is, nor cut off at the figure's edge."""
    ax.axvline(now, color="0.3", linestyle="--", linewidth=1, gid="now")
    left, right = ax.get_xlim()
    on_right_half = mdates.date2num(now) > (left + right) / 2
    ax.annotate(
        "now",
        (mdates.date2num(now), 1),  # a blended transform converts no units: the date as matplotlib's number
        xycoords=blended_transform_factory(ax.transData, ax.transAxes),
        xytext=(-3 if on_right_half else 3, -3),
        textcoords="offset points",
        ha="right" if on_right_half else "left",
        va="top",
        fontsize=8,
        color="0.3",
        gid="now",
    )


def _name_lanes(ax: Axes, lanes: list[tuple[float, str]]) -> None:
    """Lane names at the left edge, as plain texts (``gid="lane"``): y tick labels cost a Tick object each,
    which measured most of the drawing time of a 24-lane timeline."""
    ax.set_yticks([])
    place = blended_transform_factory(ax.transAxes, ax.transData)
    for y, name in lanes:
        ax.text(-0.01, y, name, transform=place, ha="right", va="center", fontsize=9, gid="lane")


def lane_names(ax: Axes) -> list[str]:
    """The lane names of a timeline or key-rotation chart, top to bottom."""
    return [text.get_text() for text in ax.texts if text.get_gid() == "lane"]


def _lane_axes(height: float) -> Axes:
    """A 10-inch-wide figure with room for lane names on the left and the legend on the right. Fixed margins
    rather than constrained layout, which measured most of the drawing time of a 50-event timeline."""
    fig = plt.figure(figsize=(10, height))
    return fig.add_axes((0.13, 0.75 / height, 0.56, 1 - 1.2 / height))


def _add(bars: dict[str, tuple[list, list, list]], colour: str, y: float, left: datetime, width: timedelta) -> None:
    ys, lefts, widths = bars.setdefault(colour, ([], [], []))
    ys.append(y)
    lefts.append(left)
    widths.append(width)


def _lane_name(label: str, lane: Sequence[TokenEvent]) -> str:
    kind = "access" if lane[0].token_type == "access_token" else "refresh"
    return f"{label} ({kind})"


def plot_key_rotation(
    key_events: Sequence[KeyEvent],
    token_events: Sequence[TokenEvent] = (),
    *,
    now: Clock | datetime | float | None = None,
    title: str = "Signing-key rotation",
    ax: Axes | None = None,
) -> Axes:
    """One lane per signing key (``op.key_events``): when it signed new tokens, when it was only published
    so that older tokens still verify (the overlap window, RFC 7517 §4.5, OpenID Connect Core §10.1.1), and
    when it was retired. With ``token_events`` (``op.events``), each access token's life is drawn under the
    key lanes, so the chart shows why the overlap must outlast the longest-lived token. Only signed (JWT) access
    tokens are drawn: an opaque token is not signed, so no key has to outlive it. The legend explains only
    what the chart shows: no overlap band before a rotation, no retirement mark before one."""
    if ax is None:
        ax = _lane_axes(2.8)
    if not key_events:
        ax.text(0.5, 0.5, "no key events", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    times = [_when(e.time) for e in key_events] + [_when(e.time) for e in token_events]
    access = [
        e
        for e in token_events
        if e.kind == "issued" and e.token_type == "access_token" and e.detail == "JWT" and e.expires_at
    ]
    times += [_when(e.expires_at) for e in access]
    end = _when(now) if now is not None else max(times)
    kids = list(dict.fromkeys(e.kid for e in key_events))
    shown: set[str] = set()
    for row, kid in enumerate(kids):
        mine = [e for e in key_events if e.kid == kid]
        start = next(_when(e.time) for e in mine if e.kind == "signing")
        rotated = next((_when(e.time) for e in mine if e.kind == "rotated_out"), None)
        retired = next((_when(e.time) for e in mine if e.kind == "retired"), None)
        signs_until = rotated or retired or end
        ax.barh(-row, signs_until - start, left=start, height=0.5, color="tab:green", alpha=0.85, gid="signs")
        shown.add("signs")
        if rotated is not None and (retired is None or retired > rotated):
            shown.add("published")
            until = retired or end
            ax.barh(
                -row,
                until - rotated,
                left=rotated,
                height=0.5,
                color="tab:green",
                alpha=0.2,
                hatch="//",
                edgecolor="tab:green",
                gid="published",
            )
            if any(e.kind == "signing" and rotated <= _when(e.time) < until for e in key_events if e.kid != kid):
                ax.axvspan(rotated, until, color="gold", alpha=0.12, zorder=0, gid="overlap")
                shown.add("overlap")
        if retired is not None:
            ax.plot([retired], [-row], marker="X", color="black", markersize=10, linestyle="", gid="retired")
            shown.add("retired")
    rows = len(kids)
    for offset, event in enumerate(access):
        y = -rows - 0.2 - 0.25 * offset
        ax.plot(
            [_when(event.time), _when(event.expires_at)], [y, y], color="tab:blue", linewidth=2, solid_capstyle="butt"
        )
    labels = [f"key {kid}" for kid in kids]
    ticks = [-row for row in range(rows)]
    if access:
        ticks.append(-rows - 0.2 - 0.125 * (len(access) - 1))
        labels.append("access tokens")
    _name_lanes(ax, list(zip(ticks, labels, strict=True)))
    ax.set_ylim(-rows - 0.45 - 0.25 * max(len(access) - 1, 0) if access else -rows + 0.4, 0.6)
    _set_time_axis(ax, times, end, mark_now=now is not None)
    ax.set_title(title)
    explained = {
        "signs": Patch(color="tab:green", alpha=0.85, label="signs new tokens"),
        "published": Patch(
            facecolor="tab:green",
            alpha=0.3,
            hatch="//",
            edgecolor="tab:green",
            label="published only: old tokens verify",
        ),
        "overlap": Patch(color="gold", alpha=0.3, label="overlap: both keys in the JWKS"),
        "retired": Line2D([], [], marker="X", color="black", linestyle="", label="retired: its tokens are refused"),
    }
    handles = [handle for part, handle in explained.items() if part in shown]
    if access:
        handles.append(Line2D([], [], color="tab:blue", linewidth=2, label="an access token's life (iat → exp)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    ax.grid(axis="x", color="0.9")
    return ax
