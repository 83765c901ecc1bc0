"""A real JupyterLab server and Debian's headless Chromium, for the browser tests.

The server runs from this test's own Python environment on 127.0.0.1, on a free
port, with a random token, a throw-away root directory and throw-away Jupyter
config/data/runtime/settings/workspace directories, so nothing of the
developer's own Jupyter setup leaks in and nothing is left behind. Chromium is
Debian's (/usr/bin/chromium, or $TOKENLAB_CHROMIUM), driven by Playwright
through a persistent context in a temporary profile directory. Playwright's own
browser downloads are never used.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import BrowserContext, Playwright

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("TOKENLAB_CHROMIUM", "/usr/bin/chromium")

# Headless Chromium as root in a closed network: no sandbox (root), no GPU, and
# none of the background traffic (updates, sync, first-run pages) it would send.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}

# User settings of the test lab: no news and no update check, which would fetch
# from the internet and pop a notification up over the notebook.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "checkForUpdates": False,
        "fetchNews": "false",
    },
}

SERVER_START_TIMEOUT = 60.0  # seconds; usually under 1 s
SERVER_STOP_TIMEOUT = 20.0


class HarnessError(RuntimeError):
    """The lab or the browser could not be started."""


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab server."""

    url: str  # http://127.0.0.1:<port>/ and the base_url, if any
    token: str
    root: Path  # the server's root_dir: put notebooks here to open them
    log: Path
    pid: int

    def tree_url(self, path: str) -> str:
        """The URL that opens `path` (relative to root) in JupyterLab and logs in with the token."""
        return f"{self.url}lab/tree/{path}?token={self.token}"

    def shut_down_kernels(self) -> None:
        """Shut down every kernel the lab runs, so none idles on while the rest of the suite runs."""
        with urllib.request.urlopen(_request_for(f"{self.url}api/kernels", self.token), timeout=10) as response:
            kernels = json.load(response)
        for kernel in kernels:
            _request(f"{self.url}api/kernels/{kernel['id']}", self.token, method="DELETE", timeout=30)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the server gets port_retries=0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request_for(url: str, token: str, method: str = "GET") -> urllib.request.Request:
    data = b"" if method == "POST" else None
    return urllib.request.Request(url, data=data, method=method, headers={"Authorization": f"token {token}"})


def _request(url: str, token: str, *, method: str = "GET", timeout: float = 5.0) -> int:
    with urllib.request.urlopen(_request_for(url, token, method), timeout=timeout) as response:
        return response.status


def log_tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(process: subprocess.Popen, url: str, token: str) -> None:
    """Shut the server down through its API (which shuts its kernels down too), else end it by its PID."""
    if process.poll() is None:
        with contextlib.suppress(OSError, urllib.error.URLError):
            _request(f"{url}api/shutdown", token, method="POST")
        try:
            process.wait(timeout=SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(timeout=SERVER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    # No kernel outlives the server: /api/shutdown stops them, and an ipykernel whose
    # parent died (terminate/kill above) exits by itself (its parent poller).


@contextlib.contextmanager
def running_lab(log: Path, *, base_url: str = "/") -> Iterator[Lab]:
    """Start JupyterLab from this Python environment on 127.0.0.1; stop it and remove its files on exit.

    ``base_url`` puts every page under a prefix, as a JupyterHub does (``/user/<name>/``)."""
    base = Path(tempfile.mkdtemp(prefix="tokenlab-lab-"))
    try:
        root, settings, workspaces = base / "root", base / "user-settings", base / "workspaces"
        root.mkdir()
        for name, values in LAB_SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values, indent=2))
        token = secrets.token_hex(24)
        port = free_port()
        url = f"http://127.0.0.1:{port}{base_url}"
        env = {
            **os.environ,
            "JUPYTER_PLATFORM_DIRS": "1",
            "JUPYTER_CONFIG_DIR": str(base / "config"),
            "JUPYTER_DATA_DIR": str(base / "data"),
            "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
            "IPYTHONDIR": str(base / "ipython"),
        }
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            f"--ServerApp.base_url={base_url}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={root}",
            f"--IdentityProvider.token={token}",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={workspaces}",
            # Server side of the same: no update check, no PyPI queries from the extension manager.
            "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
        ]
        if os.geteuid() == 0:
            command.append("--allow-root")  # JupyterLab refuses to run as root without it

        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                command,
                cwd=root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in pytest's terminal reaches pytest, whose teardown stops the lab
            )
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while True:
                if process.poll() is not None:
                    raise HarnessError(f"JupyterLab exited with code {process.returncode}:\n{log_tail(log)}")
                with contextlib.suppress(OSError, urllib.error.URLError):
                    if _request(f"{url}api/status", token, timeout=2.0) == 200:
                        break
                if time.monotonic() > deadline:
                    raise HarnessError(
                        f"JupyterLab did not answer {url}api/status within {SERVER_START_TIMEOUT:.0f} s:\n{log_tail(log)}"
                    )
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=0.2)  # the pause between polls, cut short if the server dies
            yield Lab(url=url, token=token, root=root, log=log, pid=process.pid)
        finally:
            _stop(process, url, token)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def chromium_context(playwright: Playwright, executable: str = CHROMIUM) -> Iterator[BrowserContext]:
    """Headless Chromium (``executable``) in a persistent context with a temporary profile directory."""
    if not Path(executable).exists():
        raise HarnessError(
            f"{executable} not found: `make test` installs Chromium (python -m tools.system_deps), "
            "or set TOKENLAB_CHROMIUM to a Chromium or Chrome you have"
        )
    profile = tempfile.mkdtemp(prefix="tokenlab-chromium-")
    try:
        # The profile is user_data_dir here: an explicit --user-data-dir in args breaks Playwright's launch.
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
        )
        try:
            yield context
        finally:
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
