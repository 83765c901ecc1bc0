"""tools/system_deps.py: what `make test` installs before the tests, decided without touching the system.

`which`, `run` and `read` are fakes: each test says which programs exist and what each command returns, and reads
back the commands that would have run. The last tests run the real module and the browser fixture in a
subprocess, on a PATH without the tools, and check the message they print.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from tools import system_deps
from tools.system_deps import apt_packages, find_chromium, install, message, missing_tools, privilege

REPO = Path(__file__).resolve().parents[1]
DEBIAN_NODEJS = "Package: nodejs\nVersion: 18.20.4+dfsg-1~deb12u3\nProvides: node-types-node (= 18.18.14)\n"
NODESOURCE_NODEJS = "Package: nodejs\nVersion: 20.20.2-1nodesource1\nProvides: nodejs-dev, nodejs-doc, npm\n"
EVERYTHING = ("apt-get", "sudo", "chromium", "node", "npm")


class System:
    """A machine: the programs on PATH, what `sudo -n true` and other commands return, what is read."""

    def __init__(
        self,
        programs: Sequence[str] = EVERYTHING,
        *,
        sudo_ok: bool = True,
        nodejs: str = DEBIAN_NODEJS,
        installed_nodejs: str = "",
        apt_installs: bool = True,
        fail: Sequence[str] = (),
    ) -> None:
        self.programs = set(programs)
        self.sudo_ok = sudo_ok
        self.nodejs = nodejs
        self.installed_nodejs = installed_nodejs
        self.apt_installs = apt_installs
        self.fail = fail
        self.ran: list[list[str]] = []
        self.said: list[str] = []

    def which(self, name: str) -> str | None:
        return f"/usr/bin/{name}" if name in self.programs else None

    def run(self, argv: Sequence[str]) -> int:
        argv = list(argv)
        if argv == ["sudo", "-n", "true"]:
            return 0 if self.sudo_ok else 1
        self.ran.append(argv)
        if any(word in argv for word in self.fail):
            return 100
        if "install" in argv and self.apt_installs:
            packages = argv[argv.index("-qq") + 1 :]
            self.programs |= {"node" if package == "nodejs" else package for package in packages}
            if "nodejs" in packages and system_deps.provides_npm(self.nodejs):
                self.programs.add("npm")
        return 0

    def read(self, argv: Sequence[str]) -> str:
        return self.installed_nodejs if argv[0] == "dpkg-query" else self.nodejs

    def install(self, uid: int = 0, environ: dict[str, str] | None = None) -> int:
        return install(
            uid=uid, which=self.which, run=self.run, read=self.read, environ=environ or {}, say=self.said.append
        )

    @property
    def installs(self) -> list[list[str]]:
        return [argv for argv in self.ran if "install" in argv]


def apt(*packages: str, sudo: bool = False) -> list[str]:
    prefix = ["sudo", "-n"] if sudo else []
    return [*prefix, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq", *packages]


# --- what is missing ---------------------------------------------------------------------------------------------


def test_nothing_missing_runs_nothing_and_says_nothing():
    machine = System()
    assert machine.install() == 0
    assert machine.ran == [] and machine.said == []


def test_chromium_is_found_under_any_of_its_names_on_path():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        assert find_chromium(System([name]).which, {}) == f"/usr/bin/{name}"
    assert find_chromium(System(["node"]).which, {}) is None


def test_tokenlab_chromium_wins_over_path_and_one_that_is_no_file_is_missing_not_replaced(tmp_path):
    browser = tmp_path / "my-chrome"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    assert find_chromium(System().which, {"TOKENLAB_CHROMIUM": str(browser)}) == str(browser)
    gone = {"TOKENLAB_CHROMIUM": str(tmp_path / "nothing")}
    assert find_chromium(System().which, gone) is None
    assert missing_tools(System().which, gone) == ["chromium"]
    browser.chmod(0o644)
    assert find_chromium(System().which, {"TOKENLAB_CHROMIUM": str(browser)}) is None


def test_a_tokenlab_chromium_that_is_no_file_is_reported_not_papered_over_by_installing_another(tmp_path):
    machine = System()
    assert machine.install(environ={"TOKENLAB_CHROMIUM": str(tmp_path / "nothing")}) == 1
    assert machine.ran == []
    assert f"$TOKENLAB_CHROMIUM is '{tmp_path / 'nothing'}', which is no file." in machine.said[0]


# --- who may install ---------------------------------------------------------------------------------------------


def test_root_runs_apt_get_itself():
    machine = System(["apt-get"])
    assert privilege(0, machine.which, machine.run) == ([], "")
    assert machine.install(uid=0) == 0
    assert machine.ran[0] == ["apt-get", "update", "-qq"]
    assert machine.installs == [apt("chromium", "nodejs", "npm")]


def test_a_user_with_passwordless_sudo_runs_apt_get_through_sudo_n():
    machine = System(["apt-get", "sudo"])
    assert machine.install(uid=1000) == 0
    assert machine.ran[0] == ["sudo", "-n", "apt-get", "update", "-qq"]
    assert machine.installs == [apt("chromium", "nodejs", "npm", sudo=True)]


def test_a_user_whose_sudo_wants_a_password_gets_the_message_and_nothing_runs():
    machine = System(["apt-get", "sudo", "node", "npm"], sudo_ok=False)
    assert machine.install(uid=1000) == 1
    assert machine.ran == []
    assert "`sudo -n` (sudo without a password) is refused for this user" in machine.said[0]


def test_a_user_without_sudo_gets_the_message_and_nothing_runs():
    machine = System(["apt-get", "node", "npm"])
    assert machine.install(uid=1000) == 1
    assert machine.ran == []
    assert "this user is not root and has no sudo" in machine.said[0]


def test_without_apt_get_even_root_gets_the_message_and_nothing_runs():
    machine = System(["sudo", "node", "npm"])
    assert machine.install(uid=0) == 1
    assert machine.ran == []
    assert "There is no apt-get on PATH (not Debian or Ubuntu), so nothing was installed" in machine.said[0]


# --- which packages ----------------------------------------------------------------------------------------------


def test_only_the_missing_tools_packages_are_installed():
    machine = System(["apt-get", "node", "npm"])
    assert machine.install() == 0
    assert machine.installs == [apt("chromium")]
    machine = System(["apt-get", "chromium"])
    assert machine.install() == 0
    assert machine.installs == [apt("nodejs", "npm")]


def test_node_missing_where_apt_would_install_nodesources_nodejs_installs_it_without_debians_npm():
    machine = System(["apt-get", "chromium"], nodejs=NODESOURCE_NODEJS)
    assert machine.install() == 0
    assert machine.installs == [apt("nodejs")]


def test_npm_alone_missing_beside_debians_nodejs_installs_npm():
    machine = System(["apt-get", "chromium", "node"], installed_nodejs="Provides: \n")
    assert machine.install() == 0
    assert machine.installs == [apt("npm")]


def test_npm_alone_missing_beside_nodesources_nodejs_installs_nothing_and_says_reinstall_nodejs():
    machine = System(["apt-get", "chromium", "node"], installed_nodejs="Provides: nodejs-dev, npm\n")
    assert machine.install() == 1
    assert machine.installs == []
    assert "apt-get install --reinstall nodejs" in machine.said[-1]


def test_provides_reads_package_names_not_substrings():
    record = "Provides: npm-run-all (= 4), node-types-node\n"
    assert apt_packages(["npm"], lambda installed: record).packages == ["npm"]
    assert system_deps.provides_npm("Provides: npm (= 9.2.0)\n")


# --- when installing fails ---------------------------------------------------------------------------------------


def test_a_failed_apt_get_install_stops_with_the_message_and_its_command():
    machine = System(["apt-get", "node", "npm"], fail=["install"])
    assert machine.install() == 1
    assert "`env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium` failed (100)." in machine.said[-1]
    assert "sudo apt-get install -y chromium" in machine.said[-1]


def test_a_failed_apt_get_update_stops_before_installing():
    machine = System(["apt-get"], fail=["update"])
    assert machine.install() == 1
    assert machine.installs == []
    assert "`apt-get update` failed" in machine.said[-1]


def test_an_install_that_succeeds_but_leaves_the_tool_missing_is_not_success():
    machine = System(["apt-get", "node", "npm"], apt_installs=False)
    assert machine.install() == 1
    assert "did not provide them" in machine.said[-1]
    assert "Chromium" in machine.said[-1]


# --- the message -------------------------------------------------------------------------------------------------


def test_the_message_names_what_is_missing_why_and_the_commands_for_each_system():
    text = message(["chromium", "node", "npm"], "There is no apt-get on PATH")
    assert text.splitlines()[0] == "The tests need system tools that are not installed:"
    assert "  - Chromium: tests/browser drive a real Chromium with Playwright" in text
    assert (
        "  - Node.js (node): tests/realprovider and tests/hub run panva's oidc-provider and configurable-http-proxy"
        in text
    )
    assert (
        "  - npm: tests/realprovider and tests/hub install oidc-provider and configurable-http-proxy with npm" in text
    )
    assert "\nThere is no apt-get on PATH.\n" in text
    assert "Debian:           sudo apt-get install -y chromium nodejs npm" in text
    assert "Ubuntu:           sudo snap install chromium; sudo apt-get install -y nodejs npm" in text
    assert "Fedora:           sudo dnf install -y chromium nodejs npm" in text
    assert "macOS (Homebrew): brew install --cask chromium; brew install node" in text
    assert "TOKENLAB_CHROMIUM=/path/to/chromium make test" in text


def test_the_message_asks_only_for_what_is_missing():
    text = message(["chromium"], "")
    assert "sudo apt-get install -y chromium\n" in text
    assert "node" not in text.lower()
    text = message(["npm"], "")
    assert "chromium" not in text.lower()
    assert "sudo apt-get install -y nodejs npm" in text
    assert "brew install node" in text


# --- for real, in a subprocess -----------------------------------------------------------------------------------


def bare_env(tmp_path: Path) -> dict[str, str]:
    """This environment with a PATH that holds only this Python: no apt-get, sudo, Chromium, node or npm."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    env = {key: value for key, value in os.environ.items() if key != "TOKENLAB_CHROMIUM"}
    return env | {"PATH": str(bin_dir), "PYTHONPATH": str(REPO)}


def test_the_module_on_a_path_without_the_tools_prints_the_message_and_fails(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "tools.system_deps"], cwd=REPO, env=bare_env(tmp_path), capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("The tests need system tools that are not installed:\n  - Chromium:")
    assert "There is no apt-get on PATH" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_browser_fixture_without_chromium_fails_with_the_message_and_never_skips(tmp_path):
    (tmp_path / "conftest.py").write_text("from tests.browser.conftest import chromium  # noqa: F401\n")
    (tmp_path / "test_needs_chromium.py").write_text(
        textwrap.dedent("""
            def test_needs_chromium(chromium):
                pass
        """)
    )
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-q", "-rA", "."]
    done = subprocess.run(command, cwd=tmp_path, env=bare_env(tmp_path), capture_output=True, text=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 error" in done.stdout and "skipped" not in done.stdout
    assert "The tests need system tools that are not installed:\n  - Chromium:" in done.stdout
    assert "Traceback" not in done.stdout and "conftest.py:" not in done.stdout
