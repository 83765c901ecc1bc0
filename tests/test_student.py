"""`tokenlab student-copy`: every notebook, nothing run, no widget state, no solution, placeholders intact."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import nbformat
import pytest

from tokenlab.cli import main
from tokenlab.student import clean_notebook, student_copy

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


@pytest.fixture(scope="module")
def copies(tmp_path_factory) -> dict[str, nbformat.NotebookNode]:
    out = tmp_path_factory.mktemp("student")
    written = student_copy(out, notebooks=ROOT / "notebooks")
    assert [p.name for p in written] == [p.name for p in NOTEBOOKS]
    return {p.name: nbformat.read(p, as_version=4) for p in sorted(out.iterdir())}


def test_every_notebook_is_copied_and_nothing_else(copies):
    assert len(NOTEBOOKS) == 16
    assert sorted(copies) == [p.name for p in NOTEBOOKS]


def test_copies_are_valid_notebooks_with_the_same_cells(copies):
    for path in NOTEBOOKS:
        original = nbformat.read(path, as_version=4)
        copy = copies[path.name]
        nbformat.validate(copy)
        assert [c.source for c in copy.cells] == [c.source for c in original.cells], path.name


def test_no_outputs_execution_counts_or_widget_state(copies):
    originals_had = {"outputs": 0, "widgets": 0}
    for path in NOTEBOOKS:
        original = nbformat.read(path, as_version=4)
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
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("answer = ...", execution_count=3),
        nbformat.v4.new_code_cell("answer = 42", metadata={"tags": ["solution"]}),
        nbformat.v4.new_markdown_cell("Answer: 42", metadata={"tags": ["hint", "solution"]}),
    ]
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="x")]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    source = tmp_path / "notebooks"
    source.mkdir()
    nbformat.write(nb, source / "01-Example.ipynb")
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "ex01.py").write_text("answer = 42\n")

    (written,) = student_copy(tmp_path / "out", notebooks=source)
    copy = nbformat.read(written, as_version=4)
    assert [c.source for c in copy.cells] == ["answer = ..."]
    assert copy.cells[0].outputs == [] and copy.cells[0].execution_count is None
    assert "widgets" not in copy.metadata
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["01-Example.ipynb"]


def test_clean_notebook_leaves_an_untagged_notebook_its_cells():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# hi"), nbformat.v4.new_code_cell("1")])
    assert [c.source for c in clean_notebook(nb).cells] == ["# hi", "1"]


def test_cli_writes_the_copies_from_the_checkout(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT / "src")  # finds notebooks/ in a parent folder
    assert main(["student-copy", "--out", str(tmp_path / "class")]) == 0
    assert sorted(p.name for p in (tmp_path / "class").iterdir()) == [p.name for p in NOTEBOOKS]
    assert "wrote 16 notebooks" in capsys.readouterr().out


def test_cli_refuses_outside_a_checkout_and_over_the_notebooks(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["student-copy"]) == 1
    assert "run this from a tokenlab checkout" in capsys.readouterr().err
    monkeypatch.chdir(ROOT)
    assert main(["student-copy", "--out", "notebooks"]) == 1
    assert "own notebooks folder" in capsys.readouterr().err
