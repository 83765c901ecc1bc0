"""Every file the source's docstrings and comments name exists, so a reader who follows one finds it."""

import re
from pathlib import Path

import pytest

import tokenlab

PACKAGE = Path(tokenlab.__file__).parent
ROOT = PACKAGE.parent.parent
_REPO_PATH = re.compile(r"(?<![\w/])(?:tests|benchmarks|tools|solutions|binder|notebooks|docs)/[\w./*-]*[\w*]")
_PACKAGE_PATH = re.compile(r"(?<![\w/])tokenlab/[\w/-]+\.\w+")


def _named_paths() -> list[tuple[str, str]]:
    named = []
    for source in sorted(PACKAGE.rglob("*.py")):
        text = source.read_text(encoding="utf-8")
        where = str(source.relative_to(ROOT))
        named += [(where, match) for match in _REPO_PATH.findall(text)]
        named += [(where, "src/" + match) for match in _PACKAGE_PATH.findall(text)]
    return named


NAMED = _named_paths()


def test_the_scan_finds_the_paths_the_docstrings_name():
    assert len(NAMED) >= 10
    assert ("src/tokenlab/__init__.py", "tests/test_init.py") in NAMED


@pytest.mark.parametrize(("where", "path"), NAMED, ids=[f"{w}:{p}" for w, p in NAMED])
def test_every_named_path_exists(where, path):
    pattern = path.replace("NN", "[0-9][0-9]")  # notebooks/NN-*.ipynb names every lesson
    assert list(ROOT.glob(pattern)), f"{where} names {path}, which does not exist"
