"""Every lesson links to its neighbours and the map, and no link in any lesson points at a missing file."""

import re
from pathlib import Path

import nbformat
import pytest

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


def test_the_course_map_in_the_index_is_the_generated_one():
    assert navigation.stale_map() is False, "run: python -m tools.navigation"


def test_a_new_lesson_appears_in_the_map_and_in_its_neighbours_links_once_the_script_runs(tmp_path):
    for path in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    new = nbformat.v4.new_notebook(metadata={"tokenlab": {"map": "something new to do"}})
    new.cells = [nbformat.v4.new_markdown_cell("# 16 · A new lesson\n\nText.")]
    nbformat.write(new, tmp_path / "16-A-New-Lesson.ipynb")

    assert navigation.stale_map(tmp_path) is True
    assert navigation.stale(tmp_path) == ["15-Handling-Tokens-Safely.ipynb", "16-A-New-Lesson.ipynb"]
    navigation.stale_map(tmp_path, fix=True)
    navigation.stale(tmp_path, fix=True)
    index = nbformat.read(tmp_path / navigation.INDEX, as_version=4)
    row = "| 16 | [A new lesson](16-A-New-Lesson.ipynb) | something new to do |"
    assert any(row in cell.source for cell in index.cells)
    assert navigation.stale_map(tmp_path) is False
    assert navigation.stale(tmp_path) == []


def test_a_lesson_without_its_map_line_is_named_in_the_error(tmp_path):
    for path in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    new = nbformat.v4.new_notebook()
    new.cells = [nbformat.v4.new_markdown_cell("# 16 · A new lesson")]
    nbformat.write(new, tmp_path / "16-A-New-Lesson.ipynb")
    with pytest.raises(ValueError, match=re.escape("16-A-New-Lesson.ipynb: its metadata needs tokenlab.map")):
        navigation.stale_map(tmp_path)
