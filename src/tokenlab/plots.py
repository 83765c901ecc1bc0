"""Pictures that teach: matplotlib helpers.

Each function takes ``ax=None`` (a new figure when missing), draws on it, and
returns the Axes; none changes matplotlib's global settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

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
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

    from tokenlab.provider.app import KeyEvent
    from tokenlab.provider.recorder import Exchange
    from tokenlab.provider.store import TokenEvent

__all__ = ["plot_brute_force", "plot_key_rotation", "plot_sequence", "plot_token_timeline"]


def _rate(per_second: float) -> str:
    """10, 10,000, 10^10, 3×10^9: a guessing speed as people write it."""
    if per_second < 1e6:
        return f"{per_second:,.0f}"
    mantissa, exponent = f"{per_second:.1e}".split("e")
    mantissa = mantissa.removesuffix(".0")
    return f"{'' if mantissa == '1' else mantissa + '×'}10^{int(exponent)}"


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
    max_bits = max([max_bits, *(fmt.bits + 4 for fmt in formats)])  # every secret asked for is drawn
    ax.set_xlim(0, max_bits)
    universe = AGE_OF_UNIVERSE_YEARS * SECONDS_PER_YEAR
    ax.axhspan(universe, top, color="tab:green", alpha=0.08)
    for seconds, _ in _TIME_MARKS:
        ax.axhline(seconds, color="0.6", linewidth=0.8, linestyle=":")
    marks = ax.secondary_yaxis("right")
    out_of_reach = (universe * top) ** 0.5  # the shaded band's middle, in the margin where no secret's label runs
    marks.set_yticks(
        [seconds for seconds, _ in _TIME_MARKS] + [out_of_reach],
        labels=[label for _, label in _TIME_MARKS] + ["out of reach:\nlonger than the\nuniverse has existed"],
    )
    marks.get_yticklabels()[-1].set_color("darkgreen")
    marks.get_yticklabels()[-1].set_gid("out_of_reach")
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


# --- signing-key rotation ----------------------------------------------------------------------------


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


# --- sequence diagrams of recorded HTTP exchanges ---------------------------------------------------


def plot_sequence(exchanges: Sequence[Exchange], *, title: str = "Who talked to whom", ax: Axes | None = None) -> Axes:
    """A sequence diagram of recorded exchanges (``op.exchanges``): one lifeline per participant, a solid
    arrow for each request and a dashed one for its answer; a redirect back to the client (the code in an
    authorization response, RFC 6749 §4.1.2) is drawn as the browser carrying it to the client app.

    Who sent each request, who answered it and its label are the recorder's classification, ``exchange.kind``
    (:mod:`tokenlab.provider.exchange_kinds`), as the flow inspector shows it."""
    from tokenlab.provider.exchange_kinds import PARTIES  # not at the top: `import tokenlab.plots` stays light

    rows: list[tuple[str, str, str, bool]] = []  # (from, to, label, is_answer)
    for exchange in exchanges:
        kind = exchange.kind
        source, target = kind.sender, kind.receiver
        rows.append((source, target, f"#{exchange.number} {kind.label}", False))
        rows.append((target, source, _answer_label(exchange), True))
        location = exchange.response_header("Location") or ""
        if exchange.status in (302, 303) and source == "browser" and not location.startswith(exchange.path):
            rows.append(("browser", "client", _redirect_label(location), True))
    present = {p for row in rows for p in row[:2]}
    columns = [p for p in PARTIES if p in present] or list(PARTIES)
    x = {name: index for index, name in enumerate(columns)}
    height = 1.3 + 0.42 * max(len(rows), 1)
    if ax is None:
        fig = plt.figure(figsize=(10, height))
        ax = fig.add_axes((0.02, 0.2 / height, 0.96, 1 - 0.8 / height))
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylim(-len(rows) - 0.5, 0.9)
    ax.set_axis_off()
    for name, column in x.items():
        ax.plot([column, column], [-len(rows) - 0.4, 0.4], color="0.6", linestyle="--", linewidth=0.8, zorder=1)
        ax.text(column, 0.6, PARTIES[name], ha="center", va="center", fontsize=9, fontweight="bold",
                bbox={"boxstyle": "round,pad=0.4", "facecolor": "0.93", "edgecolor": "0.5"})  # fmt: skip
    segments: dict[tuple[bool, str], list] = {}  # (dashed, colour) -> line segments: one collection each
    heads: dict[tuple[str, str], tuple[list, list]] = {}  # (marker, colour) -> arrowhead positions
    for row, (source, target, label, answer) in enumerate(rows, start=1):
        y = -row
        colour = "tab:red" if answer and (label[:1] in "45" or label.startswith(_ERROR_REDIRECT)) else "0.15"
        step = 0.06 if x[target] > x[source] else -0.06
        segments.setdefault((answer, colour), []).append([(x[source], y), (x[target] - step, y)])
        marker = ">" if step > 0 else "<"
        heads.setdefault((marker, colour), ([], []))[0].append(x[target] - step)
        heads[(marker, colour)][1].append(y)
        ax.text((x[source] + x[target]) / 2, y + 0.08, label, color=colour, **_ARROW_LABEL)
    for (dashed, colour), lines in segments.items():
        ax.add_collection(LineCollection(lines, colors=colour, linewidths=1.1, linestyles="--" if dashed else "-"))
    for (marker, colour), (xs, ys) in heads.items():
        ax.plot(xs, ys, linestyle="", marker=marker, color=colour, markersize=6)
    if not rows:
        ax.text(len(columns) / 2 - 0.5, -0.5, "no exchanges recorded yet", ha="center", fontsize=9)
    ax.set_title(title)
    return ax


_ERROR_REDIRECT = "redirect to the app with an error"
# on white, so that no lifeline runs through a label
_ARROW_LABEL: dict[str, Any] = {
    "ha": "center",
    "va": "bottom",
    "fontsize": 7.5,
    "bbox": {"facecolor": "white", "edgecolor": "none", "pad": 0.5},
}


def _redirect_label(location: str) -> str:
    """What a redirect to the client carries, read from its query: the ``code`` and the ``state`` (only when the
    client sent one, RFC 6749 §4.1.2), or the ``error`` (§4.1.2.1)."""
    query = dict(parse_qsl(urlsplit(location).query, keep_blank_values=True))
    if "error" in query:
        return f"{_ERROR_REDIRECT}: {query['error']}"
    carried = [name for name in ("code", "state") if name in query]
    return f"redirect to the app: {', '.join(carried)}" if carried else "redirect to the app"


def _answer_label(exchange: Exchange) -> str:
    body = exchange.json()
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return f"{exchange.status} {body['error']}"
    if isinstance(body, dict) and "access_token" in body:
        issued = [name.replace("_token", "") for name in ("access_token", "refresh_token", "id_token") if name in body]
        return f"{exchange.status} tokens: {', '.join(issued)}"
    if exchange.status in (302, 303):
        return f"{exchange.status} {exchange.reason}: redirect"
    if (exchange.response_header("Content-Type") or "").startswith("text/html"):
        return f"{exchange.status} {exchange.reason}: a page for the user"
    return f"{exchange.status} {exchange.reason}"
