"""A real JupyterHub on 127.0.0.1, as a trainer runs one for a workshop: for tests/hub and the hub benchmark rows.

JupyterHub (the ``jupyterhub`` package, from this Python environment) runs as
a subprocess with configurable-http-proxy (npm, installed by ``npm ci`` into
tests/hub/chp from its lock file), the dummy authenticator and the
SimpleLocalProcessSpawner: every learner's single-user server is a process of
the current Unix user with its own home, a throw-away directory, so no Unix
user is created and no root is needed. A service token with the ``admin`` role
drives the hub's REST API. Everything the hub, the proxy and the servers print
goes to one log file. ``running_hub`` stops the hub (which stops the servers
and the proxy it started) and then ends, by PID, any process of that tree that
is still alive, even when the caller failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from tools import system_deps

REPO = Path(__file__).resolve().parent.parent
PROXY_DIR = REPO / "tests" / "hub" / "chp"  # package.json + package-lock.json of configurable-http-proxy
PROXY_LOCK = PROXY_DIR / "package-lock.json"
PROXY_STAMP = PROXY_DIR / "node_modules" / ".tokenlab-installed-lock-sha256"
PROXY_SCRIPT = PROXY_DIR / "node_modules" / "configurable-http-proxy" / "bin" / "configurable-http-proxy"
BIN = Path(sys.executable).parent  # jupyterhub and jupyterhub-singleuser of this environment
SERVICE = "tokenlab-hub-test"
INSTALL_TIMEOUT = 600.0
HUB_START_TIMEOUT = 60.0  # seconds; usually 2-3 s
SERVER_START_TIMEOUT = 120.0  # seconds for a learner's server to be ready; four at once on two cores take ~10 s
STOP_TIMEOUT = 30.0


class HubError(RuntimeError):
    """The hub, its proxy or a learner's server could not be set up; the message says what to do."""


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:  # the same message as every test that needs a system tool: what is missing, why, how to install
        raise HubError(system_deps.message([name], f"`{name}` is not on PATH when the JupyterHub test runs"))
    return path


def install_proxy() -> list[str]:
    """``npm ci`` configurable-http-proxy unless node_modules holds exactly the locked packages; its command."""
    node = _tool("node")
    wanted = hashlib.sha256(PROXY_LOCK.read_bytes()).hexdigest()
    if not (PROXY_STAMP.is_file() and PROXY_STAMP.read_text().strip() == wanted and PROXY_SCRIPT.is_file()):
        command = [_tool("npm"), "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
        try:
            done = subprocess.run(
                command,
                cwd=PROXY_DIR,
                capture_output=True,
                text=True,
                timeout=INSTALL_TIMEOUT,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise HubError(f"`npm ci` in {PROXY_DIR} took longer than {INSTALL_TIMEOUT:.0f} s.") from None
        if done.returncode != 0:
            raise HubError(f"`npm ci` in {PROXY_DIR} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        PROXY_STAMP.write_text(wanted + "\n")
    return [node, str(PROXY_SCRIPT)]


def _free_port() -> int:
    """A port the OS picks as free now (JupyterHub must be told its ports before it starts)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _config(work: Path, homes: Path, token: str, proxy: list[str]) -> tuple[int, str]:
    """The hub's config file and the public port it names."""
    settings = {
        "public_port": _free_port(),
        "hub_port": _free_port(),
        "proxy_api_port": _free_port(),
        "proxy_command": proxy,
        "singleuser": [str(BIN / "jupyterhub-singleuser")]
        + (["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),  # CI runs as root
        "homes": str(homes / "{username}"),
        "db": f"sqlite:///{work / 'jupyterhub.sqlite'}",
        "cookie_secret": str(work / "jupyterhub_cookie_secret"),
        "token": token,
        "service": SERVICE,
    }
    return (
        settings["public_port"],
        f"""# Written by benchmarks/hub_harness.py for one test run; never used by learners.
s = {settings!r}
c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = s["public_port"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = s["hub_port"]
c.JupyterHub.db_url = s["db"]
c.JupyterHub.cookie_secret_file = s["cookie_secret"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{{s['proxy_api_port']}}"
c.ConfigurableHTTPProxy.command = s["proxy_command"]
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True  # 127.0.0.1 only, and nobody logs in: learners use API tokens
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = s["homes"]
c.Spawner.cmd = s["singleuser"]
c.Spawner.environment = {{"JUPYTER_PLATFORM_DIRS": "1"}}
c.Spawner.start_timeout = {SERVER_START_TIMEOUT:.0f}
c.Spawner.http_timeout = {SERVER_START_TIMEOUT:.0f}
c.JupyterHub.services = [{{"name": s["service"], "api_token": s["token"]}}]
c.JupyterHub.load_roles = [{{"name": "admin", "services": [s["service"]]}}]
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
""",
    )


@dataclass
class Hub:
    """A running JupyterHub: ``url`` is the proxy's public address, where learners' browsers would go."""

    url: str
    token: str  # the service's admin token
    homes: Path  # each learner's home (the root of their server) is homes/NAME
    log: Path
    pid: int

    def home(self, name: str) -> Path:
        return self.homes / name

    async def request(
        self, method: str, path: str, *, token: str | None = None, body: Any = None, timeout: float = 60.0
    ) -> tuple[int, Any]:
        """A request through the proxy to ``path`` (``/hub/api/...`` or ``/user/NAME/...``): status and body
        (parsed JSON, the text, or ``None``). ``token`` defaults to the admin token."""
        request = HTTPRequest(
            self.url + path,
            method=method,
            headers={"Authorization": f"token {token or self.token}"},
            body=None if body is None and method in ("GET", "DELETE") else json.dumps(body or {}),
            request_timeout=timeout,
            follow_redirects=False,
        )
        client = AsyncHTTPClient()
        response = await client.fetch(request, raise_error=False)
        if response.code == 599:
            raise HubError(f"{method} {path}: no answer from the hub's proxy ({response.error})")
        text = response.body.decode("utf-8", "replace") if response.body else ""
        if response.headers.get("Content-Type", "").startswith("application/json") and text:
            return response.code, json.loads(text)
        return response.code, text

    async def api(self, method: str, path: str, body: Any = None, expect: tuple[int, ...] = (200, 201)) -> Any:
        """The hub's REST API as the admin service; a status outside ``expect`` is a HubError naming it."""
        status, answer = await self.request(method, "/hub/api" + path, body=body)
        if status not in expect:
            raise HubError(f"{method} /hub/api{path} answered {status}: {answer} (log: {self.log})")
        return answer

    async def add_learners(self, names: list[str]) -> dict[str, str]:
        """Create the users and one API token each (their own, not the admin's); returns name → token."""
        await self.api("POST", "/users", {"usernames": names})
        tokens = {}
        for name in names:
            answer = await self.api("POST", f"/users/{name}/tokens", {"note": "tokenlab hub test", "expires_in": 3600})
            tokens[name] = answer["token"]
        return tokens

    async def start_server(self, name: str) -> None:
        """Ask the hub to start ``name``'s server and wait until the hub says it is ready."""
        await self.api("POST", f"/users/{name}/server", expect=(201, 202))
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            model = await self.api("GET", f"/users/{name}")
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return
            if not server or (server.get("pending") is None and not server.get("ready")):
                raise HubError(f"{name}'s server stopped while starting; see {self.log}")
            await asyncio.sleep(0.2)
        raise HubError(f"{name}'s server was not ready within {SERVER_START_TIMEOUT:.0f} s; see {self.log}")


def _wait_until_up(process: subprocess.Popen, url: str, log: Path) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + HUB_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise HubError(f"JupyterHub exited ({process.returncode}) while starting:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url + "/hub/api", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise HubError(f"JupyterHub was not up within {HUB_START_TIMEOUT:.0f} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the hub (it stops the servers and the proxy), then end whatever of its tree is left, by PID."""
    try:
        tree = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        tree = []
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for child in tree:  # psutil checks each is still the process it saw (PID and start time), not a reused PID
        with contextlib.suppress(psutil.NoSuchProcess):
            child.terminate()
    _, alive = psutil.wait_procs(tree, timeout=10)
    for child in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(alive, timeout=10)


@contextlib.contextmanager
def running_hub(work: Path, log: Path) -> Iterator[Hub]:
    """A JupyterHub whose database, config and learners' homes are under ``work``; its output goes to ``log``."""
    _tool("node")
    proxy = install_proxy()
    if not (BIN / "jupyterhub").is_file():
        raise HubError(f"JupyterHub is not installed in {BIN.parent}: install the test extra (make test does).")
    homes = work / "home"
    homes.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(32)
    config = work / "jupyterhub_config.py"
    public_port, text = _config(work, homes, token, proxy)
    config.write_text(text)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTERHUB_", "JPY_", "TOKENLAB_"))}
    environment["PATH"] = f"{BIN}{os.pathsep}{environment.get('PATH', '')}"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(BIN / "jupyterhub"), "-f", str(config)],
            cwd=work,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the test's terminal reaches pytest, which then stops the hub
        )
    try:
        url = f"http://127.0.0.1:{public_port}"
        _wait_until_up(process, url, log)
        yield Hub(url, token, homes, log, process.pid)
    finally:
        _stop(process)
