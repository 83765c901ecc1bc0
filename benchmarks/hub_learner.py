"""One learner on the hub: start their server, run lessons in it through the hub's proxy, measure what it holds.

Each lesson is a copy of the course's notebook in the learner's home, opened
as a Jupyter session (``/user/NAME/api/sessions``) and run cell by cell over
the kernel's websocket with the learner's own token, as JupyterLab would. Cells
are chosen as nbval chooses them: ``nbval-skip`` (or ``# NBVAL_SKIP``) is not
run, ``raises-exception`` (or ``# NBVAL_RAISES_EXCEPTION``) may raise; any
other error stops the learner with the cell's number and the error.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from benchmarks.hub_harness import Hub, HubError
from benchmarks.hub_kernel import CellRun, KernelError, KernelSocket

SKIP = ("nbval-skip", "NBVAL_SKIP")
MAY_RAISE = ("raises-exception", "nbval-raises-exception", "NBVAL_RAISES_EXCEPTION")
LOGIN_LINK = re.compile(r'<a href="([^"]+)"[^>]*>Open the login page</a>')

# Run in the learner's kernel after the last lesson: which processes to measure, and whether the provider runs.
PROBE = """import json as _probe_json, os as _probe_os
_probe_op = globals().get("op")
print(_probe_json.dumps({
    "kernel": _probe_os.getpid(),
    "server": _probe_os.getppid(),
    "provider_running": bool(_probe_op is not None and _probe_op.running),
    "prefix": _probe_os.environ.get("JUPYTERHUB_SERVICE_PREFIX"),
}))"""


@dataclass(frozen=True)
class PlannedCell:
    number: int  # code cells only, from 0, as nbval numbers them
    source: str
    skip: bool
    may_raise: bool


def plan(notebook: Path) -> list[PlannedCell]:
    """The notebook's code cells with nbval's skip and raises-exception markers (tags or comments)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    planned = []
    for cell in (c for c in cells if c["cell_type"] == "code"):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        comments = {line.strip().lstrip("#").strip() for line in source.splitlines() if line.strip().startswith("#")}
        marks = set(cell.get("metadata", {}).get("tags", [])) | comments
        planned.append(PlannedCell(len(planned), source, bool(marks & set(SKIP)), bool(marks & set(MAY_RAISE))))
    return planned


@dataclass
class Memory:
    """Bytes of the learner's single-user server and of the lesson kernel (with its provider thread)."""

    server_rss: int
    server_pss: int
    kernel_rss: int
    kernel_pss: int
    cpu_seconds: float  # user + system time of both processes since they started

    @property
    def rss(self) -> int:
        return self.server_rss + self.kernel_rss

    @property
    def pss(self) -> int:
        return self.server_pss + self.kernel_pss


@dataclass
class LessonRun:
    notebook: str
    cells: list[CellRun] = field(default_factory=list)
    started: float = 0.0  # time.monotonic() when its first cell was sent, and when its last cell was done
    ended: float = 0.0

    @property
    def seconds(self) -> float:
        return self.ended - self.started


@dataclass
class LearnerRun:
    name: str
    lessons: list[LessonRun] = field(default_factory=list)
    ready_seconds: float = 0.0  # from the "start server" REST call to the hub saying the server is ready
    done_seconds: float = 0.0  # from the same call to the last lesson's last cell done
    probe: dict = field(default_factory=dict)
    memory: Memory | None = None
    login_link: str | None = None
    link_answers: dict[str, tuple[int, str]] = field(default_factory=dict)  # whose token → status, page text
    processes: list[psutil.Process] = field(default_factory=list)  # the server and the last lesson's kernel


def smaps(pid: int) -> tuple[int, int]:
    """RSS and PSS in bytes, from /proc/PID/smaps_rollup (Linux)."""
    path = Path(f"/proc/{pid}/smaps_rollup")
    try:
        text = path.read_text()
    except OSError as err:
        raise HubError(f"cannot read {path} ({err.strerror}): memory is measured on Linux only") from None
    fields = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in text.splitlines() if line.endswith(" kB")}
    return fields["Rss"], fields["Pss"]


def _cpu_seconds(pid: int) -> float:
    after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(after_name[11]) + int(after_name[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def measure(server_pid: int, kernel_pid: int) -> Memory:
    command = Path(f"/proc/{server_pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    if "jupyterhub-singleuser" not in command:
        raise HubError(f"the kernel's parent {server_pid} is not a single-user server: {command!r}")
    server_rss, server_pss = smaps(server_pid)
    kernel_rss, kernel_pss = smaps(kernel_pid)
    cpu = _cpu_seconds(server_pid) + _cpu_seconds(kernel_pid)
    return Memory(server_rss, server_pss, kernel_rss, kernel_pss, cpu)


def hand_out(hub: Hub, name: str, lessons: list[Path]) -> None:
    """Copy the lessons into the learner's home, as nbgitpuller or a trainer would hand them out."""
    home = hub.home(name)
    home.mkdir(parents=True, exist_ok=True)
    for lesson in lessons:
        shutil.copy(lesson, home / lesson.name)


async def _open_session(hub: Hub, name: str, token: str, notebook: str) -> tuple[str, str]:
    body = {"path": notebook, "name": notebook, "type": "notebook", "kernel": {"name": "python3"}}
    status, answer = await hub.request("POST", f"/user/{name}/api/sessions", token=token, body=body)
    if status != 201:
        raise HubError(f"POST /user/{name}/api/sessions for {notebook} answered {status}: {answer}")
    return answer["id"], answer["kernel"]["id"]


async def _run_lesson(socket: KernelSocket, name: str, notebook: str, cells: list[PlannedCell]) -> LessonRun:
    run = LessonRun(notebook, started=time.monotonic())
    for cell in cells:
        if cell.skip:
            continue
        result = await socket.execute(cell.number, cell.source)
        run.cells.append(result)
        if result.error is not None and not cell.may_raise:
            error = f"{result.error.get('ename')}: {result.error.get('evalue')}"
            raise KernelError(f"{notebook} {result.describe()} raised {error}")
    run.ended = time.monotonic()
    return run


async def _check_link(hub: Hub, run: LearnerRun, tokens: dict[str, str]) -> None:
    """Fetch the lesson's login link through the hub's proxy with each token given (whose → token)."""
    page = next(
        (
            output["data"]["text/html"]
            for cell in run.lessons[-1].cells
            for output in cell.outputs
            if "text/html" in output.get("data", {}) and LOGIN_LINK.search(output["data"]["text/html"])
        ),
        None,
    )
    if page is None:
        return
    run.login_link = html.unescape(LOGIN_LINK.search(page).group(1))
    for whose, token in tokens.items():
        status, text = await hub.request("GET", run.login_link, token=token)
        run.link_answers[whose] = (status, text if isinstance(text, str) else json.dumps(text))


async def run_learner(
    hub: Hub,
    name: str,
    token: str,
    lessons: list[Path],
    *,
    link_tokens: dict[str, str] | None = None,
    together: Rendezvous | None = None,
) -> LearnerRun:
    """Start ``name``'s server, run ``lessons`` (already handed out) one after the other, each in a new kernel
    shut down afterwards. The last lesson's kernel stays up (with ``link_tokens``, its login link is fetched with
    each of those tokens) until every learner of ``together`` is at that point, is measured then, and then shut
    down: so all the learners' providers run at one same moment, and PSS is split between all of them."""
    run = LearnerRun(name)
    started = time.monotonic()
    await hub.start_server(name)
    run.ready_seconds = time.monotonic() - started
    ws_base = hub.url.replace("http://", "ws://", 1)
    for index, lesson in enumerate(lessons):
        session, kernel = await _open_session(hub, name, token, lesson.name)
        socket = await KernelSocket.open(f"{ws_base}/user/{name}/api/kernels/{kernel}/channels", token)
        try:
            run.lessons.append(await _run_lesson(socket, name, lesson.name, plan(lesson)))
            if index == len(lessons) - 1:
                run.done_seconds = time.monotonic() - started
                probe = await socket.execute(-1, PROBE)
                if probe.error is not None or not probe.outputs:
                    raise KernelError(f"the probe cell failed: {probe.error or 'no output'}")
                run.probe = json.loads(probe.outputs[0]["text"])
                run.processes = [psutil.Process(run.probe["server"]), psutil.Process(run.probe["kernel"])]
                if link_tokens:
                    await _check_link(hub, run, link_tokens)
                if together is not None:
                    await together.meet(name)
                run.memory = measure(run.probe["server"], run.probe["kernel"])
        finally:
            await socket.close()
            await hub.request("DELETE", f"/user/{name}/api/sessions/{session}", token=token)
    return run


class Rendezvous:
    """Where the learners wait for each other: ``meet`` returns once every one of them has arrived (or failed)."""

    TIMEOUT = 300.0  # seconds; only reached when a learner hangs without failing

    def __init__(self, names: list[str]) -> None:
        self._waiting = set(names)
        self._everyone = asyncio.Event()

    def arrive(self, name: str) -> None:
        self._waiting.discard(name)
        if not self._waiting:
            self._everyone.set()

    async def meet(self, name: str) -> None:
        self.arrive(name)
        try:
            await asyncio.wait_for(self._everyone.wait(), self.TIMEOUT)
        except asyncio.TimeoutError:
            raise KernelError(f"waited {self.TIMEOUT:.0f} s for {sorted(self._waiting)} to finish") from None


async def run_workshop(hub: Hub, names: list[str], lessons: list[Path], *, check_links: bool) -> list[LearnerRun]:
    """Every learner at once: servers started together, the same lessons run at the same moment.

    With ``check_links`` each learner's login link is fetched with their own token ("owner") and with the
    next learner's ("other"). Raises one HubError naming every learner that failed, and why.
    """
    tokens = await hub.add_learners(names)
    for name in names:
        hand_out(hub, name, lessons)

    def link_tokens(i: int) -> dict[str, str] | None:
        if not check_links:
            return None
        return {"owner": tokens[names[i]], "other": tokens[names[(i + 1) % len(names)]]}

    together = Rendezvous(names)

    async def learner(i: int, name: str) -> LearnerRun:
        try:
            return await run_learner(hub, name, tokens[name], lessons, link_tokens=link_tokens(i), together=together)
        finally:
            together.arrive(name)  # one that failed must not keep the others waiting

    results = await asyncio.gather(*(learner(i, n) for i, n in enumerate(names)), return_exceptions=True)
    failures = [
        f"{name}: {type(result).__name__}: {result}"
        for name, result in zip(names, results, strict=True)
        if isinstance(result, Exception)
    ]
    if failures:
        raise HubError("\n".join(failures) + f"\n(log: {hub.log})")
    return list(results)  # type: ignore[arg-type]
