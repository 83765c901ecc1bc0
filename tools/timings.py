"""Measure how long each notebook takes to execute and write the table into the trainer guide.

``python -m tools.timings`` runs every ``notebooks/NN-*.ipynb`` in its own kernel with nbclient (the same
measurement as ``make bench``'s notebook rows: execution only, the kernel start reported apart) and rewrites the
part of ``docs/trainer-guide.md`` between ``<!-- timings:start -->`` and ``<!-- timings:end -->``. Nothing else
in the guide changes. ``--print`` shows the section without writing it.

:func:`lesson_minutes` reads each lesson's own "**Time:** about N minutes" line, which the guide's agendas use.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
GUIDE = ROOT / "docs" / "trainer-guide.md"
START, END = "<!-- timings:start -->", "<!-- timings:end -->"
COMMAND = "python -m tools.timings"
_TIME = re.compile(r"\*\*Time:\*\*\s*about\s+(\d+)\s+minutes")
_TITLE = re.compile(r"^# (\d\d) · (.+)$", re.M)


def lessons(folder: Path = NOTEBOOKS) -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]-*.ipynb"))


def lesson_minutes(folder: Path = NOTEBOOKS) -> dict[str, tuple[str, int]]:
    """``{"00-Start-Here.ipynb": ("00 · Start here", 10), ...}`` from each lesson's title and Time line."""
    import nbformat

    found = {}
    for path in lessons(folder):
        cells = nbformat.read(path, as_version=4).cells
        title = _TITLE.search(cells[0].source)
        times = [int(m.group(1)) for cell in cells if cell.cell_type == "markdown" for m in _TIME.finditer(cell.source)]
        if title is None or len(times) != 1:
            raise ValueError(f"{path.name}: needs one '# NN · Title' heading and one '**Time:** about N minutes' line")
        found[path.name] = (f"{title.group(1)} · {title.group(2)}", times[0])
    return found


def measure(folder: Path = NOTEBOOKS) -> tuple[list[tuple[str, float | None, str]], float]:
    """``([(notebook, seconds or None, error), ...], median kernel start)``: each notebook run in a fresh kernel."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    from benchmarks.notebook_rows import _run

    os.environ.pop("MPLBACKEND", None)  # draw inline, as in a learner's kernel
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    starts = [asyncio.run(_run(None, folder))[0]]
    results = []
    for path in lessons(folder):
        try:
            start, seconds = asyncio.run(_run(path, folder))
        except (CellExecutionError, CellTimeoutError) as exc:
            results.append((path.name, None, f"{type(exc).__name__}: {str(exc).splitlines()[-1][:80]}"))
            continue
        starts.append(start)
        results.append((path.name, seconds, ""))
        print(f"{path.name}: {seconds:.2f} s", file=sys.stderr)
    return results, statistics.median(starts)


def section(results: list[tuple[str, float | None, str]], kernel_start: float) -> str:
    minutes = lesson_minutes()
    cores = os.cpu_count()
    today = datetime.date.today().isoformat()
    lines = [
        START,
        f"Measured on {today} on {platform.system()} {platform.machine()}, {cores} cores, Python "
        f"{platform.python_version()}, with `{COMMAND}`: each notebook executed top to bottom in a fresh kernel "
        "(nbclient), execution only. "
        f"Starting a kernel took {kernel_start:.1f} s more (median).",
        "",
        "| lesson | teaching time (its **Time:** line) | execution (Run All) |",
        "|---|---|---|",
    ]
    for name, seconds, error in results:
        title, teach = minutes[name]
        measured = f"{seconds:.1f} s" if seconds is not None else f"FAILED: {error}"
        lines.append(f"| [{title}](../notebooks/{name}) | {teach} min | {measured} |")
    total = sum(s for _, s, _ in results if s is not None)
    lines += [f"| **all 16** | {sum(m for _, m in minutes.values())} min | {total:.1f} s |", END]
    return "\n".join(lines)


def rewrite(text: str, new_section: str) -> str:
    """``text`` with the marked section replaced; raises ``ValueError`` when the markers are missing."""
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if len(pattern.findall(text)) != 1:
        raise ValueError(f"the guide needs exactly one {START} … {END} section")
    return pattern.sub(lambda _: new_section, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--print", action="store_true", help="print the section instead of writing the guide")
    args = parser.parse_args(argv)
    results, kernel_start = measure()
    new = section(results, kernel_start)
    if args.print:
        print(new)
    else:
        GUIDE.write_text(rewrite(GUIDE.read_text(encoding="utf-8"), new), encoding="utf-8")
        print(f"wrote the timings into {GUIDE.relative_to(ROOT)}", file=sys.stderr)
    return 1 if any(s is None for _, s, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
