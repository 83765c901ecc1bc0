"""Lessons 05, 06, 10 and 11 executed top to bottom by a real kernel with ``TOKENLAB_*`` naming oidc-provider.

nbval checks the stored outputs, made with no provider chosen; here the same notebooks run as a learner who
started JupyterLab with their provider in the environment would run them: every cell must succeed, and the
"On your own provider" cell must report every step of the flow done on oidc-provider, none failed or skipped.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from .test_own_provider import environ  # noqa: F401  (the fixture: TOKENLAB_* for oidc-provider)

NOTEBOOKS = Path(__file__).parents[2] / "notebooks"


@pytest.mark.parametrize(
    "name",
    [
        "05-Client-Credentials",
        "06-Authorization-Code-With-PKCE",
        "10-Revocation-And-Introspection",
        "11-OpenID-Connect-And-Single-Sign-On",
    ],
)
def test_the_notebook_runs_its_flow_on_the_provider_named_in_the_environment(name, environ, monkeypatch):  # noqa: F811
    for variable, value in environ.items():
        monkeypatch.setenv(variable, value)  # the kernel inherits them, as it would from `make lab`
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    NotebookClient(
        notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    ).execute()
    (cell,) = [c for c in notebook.cells if c.get("id") == "own-provider"]
    (output,) = cell.outputs
    text = output["data"]["text/plain"]
    lesson = int(name[:2])
    assert text.startswith(f"Lesson {lesson:02d} on {environ['TOKENLAB_ISSUER']}\n"), text
    steps = text.splitlines()[1:]
    assert len(steps) >= 5, text
    assert all(step.startswith(("✓ ", "    ")) for step in steps), text
