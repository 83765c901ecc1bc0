"""Previous/next links for every lesson, generated rather than typed: ``python -m tools.navigation``.

Each notebook's first cell has a navigation line, ``[← NN · Title](file) · [Course map](00-Start-Here.ipynb#The-map)
· [NN · Title →](file)``, built here from the notebooks that exist and their ``# NN · Title`` headings. Only that
line changes, so outputs stay as stored.

The index, the table under ``## The map`` in ``00-Start-Here.ipynb``, is generated too: one row per lesson, its
number and title from the heading and its "what you do" from the lesson's own metadata (``tokenlab.map``), so a
new or renamed lesson appears there by running this script. ``tests/test_navigation.py`` fails when a navigation
line or the map is stale, and when any link in any lesson points at a file that does not exist.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
INDEX = "00-Start-Here.ipynb"
MAP = f"[Course map]({INDEX}#The-map)"
_MAP_HEADING = "## The map"
_TITLE = re.compile(r"^# (\d\d) · (.+)$", re.M)
_NAVIGATION = re.compile(r"\[Course map\]\(")  # any line linking the map is a navigation line


def _squeeze_blank_lines(lines: list[str]) -> list[str]:
    """No two blank lines in a row (left behind where a duplicate navigation line was removed)."""
    return [line for i, line in enumerate(lines) if line.strip() or i == 0 or lines[i - 1].strip()]


def lessons(folder: Path = NOTEBOOKS) -> list[tuple[Path, str]]:
    """Every lesson in order, with its heading: ``(path, "01 · What is an API token")``."""
    found = []
    for path in sorted(folder.glob("[0-9][0-9]-*.ipynb")):
        first = nbformat.read(path, as_version=4).cells[0].source
        match = _TITLE.search(first)
        if match is None:
            raise ValueError(f"{path.name}: the first cell must start with '# NN · Title'")
        found.append((path, f"{match.group(1)} · {match.group(2)}"))
    return found


def navigation_line(index: int, all_lessons: list[tuple[Path, str]]) -> str:
    parts = []
    if index > 0:
        path, title = all_lessons[index - 1]
        parts.append(f"[← {title}]({path.name})")
    parts.append(MAP)
    if index + 1 < len(all_lessons):
        path, title = all_lessons[index + 1]
        parts.append(f"[{title} →]({path.name})")
    return " · ".join(parts)


def stale(folder: Path = NOTEBOOKS, *, fix: bool = False) -> list[str]:
    """The notebooks whose navigation line is not the generated one (rewritten when ``fix``)."""
    all_lessons = lessons(folder)
    changed = []
    for index, (path, _) in enumerate(all_lessons):
        notebook = nbformat.read(path, as_version=4)
        lines = notebook.cells[0].source.split("\n")
        wanted = navigation_line(index, all_lessons)
        navigation = [i for i, line in enumerate(lines) if _NAVIGATION.search(line)]
        if navigation:
            fixed = [line for i, line in enumerate(lines) if i not in navigation[1:]]
            fixed = _squeeze_blank_lines(fixed)
            fixed[navigation[0]] = wanted
        else:
            fixed = [*lines[:1], "", wanted, *lines[1:]]
        if fixed != lines:
            changed.append(path.name)
            if fix:
                notebook.cells[0].source = "\n".join(fixed)
                nbformat.write(notebook, path)
    return changed


def map_rows(all_lessons: list[tuple[Path, str]]) -> list[str]:
    """The course map's table: a row per lesson, with the line it gives itself in ``metadata.tokenlab.map``."""
    rows = ["| # | lesson | what you do |", "|---|---|---|"]
    for path, title in all_lessons:
        number, name = title.split(" · ", 1)
        what = nbformat.read(path, as_version=4).metadata.get("tokenlab", {}).get("map")
        if not what:
            raise ValueError(f"{path.name}: its metadata needs tokenlab.map, the lesson's line in the course map")
        link = f"**{name}**" if path.name == INDEX else f"[{name}]({path.name})"
        rows.append(f"| {number} | {link} | {what} |")
    return rows


def stale_map(folder: Path = NOTEBOOKS, *, fix: bool = False) -> bool:
    """Whether the index's map table differs from the generated one (rewritten when ``fix``)."""
    path = folder / INDEX
    notebook = nbformat.read(path, as_version=4)
    (cell,) = [c for c in notebook.cells if c.cell_type == "markdown" and c.source.startswith(_MAP_HEADING)]
    lines = cell.source.split("\n")
    table = [i for i, line in enumerate(lines) if line.startswith("|")]
    if not table:
        raise ValueError(f"{INDEX}: the cell under {_MAP_HEADING!r} has no table to replace")
    fixed = [*lines[: table[0]], *map_rows(lessons(folder)), *lines[table[-1] + 1 :]]
    if fixed == lines:
        return False
    if fix:
        cell.source = "\n".join(fixed)
        nbformat.write(notebook, path)
    return True


if __name__ == "__main__":
    rewritten = stale(fix=True) + ([f"{INDEX} (the course map)"] if stale_map(fix=True) else [])
    print("\n".join(f"updated {name}" for name in rewritten) or "every navigation line is up to date")
    sys.exit(0)
