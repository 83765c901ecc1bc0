"""No module of the package grows past 500 lines: past that, it holds more than one thing and should be split
by what each part does (the way ``scanner``, ``plots`` and ``provider.store`` were)."""

from __future__ import annotations

from pathlib import Path

import pytest

import tokenlab

LIMIT = 500
PACKAGE = Path(tokenlab.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))


def test_the_package_has_modules_to_measure():
    assert len(MODULES) > 50, MODULES


@pytest.mark.parametrize("module", MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_no_module_is_over_500_lines(module: Path):
    lines = len(module.read_text(encoding="utf-8").splitlines())
    assert lines <= LIMIT, f"{module.relative_to(PACKAGE)} has {lines} lines; split it by what its parts do"
