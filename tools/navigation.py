"""Previous/next links for every lesson, generated rather than typed: ``python -m tools.navigation``.

Each notebook's first cell has a navigation line, ``[← NN · Title](file) · [Course map](00-Start-Here.ipynb#The-map)
· [NN · Title →](file)``, built here from the notebooks that exist and their ``# NN · Title`` headings. Only that
line changes, so outputs stay as stored. ``tests/test_navigation.py`` fails when a notebook's line is stale, and
when any link in any lesson points at a file that does not exist.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
MAP = "[Course map](00-Start-Here.ipynb#The-map)"
_TITLE = re.compile(r"^# (\d\d) · (.+)$", re.M)


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
        at = next((i for i, line in enumerate(lines) if MAP in line), None)
        if at is None:
            at = 1
            lines[1:1] = ["", ""]
            at = 2
        if lines[at] != wanted:
            changed.append(path.name)
            if fix:
                lines[at] = wanted
                notebook.cells[0].source = "\n".join(lines)
                nbformat.write(notebook, path)
    return changed


if __name__ == "__main__":
    rewritten = stale(fix=True)
    print("\n".join(f"updated {name}" for name in rewritten) or "every navigation line is up to date")
    sys.exit(0)
