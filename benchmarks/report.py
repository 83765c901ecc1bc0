"""One row per measurement, printed as a table or written as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

COLUMNS = ("row", "tokenlab", "baseline", "ratio", "target", "verdict", "notes")

MEETS, MISSES, NO_TARGET = "meets", "MISSES", "—"


@dataclass(frozen=True)
class Row:
    """Times are seconds (per call, or wall time for whole runs); ``None`` where nothing was measured."""

    name: str
    tokenlab: float | None
    baseline: float | None
    ratio: float | None
    target: str
    verdict: str
    notes: str = ""
    unit: str | None = None  # "µs", "ms" or "s"; chosen from the size of the times when None


def verdict(ok: bool) -> str:
    return MEETS if ok else MISSES


_SCALE = {"µs": 1e6, "ms": 1e3, "s": 1.0}


def _unit_for(seconds: float) -> str:
    return "µs" if seconds < 1e-3 else "ms" if seconds < 1 else "s"


def format_time(seconds: float | None, unit: str | None) -> str:
    if seconds is None:
        return "—"
    unit = unit or _unit_for(seconds)
    value = seconds * _SCALE[unit]
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"


def _cells(row: Row) -> tuple[str, ...]:
    known = [t for t in (row.tokenlab, row.baseline) if t is not None]
    unit = row.unit or (_unit_for(max(known)) if known else None)  # one unit per row, easy to compare
    ratio = "—" if row.ratio is None else f"{row.ratio:.2f}×"
    return (
        row.name,
        format_time(row.tokenlab, unit),
        format_time(row.baseline, unit),
        ratio,
        row.target,
        row.verdict,
        row.notes,
    )


def table(rows: list[Row]) -> str:
    cells = [COLUMNS, *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS) - 1)]
    right = {1, 2, 3}  # numbers line up on the right

    def render(line: tuple[str, ...]) -> str:
        *fixed, notes = line
        parts = [
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(fixed, widths, strict=True))
        ]
        return "  ".join([*parts, notes]).rstrip()

    rule = "  ".join("-" * width for width in widths) + "  " + "-" * len(COLUMNS[-1])
    return "\n".join([render(cells[0]), rule, *(render(line) for line in cells[1:])])


def write_json(path: Path, rows: list[Row], meta: dict[str, object]) -> None:
    data = {"meta": meta, "rows": [asdict(row) for row in rows]}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
