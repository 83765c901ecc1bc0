"""`make student` (`tokenlab student-copy`): a hand-out complete on its own, built from the committed lessons.

Every lesson the course map lists, nothing run, no widget state, no solution, placeholders intact; a README that
says how to install tokenlab and start the lab; every link resolving inside the hand-out.
"""

from __future__ import annotations

import ast
import io
import os
import re
import shutil
import subprocess
import sys
import tokenize
import urllib.parse
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement

from tests.test_binder_env import EXECUTE  # runs a lesson in a kernel, prints where tokenlab came from
from tokenlab.cli import main
from tokenlab.student import HandoutError, clean_notebook, relative_links, student_copy

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("ex[0-9][0-9].py"))
MIN_CHARS = 20  # a solution snippet shorter than this (whitespace removed) is too trivial to give anything away

# Snippets of solutions/ that the lessons themselves show on purpose, or that are shared boilerplate rather than
# an answer. Each is (solution file, snippet with whitespace removed); keep this list short and justified.
TAUGHT = {
    # the same calls every lesson makes
    ("ex00.py", "clock=Clock.frozen()"),
    ("ex03.py", "demo_key_set().jwks()"),
    ("ex03.py", '"https://api.example.com"'),
    # the issuer and the algorithm allowlist lessons 00, 01 and 03 pass to verify in their own cells
    ("ex03.py", 'issuer="https://login.example.com",'),
    ("ex03.py", 'algorithms=["RS256","ES256","EdDSA"],'),
    ("ex06.py", 'client_id="web-app",'),
    ("ex06.py", 'scope="orders:read",'),
    ("ex15.py", 'algorithms=["RS256"],'),
    ("ex15.py", 'issuer="https://login.example.com",'),
    # 14.1 hands out the naive verifier to fix: its first line is kept by the solution
    ("ex14.py", "header,claims,signature,signing_input=split_token(token)"),
    # 15's exercise cell names the four functions for the checker; the solution repeats that call
    ("ex15.py", '"load_api_key":load_api_key'),
    ("ex15.py", '"build_request":build_request'),
    ("ex15.py", '"check_token":check_token'),
    (
        "ex15.py",
        '{"load_api_key":load_api_key,"build_request":build_request,"log_call":log_call,"check_token":check_token}',
    ),
}
# Exercises whose starting code is something to fix, not a `...` to fill in: {notebook: checker}.
NO_PLACEHOLDER = {"14-Attack-Lab.ipynb": "check_hardened_verifier"}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def solution_snippets(path: Path) -> set[str]:
    """Each function body line and each module constant's value (and its items) in ``path``, whitespace removed.

    Comments and docstrings are left out; so is anything shorter than ``MIN_CHARS``.
    """
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            row, col = token.start
            lines[row - 1] = lines[row - 1][:col]
    uncommented = "\n".join(lines)
    docstrings = {
        line
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for line in range(node.lineno, node.end_lineno + 1)
    }

    def text(node: ast.AST) -> str:
        return _squash(ast.get_source_segment(uncommented, node) or "")

    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.update(
                _squash(lines[n - 1]) for n in range(node.body[0].lineno, node.end_lineno + 1) if n not in docstrings
            )
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if value is None:
            continue
        found.add(text(value))
        if isinstance(value, ast.Dict):
            found.update(f"{text(k)}:{text(v)}" for k, v in zip(value.keys, value.values, strict=True) if k is not None)
        elif isinstance(value, (ast.List, ast.Tuple, ast.Set)):
            found.update(text(e) for e in value.elts)
    return {snippet for snippet in found if len(snippet) >= MIN_CHARS}


COURSE_URL = "https://git.example.org/course/tokenlab"
GIT = ["git", "-c", "user.name=Trainer", "-c", "user.email=trainer@example.org", "-c", "commit.gpgsign=false"]


def git(folder: Path, *args: str) -> str:
    return subprocess.run([*GIT, "-C", str(folder), *args], check=True, capture_output=True, text=True).stdout


def committed_notebook(name: str) -> nbformat.NotebookNode:
    return nbformat.reads(git(ROOT, "show", f"HEAD:./notebooks/{name}"), as_version=4)


@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    """The hand-out of this checkout's committed lessons."""
    return student_copy(tmp_path_factory.mktemp("handout") / "student", root=ROOT, course_url=COURSE_URL)


@pytest.fixture(scope="module")
def copies(handout) -> dict[str, nbformat.NotebookNode]:
    assert [p.name for p in handout.lessons] == [p.name for p in NOTEBOOKS]
    return {p.name: nbformat.read(p, as_version=4) for p in handout.lessons}


def lesson(title: str, *cells: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(metadata={"tokenlab": {"map": "something to do"}})
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}")] + [
        nbformat.v4.new_markdown_cell(c) if c.startswith("md:") else nbformat.v4.new_code_cell(c) for c in cells
    ]
    for cell in nb.cells:
        cell.source = cell.source.removeprefix("md:")
    return nb


def make_course(root: Path, lessons: dict[str, nbformat.NotebookNode], files: dict[str, str] | None = None) -> Path:
    """A git repository holding a small course: lesson 00 with its map, the given lessons and files, committed."""
    rows = "\n".join(f"| {n[:2]} | [{n[3:-6]}]({n}) | something to do |" for n in lessons)
    index = lesson("00 · Start here", f"md:## The map\n\n| # | lesson | what you do |\n|---|---|---|\n{rows}")
    (root / "notebooks").mkdir(parents=True)
    nbformat.write(index, root / "notebooks" / "00-Start-Here.ipynb")
    for name, nb in lessons.items():
        nbformat.write(nb, root / "notebooks" / name)
    for path, text in (files or {}).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "the course")
    return root


# --- what is committed, and only the lessons the map lists -------------------------------------------------------


def test_the_copy_has_the_committed_lesson_not_an_autosaved_edit(tmp_path):
    root = make_course(tmp_path / "course", {"01-Example.ipynb": lesson("01 · Example", "answer = ...")})
    autosaved = nbformat.read(root / "notebooks" / "01-Example.ipynb", as_version=4)
    autosaved.cells[1].source = "answer = 42  # typed during the dry run"
    nbformat.write(autosaved, root / "notebooks" / "01-Example.ipynb")

    handout = student_copy(tmp_path / "out", root=root, course_url=COURSE_URL)

    copy = nbformat.read(tmp_path / "out" / "notebooks" / "01-Example.ipynb", as_version=4)
    assert [c.source for c in copy.cells] == ["# 01 · Example", "answer = ..."]
    assert handout.uncommitted == ["01-Example.ipynb"]
    assert "; left out: uncommitted changes to 01-Example.ipynb (the commit's version is used)" in handout.summary()


def test_a_copy1_duplicate_and_a_notebook_missing_from_the_map_are_left_out_and_named(tmp_path):
    root = make_course(tmp_path / "course", {"01-Example.ipynb": lesson("01 · Example", "1")})
    for name in ("01-Example-Copy1.ipynb", "02-Draft.ipynb"):
        (root / "notebooks" / name).write_bytes((root / "notebooks" / "01-Example.ipynb").read_bytes())
    git(root, "add", "notebooks/02-Draft.ipynb")
    git(root, "commit", "-q", "-m", "a draft, committed but not in the map yet")

    handout = student_copy(tmp_path / "out", root=root, course_url=COURSE_URL)

    assert sorted(p.name for p in (tmp_path / "out" / "notebooks").iterdir()) == [
        "00-Start-Here.ipynb",
        "01-Example.ipynb",
    ]
    assert handout.not_in_map == ["01-Example-Copy1.ipynb", "02-Draft.ipynb"]


def test_the_summary_says_in_one_line_what_was_written_and_what_was_left_out(tmp_path):
    root = make_course(tmp_path / "course", {"01-Example.ipynb": lesson("01 · Example", "1")})
    (root / "notebooks" / "01-Example-Copy1.ipynb").write_text("{}")
    commit = git(root, "rev-parse", "--short=7", "HEAD").strip()

    summary = student_copy(tmp_path / "out", root=root, course_url=COURSE_URL).summary()

    assert "\n" not in summary
    assert summary == (
        f"wrote 2 lessons from commit {commit} (outputs cleared, no solutions) and README.md, requirements.txt "
        f"to {tmp_path / 'out'}/; left out: 01-Example-Copy1.ipynb (not in the course map)"
    )


def test_a_folder_that_is_not_a_git_checkout_is_refused_with_what_to_do(tmp_path):
    (tmp_path / "notebooks").mkdir()
    nbformat.write(lesson("00 · Start here"), tmp_path / "notebooks" / "00-Start-Here.ipynb")
    with pytest.raises(
        HandoutError, match="is not a git checkout: the hand-out is built from the lessons as committed"
    ):
        student_copy(tmp_path / "out", root=tmp_path)
    assert not (tmp_path / "out").exists()


def test_a_lesson_the_map_lists_but_nobody_committed_is_refused(tmp_path):
    root = make_course(tmp_path / "course", {"01-Example.ipynb": lesson("01 · Example", "1")})
    git(root, "rm", "-q", "--cached", "notebooks/01-Example.ipynb")
    git(root, "commit", "-q", "-m", "oops")
    with pytest.raises(HandoutError, match=re.escape("the course map lists 01-Example.ipynb, which is not committed")):
        student_copy(tmp_path / "out", root=root, course_url=COURSE_URL)


def test_a_second_run_drops_a_lesson_no_longer_listed_and_keeps_the_folders_own_git(tmp_path):
    root = make_course(tmp_path / "course", {"01-Example.ipynb": lesson("01 · Example", "1")})
    out = tmp_path / "out"
    student_copy(out, root=root, course_url=COURSE_URL)
    (out / "notebooks" / "07-Renamed-Since.ipynb").write_text("{}")
    git(out, "init", "-q")  # the trainer made it a repository to push

    student_copy(out, root=root, course_url=COURSE_URL)
    assert sorted(p.name for p in (out / "notebooks").iterdir()) == ["00-Start-Here.ipynb", "01-Example.ipynb"]
    assert (out / ".git").is_dir()


def test_a_folder_holding_notebooks_no_hand_out_wrote_is_not_overwritten(tmp_path):
    root = make_course(tmp_path / "course", {"01-Example.ipynb": lesson("01 · Example", "1")})
    other = make_course(tmp_path / "other", {"01-Mine.ipynb": lesson("01 · Mine", "2")})
    with pytest.raises(HandoutError, match="holds notebooks that no earlier hand-out wrote"):
        student_copy(other, root=root, course_url=COURSE_URL)
    assert (other / "notebooks" / "01-Mine.ipynb").exists()


# --- complete on its own: README, requirements, links ------------------------------------------------------------


def test_the_handout_readme_names_the_install_and_start_commands(handout):
    readme = (handout.out / "README.md").read_text()
    assert "python -m pip install -r requirements.txt" in readme
    assert "jupyter lab --LabApp.default_url=/lab/tree/notebooks/00-Start-Here.ipynb" in readme
    assert ".venv/bin/tokenlab serve" in readme
    assert "Python 3.10 or newer" in readme
    assert "your trainer hands out the worked solutions later" in readme


def test_requirements_install_tokenlab_with_jupyterlab_at_the_lessons_commit_and_the_tested_pins(handout):
    lines = [line for line in (handout.out / "requirements.txt").read_text().splitlines() if not line.startswith("#")]
    requirements = {r.name: r for r in map(Requirement, lines)}
    assert requirements["tokenlab"].extras == {"lab"}
    assert requirements["tokenlab"].url == f"git+{COURSE_URL}@{git(ROOT, 'rev-parse', 'HEAD').strip()}"
    pins = (ROOT / "binder" / "requirements.txt").read_text()
    for name in ("jupyterlab", "jupyter-server-proxy", "pyjwt", "ipywidgets"):
        assert f"{name}{requirements[name].specifier}" in pins


def test_every_relative_link_in_the_handout_resolves_inside_it(handout):
    out = handout.out.resolve()
    texts = {p: nbformat.read(p, as_version=4) for p in handout.lessons}
    checked, broken = 0, []
    for path, nb in texts.items():
        for cell in nb.cells:
            for target in relative_links(cell.source) if cell.cell_type == "markdown" else []:
                resolved = (path.parent / urllib.parse.unquote(target)).resolve()
                checked += 1
                if not resolved.is_relative_to(out) or not resolved.exists():
                    broken.append(f"{path.name} → {target}")
    for target in relative_links((handout.out / "README.md").read_text()):
        checked += 1
        if not (out / target).resolve().is_relative_to(out) or not (out / target).exists():
            broken.append(f"README.md → {target}")
    assert checked > 30, "too few links: the extraction is broken"
    assert broken == []


def test_nothing_in_the_handout_points_into_solutions(handout):
    mentions = [
        str(path.relative_to(handout.out))
        for path in handout.out.rglob("*")
        if path.is_file() and "solutions/" in path.read_text(encoding="utf-8")
    ]
    assert "solutions/" in (committed_notebook("00-Start-Here.ipynb").cells[1].source), "the check would prove nothing"
    assert mentions == []
    assert not (handout.out / "solutions").exists()


def test_a_link_into_solutions_becomes_a_sentence_that_the_trainer_hands_them_out(tmp_path):
    text = "md:Try it first. Stuck? The [worked solution](../solutions/ex01.py) shows one way; take your time."
    root = make_course(tmp_path / "course", {"01-Example.ipynb": lesson("01 · Example", text)})
    student_copy(tmp_path / "out", root=root, course_url=COURSE_URL)
    copy = nbformat.read(tmp_path / "out" / "notebooks" / "01-Example.ipynb", as_version=4)
    assert copy.cells[1].source == (
        "Try it first. Stuck? Your trainer hands out the worked solutions later; take your time."
    )


def test_a_file_a_lesson_links_to_is_carried_and_a_link_outside_the_course_is_refused(tmp_path):
    text = "md:See the [cheat sheet](../docs/cheat-sheet.md) and the [picture](img/flow.svg)."
    lessons = {"01-Example.ipynb": lesson("01 · Example", text)}
    files = {"docs/cheat-sheet.md": "# Cheat sheet\n", "notebooks/img/flow.svg": "<svg/>"}
    root = make_course(tmp_path / "course", lessons, files)
    handout = student_copy(tmp_path / "out", root=root, course_url=COURSE_URL)
    assert (tmp_path / "out" / "docs" / "cheat-sheet.md").read_text() == "# Cheat sheet\n"
    assert (tmp_path / "out" / "notebooks" / "img" / "flow.svg").read_text() == "<svg/>"
    assert "docs/cheat-sheet.md" in handout.summary()

    outside = make_course(tmp_path / "c2", {"01-Example.ipynb": lesson("01 · Example", "md:[x](../../secret.txt)")})
    with pytest.raises(HandoutError, match=r"01-Example.ipynb links to \.\./\.\./secret.txt, which is outside"):
        student_copy(tmp_path / "out2", root=outside, course_url=COURSE_URL)


def nbgitpuller_urlpath(readme: str) -> str:
    (link,) = re.findall(r"https://<hub>/hub/user-redirect/git-pull\?\S+", readme)
    return urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["urlpath"][0]


def test_the_nbgitpuller_link_opens_lesson_00_of_a_repository_built_from_the_handout(handout, tmp_path):
    repo = tmp_path / "git-server" / "tokenlab-workshop"  # the trainer's repository: the hand-out at its top level
    shutil.copytree(handout.out, repo)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "the hand-out")
    home = tmp_path / "home"
    home.mkdir()
    url = repo.as_uri()
    git(home, "clone", "-q", url, url.rsplit("/", 1)[-1])  # nbgitpuller clones into the URL's last part

    for readme in (handout.out / "README.md", ROOT / "README.md"):
        urlpath = nbgitpuller_urlpath(readme.read_text())
        assert urlpath.startswith("lab/tree/<repo-name>/"), readme
        opened = home / urlpath.removeprefix("lab/tree/").replace("<repo-name>", "tokenlab-workshop")
        assert opened.name == "00-Start-Here.ipynb" and opened.is_file(), f"{readme}: {urlpath}"


# --- clean copies of this course's lessons ----------------------------------------------------------------------


def test_every_notebook_is_copied_and_nothing_else(copies):
    assert len(NOTEBOOKS) == 16
    assert sorted(copies) == [p.name for p in NOTEBOOKS]


def test_copies_are_valid_notebooks_with_the_same_cells(copies):
    rewritten = 0
    for path in NOTEBOOKS:
        original = committed_notebook(path.name)
        copy = copies[path.name]
        nbformat.validate(copy)
        assert [c.id for c in copy.cells] == [c.id for c in original.cells], path.name
        for ours, theirs in zip(copy.cells, original.cells, strict=True):
            if "solutions/" in theirs.source:
                rewritten += 1
                assert "your trainer hands out the worked solutions later" in ours.source.lower()
            else:
                assert ours.source == theirs.source, path.name
    assert rewritten >= 2  # lesson 00 names solutions/ twice


def test_no_outputs_execution_counts_or_widget_state(copies):
    originals_had = {"outputs": 0, "widgets": 0}
    for path in NOTEBOOKS:
        original = committed_notebook(path.name)
        originals_had["outputs"] += sum(bool(c.get("outputs")) for c in original.cells)
        originals_had["widgets"] += "widgets" in original.metadata
    assert originals_had["outputs"] and originals_had["widgets"], "the check would prove nothing"
    for name, nb in copies.items():
        assert "widgets" not in nb.metadata, name
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [], name
                assert cell.execution_count is None, name
            assert "widget-view" not in str(cell), name


def test_no_solution_text_survives(copies):
    assert len(SOLUTIONS) == 16
    cells = {name: [_squash(c.source) for c in nb.cells] for name, nb in copies.items()}
    checked, leaks = 0, []
    for solution in SOLUTIONS:
        for snippet in solution_snippets(solution):
            if (solution.name, snippet) in TAUGHT:
                continue
            checked += 1
            leaks += [f"{solution.name} in {n}: {snippet}" for n, cs in cells.items() if any(snippet in c for c in cs)]
    assert checked > 50, "too few snippets: the extraction is broken"
    assert not leaks, "\n".join(leaks)


def test_the_taught_allowlist_is_still_needed():
    """An entry that no longer matches anything should go, so the allowlist cannot grow stale and hide a leak."""
    snippets = {(s.name, snippet) for s in SOLUTIONS for snippet in solution_snippets(s)}
    assert not TAUGHT - snippets


def test_exercise_cells_keep_their_placeholders(copies):
    exercises = 0
    for name, nb in copies.items():
        for cell in nb.cells:
            if cell.cell_type != "code" or "exercises.check_" not in cell.source:
                continue
            exercises += 1
            if NO_PLACEHOLDER.get(name, "\0") in cell.source:
                continue
            assert "..." in cell.source, f"{name}: exercise cell lost its `...`:\n{cell.source}"
    assert exercises >= 28


def test_cells_tagged_solution_are_removed(tmp_path):
    nb = lesson("01 · Example", "answer = ...", "answer = 42", "md:Answer: 42")
    nb.cells[1].execution_count = 3
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="x")]
    nb.cells[2].metadata["tags"] = ["solution"]
    nb.cells[3].metadata["tags"] = ["hint", "solution"]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    root = make_course(tmp_path / "course", {"01-Example.ipynb": nb}, {"solutions/ex01.py": "answer = 42\n"})

    student_copy(tmp_path / "out", root=root, course_url=COURSE_URL)
    copy = nbformat.read(tmp_path / "out" / "notebooks" / "01-Example.ipynb", as_version=4)
    assert [c.source for c in copy.cells] == ["# 01 · Example", "answer = ..."]
    assert copy.cells[1].outputs == [] and copy.cells[1].execution_count is None
    assert "widgets" not in copy.metadata
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["README.md", "notebooks", "requirements.txt"]


def test_clean_notebook_leaves_an_untagged_notebook_its_cells():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# hi"), nbformat.v4.new_code_cell("1")])
    assert [c.source for c in clean_notebook(nb).cells] == ["# hi", "1"]


def test_cli_writes_the_copies_from_the_checkout(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT / "src")  # finds notebooks/ in a parent folder
    assert main(["student-copy", "--out", str(tmp_path / "class")]) == 0
    assert sorted(p.name for p in (tmp_path / "class" / "notebooks").iterdir()) == [p.name for p in NOTEBOOKS]
    assert (tmp_path / "class" / "README.md").is_file()
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("tokenlab: wrote 16 lessons from commit ")
    # (other lessons being edited in this checkout would add "; left out: uncommitted changes to …")
    assert f"(outputs cleared, no solutions) and README.md, requirements.txt to {tmp_path / 'class'}/" in line


def test_cli_refuses_outside_a_checkout_and_over_the_notebooks(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["student-copy"]) == 1
    assert "run this from a tokenlab checkout" in capsys.readouterr().err
    monkeypatch.chdir(ROOT)
    assert main(["student-copy", "--out", "notebooks"]) == 1
    assert "is the course's own folder or its notebooks folder: choose another --out" in capsys.readouterr().err
    assert main(["student-copy", "--out", "."]) == 1
    assert "is the course's own folder" in capsys.readouterr().err


def test_the_handouts_requirements_install_tokenlab_at_the_lessons_commit_and_lesson_00_runs_on_it(tmp_path):
    """The learner's install, for real: pip reads the tokenlab line of requirements.txt (here from this checkout
    over git, at HEAD) and lesson 00 of the hand-out runs top to bottom in a kernel that imports what pip installed.
    The dependencies come from this environment (the pins are checked above), so this takes seconds, not minutes."""
    handout = student_copy(tmp_path / "student", root=ROOT, course_url=f"file://localhost{ROOT.as_posix()}")
    (line,) = [r for r in (handout.out / "requirements.txt").read_text().splitlines() if r.startswith("tokenlab")]
    site = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", "--target"]
    installed = subprocess.run([*pip, str(site), line], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    committed = git(ROOT, "show", "HEAD:./src/tokenlab/student.py")
    assert (site / "tokenlab" / "student.py").read_text() == committed

    env = {**os.environ, "PYTHONPATH": str(site), "JUPYTER_PLATFORM_DIRS": "1"}
    lesson_00 = handout.out / "notebooks" / "00-Start-Here.ipynb"
    ran = subprocess.run(
        [sys.executable, "-c", EXECUTE, str(lesson_00), str(lesson_00.parent)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert Path(ran.stdout.split()[-1]).is_relative_to(site)  # the kernel ran the installed tokenlab
