"""A learner's journey through the whole course, in a real JupyterLab in Debian's headless Chromium.

JupyterLab starts the way ``make lab`` starts it (tools.lab, in a throw-away copy of the course: journey.py), and
the browser opens the URL it prints. From there, as a learner would: lesson 00 is the first screen; every lesson
opens from the course map in lesson 00 and runs with Run ▸ Run All Cells, and then shows no error and only live
widgets; in lesson 06 the learner follows the login link, signs in, and pastes the address the browser lands on
back into the lesson, which redeems the code; and one exercise per group of lessons (00-03, 04-07, 08-11, 12-15)
gets a wrong answer and then the right one (from solutions/), typed into the exercise's cell.

One screenshot per lesson is written on every run: test-artifacts/journey/NN.png (the server's log is
test-artifacts/jupyterlab-journey.log).
"""

from __future__ import annotations

import contextlib
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from solutions import ex00, ex05, ex08, ex12
from tests.browser import journey
from tests.browser.harness import ARTIFACTS, HarnessError, Lab
from tests.browser.journey import Lesson
from tokenlab.provider.config import ProviderConfig

SCREENSHOTS = ARTIFACTS / "journey"
LOG = ARTIFACTS / "jupyterlab-journey.log"
REDIRECT_URI = "http://127.0.0.1/callback"  # lesson 06's notebook-app: no app listens there


@dataclass
class Course:
    lab: Lab
    page: Page

    def lesson(self, number: str) -> Lesson:
        """The lesson as the lab serves it (the copy of the committed one)."""
        (path,) = (self.lab.root / "notebooks").glob(f"{number}-*.ipynb")
        return Lesson(path)


@pytest.fixture(scope="module")
def course(browser_context: BrowserContext) -> Iterator[Course]:
    """The course's lab, and a tab on the URL it printed (lesson 00 once it has loaded)."""
    for stale in SCREENSHOTS.glob("*.png"):
        stale.unlink()
    try:
        with journey.course_lab(LOG) as (lab, printed_url):
            tab = browser_context.new_page()
            try:
                tab.goto(printed_url, timeout=journey.LOAD_TIMEOUT)
                yield Course(lab, tab)
            finally:
                tab.close()
    except HarnessError as err:
        pytest.fail(str(err), pytrace=False)


def test_the_url_make_lab_prints_opens_lesson_00_with_its_course_map(course: Course) -> None:
    journey.wait_until_open(course.page, course.lesson("00"))
    course_map = journey.current_panel(course.page).locator("td a[href*='.ipynb?']")
    linked = {re.search(r"/(\d\d-[^/?]+\.ipynb)\?", href).group(1) for href in _hrefs(course_map)}
    assert linked == {item.name for item in journey.lessons()} - {"00-Start-Here.ipynb"}


# --- one exercise per group of lessons: a wrong answer, then the right one from solutions/ ----------------------


@dataclass(frozen=True)
class Exercise:
    check: str  # the function the exercise's cell calls
    wrong: str  # the whole cell, as a learner types it
    wrong_feedback: str  # a pattern the hint must match
    right: str


EXERCISES = {
    "00": Exercise(
        "check_time_travel",
        "clock = Clock.frozen()\nclock.advance(hours=10, minutes=30)\n\nexercises.check_time_travel(clock)",
        r"Exercise 0\.1 .*not yet.*\n.*advance\(\) adds",
        f"{inspect.getsource(ex00.time_travel)}\n\nclock = time_travel()\n\nexercises.check_time_travel(clock)",
    ),
    "05": Exercise(
        "check_needs_new_token",
        "def needs_new_token(token, fetched_at, now):\n"
        '    return now >= fetched_at + token["expires_in"]\n\n\n'
        "exercises.check_needs_new_token(needs_new_token)",
        r"Exercise 5\.1 .*not yet",
        f"MARGIN = {ex05.MARGIN}\n\n\n{inspect.getsource(ex05.needs_new_token)}\n\n"
        "exercises.check_needs_new_token(needs_new_token)",
    ),
    "08": Exercise(
        "check_leeway_choice",
        "leeway = 40\n\nexercises.check_leeway_choice(leeway)",
        r"Exercise 8\.1 .*not yet",
        f"leeway = {ex08.LEEWAY}\n\nexercises.check_leeway_choice(leeway)",
    ),
    "12": Exercise(
        "check_storage_choices",
        'choices = {"password": "C", "api_key": "C", "webhook_secret": "B"}\n\nexercises.check_storage_choices(choices)',
        r"Exercise 12\.2 .*not yet",
        f"choices = {ex12.STORAGE_CHOICES!r}\n\nexercises.check_storage_choices(choices)",
    ),
}


@pytest.mark.parametrize("number", [item.number for item in journey.lessons()])
def test_each_lesson_opens_from_the_course_map_and_runs_all_cells_without_an_error(course: Course, number: str) -> None:
    """Then, in the lesson that offers it: an exercise answered wrong then right (00, 05, 08, 12), and lesson 06's
    login loop. Its screenshot shows the exercise, the redeemed tokens, or else the lesson's first widget or plot."""
    item = course.lesson(number)
    page = course.page
    try:
        # Lesson 00 is the first screen, the map's own page; every other lesson opens from its map.
        panel = journey.wait_until_open(page, item) if number == "00" else journey.open_from_course_map(page, item)
        journey.run_all_cells(page)
        journey.wait_until_run_all_ended(page, panel)

        assert journey.errors_shown(panel, item) == {}
        assert journey.prompts_not_run(panel, item) == {}
        assert journey.widgets_not_live(panel, item) == {}
        assert journey.too_wide(panel) == []

        focus = _what_to_show(item)
        if number in EXERCISES:
            focus = _answer_wrong_then_right(page, panel, item, EXERCISES[number])
        if number == "06":
            focus = _sign_in_and_redeem(page, panel, item)
        journey.screenshot(page, journey.cell(panel, focus), SCREENSHOTS / f"{number}.png")
        if number == "06":
            _redeem_the_same_code_again(panel)
        if number != "00":
            journey.close_current_lesson(page, course.lab, item)
    except BaseException:
        with contextlib.suppress(Exception):  # keep the test's own error, not the screenshot's
            page.screenshot(path=SCREENSHOTS / f"{number}-failure.png")
        raise


def _answer_wrong_then_right(page: Page, panel: Locator, item: Lesson, exercise: Exercise) -> int:
    index = item.cell_calling(exercise.check)
    wrong = journey.answer_exercise(page, panel, index, exercise.wrong)
    assert re.search(exercise.wrong_feedback, wrong), wrong
    assert "🔎" in wrong and "hint:" in wrong, wrong
    right = journey.answer_exercise(page, panel, index, exercise.right)
    assert "✅" in right and "solved" in right, right
    return index


def _sign_in_and_redeem(page: Page, panel: Locator, item: Lesson) -> int:
    """Follow lesson 06's login link in a new tab, sign in, paste the address the browser lands on, redeem it."""
    user = ProviderConfig.demo().users[0]
    link = panel.locator(".jp-OutputArea-output a", has_text="Open the login page")
    link.scroll_into_view_if_needed()
    with page.context.expect_page() as opened:
        link.click()  # target=_blank: a new tab, as for the learner
    login = opened.value
    expect(login.locator("input[name=username]"), "the login link shows no login page").to_be_visible(
        timeout=journey.CELL_TIMEOUT
    )
    login.fill("input[name=username]", user.username)
    login.fill("input[name=password]", user.password)
    # The provider answers 303 to the app's redirect_uri, where no app listens: Chromium shows its error page with
    # that address in the address bar (Playwright calls the error page chrome-error://…, so the address is read
    # from the navigation request the browser made).
    with login.expect_request(lambda request: request.url.startswith(f"{REDIRECT_URI}?")) as redirected:
        login.locator("button[value=allow]").click()
    address = redirected.value.url
    login.close()
    assert parse_qs(urlsplit(address).query).keys() >= {"code", "state", "iss"}, address

    box = panel.locator(".tokenlab-redirect-input input")
    box.scroll_into_view_if_needed()
    box.fill(address)  # pasted: the Text widget sends each change to the kernel
    redeem = panel.locator("button.tokenlab-redirect-redeem")
    redeem.click()
    result = panel.locator(".tokenlab-redirect-result")
    expect(result).to_contain_text(f"✔ Tokens received for {user.sub}", timeout=journey.CELL_TIMEOUT)
    expect(result).to_contain_text("ID token — ✔ verified as the app must")
    expect(result).to_contain_text("access token — ✔ verified as the API will")
    return item.cell_calling("RedirectCatcher")


def _redeem_the_same_code_again(panel: Locator) -> None:
    """The lesson's invitation: press Redeem a second time, and see the provider refuse a code used twice."""
    panel.locator("button.tokenlab-redirect-redeem").click()
    result = panel.locator(".tokenlab-redirect-result")
    expect(result).to_contain_text("✖ The provider refused the code: invalid_grant", timeout=journey.CELL_TIMEOUT)
    expect(result).to_contain_text("already used")


def _hrefs(links: Locator) -> list[str]:
    return [links.nth(i).get_attribute("href") for i in range(links.count())]


def _what_to_show(item: Lesson) -> int:
    """The cell a lesson's screenshot shows: its first widget, else its first plot, else its first exercise."""
    plots = [i for i in item.code_cells if any("image/png" in out.get("data", {}) for out in item.cells[i].outputs)]
    exercises = [i for i in item.code_cells if "exercises.check_" in item.cells[i].source]
    return next(iter([*sorted(item.widget_cells), *plots, *exercises, item.code_cells[-1]]))
