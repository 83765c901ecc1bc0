"""A name means one thing: ``check_*`` returns a verdict, ``require_*`` raises when the rule is broken."""

import ast
from pathlib import Path

import tokenlab

SOURCE = Path(tokenlab.__file__).parent


def _public_functions(prefix: str) -> list[tuple[str, ast.FunctionDef]]:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith(prefix):
                found.append((f"{path.relative_to(SOURCE)}:{node.name}", node))
    return found


def _returns_none(node: ast.FunctionDef) -> bool:
    return isinstance(node.returns, ast.Constant) and node.returns.value is None


def test_every_check_function_returns_a_verdict_instead_of_raising_none():
    checks = _public_functions("check_")
    assert len(checks) > 20  # the exercises' checks, at least
    assert [name for name, node in checks if node.returns is None or _returns_none(node)] == []


def test_every_exercise_check_returns_feedback():
    checks = [(name, node) for name, node in _public_functions("check_") if name.startswith("exercises/")]
    assert checks
    assert [name for name, node in checks if ast.unparse(node.returns) != "Feedback"] == []


def test_every_require_function_raises_when_its_rule_is_broken():
    requirements = _public_functions("require_")
    assert len(requirements) >= 10
    silent = [name for name, node in requirements if not any(isinstance(n, ast.Raise) for n in ast.walk(node))]
    assert silent == []
