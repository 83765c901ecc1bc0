"""A learner's way through the course in a real JupyterLab: the lab, the lessons, and what a learner does in a page.

``course_lab`` starts JupyterLab with the command ``make lab`` runs (``tools.lab.lab_command``) and reads the URL
it prints (its own random token included), as a learner does. It serves a throw-away copy of the course instead of
the repository: ``notebooks/`` and ``solutions/`` laid out as in the repository, so lesson 00's links and the
kernels' working directory behave as they do for a learner, while nothing JupyterLab saves (autosave after a run,
an edited exercise) and nothing a lesson writes lands in the repository. Two options are added after the course's
own, and so win: throw-away user-settings and workspace directories (with throw-away Jupyter config, data, runtime
and IPython directories in the environment), so neither the developer's own Jupyter setup nor an earlier run leaks
in.

In the copy, the code cells' stored execution counts are blanked (outputs and widget state stay as committed):
a number in a cell's prompt then proves that the cell ran in this browser, not that it ran when the lesson was
stored.

The lesson objects read each committed notebook: its cells, which cells are tagged ``raises-exception`` (they
may show an error), and which stored outputs are widgets (they must come back live after Run All).
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import nbformat
from playwright.sync_api import Locator, Page, expect

from tests.browser.harness import REPO, HarnessError, Lab, _request, _request_for, _stop, free_port, log_tail
from tools.lab import FIRST_LESSON, SHOWN, lab_command

COURSE = SHOWN  # notebooks/ and solutions/: what a learner's file browser shows
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

# Bounded waits, in milliseconds: generous for a loaded 2-core CI machine (a lesson opens in about 3 s and runs
# in 2-15 s there); every wait ends as soon as its condition holds.
LOAD_TIMEOUT = 90_000
RUN_TIMEOUT = 180_000
CELL_TIMEOUT = 60_000
SERVER_START_TIMEOUT = 90.0  # seconds


@dataclass(frozen=True)
class Lesson:
    """One lesson notebook (the committed one, or the lab's copy of it), as the test expects to meet it in the page."""

    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def number(self) -> str:
        return self.name[:2]

    @cached_property
    def notebook(self) -> nbformat.NotebookNode:
        return nbformat.read(self.path, as_version=4)

    @property
    def cells(self) -> list[nbformat.NotebookNode]:
        return self.notebook.cells

    @property
    def code_cells(self) -> list[int]:
        return [i for i, cell in enumerate(self.cells) if cell.cell_type == "code"]

    @property
    def may_raise(self) -> set[int]:
        """Cells tagged raises-exception: the lesson means them to show an error."""
        return {i for i in self.code_cells if "raises-exception" in self.cells[i].metadata.get("tags", [])}

    @property
    def widget_cells(self) -> dict[int, int]:
        """Cell index → how many widgets its stored outputs show."""
        counts = {i: sum(WIDGET_MIME in out.get("data", {}) for out in self.cells[i].outputs) for i in self.code_cells}
        return {i: n for i, n in counts.items() if n}

    def cell_calling(self, function: str) -> int:
        """The index of the one code cell that calls ``function`` (an exercise's check)."""
        (index,) = [i for i in self.code_cells if f"{function}(" in self.cells[i].source]
        return index


def lessons() -> list[Lesson]:
    return [Lesson(path) for path in sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))]


def _copy_course(root: Path) -> None:
    """notebooks/ and solutions/ into ``root``, the lessons' execution counts blanked."""
    for folder in COURSE:
        shutil.copytree(
            REPO / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
        )
    for path in (root / "notebooks").glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.execution_count = None
        nbformat.write(notebook, path)


def _printed_url(log: Path, process: subprocess.Popen) -> str:
    """The lesson-00 URL JupyterLab prints for the learner to open, once the server answers."""
    pattern = re.compile(rf"http://127\.0\.0\.1:\d+/lab/tree/{re.escape(FIRST_LESSON)}\?token=\w+")
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise HarnessError(f"JupyterLab exited with code {process.returncode}:\n{log_tail(log)}")
        found = pattern.search(log.read_text(errors="replace"))
        if found:
            return found.group(0)
        if time.monotonic() > deadline:
            raise HarnessError(
                f"JupyterLab printed no URL of {FIRST_LESSON} within {SERVER_START_TIMEOUT:.0f} s:\n{log_tail(log)}"
            )
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.2)  # the pause between reads of the log, cut short if the server dies


@contextlib.contextmanager
def course_lab(log: Path) -> Iterator[tuple[Lab, str]]:
    """JupyterLab started as ``make lab`` starts it, in a copy of the course; yields the lab and the URL it printed."""
    base = Path(tempfile.mkdtemp(prefix="tokenlab-journey-"))
    try:
        root = base / "course"
        _copy_course(root)
        port = free_port()
        argv, env = lab_command(
            Path(sys.executable).parent,
            port=port,
            root=root,
            extra=[
                f"--LabApp.user_settings_dir={base / 'user-settings'}",
                f"--LabApp.workspaces_dir={base / 'workspaces'}",
            ],
        )
        env |= {
            "JUPYTER_CONFIG_DIR": str(base / "config"),
            "JUPYTER_DATA_DIR": str(base / "data"),
            "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
            "IPYTHONDIR": str(base / "ipython"),
        }
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                argv,
                cwd=REPO,  # where `make lab` runs
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in pytest's terminal reaches pytest, whose teardown stops the lab
            )
        url = f"http://127.0.0.1:{port}/"
        token = ""  # until the server prints it; without it, _stop ends the server by its PID
        try:
            printed = _printed_url(log, process)
            token = printed.rsplit("?token=", 1)[1]  # JupyterLab's own random token, as the learner gets it
            if _request(f"{url}api/status", token, timeout=10.0) != 200:
                raise HarnessError(f"JupyterLab printed {printed} but does not answer:\n{log_tail(log)}")
            yield Lab(url=url, token=token, root=root, log=log, pid=process.pid), printed
        finally:
            _stop(process, url, token)
    finally:
        shutil.rmtree(base, ignore_errors=True)


# --- in the page --------------------------------------------------------------------------------------------


def wait_until_idle(page: Page, timeout: float) -> None:
    """Wait until the active notebook's kernel is idle, as the status bar says for the active notebook: "No Kernel |
    Initializing", then "Python 3 (ipykernel) | Connecting", then "… | Idle" (and "… | Busy" while it runs)."""
    idle = page.locator(".jp-StatusBar-Item", has_text=re.compile(r"^Python 3 \(ipykernel\) \| Idle$"))
    expect(idle).to_be_visible(timeout=timeout)


def current_panel(page: Page) -> Locator:
    """The notebook in the active tab."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")


def wait_until_open(page: Page, item: Lesson) -> Locator:
    """Wait until ``item`` is the active tab, every one of its cells is in the page and its kernel is idle."""
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel")).to_have_text(
        item.name, timeout=LOAD_TIMEOUT
    )
    panel = current_panel(page)
    expect(panel.locator(".jp-Notebook > .jp-WindowedPanel-outer .jp-Cell")).to_have_count(
        len(item.cells), timeout=LOAD_TIMEOUT
    )
    wait_until_idle(page, LOAD_TIMEOUT)
    return panel


def open_from_course_map(page: Page, item: Lesson) -> Locator:
    """In lesson 00's tab, click ``item``'s link in the course map; wait until it is open."""
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="00-Start-Here.ipynb").click()
    start = current_panel(page)
    link = start.locator(f'.jp-MarkdownCell td a[href*="/{item.name}?"]')  # the map's table, under "## The map"
    link.scroll_into_view_if_needed(timeout=LOAD_TIMEOUT)
    link.click()
    return wait_until_open(page, item)


def run_all_cells(page: Page) -> None:
    """Run ▸ Run All Cells, through the menu bar, as lesson 00 tells a learner."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def cell(panel: Locator, index: int) -> Locator:
    return panel.locator(".jp-Notebook > .jp-WindowedPanel-outer .jp-Cell").nth(index)


def prompt_number(panel: Locator, index: int) -> int | None:
    text = cell(panel, index).locator(".jp-InputPrompt").text_content()
    found = re.fullmatch(r"\[(\d+)\]:", text.strip())
    return int(found.group(1)) if found else None


# Run All has ended: the first code cell shows its number and no cell waits or runs ([*]) any more. (Run All stops
# at a cell that raises: the cells after it keep an empty prompt.)
_RUN_ALL_ENDED = """panel => {
    const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim());
    return prompts.length > 0 && /^\\[\\d+\\]:$/.test(prompts[0]) && !prompts.includes('[*]:');
}"""


def wait_until_run_all_ended(page: Page, panel: Locator) -> None:
    """Wait until Run All has ended (every cell ran, or one raised and stopped it) and the kernel is idle."""
    page.wait_for_function(_RUN_ALL_ENDED, arg=panel.element_handle(), timeout=RUN_TIMEOUT)
    wait_until_idle(page, RUN_TIMEOUT)


def prompts_not_run(panel: Locator, item: Lesson) -> dict[int, str]:
    """Cell index → its prompt, for each code cell that does not show its number in order (1 … n) in this kernel."""
    wrong = {}
    for number, index in enumerate(item.code_cells, start=1):
        prompt = cell(panel, index).locator(".jp-InputPrompt").text_content().strip()
        if prompt != f"[{number}]:":
            wrong[index] = prompt
    return wrong


def errors_shown(panel: Locator, item: Lesson) -> dict[int, str]:
    """Cell index → the error or stderr text it shows, for cells not tagged raises-exception."""
    shown = {}
    for index in item.code_cells:
        outputs = cell(panel, index).locator(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], '
            '.jp-RenderedText[data-mime-type*="error"]'
        )
        if index not in item.may_raise and outputs.count():
            shown[index] = "\n".join(outputs.all_text_contents())[:2000]
    return shown


def widgets_not_live(panel: Locator, item: Lesson) -> dict[int, str]:
    """Cell index → what is wrong, for each cell whose stored widgets did not come back as live widget views."""
    wrong = {}
    for index, expected in item.widget_cells.items():
        outputs = cell(panel, index).locator(".jp-OutputArea-output")
        live = outputs.locator(":scope > .jupyter-widgets")  # a widget view, drawn from the kernel's model
        static = cell(panel, index).locator(
            ".tokenlab-static"
        )  # the stored text/html copy, for readers without a kernel
        text = " ".join(outputs.all_text_contents())
        if live.count() != expected or static.count() or "Error displaying widget" in text:
            wrong[index] = (
                f"{expected} widget(s) stored, {live.count()} live widget view(s), "
                f"{static.count()} static copy(ies) shown; text: {text[:300]!r}"
            )
    return wrong


# Each live widget, and the notebook itself, as wide as the space they have: no sideways scrollbar.
_TOO_WIDE = """panel => {
    const wide = node => node.scrollWidth > node.clientWidth;
    const outer = panel.querySelector('.jp-WindowedPanel-outer');
    const found = wide(outer) ? [`the notebook: ${outer.scrollWidth} px of content in ${outer.clientWidth} px`] : [];
    for (const view of panel.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets')) {
        const output = view.parentElement;
        if (wide(view) || wide(output) || view.getBoundingClientRect().right > output.getBoundingClientRect().right + 0.5) {
            const name = [...view.classList].find(c => c.startsWith('tokenlab-')) || view.className;
            found.push(`${name}: ${view.scrollWidth} px of content in ${view.clientWidth} px, output ${output.clientWidth} px`);
        }
    }
    return found;
}"""


def too_wide(panel: Locator) -> list[str]:
    """What is wider than the notebook gives it, and so gets a sideways scrollbar: widgets, or the notebook."""
    return panel.evaluate(_TOO_WIDE)


def answer_exercise(page: Page, panel: Locator, index: int, source: str) -> str:
    """Replace cell ``index``'s code with ``source`` as a learner types it, run it, and return the feedback shown."""
    target = cell(panel, index)
    before = prompt_number(panel, index) or 0
    editor = target.locator(".cm-content")
    editor.scroll_into_view_if_needed()
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text(source)  # as pasted: no auto-indent or bracket-closing on the way in
    expect(editor).to_have_text(re.compile(re.escape(source.splitlines()[0])))
    page.keyboard.press("ControlOrMeta+Enter")  # Run ▸ Run Selected Cell and Do not Advance
    expect(target.locator(".jp-InputPrompt")).to_have_text(
        re.compile(rf"^\[(?!{before}\])\d+\]:$"), timeout=CELL_TIMEOUT
    )
    output = target.locator(".jp-OutputArea-output")
    expect(output).not_to_have_count(0, timeout=CELL_TIMEOUT)
    return "\n".join(output.all_text_contents())


# Scroll a cell to the top and report when it has stayed put for 10 frames: JupyterLab keeps resizing the cells
# above it as they render (their heights are estimates until then), which moves the page under a single scroll.
_SCROLLED_AND_STILL = """cell => {
    cell.scrollIntoView({block: 'start'});
    const top = cell.getBoundingClientRect().top;
    const still = cell.__journeyTop === top ? (cell.__journeyStill || 0) + 1 : 0;
    Object.assign(cell, {__journeyTop: top, __journeyStill: still});
    return still >= 10;
}"""


def screenshot(page: Page, focus: Locator, path: Path) -> None:
    """Save the window with ``focus`` (a cell) scrolled to the top of the notebook."""
    page.wait_for_function(_SCROLLED_AND_STILL, arg=focus.element_handle(), timeout=CELL_TIMEOUT)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path)


def close_current_lesson(page: Page, lab: Lab, item: Lesson) -> None:
    """Close the active lesson's tab without saving, and shut its kernel down (through the REST API)."""
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabCloseIcon").click()
    # Run All changed its outputs: JupyterLab asks "Save your work"; the copy need not keep them.
    page.locator(".jp-Dialog button", has_text=re.compile(r"^Discard$")).click(timeout=LOAD_TIMEOUT)
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=item.name)).to_have_count(0)
    sessions = json.loads(_get(f"{lab.url}api/sessions", lab.token))
    for session in sessions:
        if session["path"].endswith(item.name):
            _request(f"{lab.url}api/sessions/{session['id']}", lab.token, method="DELETE", timeout=30)


def _get(url: str, token: str) -> str:
    with urllib.request.urlopen(_request_for(url, token), timeout=10) as response:
        return response.read().decode()
