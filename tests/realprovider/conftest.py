"""A real provider for the session: panva's oidc-provider (OpenID Certified), from the npm registry.

``npm ci`` installs the version pinned by oidc-provider/package-lock.json once
(skipped while node_modules matches the lock), then ``node server.mjs`` listens
on 127.0.0.1 on a port the system picks and prints ``ready <issuer>``. Its
output goes to test-artifacts/oidc-provider.log. Node.js and npm must be on
PATH (`make test` installs them, tools/system_deps.py): without them these tests fail with how to install
them, they never skip.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tokenlab import client
from tools import system_deps

HERE = Path(__file__).parent / "oidc-provider"
LOCK = HERE / "package-lock.json"
STAMP = HERE / "node_modules" / ".tokenlab-installed-lock-sha256"
LOG = Path(__file__).parents[2] / "test-artifacts" / "oidc-provider.log"
INSTALL_TIMEOUT = 600
START_TIMEOUT = 30


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(system_deps.message([name], f"`{name}` is not on PATH when the tests run"), pytrace=False)
    return path


def _npm_ci() -> None:
    """Install the locked packages unless node_modules already holds exactly them."""
    wanted = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if STAMP.is_file() and STAMP.read_text().strip() == wanted:
        return
    command = [_tool("npm"), "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
    try:
        done = subprocess.run(
            command, cwd=HERE, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`npm ci` in {HERE} took longer than {INSTALL_TIMEOUT} s.", pytrace=False)
    if done.returncode != 0:
        pytest.fail(f"`npm ci` in {HERE} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}", pytrace=False)
    STAMP.write_text(wanted + "\n")


def _wait_until_ready(process: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("ready http://127.0.0.1:"):
                return line.split()[1]
        if process.poll() is not None:
            pytest.fail(
                f"oidc-provider exited ({process.returncode}) before it was ready:\n{log.read_text()}", pytrace=False
            )
        time.sleep(0.05)
    pytest.fail(f"oidc-provider was not ready within {START_TIMEOUT} s:\n{log.read_text()}", pytrace=False)


@pytest.fixture(scope="session")
def issuer() -> Iterator[str]:
    """The issuer URL of a running oidc-provider, stopped (by its PID) at the end of the session."""
    node = _tool("node")
    _tool("npm")
    _npm_ci()
    LOG.parent.mkdir(exist_ok=True)
    with LOG.open("w") as log:
        process = subprocess.Popen(
            [node, "server.mjs", "0"], cwd=HERE, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield _wait_until_ready(process, LOG)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def meta(issuer: str) -> dict[str, Any]:
    """The provider's discovery document, as tokenlab's client reads it."""
    return client.discover(issuer)
