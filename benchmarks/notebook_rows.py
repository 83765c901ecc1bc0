"""The course notebooks, each run in its own kernel, against the cost of starting a kernel."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import time
from pathlib import Path

from benchmarks.report import MISSES, NO_TARGET, Row, verdict

PER_NOTEBOOK = 0.5  # seconds of execution allowed per notebook, on top of one kernel start
PATTERN = "[0-9][0-9]-*.ipynb"
CELL_TIMEOUT = 60  # seconds, as in the nbval settings of pyproject.toml


async def _run(path: Path | None, cwd: Path) -> tuple[float, float]:
    """Seconds to start a kernel and seconds to execute the notebook's cells (``None``: an empty notebook)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4) if path else nbformat.v4.new_notebook()
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(cwd)}})
    client.reset_execution_trackers()
    start = time.perf_counter()
    # Returns once the kernel answers; its own stderr (ipykernel's TCP notice) would only clutter the report.
    async with client.async_setup_kernel(stderr=subprocess.DEVNULL):
        started = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        finished = time.perf_counter()
    return started - start, finished - started


def _notebook_row(path: Path, cwd: Path, starts: list[float]) -> tuple[Row, float | None]:
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    name = f"  {path.parent.name}/{path.name}"
    try:
        start, seconds = asyncio.run(_run(path, cwd))
    except (CellExecutionError, CellTimeoutError) as exc:
        error = f"{exc.ename}: {exc.evalue}" if isinstance(exc, CellExecutionError) else f"cell timed out: {exc}"
        return Row(name, None, None, None, f"share ≤ {PER_NOTEBOOK} s", "ERROR", error[:120]), None
    starts.append(start)
    notes = "execution only, kernel start excluded"
    row = Row(name, seconds, None, None, f"share ≤ {PER_NOTEBOOK} s", verdict(seconds <= PER_NOTEBOOK), notes)
    return row, seconds


def rows(directory: Path) -> list[Row]:
    notebooks = sorted(directory.glob(PATTERN))
    if not notebooks:
        note = f"no notebooks found: {directory.name}/{PATTERN} matched nothing, so nothing was measured"
        return [Row("notebooks", None, None, None, NO_TARGET, "n/a", note)]
    os.environ.pop("MPLBACKEND", None)  # kernels draw inline, as make test runs them, so figure rendering is timed
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")

    starts = [asyncio.run(_run(None, directory))[0]]  # the baseline: a kernel that runs nothing
    sub_rows, times = [], []
    for path in notebooks:
        row, seconds = _notebook_row(path, directory, starts)
        sub_rows.append(row)
        times.append(seconds)

    kernel_start = statistics.median(starts)  # every kernel start is a sample of the same thing
    budget = kernel_start + PER_NOTEBOOK * len(notebooks)
    target = f"≤ start + {PER_NOTEBOOK} s × {len(notebooks)}"
    notes = f"{len(notebooks)} notebooks, budget {budget:.1f} s; baseline = median of {len(starts)} kernel starts"
    if None in times:
        failed = sum(t is None for t in times)
        total = Row("notebooks", None, kernel_start, None, target, MISSES, f"{failed} notebook(s) failed; {notes}")
    else:
        total_seconds = sum(times)
        ratio = total_seconds / kernel_start
        total = Row("notebooks", total_seconds, kernel_start, ratio, target, verdict(total_seconds <= budget), notes)
    return [total, *sub_rows]


def skipped_row() -> Row:
    return Row("notebooks", None, None, None, NO_TARGET, "skipped", "skipped in --quick mode")
