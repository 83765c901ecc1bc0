"""Session fixtures for the browser tests: a JupyterLab server and a headless Chromium (see harness.py).

The Chromium is $TOKENLAB_CHROMIUM, else the first of chromium, chromium-browser, google-chrome on PATH
(tools/system_deps.py, which `make test` runs first to install Debian's chromium where it can). When there is
none, the tests fail with the message that says how to install one; they never skip.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright

from tests.browser.harness import ARTIFACTS, HarnessError, Lab, chromium_context, running_lab
from tools import system_deps


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1 for the whole session; its log is test-artifacts/jupyterlab-server.log."""
    try:
        with running_lab(ARTIFACTS / "jupyterlab-server.log") as server:
            yield server
    except HarnessError as err:
        pytest.fail(str(err), pytrace=False)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium executable to launch, or the test fails with how to install one (never a skip)."""
    executable = system_deps.find_chromium()
    if executable is None:
        pytest.fail(system_deps.message(["chromium"], system_deps.chromium_env_problem()), pytrace=False)
    return executable


@pytest.fixture(scope="session")
def browser_context(playwright: Playwright, chromium: str) -> Iterator[BrowserContext]:
    try:
        with chromium_context(playwright, chromium) as context:
            yield context
    except HarnessError as err:
        pytest.fail(str(err), pytrace=False)


@pytest.fixture
def page(lab: Lab, browser_context: BrowserContext) -> Iterator[Page]:
    """A new tab; afterwards it is closed and the lab's kernels are shut down."""
    tab = browser_context.new_page()
    try:
        yield tab
    finally:
        tab.close()
        lab.shut_down_kernels()
