"""panva's oidc-provider (OpenID Certified) on 127.0.0.1, as tests/realprovider and the benchmarks run it.

``npm ci`` installs the version pinned by tests/realprovider/oidc-provider/package-lock.json once (skipped while
node_modules matches the lock), then ``node server.mjs 0`` listens on a port the system picks and prints
``ready <issuer>``; :func:`running_oidc_provider` yields that issuer and stops the server by its PID.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "tests" / "realprovider" / "oidc-provider"
LOCK = HERE / "package-lock.json"
STAMP = HERE / "node_modules" / ".tokenlab-installed-lock-sha256"
INSTALL_TIMEOUT = 600
START_TIMEOUT = 30


class CertifiedProviderError(RuntimeError):
    """oidc-provider could not be installed or started here."""


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CertifiedProviderError(f"{name} is not on PATH (make test installs Node.js and npm)")
    return path


def npm_ci() -> None:
    """Install the locked packages unless node_modules already holds exactly them."""
    wanted = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if STAMP.is_file() and STAMP.read_text().strip() == wanted:
        return
    command = [tool("npm"), "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
    try:
        done = subprocess.run(
            command, cwd=HERE, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise CertifiedProviderError(f"`npm ci` in {HERE} took longer than {INSTALL_TIMEOUT} s.") from None
    if done.returncode != 0:
        raise CertifiedProviderError(f"`npm ci` in {HERE} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    STAMP.write_text(wanted + "\n")


def _wait_until_ready(process: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("ready http://127.0.0.1:"):
                return line.split()[1]
        if process.poll() is not None:
            raise CertifiedProviderError(
                f"oidc-provider exited ({process.returncode}) before it was ready:\n{log.read_text()}"
            )
        time.sleep(0.05)
    raise CertifiedProviderError(f"oidc-provider was not ready within {START_TIMEOUT} s:\n{log.read_text()}")


@contextmanager
def running_oidc_provider(log: Path) -> Iterator[str]:
    """The issuer of a running oidc-provider (its output in ``log``), stopped by its PID when the block ends."""
    node = tool("node")
    npm_ci()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(
            [node, "server.mjs", "0"], cwd=HERE, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            yield _wait_until_ready(process, log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
