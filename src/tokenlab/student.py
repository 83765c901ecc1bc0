"""Student copies of the course notebooks, for a workshop: ``tokenlab student-copy [--out DIR]``.

Every ``NN-*.ipynb`` of the course's ``notebooks/`` folder is written to ``DIR`` (default ``./student``) with
its outputs and execution counts cleared, saved widget state removed, and every cell tagged ``solution`` left
out. The exercises keep their ``...`` placeholders. Nothing from ``solutions/`` is copied.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["SOLUTION_TAG", "clean_notebook", "find_notebooks", "student_copy"]

SOLUTION_TAG = "solution"
PATTERN = "[0-9][0-9]-*.ipynb"


def find_notebooks(start: Path | None = None) -> Path:
    """The course's ``notebooks/`` folder: in ``start`` (default: the working directory) or a parent of it."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        candidate = folder / "notebooks"
        if any(candidate.glob(PATTERN)):
            return candidate
    raise FileNotFoundError(
        f"no notebooks/{PATTERN} in {start} or any folder above it: run this from a tokenlab checkout"
    )


def clean_notebook(nb):
    """Clear ``nb`` (an ``nbformat`` notebook) in place for a learner, and return it."""
    nb.cells = [cell for cell in nb.cells if SOLUTION_TAG not in cell.get("metadata", {}).get("tags", [])]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.get("metadata", {}).pop("execution", None)  # timings that nbclient may record
    nb.metadata.pop("widgets", None)  # saved widget state: application/vnd.jupyter.widget-state+json
    return nb


def student_copy(out: Path | str = "student", notebooks: Path | None = None) -> list[Path]:
    """Write clean copies of every course notebook into ``out``; return the paths written, in course order."""
    import nbformat

    source = Path(notebooks) if notebooks is not None else find_notebooks()
    paths = sorted(source.glob(PATTERN))
    if not paths:
        raise FileNotFoundError(f"no {PATTERN} in {source}")
    out = Path(out)
    if out.resolve() == source.resolve():
        raise ValueError(f"{out} is the course's own notebooks folder: choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        nb = clean_notebook(nbformat.read(path, as_version=4))
        target = out / path.name
        nbformat.write(nb, target)
        written.append(target)
    return written
