"""Every lesson links to its neighbours and the map, and no link in any lesson points at a missing file."""

import re
from pathlib import Path

import nbformat

from tools import navigation

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def test_there_are_lessons_to_check():
    assert len(navigation.lessons()) >= 4


def test_every_navigation_line_is_the_generated_one():
    assert navigation.stale() == [], "run: python -m tools.navigation"


def test_every_relative_link_in_a_lesson_points_at_an_existing_notebook():
    missing = []
    for path, _ in navigation.lessons():
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "markdown":
                continue
            for target in re.findall(r"\]\(([^)#\s]+\.ipynb)(?:#[^)]*)?\)", cell.source):
                if not (NOTEBOOKS / target).exists():
                    missing.append(f"{path.name} → {target}")
    assert missing == []
