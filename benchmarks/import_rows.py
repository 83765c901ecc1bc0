"""``import tokenlab`` in a fresh interpreter, against an interpreter that imports nothing."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

from benchmarks.measure import Settings
from benchmarks.report import NO_TARGET, Row, verdict

TARGET_COST = 0.150  # seconds
HEAVY = ("matplotlib", "ipywidgets")  # a notebook loads these when it plots or shows a widget, never on import


def _wall(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _heavy_modules_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def _measure(code: str, runs: int) -> tuple[float, float, float]:
    """Median wall time of ``code`` and of ``pass``, and the median of their paired differences."""
    _wall(code), _wall("pass")  # warm the page cache and the .pyc files
    with_import, bare = [], []
    for run in range(runs):
        for which in ("code", "pass") if run % 2 == 0 else ("pass", "code"):
            (with_import if which == "code" else bare).append(_wall(code if which == "code" else "pass"))
    cost = statistics.median(a - b for a, b in zip(with_import, bare, strict=True))
    return statistics.median(with_import), statistics.median(bare), cost


def _heavy_note(code: str) -> tuple[bool, str]:
    heavy = _heavy_modules_after(code)
    if heavy:
        return False, f"imported {', '.join(heavy)} (must not)"
    return True, f"{' and '.join(HEAVY)} not imported"


def rows(settings: Settings) -> list[Row]:
    runs = settings.import_runs
    a, b, cost = _measure("import tokenlab", runs)
    light, heavy_note = _heavy_note("import tokenlab")
    ok = cost <= TARGET_COST and light
    notes = f"import cost {cost * 1e3:.1f} ms (median of {runs} paired runs); {heavy_note}"
    main = Row("import tokenlab", a, b, a / b, f"cost ≤ {TARGET_COST * 1e3:.0f} ms", verdict(ok), notes, unit="ms")

    # What the first sign/verify in a notebook pays on top: keys, tokens, PyJWT and cryptography.
    code = "from tokenlab import verify"
    a2, b2, cost2 = _measure(code, runs)
    _, heavy_note2 = _heavy_note(code)
    notes2 = f"report only: cost {cost2 * 1e3:.1f} ms, what the first verify() pays; {heavy_note2}"
    first_use = Row("  from tokenlab import verify", a2, b2, a2 / b2, NO_TARGET, NO_TARGET, notes2, unit="ms")
    return [main, first_use]
