"""A workshop on a real JupyterHub: four learners run lessons 05 and 06 at the same moment, each in their own server.

JupyterHub (from PyPI), configurable-http-proxy (npm), the dummy
authenticator and local processes for the learners' servers, all on
127.0.0.1, all sharing this host's loopback interface as on The Littlest
JupyterHub (benchmarks/hub_harness.py). Each learner's server is started
through the hub's REST API; each lesson is run through the hub's proxy, in a
Jupyter session of the learner's own server, over the kernel's websocket, with
the learner's own token (benchmarks/hub_learner.py). Every cell must run, and
its outputs must be the stored ones as nbval compares them: the proof that a
lesson's provider does not need a port of its own on the host. Lesson 06's
login link must reach the learner's provider through
``/user/NAME/proxy/PORT/`` and be refused to another learner.

Needs Node.js and npm (`npm ci` installs configurable-http-proxy from
tests/hub/chp's lock file once): without them it fails and says so, never skips.
The hub's, the proxy's and the servers' output is in test-artifacts/hub/.
"""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import psutil
import pytest

from benchmarks.hub_harness import HubError, running_hub
from benchmarks.hub_learner import LearnerRun, plan, run_workshop
from tests.hub.outputs import checked, difference, patterns

REPO = Path(__file__).resolve().parents[2]
LESSONS = [next((REPO / "notebooks").glob(f"{number}-*.ipynb")) for number in ("05", "06")]
LEARNERS = ["alice", "bob", "carol", "dave"]
LOG = REPO / "test-artifacts" / "hub" / "jupyterhub.log"


@pytest.fixture(scope="module")
def workshop(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Start the hub, run the workshop, stop the hub (and everything it started): what happened, and to whom."""
    started = time.monotonic()
    failure = None
    try:
        with running_hub(tmp_path_factory.mktemp("hub"), LOG) as hub:
            hub_process = psutil.Process(hub.pid)  # knows its start time: no mix-up with a reused PID
            # A loop of its own, in a thread of its own: earlier tests (Playwright's sync API) may leave an event
            # loop running in this thread for the whole session, and asyncio.run refuses to start beside it.
            with ThreadPoolExecutor(1) as thread:
                runs = thread.submit(asyncio.run, run_workshop(hub, LEARNERS, LESSONS, check_links=True)).result()
    except HubError as err:
        failure = str(err)
    if failure is not None:  # outside the except block: the message alone, not the harness's traceback
        pytest.fail(f"the workshop on JupyterHub failed:\n{failure}", pytrace=False)
    seconds = time.monotonic() - started
    print(f"\nJupyterHub workshop: {len(LEARNERS)} learners, lessons 05 and 06, {seconds:.0f} s (hub start to stop)")
    return {"runs": runs, "processes": [hub_process, *(p for run in runs for p in run.processes)]}


def test_every_learner_ran_every_cell_of_both_lessons_at_the_same_moment(workshop):
    runs: list[LearnerRun] = workshop["runs"]
    assert [run.name for run in runs] == LEARNERS
    for run in runs:
        assert [lesson.notebook for lesson in run.lessons] == [path.name for path in LESSONS], run.name
        for lesson, path in zip(run.lessons, LESSONS, strict=True):
            expected = [cell.number for cell in plan(path) if not cell.skip]
            assert [cell.number for cell in lesson.cells] == expected, f"{run.name}: {path.name} stopped early"
    # All learners were inside their lessons at one same moment: the last to begin began before the first to end.
    last_start = max(run.lessons[0].started for run in runs)
    first_end = min(run.lessons[-1].ended for run in runs)
    assert last_start < first_end, "the learners' lessons did not overlap in time, so nothing was shared"


def test_each_learner_had_their_own_provider_and_kernel(workshop):
    """All of lesson 06's providers ran at one moment (the learners wait for each other before shutting down)."""
    runs: list[LearnerRun] = workshop["runs"]
    for run in runs:
        assert run.probe["prefix"] == f"/user/{run.name}/", run.probe
        assert run.probe["provider_running"], f"{run.name}: lesson 06's provider was not running at its end"
    ports = {re.match(r"/user/[^/]+/proxy/(\d+)/", run.login_link or "").group(1) for run in runs}
    assert len(ports) == len(runs), f"learners' providers share ports: {[run.login_link for run in runs]}"
    assert len({run.probe["kernel"] for run in runs}) == len({run.probe["server"] for run in runs}) == len(runs)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.name[:2])
def test_each_learners_outputs_are_the_stored_outputs(workshop, lesson: Path):
    """What nbval checks in `make test`, for every learner, with the same sanitizers."""
    stored = [cell for cell in nbformat.read(lesson, as_version=4).cells if cell.cell_type == "code"]
    rules = patterns()
    problems = []
    with_outputs = sum(1 for cell in stored if cell.outputs and checked(cell))
    assert with_outputs, f"{lesson.name} has no stored outputs to compare with (run `make notebooks`)"
    for run in workshop["runs"]:
        (lesson_run,) = [r for r in run.lessons if r.notebook == lesson.name]
        compared = 0
        for cell in lesson_run.cells:
            if not checked(stored[cell.number]):
                continue
            compared += bool(stored[cell.number].outputs)
            found = difference(stored[cell.number].outputs, cell.outputs, rules)
            if found:
                problems.append(f"{run.name}: {lesson.name} {cell.describe()}: {found}")
        assert compared == with_outputs, f"{run.name}: compared {compared} of {with_outputs} cells with outputs"
    assert not problems, "\n\n".join(problems)


def test_the_login_link_opens_the_login_page_for_its_owner_only(workshop):
    for run in workshop["runs"]:
        assert run.login_link is not None, f"{run.name}: lesson 06 showed no 'Open the login page' link"
        assert re.fullmatch(rf"/user/{run.name}/proxy/\d+/authorize\?.*", run.login_link), run.login_link
        status, page = run.link_answers["owner"]
        assert status == 200, f"{run.name}'s own login link answered {status}:\n{page[:500]}"
        assert "<form" in page and 'name="password"' in page, f"{run.name}: not the provider's login page:\n{page}"
        status, page = run.link_answers["other"]
        assert status == 403, f"another learner's token on {run.name}'s login link got {status}, not 403:\n{page[:500]}"


def test_nothing_the_hub_started_is_left_running(workshop):
    """The hub, every learner's server and lesson kernel: gone once the fixture has stopped the hub."""
    alive = [process for process in workshop["processes"] if process.is_running()]
    assert not alive, f"still running after the hub stopped: {alive}"
