"""Session fixtures for the browser tests: a JupyterLab server and Debian's headless Chromium (see harness.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright

from tests.browser.harness import ARTIFACTS, HarnessError, Lab, chromium_context, running_lab


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
def browser_context(playwright: Playwright) -> Iterator[BrowserContext]:
    try:
        with chromium_context(playwright) as context:
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
