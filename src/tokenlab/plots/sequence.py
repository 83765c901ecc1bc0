"""A sequence diagram of recorded HTTP exchanges: who sent each request to whom, and what came back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import matplotlib.pyplot as plt
from matplotlib.collections import LineCollection

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from tokenlab.provider.recorder import Exchange

__all__ = ["plot_sequence"]


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
