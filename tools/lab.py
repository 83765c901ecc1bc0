"""How the course's JupyterLab is started: ``python -m tools.lab`` (what ``make lab`` runs) and the browser tests.

One place builds the command, so ``make lab`` and the tests that start JupyterLab "the way make lab does" cannot
drift apart. What it sets, and why:

- **The first screen is lesson 00.** The server's root is the repository and ``LabApp.default_url`` is
  ``/lab/tree/notebooks/00-Start-Here.ipynb``, so the URL JupyterLab prints (and ``/`` itself) opens lesson 00,
  not the Launcher. (``jupyter lab notebooks/00-Start-Here.ipynb`` would make ``notebooks/`` the root and print
  a plain ``/lab`` URL.)
- **The file browser shows the lessons and what they point to**: ``notebooks/`` and ``solutions/``. Every other
  top-level name of the repository is in ``ContentsManager.hide_globs`` (:data:`HIDDEN`; Jupyter Server's
  documented option, names matched at every depth), which hides it from listings only: nothing is blocked.
  ``tests/test_lab.py`` fails when the repository gains a top-level name that is neither shown nor hidden.
- **No "get notified about Jupyter news?" prompt, no update check**: ``lab/settings/overrides.json`` sets the
  notification plugin's ``fetchNews`` and ``checkForUpdates`` to false, through ``LabApp.app_settings_dir``, the
  directory JupyterLab reads ``overrides.json`` from (by default ``<venv>/share/jupyter/lab/settings``, which a
  pip-installed JupyterLab leaves empty).
- **The lab's own terminals find the course's commands.** The server runs with the virtualenv's ``bin`` first on
  ``PATH`` (and ``VIRTUAL_ENV`` set), and its terminals are ``bash --rcfile lab/terminal.bashrc -i``, which reads
  ``~/.bashrc`` and then puts that ``bin`` first again. Jupyter Server's default would be a *login* shell whenever
  its output is not a terminal, and a login shell's ``/etc/profile`` resets ``PATH``: ``tokenlab: command not
  found``. Where there is no bash (Windows), the default shell inherits the server's ``PATH``.
- 127.0.0.1 only, no browser opened (the URL is printed), ``--allow-root`` when run as root (containers).

>>> argv, env = lab_command(Path("/course/.venv/bin"), port=8888)
>>> argv[:3]
['/course/.venv/bin/python', '-m', 'jupyterlab']
>>> env["PATH"].split(os.pathsep)[0]
'/course/.venv/bin'
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIRST_LESSON = "notebooks/00-Start-Here.ipynb"
FIRST_SCREEN = f"/lab/tree/{FIRST_LESSON}"  # the server's default_url, under its base_url

SHOWN = ("notebooks", "solutions")  # the lessons, and the worked solutions lesson 00 points to
# Everything else at the top of the repository (and what its commands write there), hidden from the file browser.
# Jupyter Server's own defaults come first: hide_globs replaces its default list, it does not extend it.
HIDDEN = (
    *("__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~"),
    *("Makefile", "README.md", "pyproject.toml", "conftest.py"),
    *("benchmarks", "binder", "docs", "lab", "src", "tests", "tools"),
    *("build", "*.egg-info", "student", "test-artifacts"),
)
SETTINGS = REPO / "lab" / "settings"  # overrides.json: no news prompt, no update check
TERMINAL_RC = REPO / "lab" / "terminal.bashrc"


def _python(venv_bin: Path) -> Path:
    return venv_bin / ("python.exe" if os.name == "nt" else "python")


def _terminal_shell() -> list[str] | None:
    """The lab's terminal command: bash reading lab/terminal.bashrc, or None (Jupyter Server's default) without bash."""
    bash = shutil.which("bash") if os.name != "nt" else None
    return None if bash is None else [bash, "--rcfile", str(TERMINAL_RC), "-i"]


def lab_command(
    venv_bin: Path | str, *, port: int | None = None, root: Path | str = REPO, extra: Sequence[str] = ()
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that start the course's JupyterLab from the virtualenv in ``venv_bin``.

    ``port=None`` lets JupyterLab choose (8888, or the next free one); a given port is used or the start fails.
    ``root`` is the folder the file browser shows (the repository; a test passes a copy of the course: JupyterLab
    refuses a second ``--ServerApp.root_dir``). ``extra`` options go last, so a repeatable option given there wins
    (the tests add throw-away settings directories).
    """
    venv_bin = Path(venv_bin)
    argv = [
        str(_python(venv_bin)),
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.default_url={FIRST_SCREEN}",  # the URL it prints, and where / leads
        f"--ContentsManager.hide_globs={json.dumps(list(HIDDEN))}",
        f"--LabApp.app_settings_dir={SETTINGS}",
    ]
    shell = _terminal_shell()
    if shell is not None:
        argv.append(f"--ServerApp.terminado_settings={json.dumps({'shell_command': shell})}")
    if port is not None:
        argv += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")  # JupyterLab refuses to run as root without it (containers)
    argv += list(extra)

    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(venv_bin), *[p for p in env.get("PATH", "").split(os.pathsep) if p]])
    env["VIRTUAL_ENV"] = str(venv_bin.parent)
    env["TOKENLAB_VENV_BIN"] = str(venv_bin)  # lab/terminal.bashrc puts it first again after ~/.bashrc
    env["JUPYTER_PLATFORM_DIRS"] = "1"  # Jupyter's own platformdirs migration warning, quiet
    return argv, env


def install_config(prefix: Path | str) -> list[Path]:
    """Write the file browser's hidden names and the settings override as config files of the environment at
    ``prefix``, for a JupyterLab that tools.lab does not start (Binder's: ``binder/postBuild`` calls
    ``python -m tools.lab --install-config "$(python -c 'import sys; print(sys.prefix)')"``).

    They go where Jupyter reads them without options: ``<prefix>/etc/jupyter/jupyter_server_config.json`` (merged
    into one already there; Jupyter Server reads its ``.d`` folder for extensions only) and JupyterLab's default app
    settings directory, ``<prefix>/share/jupyter/lab/settings/overrides.json``.
    """
    prefix = Path(prefix)
    server = prefix / "etc" / "jupyter" / "jupyter_server_config.json"
    overrides = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    for path in (server, overrides):
        path.parent.mkdir(parents=True, exist_ok=True)
    config = json.loads(server.read_text()) if server.exists() else {}
    config.setdefault("ContentsManager", {})["hide_globs"] = list(HIDDEN)
    server.write_text(json.dumps(config, indent=2) + "\n")
    shutil.copyfile(SETTINGS / "overrides.json", overrides)
    return [server, overrides]


def main(args: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.lab",
        description="Start the course's JupyterLab on lesson 00 (what `make lab` runs). "
        "Other options are passed on to JupyterLab.",
    )
    parser.add_argument("--port", type=int, default=None, help="serve on this port (default: 8888 or the next free)")
    parser.add_argument(
        "--install-config",
        metavar="PREFIX",
        help="instead of starting JupyterLab, write its file-browser and settings config into the environment at PREFIX",
    )
    options, extra = parser.parse_known_args(args)
    if options.install_config is not None:
        for path in install_config(options.install_config):
            print(f"wrote {path}")
        return 0
    argv, env = lab_command(Path(sys.executable).parent, port=options.port, extra=extra)
    print(
        f"Starting JupyterLab on {FIRST_LESSON}: open the URL below that ends in "
        f"{FIRST_SCREEN.lstrip('/')}?token=… (Ctrl-C to stop).",
        flush=True,
    )
    if os.name == "nt":  # no exec on Windows: wait for the server instead
        return subprocess.call(argv, env=env)
    os.execve(argv[0], argv, env)  # the server replaces this process: Ctrl-C and the terminal are its own


if __name__ == "__main__":
    sys.exit(main())
