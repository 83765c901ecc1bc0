"""Lessons share a host: three kernels run the same lesson at once, with its usual port held by another program.

Every lesson's provider listens on the first free port from its usual one (``MockProvider(port=range(8406,
10000))``). Here this process holds each lesson's usual ports, as a learner's open lab (or another learner's
kernel on The Littlest JupyterHub) would, and three strict nbval runs of the same lesson start together, each in
its own kernel. Every cell must run, and every output must match the stored one through tests/nbval-sanitize.cfg:
that is the proof that nothing but the masked, port-dependent parts depends on which port a kernel got.
"""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KERNELS = 3
USUAL_PORTS = {"05": [8405], "06": [8406], "09": [8409, 8419, 8429], "10": [8410]}


@contextmanager
def held(ports: list[int]) -> Iterator[None]:
    """Listen on ``ports`` (like another learner's provider) for the duration of the block.

    A port some other program already listens on is held all the same.
    """
    with ExitStack() as stack:
        for port in ports:
            holder = stack.enter_context(socket.socket())
            try:
                holder.bind(("127.0.0.1", port))
            except OSError as err:
                if err.errno != errno.EADDRINUSE:
                    raise
                continue
            holder.listen(1)
        yield


def nbval(notebook: Path, artifacts: Path) -> subprocess.CompletedProcess[str]:
    """One strict nbval run of ``notebook`` in a kernel of its own, as `make test` runs it."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "--nbval",
        "--nbval-current-env",
        "--nbval-cell-timeout=60",
        f"--nbval-sanitize-with={ROOT / 'tests' / 'nbval-sanitize.cfg'}",
        str(notebook),
    ]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(command, cwd=artifacts, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("lesson", sorted(USUAL_PORTS))
def test_three_kernels_run_the_same_lesson_at_once_while_another_program_holds_its_usual_port(lesson, tmp_path):
    (notebook,) = ROOT.glob(f"notebooks/{lesson}-*.ipynb")
    runs = [tmp_path / f"kernel-{n}" for n in range(KERNELS)]
    for run in runs:
        run.mkdir()
    with held(USUAL_PORTS[lesson]), ThreadPoolExecutor(KERNELS) as pool:
        results = list(pool.map(lambda run: nbval(notebook, run), runs))
    for n, result in enumerate(results):
        assert result.returncode == 0, f"kernel {n} of lesson {lesson} failed:\n{result.stdout[-6000:]}{result.stderr}"
        assert " passed" in result.stdout and "failed" not in result.stdout, result.stdout[-2000:]
