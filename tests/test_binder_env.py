"""Binder's environment, built as repo2docker builds it, runs the first lesson; repo2docker reads binder/ as we do.

repo2docker (for a Python repository with ``binder/``) makes a fresh environment, runs
``pip install -r binder/requirements.txt``, then runs ``binder/postBuild`` from the repository root. This test
does the same in a new virtual environment under ``tmp_path``, on a copy of the repository (so the build leaves
nothing in the checkout), and then executes ``notebooks/00-Start-Here.ipynb`` with that environment's own
Jupyter kernel. Slow: about 1.5 minutes here, most of it the install.

repo2docker itself needs a Docker daemon to build, but ``--no-build`` only writes the Dockerfile it would build,
which needs no daemon: the second test installs repo2docker into its own virtual environment and checks that
the Dockerfile installs ``binder/requirements.txt`` and then runs ``binder/postBuild``, on Python 3.11.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPO2DOCKER = "jupyter-repo2docker==2026.4.0"
IGNORED = shutil.ignore_patterns(
    ".venv",
    ".git",
    "build",
    "*.egg-info",
    "__pycache__",
    "node_modules",
    "test-artifacts",
    "student",
    ".ruff_cache",
    ".pytest_cache",
)

EXECUTE = """
import sys
import nbformat
from nbclient import NotebookClient

nb = nbformat.read(sys.argv[1], as_version=4)
nb.cells.append(nbformat.v4.new_code_cell("import sys, tokenlab; print(sys.executable); print(tokenlab.__file__)"))
NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
assert not errors, errors
print(nb.cells[-1].outputs[0].text)
"""


def run(args: list[str], cwd: Path, env: dict[str, str], timeout: int) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def fresh_venv(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A new virtual environment in ``tmp_path / "venv"``, and an environment with its ``bin`` first on PATH."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bin_dir = venv / "bin"
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "MPLBACKEND"}}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv), JUPYTER_PLATFORM_DIRS="1")
    return venv, env


def test_binder_environment_runs_start_here(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=IGNORED)
    venv, env = fresh_venv(tmp_path)
    bin_dir = venv / "bin"
    python = bin_dir / "python"

    run([str(python), "-m", "pip", "install", "-r", "binder/requirements.txt"], repo, env, timeout=900)
    run(["./binder/postBuild"], repo, env, timeout=300)  # as repo2docker runs it; its `python` is the venv's

    # jupyterlab brings ipykernel and nbclient with it: Binder needs nothing more to run a notebook.
    listed = run([str(python), "-m", "pip", "list", "--format=freeze"], repo, env, timeout=120).stdout.lower()
    for needed in ("ipykernel==", "nbclient==", "tokenlab==0.1.0"):
        assert needed in listed, f"{needed} is not in Binder's environment"

    notebook = repo / "notebooks" / "00-Start-Here.ipynb"
    result = run([str(python), "-c", EXECUTE, str(notebook), str(notebook.parent)], repo, env, timeout=600)
    kernel_python, tokenlab_file = result.stdout.split()[-2:]
    assert Path(kernel_python).parent == bin_dir  # the kernel ran in Binder's environment, not this one
    assert Path(tokenlab_file).is_relative_to(venv)  # the installed package, not the copy's src/


def test_repo2docker_reads_binder_requirements_and_post_build(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=IGNORED)
    venv, env = fresh_venv(tmp_path)
    run([str(venv / "bin" / "python"), "-m", "pip", "install", REPO2DOCKER], tmp_path, env, timeout=600)

    args = [str(venv / "bin" / "repo2docker"), "--no-build", "--no-run", "--debug", str(repo)]
    result = run(args, tmp_path, env, timeout=300)  # --debug prints the Dockerfile; no Docker daemon is needed
    dockerfile, log = result.stdout, result.stderr
    assert "python=3.11" in log  # binder/runtime.txt
    install = dockerfile.index('pip install --no-cache-dir -r "binder/requirements.txt"')
    post_build = dockerfile.index("RUN ./binder/postBuild")
    assert install < post_build
