"""TokenDecoder in a real JupyterLab, in headless Chromium, driven by Playwright.

Notebook 02 is copied into the lab's (temporary) root with every output
stripped, opened, and run with Run ▸ Run All Cells, exactly as a learner would.
A token is then pasted into the decoder, and the test checks that the claims
table and the verdict appear. A screenshot of the lab is saved as a test
artefact: test-artifacts/decoder-in-jupyterlab.png (on failure,
test-artifacts/decoder-in-jupyterlab-failure.png; the server's log is
test-artifacts/jupyterlab-server.log).
"""

from __future__ import annotations

import contextlib
import re
import secrets
from pathlib import Path

import nbformat
from playwright.sync_api import Locator, Page, expect

from tests.browser.harness import ARTIFACTS, REPO, Lab
from tokenlab import Clock, demo_key, sign

NOTEBOOK = REPO / "notebooks" / "02-Anatomy-Of-A-JWT.ipynb"
SCREENSHOT = ARTIFACTS / "decoder-in-jupyterlab.png"
FAILURE_SCREENSHOT = ARTIFACTS / "decoder-in-jupyterlab-failure.png"

# Bounded waits, in milliseconds: generous for a loaded 2-core CI machine, where
# the lab loads in about 5 s and the notebook runs in a few more.
LOAD_TIMEOUT = 60_000
RUN_TIMEOUT = 90_000
UPDATE_TIMEOUT = 20_000


def stripped_copy(source: Path, destination: Path) -> None:
    """Write `source` to `destination` without outputs, execution counts or saved widget state."""
    notebook = nbformat.read(source, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, destination)


def wait_for_kernel_idle(page: Page) -> None:
    """Wait until the notebook's kernel is connected and idle, as the status bar reports it.

    (The toolbar's execution indicator says "idle" before any kernel exists, so it is
    not used: running cells then would open the Select Kernel dialog.)
    """
    status = page.locator(".jp-StatusBar-Item", has_text=re.compile(r"\| Idle$"))
    expect(status).to_be_visible(timeout=LOAD_TIMEOUT)


def run_all_cells(page: Page) -> None:
    """Run ▸ Run All Cells, through the menu bar."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def paste_into_decoder(page: Page, token: str) -> Locator:
    """Wait for the first TokenDecoder to render, paste `token` into it, return its locator."""
    decoder = page.locator(".tokenlab-decoder").first
    textarea = decoder.locator(".tokenlab-decoder-input textarea")
    expect(textarea).to_be_attached(timeout=RUN_TIMEOUT)
    textarea.scroll_into_view_if_needed()
    textarea.fill(token)  # fires `input`: the widget's continuous_update sends the value to the kernel
    return decoder


def test_decoder_decodes_a_pasted_token_in_jupyterlab(lab: Lab, page: Page) -> None:
    marker = f"browser-test-{secrets.token_hex(4)}"  # shows that the table is our token's, not one already there
    token = sign(
        {"sub": "alice", "aud": "api", "exp": Clock.frozen().timestamp() + 300, "jti": marker},
        demo_key("RS256"),
    )
    stripped_copy(NOTEBOOK, lab.root / NOTEBOOK.name)
    for stale in (SCREENSHOT, FAILURE_SCREENSHOT):
        stale.unlink(missing_ok=True)

    try:
        page.goto(lab.tree_url(NOTEBOOK.name), timeout=LOAD_TIMEOUT)
        wait_for_kernel_idle(page)
        run_all_cells(page)
        decoder = paste_into_decoder(page, token)

        claims = decoder.locator(".tokenlab-claims")
        expect(claims.locator('tr[data-name="jti"]')).to_contain_text(marker, timeout=UPDATE_TIMEOUT)
        expect(claims.locator('tr[data-name="sub"]')).to_contain_text("alice")
        expect(claims.locator('tr[data-name="sub"]')).to_contain_text("sub")
        verdict = decoder.locator(".tokenlab-verdict")
        expect(verdict).to_contain_text("Decoded")
        expect(verdict).to_contain_text("not verified")  # decoding alone never vouches for the claims

        # Run All went on past the decoder to the last cell, without an error stopping it.
        expect(page.locator(".jp-CodeCell .jp-InputPrompt").last).to_have_text(
            re.compile(r"^\[\d+\]:$"), timeout=RUN_TIMEOUT
        )

        # Frame the screenshot: the decoder's cell from its top (code, then the widget).
        decoder.locator(".tokenlab-decoder-input textarea").evaluate("node => { node.scrollTop = 0; node.blur(); }")
        decoder.evaluate("node => node.closest('.jp-Cell').scrollIntoView({block: 'start'})")
        page.screenshot(path=SCREENSHOT, full_page=True)
    except BaseException:
        with contextlib.suppress(Exception):  # keep the test's own error, not the screenshot's
            page.screenshot(path=FAILURE_SCREENSHOT, full_page=True)
        raise
