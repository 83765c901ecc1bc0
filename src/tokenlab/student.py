"""A workshop hand-out of the course: ``tokenlab student-copy [--out DIR] [--course-url URL]`` (``make student``).

The hand-out is a folder complete on its own, laid out like the course so that the lessons' relative links
still resolve, ready to zip or to push as a repository of its own (an nbgitpuller link needs one)::

    DIR/README.md              how to install tokenlab and start the lab; the nbgitpuller link; where solutions are
    DIR/requirements.txt       tokenlab[lab] from the course repository at the lessons' commit, and the tested pins
    DIR/notebooks/NN-*.ipynb   every lesson the course map (in 00-Start-Here.ipynb) lists
    DIR/<path>                 any other committed file a lesson links to (never anything from solutions/)

The lessons come from what is committed (``git show HEAD:notebooks/…``), never from the working tree: an
autosaved edit, a ``…-Copy1.ipynb`` duplicate or a notebook the course map does not list stays out, and
:meth:`Handout.summary` says so. Each copy has its outputs, execution counts and saved widget state cleared and
its cells tagged ``solution`` removed; the exercises keep their ``...`` placeholders. A sentence that points at
``solutions/`` becomes one saying that the trainer hands the worked solutions out later.
"""

from __future__ import annotations

import posixpath
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "INDEX",
    "SOLUTION_TAG",
    "Handout",
    "HandoutError",
    "clean_notebook",
    "find_course",
    "relative_links",
    "student_copy",
    "without_solutions",
]

SOLUTION_TAG = "solution"
INDEX = "00-Start-Here.ipynb"  # the lesson whose "## The map" table lists the course (tools/navigation.py writes it)
PATTERN = "[0-9][0-9]-*.ipynb"
DEFAULT_COURSE_URL = "https://github.com/tokenlab/tokenlab"  # the repository the README's Binder badge names
README_TITLE = "# tokenlab — workshop hand-out"
HANDED_OUT_LATER = "your trainer hands out the worked solutions later"

_MAP_LINK = re.compile(r"\]\((\d\d-[^)#\s]+\.ipynb)\)")
_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|(?:href|src)=[\"']([^\"']+)[\"']")
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|#)", re.I)  # https:, mailto:, data:, //host, #anchor
# A link into solutions/ or a mention of it, but not an address that merely has /solutions/ in its path.
_SOLUTIONS = re.compile(r"\.\./solutions\b/?|(?<![\w/.-])solutions/")
_CLAUSE_START = re.compile(r"[.;!?](?:\*\*|\*|_)?\s+|\n[ \t]*\n\s*|^[ \t]*(?:[-*+]|\d+\.)[ \t]+|^#+[ \t]+", re.M)
_CLAUSE_END = re.compile(r"[.;!?](?=[*_]*(?:\s|\Z))|\n[ \t]*\n|\Z")


class HandoutError(ValueError):
    """The hand-out cannot be built as asked; the message says why and what to do."""


@dataclass
class Handout:
    """What :func:`student_copy` wrote, and what it left out on purpose."""

    out: Path
    commit: str
    lessons: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # README.md, requirements.txt and what the lessons link to
    uncommitted: list[str] = field(default_factory=list)  # lessons whose working copy differs from the commit
    not_in_map: list[str] = field(default_factory=list)  # notebooks/NN-*.ipynb the course map does not list

    def summary(self) -> str:
        """One line: what was written where, from which commit, and what was left out."""
        files = ", ".join(str(p.relative_to(self.out)) for p in self.files)
        line = (
            f"wrote {len(self.lessons)} lessons from commit {self.commit[:7]} (outputs cleared, no solutions) "
            f"and {files} to {self.out}/"
        )
        left_out = []
        if self.uncommitted:
            left_out.append(f"uncommitted changes to {', '.join(self.uncommitted)} (the commit's version is used)")
        if self.not_in_map:
            left_out.append(f"{', '.join(self.not_in_map)} (not in the course map)")
        return line + (f"; left out: {'; '.join(left_out)}" if left_out else "")


def find_course(start: Path | None = None) -> Path:
    """The course checkout: ``start`` (default: the working directory) or the first parent with ``notebooks/``."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if any((folder / "notebooks").glob(PATTERN)):
            return folder
    raise FileNotFoundError(
        f"no notebooks/{PATTERN} in {start} or any folder above it: run this from a tokenlab checkout"
    )


def without_solutions(text: str) -> str:
    """``text`` with each sentence (or ``;`` clause) that links to or names ``solutions/`` replaced.

    >>> without_solutions("Check yourself. Worked solutions are in `solutions/`, for when you are stuck.")
    'Check yourself. Your trainer hands out the worked solutions later.'
    >>> without_solutions("- Exercises give hints; solutions live in [solutions/](../solutions/ex01.py).")
    '- Exercises give hints; your trainer hands out the worked solutions later.'
    """
    while (mention := _SOLUTIONS.search(text)) is not None:
        starts = [m for m in _CLAUSE_START.finditer(text, 0, mention.start()) if m.end() <= mention.start()]
        start = starts[-1].end() if starts else 0
        after_semicolon = bool(starts) and starts[-1].group().startswith(";")
        end = _CLAUSE_END.search(text, mention.end())
        punctuation = end.group()[:1] if end.group()[:1] in ".;!?" else ""
        phrase = HANDED_OUT_LATER if after_semicolon else HANDED_OUT_LATER[0].upper() + HANDED_OUT_LATER[1:]
        text = text[:start] + phrase + (punctuation or ".") + text[end.start() + len(punctuation) :]
    return text


def relative_links(markdown: str) -> list[str]:
    """The link and image targets in ``markdown`` that are paths (no scheme, not an anchor), fragments removed."""
    targets = (a or b for a, b in _LINK.findall(markdown))
    return [target.split("#", 1)[0] for target in targets if not _EXTERNAL.match(target)]


def clean_notebook(nb):
    """Clear ``nb`` (an ``nbformat`` notebook) in place for a learner, and return it."""
    nb.cells = [cell for cell in nb.cells if SOLUTION_TAG not in cell.get("metadata", {}).get("tags", [])]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown":
            cell.source = without_solutions(cell.source)
        cell.get("metadata", {}).pop("execution", None)  # timings that nbclient may record
    nb.metadata.pop("widgets", None)  # saved widget state: application/vnd.jupyter.widget-state+json
    return nb


def _git(root: Path, *args: str, missing_ok: bool = False) -> bytes | None:
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise HandoutError("git is not installed: the hand-out is built from the course's committed lessons") from None
    if result.returncode == 0:
        return result.stdout
    if missing_ok:
        return None
    message = result.stderr.decode(errors="replace").strip().splitlines()
    raise HandoutError(f"git {' '.join(args)} failed in {root}: {message[-1] if message else result.returncode}")


def _committed(root: Path, path: str) -> bytes | None:
    """The committed content of ``path`` (relative to ``root``), or None when HEAD has no such file."""
    return _git(root, "show", f"HEAD:./{path}", missing_ok=True)


def _course_commit(root: Path) -> str:
    if _git(root, "rev-parse", "--is-inside-work-tree", missing_ok=True) is None:
        raise HandoutError(
            f"{root} is not a git checkout: the hand-out is built from the lessons as committed, so that autosaved "
            "edits never reach learners. Clone the course with git and run this again."
        )
    commit = _git(root, "rev-parse", "--verify", "-q", "HEAD", missing_ok=True)
    if commit is None:
        raise HandoutError(f"{root} has no commit yet: commit the lessons, then run this again")
    return commit.decode().strip()


def _lessons_in_map(index: bytes) -> list[str]:
    import nbformat

    nb = nbformat.reads(index.decode("utf-8"), as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## The map")]
    rows = [line for source in cells for line in source.splitlines() if line.startswith("|")]
    listed = [INDEX] + [name for row in rows for name in _MAP_LINK.findall(row)]
    if len(listed) == 1:
        raise HandoutError(f"the committed notebooks/{INDEX} has no '## The map' table listing the lessons")
    return list(dict.fromkeys(listed))


def _course_url(root: Path) -> str:
    origin = _git(root, "remote", "get-url", "origin", missing_ok=True)
    url = origin.decode().strip() if origin else ""
    return url if url.startswith("https://") else DEFAULT_COURSE_URL


def _check_out_folder(out: Path, root: Path) -> None:
    resolved, root = out.resolve(), root.resolve()
    if resolved in (root, root / "notebooks") or root.is_relative_to(resolved):
        raise HandoutError(f"{out} is the course's own folder or its notebooks folder: choose another --out")
    if out.exists() and not out.is_dir():
        raise HandoutError(f"{out} is a file, not a folder: choose another --out")
    old = list((out / "notebooks").glob(PATTERN)) if out.is_dir() else []
    readme = out / "README.md"
    ours = readme.is_file() and readme.read_text(encoding="utf-8", errors="replace").startswith(README_TITLE)
    if old and not ours:
        raise HandoutError(f"{out}/notebooks holds notebooks that no earlier hand-out wrote: choose another --out")


def _linked_files(root: Path, lessons: dict[str, object]) -> dict[str, bytes]:
    """Every committed file (path relative to ``root``) that a lesson links to and that is not a lesson."""
    found: dict[str, bytes] = {}
    for name, nb in lessons.items():
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for target in relative_links(cell.source):
                path = posixpath.normpath(posixpath.join("notebooks", target)) if target else ""
                if not target or path in (f"notebooks/{n}" for n in lessons) or path in found:
                    continue
                if path.startswith("../") or path == ".." or target.startswith("/"):
                    raise HandoutError(f"{name} links to {target}, which is outside the course's checkout")
                kind = _git(root, "cat-file", "-t", f"HEAD:./{path}", missing_ok=True)
                if kind is None:
                    raise HandoutError(f"{name} links to {target}, which is not committed: commit it or fix the link")
                if kind.strip() == b"tree":
                    listing = _git(root, "ls-tree", "-r", "--name-only", "HEAD", "--", path)
                    found.update({p: _committed(root, p) for p in listing.decode().splitlines()})
                else:
                    found[path] = _committed(root, path)
    return found


def _requirements(root: Path, course_url: str, commit: str) -> str:
    pins = (_committed(root, "binder/requirements.txt") or b"").decode()
    pinned = [line for line in pins.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return "\n".join(
        [
            "# tokenlab with JupyterLab, at the commit these lessons were built from, and the versions of its",
            "# dependencies the course is tested with (the same as on Binder). Install: pip install -r requirements.txt",
            f"tokenlab[lab] @ git+{course_url}@{commit}",
            *pinned,
            "",
        ]
    )


def _readme(lessons: list[str], commit: str, course_url: str) -> str:
    return f"""{README_TITLE}

The lessons of **tokenlab**, a course about API tokens that you run rather than read: {len(lessons)} Jupyter
notebooks in `notebooks/`, from `{lessons[0]}` to `{lessons[-1]}`.
They come without outputs: each cell shows what it does when you run it. Built from commit `{commit[:7]}` of
{course_url}.

## Install and start

You need Python 3.10 or newer, and git (pip fetches tokenlab from the course's repository). In this folder:

```sh
python -m venv .venv
.venv/bin/python -m pip install -r requirements.txt
.venv/bin/jupyter lab --LabApp.default_url=/lab/tree/notebooks/{INDEX}
```

On Windows, use `.venv\\Scripts\\python` and `.venv\\Scripts\\jupyter` instead. `requirements.txt` installs
tokenlab with JupyterLab (`tokenlab[lab]`) at the commit these lessons were built from, with the versions of
its dependencies the course is tested with. The last command prints the URL to open (with its login token) and
opens lesson 00; Ctrl-C stops it. In JupyterLab's own terminal the course's commands are
`.venv/bin/tokenlab serve` and `.venv/bin/tokenlab decode TOKEN` (or `.venv/bin/python -m tokenlab …`).

## On a JupyterHub

If your trainer runs a JupyterHub, you need none of the above: open the link they give you.

Trainers: put the contents of this folder at the top level of a repository of its own, install
`requirements.txt` in the hub's image, and give learners an [nbgitpuller](https://nbgitpuller.readthedocs.io/)
link that clones it into their home and opens lesson 00:

```text
https://<hub>/hub/user-redirect/git-pull?repo=<repo-url>&urlpath=lab/tree/<repo-name>/notebooks/{INDEX}&branch=main
```

`<repo-url>` is the repository's URL without `.git`, URL-encoded (`https%3A%2F%2F…`); `<repo-name>` is the last
part of that URL, which names the folder nbgitpuller clones into.

## Solutions

Every exercise checks itself: it says what is right and gives a hint for what is not, never the answer. This
folder has no solutions; {HANDED_OUT_LATER}.
"""


def student_copy(out: Path | str = "student", root: Path | None = None, *, course_url: str | None = None) -> Handout:
    """Write the hand-out into ``out`` from the committed lessons of the checkout ``root`` (default: found)."""
    import nbformat

    root = Path(root) if root is not None else find_course()
    out = Path(out)
    commit = _course_commit(root)
    _check_out_folder(out, root)
    course_url = course_url or _course_url(root)

    index = _committed(root, f"notebooks/{INDEX}")
    if index is None:
        raise HandoutError(f"notebooks/{INDEX}, the lesson with the course map, is not committed in {root}")
    names = _lessons_in_map(index)
    lessons, uncommitted = {}, []
    for name in names:
        committed = _committed(root, f"notebooks/{name}")
        if committed is None:
            raise HandoutError(f"the course map lists {name}, which is not committed: commit it or fix the map")
        on_disk = root / "notebooks" / name
        if not on_disk.is_file() or on_disk.read_bytes() != committed:
            uncommitted.append(name)
        nb = clean_notebook(nbformat.reads(committed.decode("utf-8"), as_version=4))
        for number, cell in enumerate(nb.cells):
            if _SOLUTIONS.search(cell.source):
                raise HandoutError(f"{name}, cell {number}, names solutions/ in code, which the hand-out leaves out")
        lessons[name] = nb
    not_in_map = [p.name for p in sorted((root / "notebooks").glob(PATTERN)) if p.name not in names]
    linked = _linked_files(root, lessons)

    for stale in (out / "notebooks").glob(PATTERN):
        stale.unlink()  # a lesson renamed or dropped since the last hand-out
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    handout = Handout(out=out, commit=commit, uncommitted=uncommitted, not_in_map=not_in_map)
    for name, nb in lessons.items():
        nbformat.write(nb, out / "notebooks" / name)
        handout.lessons.append(out / "notebooks" / name)
    files = {
        "README.md": _readme(names, commit, course_url).encode(),
        "requirements.txt": _requirements(root, course_url, commit).encode(),
        **linked,
    }
    for path, content in files.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        handout.files.append(target)
    return handout
