"""The system tools `make test` needs beyond Python: Chromium, Node.js and npm, installed where they can be.

    python -m tools.system_deps            # install what is missing (apt-get as root or via `sudo -n`)
    python -m tools.system_deps --check    # only say what is missing; install nothing

tests/browser drive a real Chromium with Playwright (Playwright's own browser downloads are never used);
tests/realprovider run panva's oidc-provider and JupyterHub's configurable-http-proxy with Node.js, installed
with npm. When one of them is missing and apt-get can be run (as root, or through `sudo -n` without a password),
this installs it; otherwise it stops with a message saying what is missing, why, and the commands that install
it on Debian/Ubuntu, Fedora and macOS. The browser fixture prints the same message when Chromium is still missing.

Standard library only: `make test` runs this with the system's python3 before it builds .venv.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

Which = Callable[[str], "str | None"]
Run = Callable[[Sequence[str]], int]

# Where the browser tests look for Chromium, after $TOKENLAB_CHROMIUM: these names on PATH, then these files.
CHROMIUM_ENV = "TOKENLAB_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FILES = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)

TOOLS = ("chromium", "node", "npm")
WHY = {
    "chromium": "tests/browser drive a real Chromium with Playwright (JupyterLab, the login link)",
    "node": "tests/realprovider and tests/hub run panva's oidc-provider and configurable-http-proxy with Node.js",
    "npm": "tests/realprovider and tests/hub install oidc-provider and configurable-http-proxy with npm",
}
LABEL = {"chromium": "Chromium", "node": "Node.js (node)", "npm": "npm"}

APT_ENV = ("env", "DEBIAN_FRONTEND=noninteractive")


def find_chromium(which: Which = shutil.which, environ: Mapping[str, str] = os.environ) -> str | None:
    """The Chromium the browser tests launch: $TOKENLAB_CHROMIUM if set, else the first one found, else None.

    A $TOKENLAB_CHROMIUM that names no file is None, not a fall-back to another browser.
    """
    chosen = environ.get(CHROMIUM_ENV)
    if chosen:
        return None if chromium_env_problem(environ) else chosen
    for name in CHROMIUM_NAMES:
        found = which(name)
        if found:
            return found
    return next((path for path in CHROMIUM_FILES if Path(path).is_file()), None)


def chromium_env_problem(environ: Mapping[str, str] = os.environ) -> str:
    """Why $TOKENLAB_CHROMIUM, when set, cannot be launched; '' when it can or is not set."""
    chosen = environ.get(CHROMIUM_ENV)
    if not chosen:
        return ""
    if not Path(chosen).is_file():
        return f"${CHROMIUM_ENV} is {chosen!r}, which is no file"
    if not os.access(chosen, os.X_OK):
        return f"${CHROMIUM_ENV} is {chosen!r}, which is not executable"
    return ""


def missing_tools(which: Which = shutil.which, environ: Mapping[str, str] = os.environ) -> list[str]:
    """The tools of TOOLS not found, in that order."""
    found = {"chromium": find_chromium(which, environ), "node": which("node"), "npm": which("npm")}
    return [tool for tool in TOOLS if not found[tool]]


def privilege(uid: int, which: Which, run: Run) -> tuple[list[str] | None, str]:
    """How to run apt-get: ([], '') as root, (['sudo', '-n'], '') when sudo needs no password, else (None, why not)."""
    if which("apt-get") is None:
        return None, "There is no apt-get on PATH (not Debian or Ubuntu), so nothing was installed automatically"
    if uid == 0:
        return [], ""
    if which("sudo") is None:
        return None, "Installing needs root, and this user is not root and has no sudo"
    if run(["sudo", "-n", "true"]) != 0:
        return None, "Installing needs root, and `sudo -n` (sudo without a password) is refused for this user"
    return ["sudo", "-n"], ""


def provides_npm(package_record: str) -> bool:
    """Whether a Debian package record (`apt-cache show` / `dpkg-query`) says it provides npm.

    >>> provides_npm("Version: 20.1-1nodesource1\\nProvides: nodejs-dev, npm\\n")
    True
    >>> provides_npm("Version: 18.20.4+dfsg-1\\nProvides: node-types-node (= 18.18.14)\\n")
    False
    """
    for line in package_record.splitlines():
        if line.startswith("Provides:"):
            names = [item.strip().split(" ")[0] for item in line.removeprefix("Provides:").split(",")]
            return "npm" in names
    return False


@dataclass(frozen=True)
class AptChoice:
    packages: list[str]
    problem: str = ""  # set when apt-get cannot give what is missing


def apt_packages(missing: Sequence[str], nodejs_record: Callable[[bool], str]) -> AptChoice:
    """The Debian packages that install `missing`.

    Debian's nodejs has no npm; Debian's npm package conflicts with the nodejs package from nodesource, which
    already has npm. So: node missing gives nodejs, plus npm unless the nodejs apt would install provides it;
    npm missing alone gives npm, unless the installed nodejs provides it (then apt-get cannot help).
    nodejs_record(installed) is the nodejs package record: the installed one, or the one apt would install.
    """
    packages = ["chromium"] if "chromium" in missing else []
    if "node" in missing:
        packages.append("nodejs")
        if not provides_npm(nodejs_record(False)):
            packages.append("npm")
    elif "npm" in missing:
        if provides_npm(nodejs_record(True)):
            return AptChoice(
                packages,
                "The installed nodejs package provides npm (nodesource), yet npm is not on PATH, and Debian's npm "
                "package conflicts with it: reinstall it (apt-get install --reinstall nodejs)",
            )
        packages.append("npm")
    return AptChoice(packages)


def message(missing: Sequence[str], reason: str) -> str:
    """What is missing, why the tests need it, why it was not installed, and how to install it by hand."""
    lines = ["The tests need system tools that are not installed:"]
    lines += [f"  - {LABEL[tool]}: {WHY[tool]}" for tool in missing]
    if reason:
        lines.append(f"{reason}.")
    node = "node" in missing or "npm" in missing
    debian = (["chromium"] if "chromium" in missing else []) + (["nodejs", "npm"] if node else [])
    fedora = (["chromium"] if "chromium" in missing else []) + (["nodejs", "npm"] if node else [])
    lines.append("Install them, then run `make test` again:")
    lines.append(f"  Debian:           sudo apt-get install -y {' '.join(debian)}")
    if "chromium" in missing:
        lines.append("  Ubuntu:           sudo snap install chromium" + ("; sudo apt-get install -y nodejs npm" * node))
    elif node:
        lines.append("  Ubuntu:           sudo apt-get install -y nodejs npm")
    lines.append(f"  Fedora:           sudo dnf install -y {' '.join(fedora)}")
    brew = (["brew install --cask chromium"] if "chromium" in missing else []) + (["brew install node"] if node else [])
    lines.append(f"  macOS (Homebrew): {'; '.join(brew)}")
    if node:
        lines.append("  (node from nodesource or nvm already has npm: then install only what is missing.)")
    if "chromium" in missing:
        lines.append(
            f"Or use a Chromium or Google Chrome you have: {CHROMIUM_ENV}=/path/to/chromium make test\n"
            f"(without it the tests look for {', '.join(CHROMIUM_NAMES)} on PATH, then in /Applications)."
        )
    return "\n".join(lines)


def install(
    *,
    uid: int,
    which: Which,
    run: Run,
    read: Callable[[Sequence[str]], str],
    environ: Mapping[str, str],
    say: Callable[[str], None],
) -> int:
    """Install what is missing if apt-get can; 0 when nothing is missing afterwards, 1 (after the message) if not."""
    missing = missing_tools(which, environ)
    if not missing:
        return 0
    if "chromium" in missing and chromium_env_problem(environ):
        say(message(missing, chromium_env_problem(environ)))  # installing another Chromium would not be used
        return 1
    prefix, reason = privilege(uid, which, run)
    if prefix is None:
        say(message(missing, reason))
        return 1
    say(f"tools.system_deps: installing what the tests need ({', '.join(LABEL[tool] for tool in missing)}) ...")
    if run([*prefix, "apt-get", "update", "-qq"]) != 0:
        say(message(missing, "`apt-get update` failed (see its output above)"))
        return 1

    def nodejs_record(installed: bool) -> str:
        if installed:
            return read(["dpkg-query", "-W", "-f=Provides: ${Provides}\n", "nodejs"])
        return read(["apt-cache", "show", "--no-all-versions", "nodejs"])

    choice = apt_packages(missing, nodejs_record)
    if choice.problem:
        say(message(missing, choice.problem))
        return 1
    command = [*prefix, *APT_ENV, "apt-get", "install", "-y", "-qq", *choice.packages]
    status = run(command)
    still = missing_tools(which, environ)
    if status != 0 or still:
        done = f"`{' '.join(command)}` failed ({status})" if status else f"`{' '.join(command)}` did not provide them"
        say(message(still or missing, done))
        return 1
    return 0


def _run(argv: Sequence[str]) -> int:
    try:
        return subprocess.run(list(argv), stdin=subprocess.DEVNULL, check=False).returncode
    except OSError as err:
        print(f"tools.system_deps: cannot run {argv[0]}: {err}", file=sys.stderr)
        return 127


def _read(argv: Sequence[str]) -> str:
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    except OSError:
        return ""
    return done.stdout if done.returncode == 0 else ""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.system_deps", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only say what is missing; install nothing")
    args = parser.parse_args(argv)

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    if args.check:
        missing = missing_tools()
        if missing:
            say(message(missing, ""))
        return 1 if missing else 0
    return install(uid=os.geteuid(), which=shutil.which, run=_run, read=_read, environ=os.environ, say=say)


if __name__ == "__main__":
    sys.exit(main())
