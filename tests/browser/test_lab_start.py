"""The first screen of `make lab`, in Debian's headless Chromium, and the course's commands in the lab's terminal.

JupyterLab is started by tools/lab.py exactly as `make lab` starts it (root at the repository, its options, its
environment), on a free port, with only Jupyter's own per-user directories (config, data, runtime, user settings,
workspaces) moved to a throw-away folder, so the developer's own settings neither help nor hinder. The test reads
the URL JupyterLab prints, opens it, and checks what a learner sees first. Screenshot:
test-artifacts/first-screen.png (on failure, first-screen-failure.png; the server's log is
test-artifacts/lab-start-server.log).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import websocket
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.harness import ARTIFACTS, SERVER_START_TIMEOUT, _stop, free_port, log_tail
from tokenlab import Clock, demo_key, sign
from tools.lab import FIRST_LESSON, lab_command

LOG = ARTIFACTS / "lab-start-server.log"
SCREENSHOT = ARTIFACTS / "first-screen.png"
FAILURE_SCREENSHOT = ARTIFACTS / "first-screen-failure.png"
VENV_BIN = Path(sys.executable).parent  # the virtualenv the tests run in, as `make lab` uses $(BIN)/python
NEWS_PROMPT = "Would you like to get notified about official Jupyter news?"

LOAD_TIMEOUT = 60_000  # ms: the lab loads in about 5 s on a loaded 2-core machine
TERMINAL_TIMEOUT = 30.0  # s: `tokenlab --help` answers in about 1 s


@dataclass(frozen=True)
class StartedLab:
    printed_url: str  # the URL JupyterLab printed, with its login token
    base: str  # http://127.0.0.1:PORT/
    token: str


def _printed_url(log: Path, port: int) -> str | None:
    """The last URL JupyterLab printed for 127.0.0.1:port (the one after "copy and paste one of these URLs")."""
    found = re.findall(rf"http://127\.0\.0\.1:{port}/\S*\?token=[0-9a-f]+", log.read_text(errors="replace"))
    return found[-1] if found else None


@pytest.fixture(scope="module")
def started_lab() -> Iterator[StartedLab]:
    """JupyterLab as `python -m tools.lab --port PORT` starts it; stopped by its API, else by its PID."""
    scratch = Path(tempfile.mkdtemp(prefix="tokenlab-lab-start-"))
    port = free_port()
    argv, env = lab_command(
        VENV_BIN,
        port=port,
        extra=[
            f"--LabApp.user_settings_dir={scratch / 'user-settings'}",
            f"--LabApp.workspaces_dir={scratch / 'workspaces'}",
        ],
    )
    env.update(
        JUPYTER_CONFIG_DIR=str(scratch / "config"),
        JUPYTER_DATA_DIR=str(scratch / "data"),
        JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
        IPYTHONDIR=str(scratch / "ipython"),
    )
    LOG.parent.mkdir(parents=True, exist_ok=True)
    process, token = None, ""
    try:
        with LOG.open("wb") as log_file:
            process = subprocess.Popen(
                argv,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in pytest's terminal reaches pytest, whose teardown stops the lab
            )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while (url := _printed_url(LOG, port)) is None:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {process.returncode}:\n{log_tail(LOG)}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab printed no URL within {SERVER_START_TIMEOUT:.0f} s:\n{log_tail(LOG)}")
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.2)  # the pause between polls, cut short if the server dies
        token = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["token"][0]
        yield StartedLab(printed_url=url, base=f"http://127.0.0.1:{port}/", token=token)
    finally:
        if process is not None:
            _stop(process, f"http://127.0.0.1:{port}/", token)
        shutil.rmtree(scratch, ignore_errors=True)


def file_browser_names(page: Page) -> list[str]:
    return page.locator(".jp-DirListing-content .jp-DirListing-itemText").all_inner_texts()


def test_the_printed_url_opens_lesson_00_with_only_lessons_and_solutions_in_the_file_browser(
    started_lab: StartedLab, browser_context: BrowserContext
) -> None:
    assert urllib.parse.urlsplit(started_lab.printed_url).path == f"/lab/tree/{FIRST_LESSON}"
    for stale in (SCREENSHOT, FAILURE_SCREENSHOT):
        stale.unlink(missing_ok=True)
    page = browser_context.new_page()
    try:
        page.goto(started_lab.printed_url, timeout=LOAD_TIMEOUT)

        # Lesson 00 is the active document, its kernel up; no Launcher.
        current_tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")
        expect(current_tab).to_have_text("00-Start-Here.ipynb", timeout=LOAD_TIMEOUT)
        expect(page.locator(".jp-NotebookPanel:visible h1").first).to_contain_text("Start here")
        expect(page.locator(".jp-StatusBar-Item", has_text=re.compile(r"\| Idle$"))).to_be_visible(timeout=LOAD_TIMEOUT)
        expect(page.locator(".jp-Launcher")).to_have_count(0)

        # The file browser at the root: the lessons and the solutions, not the project's own files.
        page.locator(".jp-FileBrowser .jp-BreadCrumbs-home").click()
        expect(page.locator(".jp-DirListing-content").get_by_text("solutions", exact=True)).to_be_visible()
        names = file_browser_names(page)
        assert {"notebooks", "solutions"} <= set(names)
        assert not {"src", "tests", "tools", "Makefile", "pyproject.toml", "README.md", "lab"} & set(names), names

        # By the time the kernel is idle the news plugin has asked, if it asks at all.
        expect(page.get_by_text(NEWS_PROMPT)).to_have_count(0)
        page.screenshot(path=SCREENSHOT)

        # What lesson 00 points to opens from there.
        page.locator(".jp-DirListing-content").get_by_text("solutions", exact=True).dblclick()
        expect(page.locator(".jp-DirListing-content").get_by_text("ex00.py", exact=True)).to_be_visible()
        expect(page.get_by_text(NEWS_PROMPT)).to_have_count(0)
    except BaseException:
        with contextlib.suppress(Exception):  # keep the test's own error, not the screenshot's
            page.screenshot(path=FAILURE_SCREENSHOT)
        raise
    finally:
        page.close()
        _shut_down_kernels(started_lab)


def _api(started: StartedLab, path: str, method: str = "GET") -> object:
    request = urllib.request.Request(
        f"{started.base}{path}",
        data=b"" if method == "POST" else None,
        method=method,
        headers={"Authorization": f"token {started.token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else None


def _shut_down_kernels(started: StartedLab) -> None:
    for kernel in _api(started, "api/kernels"):
        _api(started, f"api/kernels/{kernel['id']}", method="DELETE")


@contextlib.contextmanager
def terminal(started: StartedLab) -> Iterator[Callable[[str], str]]:
    """A new terminal of the lab (POST /api/terminals) and a function that types a command into it over its
    websocket and returns what the command printed; the terminal is deleted afterwards."""
    name = _api(started, "api/terminals", method="POST")["name"]
    socket = websocket.create_connection(
        f"{started.base.replace('http', 'ws', 1)}terminals/websocket/{name}?token={started.token}",
        timeout=TERMINAL_TIMEOUT,
    )
    commands = itertools.count(1)

    def run(command: str) -> str:
        # After the command, an echo whose typed line says $((6 * 7)) and whose output says 42: the end marker.
        n = next(commands)
        socket.send(json.dumps(["stdin", f"{command}; echo end-of-$((6 * 7))-{n}\r"]))
        output, deadline = "", time.monotonic() + TERMINAL_TIMEOUT
        while f"end-of-42-{n}" not in output:
            if time.monotonic() > deadline:
                raise AssertionError(f"the terminal printed no end-of-42-{n} in {TERMINAL_TIMEOUT:.0f} s:\n{output}")
            kind, *content = json.loads(socket.recv())
            if kind == "stdout":
                output += content[0]
        return output

    try:
        yield run
    finally:
        socket.close()
        _api(started, f"api/terminals/{name}", method="DELETE")


def test_the_labs_own_terminal_runs_the_trainer_guides_tokenlab_commands(started_lab: StartedLab) -> None:
    token = sign({"sub": "alice", "aud": "api", "exp": Clock.frozen().timestamp() + 300}, demo_key("ES256"))
    with terminal(started_lab) as run:
        help_text = run("tokenlab --help")
        assert "command not found" not in help_text
        assert "usage: tokenlab" in help_text

        decoded = run(f"tokenlab decode {token}")
        assert "decoded is not verified" in decoded

        where = run("command -v tokenlab python")
        assert f"{VENV_BIN}/tokenlab" in where
        assert f"{VENV_BIN}/python" in where
