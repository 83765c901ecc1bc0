"""What one learner costs on a workshop hub: four learners start together on a real JupyterHub on this host.

Per learner: seconds from the "start server" REST call to the last cell of
lesson 06 done (run through the hub's proxy over the kernel's websocket, as in
tests/hub), and the memory of their single-user server plus the lesson's
kernel with its provider still running, read from /proc/PID/smaps_rollup at
that moment: RSS (what each process has in RAM, shared pages counted in each)
and PSS (shared pages split between the processes sharing them: what adding a
learner really adds). Also the CPU seconds both processes used. Resource
figures, not ratios: there is no baseline to pair them with.

``python -m benchmarks.hub_rows [--learners N]`` prints only these rows, for
sizing a hub on the machine that will run it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
from pathlib import Path

import psutil

from benchmarks.hub_harness import REPO, HubError, running_hub
from benchmarks.hub_learner import LearnerRun, run_workshop, smaps
from benchmarks.report import NO_TARGET, Row, table

LEARNERS = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")
LESSON = next((REPO / "notebooks").glob("06-*.ipynb"), REPO / "notebooks" / "06-*.ipynb")
LOG = REPO / "test-artifacts" / "hub" / "benchmark-jupyterhub.log"
MIB = 2**20
NAME = "JupyterHub: learners at once"


def _host() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {memory:.0f} GiB, {platform.system()}"


def _hub_and_proxy(hub_pid: int) -> tuple[int, int]:
    """RSS and PSS of the hub process and configurable-http-proxy (node): what the hub costs once, not per learner."""
    hub = psutil.Process(hub_pid)
    processes = [hub, *(child for child in hub.children() if child.name() == "node")]
    sizes = [smaps(process.pid) for process in processes]
    return sum(rss for rss, _ in sizes), sum(pss for _, pss in sizes)


def _learner_row(run: LearnerRun) -> Row:
    assert run.memory is not None
    m = run.memory
    notes = (
        f"RSS {m.rss / MIB:.0f} MiB, PSS {m.pss / MIB:.0f} MiB "
        f"(server {m.server_rss / MIB:.0f}/{m.server_pss / MIB:.0f}, kernel {m.kernel_rss / MIB:.0f}/"
        f"{m.kernel_pss / MIB:.0f} RSS/PSS); server ready after {run.ready_seconds:.1f} s; CPU {m.cpu_seconds:.1f} s"
    )
    return Row(f"  {run.name}: start → lesson 06 done", run.done_seconds, None, None, NO_TARGET, NO_TARGET, notes, "s")


def rows(learners: int = 4) -> list[Row]:
    """A summary row and one row per learner; an ERROR row saying why when the hub could not run."""
    names = list(LEARNERS[:learners])
    try:
        with tempfile.TemporaryDirectory(prefix="tokenlab-hub-bench-") as work, running_hub(Path(work), LOG) as hub:
            runs = asyncio.run(run_workshop(hub, names, [LESSON], check_links=False))
            shared = _hub_and_proxy(hub.pid)
    except HubError as err:
        said = " ".join(str(err).split())  # one line of the table
        return [Row(NAME, None, None, None, NO_TARGET, "ERROR", f"{said[:200]} (log: {LOG.relative_to(REPO)})")]
    memory = [run.memory for run in runs if run.memory is not None]
    notes = (
        f"{len(runs)} learners started together, each running lesson 06; per learner median RSS "
        f"{statistics.median(m.rss for m in memory) / MIB:.0f} MiB, PSS {statistics.median(m.pss for m in memory) / MIB:.0f} "
        f"MiB, CPU {statistics.median(m.cpu_seconds for m in memory):.1f} s; the hub and its proxy: RSS "
        f"{shared[0] / MIB:.0f} MiB, PSS {shared[1] / MIB:.0f} MiB; host {_host()}"
    )
    slowest = max(run.done_seconds for run in runs)
    return [Row(NAME, slowest, None, None, NO_TARGET, NO_TARGET, notes, "s"), *(_learner_row(run) for run in runs)]


def skipped_row() -> Row:
    return Row(NAME, None, None, None, NO_TARGET, "skipped", "skipped in --quick mode (tests/hub runs the same hub)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hub_rows", description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=4, choices=range(1, len(LEARNERS) + 1), metavar="N")
    args = parser.parse_args(argv)
    print(table(rows(args.learners)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
