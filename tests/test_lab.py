"""tools/lab.py: the command `make lab` runs, read option by option (tests/browser/test_lab_start.py runs it)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import pytest
from jupyter_server.services.contents.manager import ContentsManager
from jupyterlab.commands import get_app_dir
from traitlets.config.loader import JSONFileConfigLoader

from tools import lab
from tools.lab import FIRST_LESSON, HIDDEN, REPO, SETTINGS, SHOWN, TERMINAL_RC, lab_command

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

VENV_BIN = Path("/course/.venv/bin")


def options(argv: list[str]) -> dict[str, str]:
    """`--Class.trait=value` options of a command line, by name."""
    return dict(arg[2:].split("=", 1) for arg in argv if arg.startswith("--") and "=" in arg)


def hidden(name: str) -> bool:
    return any(fnmatch(name, glob) for glob in HIDDEN)


def tracked_files() -> list[str]:
    result = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True)
    return result.stdout.splitlines()


def test_make_lab_runs_tools_lab_with_the_virtualenvs_python() -> None:
    makefile = (REPO / "Makefile").read_text()
    recipe = re.search(r"^lab:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe is not None, "Makefile has no lab target"
    assert recipe.group(1).strip() == "$(BIN)/python -m tools.lab"


def test_the_lab_is_served_from_the_repository_and_opens_lesson_00() -> None:
    argv, _ = lab_command(VENV_BIN)
    assert argv[:3] == [str(VENV_BIN / "python"), "-m", "jupyterlab"]
    assert options(argv)["ServerApp.root_dir"] == str(REPO)
    # LabApp's default_url is the URL JupyterLab prints and where "/" leads (ServerApp's is overridden by LabApp's).
    assert options(argv)["LabApp.default_url"] == f"/lab/tree/{FIRST_LESSON}"
    assert (REPO / FIRST_LESSON).is_file()


def test_the_lab_listens_on_loopback_only_and_opens_no_browser() -> None:
    argv, _ = lab_command(VENV_BIN)
    assert options(argv)["ServerApp.ip"] == "127.0.0.1"
    assert "--no-browser" in argv


def test_a_given_port_is_used_or_the_start_fails_and_no_port_lets_jupyter_choose() -> None:
    assert options(lab_command(VENV_BIN, port=8123)[0])["ServerApp.port"] == "8123"
    assert options(lab_command(VENV_BIN, port=8123)[0])["ServerApp.port_retries"] == "0"
    assert "ServerApp.port" not in options(lab_command(VENV_BIN)[0])


def test_extra_options_come_last_so_they_win() -> None:
    argv, _ = lab_command(VENV_BIN, extra=["--LabApp.workspaces_dir=/elsewhere"])
    assert argv[-1] == "--LabApp.workspaces_dir=/elsewhere"


def test_the_root_is_given_once_and_can_be_a_copy_of_the_course() -> None:
    argv, _ = lab_command(VENV_BIN, root="/tmp/course-copy")
    assert [a for a in argv if a.startswith("--ServerApp.root_dir=")] == ["--ServerApp.root_dir=/tmp/course-copy"]


def test_the_virtualenvs_bin_is_first_on_the_servers_path() -> None:
    _, env = lab_command(VENV_BIN)
    assert env["PATH"].split(os.pathsep)[0] == str(VENV_BIN)
    assert env["VIRTUAL_ENV"] == str(VENV_BIN.parent)
    assert env["TOKENLAB_VENV_BIN"] == str(VENV_BIN)


def test_terminals_are_an_interactive_bash_reading_the_courses_rcfile_not_a_login_shell() -> None:
    argv, _ = lab_command(VENV_BIN)
    shell = json.loads(options(argv)["ServerApp.terminado_settings"])["shell_command"]
    assert shell == [shutil.which("bash"), "--rcfile", str(TERMINAL_RC), "-i"]
    assert "-l" not in shell  # a login shell's /etc/profile would reset PATH


def test_the_terminals_rcfile_puts_the_virtualenv_first_even_after_a_bashrc_that_prepends_another_python(
    tmp_path: Path,
) -> None:
    (tmp_path / ".bashrc").write_text('PATH="/opt/conda/bin:$PATH"\n')  # what `conda init` does
    _, env = lab_command(VENV_BIN)
    result = subprocess.run(
        ["bash", "--rcfile", str(TERMINAL_RC), "-i", "-c", 'printf "%s" "$PATH"'],
        env={**env, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.stdout.split(os.pathsep)[:2] == [str(VENV_BIN), "/opt/conda/bin"]


def test_the_file_browser_hides_every_top_level_name_of_the_repository_but_the_lessons_and_solutions() -> None:
    argv, _ = lab_command(VENV_BIN)
    assert json.loads(options(argv)["ContentsManager.hide_globs"]) == list(HIDDEN)
    top_level = {path.split("/", 1)[0] for path in tracked_files()} - {n for n in os.listdir(REPO) if n[0] == "."}
    top_level = {name for name in top_level if not name.startswith(".")}  # Jupyter hides dotfiles by itself
    assert set(SHOWN) <= top_level
    shown = sorted(name for name in top_level if not hidden(name))
    assert shown == sorted(SHOWN), (
        f"{shown}: a new top-level name is neither shown nor hidden; add it to HIDDEN in tools/lab.py"
    )


def test_nothing_inside_the_lessons_or_solutions_is_hidden_by_the_course_globs() -> None:
    inside = [path for path in tracked_files() if path.split("/", 1)[0] in SHOWN]
    assert inside, "git ls-files listed nothing under notebooks/ or solutions/"
    assert [path for path in inside if any(hidden(part) for part in path.split("/"))] == []


def test_jupyter_servers_default_hidden_names_stay_hidden() -> None:
    assert set(ContentsManager().hide_globs) <= set(HIDDEN)  # hide_globs replaces Jupyter Server's list


def test_the_settings_override_turns_off_the_news_prompt_and_the_update_check() -> None:
    argv, _ = lab_command(VENV_BIN)
    assert options(argv)["LabApp.app_settings_dir"] == str(SETTINGS)
    overrides = json.loads((SETTINGS / "overrides.json").read_text())
    plugin = "@jupyterlab/apputils-extension:notification"
    assert overrides == {plugin: {"fetchNews": "false", "checkForUpdates": False}}
    # The names and values are the installed JupyterLab's own: "none" (the default) is the one that asks.
    schema_file = Path(get_app_dir()) / "schemas/@jupyterlab/apputils-extension/notification.json"
    schema = json.loads(schema_file.read_text())["properties"]
    assert "false" in [choice["const"] for choice in schema["fetchNews"]["oneOf"]]
    assert schema["fetchNews"]["default"] == "none"
    assert schema["checkForUpdates"]["type"] == "boolean"


def test_python_m_tools_lab_prints_where_to_go_then_becomes_jupyterlab(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[list[str]] = []

    class Started(Exception):
        pass

    def fake_execve(path: str, argv: list[str], env: dict[str, str]) -> None:
        started.append(argv)
        raise Started

    monkeypatch.setattr(os, "execve", fake_execve)
    with pytest.raises(Started):
        lab.main(["--port", "8124", "--ServerApp.base_url=/course/"])
    (argv,) = started
    assert options(argv)["ServerApp.port"] == "8124"
    assert argv[-1] == "--ServerApp.base_url=/course/"
    assert f"lab/tree/{FIRST_LESSON}?token=" in capsys.readouterr().out


def test_the_lessons_folder_holds_the_lessons_and_nothing_of_the_test_tooling() -> None:
    in_notebooks = [path for path in tracked_files() if path.startswith("notebooks/")]
    assert in_notebooks, "git ls-files listed nothing under notebooks/"
    assert [path for path in in_notebooks if not re.fullmatch(r"notebooks/\d\d-[^/]+\.ipynb", path)] == []


def test_nbval_sanitizes_with_a_file_kept_with_the_tests() -> None:
    addopts = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    (option,) = [opt for opt in addopts if opt.startswith("--nbval-sanitize-with=")]
    sanitize = REPO / option.split("=", 1)[1]
    assert sanitize.parent == REPO / "tests"
    assert "replace: 127.0.0.1:PORT" in sanitize.read_text()


def test_install_config_gives_a_lab_tools_lab_does_not_start_the_same_file_browser_and_settings(
    tmp_path: Path,
) -> None:
    server = tmp_path / "etc/jupyter/jupyter_server_config.json"
    server.parent.mkdir(parents=True)
    server.write_text('{"ServerApp": {"ip": "0.0.0.0"}}')  # one already there (a hub's image) is kept
    written = lab.install_config(tmp_path)
    overrides = tmp_path / "share/jupyter/lab/settings/overrides.json"
    assert written == [server, overrides]
    assert JSONFileConfigLoader(server.name, str(server.parent)).load_config().ContentsManager.hide_globs == list(
        HIDDEN
    )
    assert json.loads(server.read_text())["ServerApp"] == {"ip": "0.0.0.0"}
    assert overrides.read_text() == (SETTINGS / "overrides.json").read_text()


def test_binders_post_build_installs_that_config_into_its_environment() -> None:
    post_build = (REPO / "binder" / "postBuild").read_text()
    assert "python -m tools.lab --install-config \"$(python -c 'import sys; print(sys.prefix)')\"" in post_build
