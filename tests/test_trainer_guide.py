"""docs/trainer-guide.md: every lesson listed, the measured timings present and named, every agenda within budget."""

import re

import pytest

from tools.timings import COMMAND, END, GUIDE, START, lesson_minutes, rewrite

TEXT = GUIDE.read_text(encoding="utf-8")
LESSONS = lesson_minutes()
_ROW = re.compile(r"^\| (\d+):(\d\d) \| (.+?) \| (\d+) \|$", re.M)


def agendas() -> dict[str, tuple[int, list[tuple[int, str, int]]]]:
    """``{heading: (budget, [(start minute, item, minutes), ...])}`` for each ``### ... (budget N minutes)``."""
    found = {}
    for match in re.finditer(r"^### (.+?) \(budget (\d+) minutes\)\n(.*?)(?=^##)", TEXT, re.M | re.S):
        rows = [(int(h) * 60 + int(m), item, int(n)) for h, m, item, n in _ROW.findall(match.group(3))]
        found[match.group(1)] = (int(match.group(2)), rows)
    return found


def test_the_guide_lists_every_notebook():
    assert len(LESSONS) == 16
    for name, (title, _) in LESSONS.items():
        assert f"(../notebooks/{name})" in TEXT, name
        assert title.split(" · ")[1] in TEXT, title


def test_the_timing_section_exists_names_the_measurement_and_covers_every_notebook():
    (section,) = re.findall(re.escape(START) + "(.*?)" + re.escape(END), TEXT, re.S)
    assert re.search(r"Measured on \d{4}-\d\d-\d\d on .+, 2 cores, Python [\d.]+, with `" + re.escape(COMMAND), section)
    for name in LESSONS:
        assert re.search(rf"\(\.\./notebooks/{re.escape(name)}\) \| \d+ min \| \d+\.\d s \|", section), name


def test_rewrite_replaces_only_the_marked_section():
    text = f"before\n{START}\nold\n{END}\nafter\n"
    assert rewrite(text, f"{START}\nnew\n{END}") == f"before\n{START}\nnew\n{END}\nafter\n"
    with pytest.raises(ValueError):
        rewrite("no markers", "x")


def test_both_agendas_exist_and_fit_their_budgets():
    found = agendas()
    assert {heading for heading in found} == {"Half day", "Full day"}
    assert found["Half day"][0] == 210 and found["Full day"][0] == 390  # ≈ 3.5 h and ≈ 6.5 h
    for heading, (budget, rows) in found.items():
        total = sum(minutes for _, _, minutes in rows)
        assert total <= budget, f"{heading}: {total} min > {budget}"
        assert total >= budget - 30, f"{heading}: {total} min leaves most of the {budget} unused"
        assert f"**Total:** {total} minutes" in TEXT, heading
        assert any("Break" in item for _, item, _ in rows), f"{heading} has no break"


def test_agenda_rows_use_the_lessons_own_times_and_add_up():
    by_title = dict(LESSONS.values())
    for heading, (_, rows) in agendas().items():
        clock = 0
        for start, item, minutes in rows:
            assert start == clock, f"{heading}: {item} starts at {start // 60}:{start % 60:02d}, expected {clock}"
            if re.match(r"\d\d · ", item):
                assert minutes == by_title[item], f"{heading}: {item} takes {by_title[item]} min in its notebook"
            clock += minutes
        lessons = [item for _, item, _ in rows if item in by_title]
        assert len(lessons) == len(set(lessons)), f"{heading} repeats a lesson"
        assert lessons == sorted(lessons), f"{heading}: lessons out of course order"
