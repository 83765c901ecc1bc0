"""Compare a cell's outputs from a learner's kernel on the hub with the lesson's stored outputs, as nbval does.

The same rules as ``pytest --nbval`` with this repository's settings: streams
of one name joined, the keys nbval skips not compared (metadata, execution
counts, PNG images, widget model ids), every other output field compared
after tests/nbval-sanitize.cfg's regexes. One more substitution is made, on
the learner's side only: on a hub, ``op.browser_url`` gives the path that
jupyter-server-proxy serves, ``/user/NAME/proxy/PORT/...``, where the stored
output (made on a laptop) has ``http://127.0.0.1:PORT/...``; that is the one
difference a hub is meant to make.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
from nbval.plugin import (
    coalesce_streams,
    find_comment_markers,
    find_metadata_tags,
    get_sanitize_patterns,
    transform_streams_for_comparison,
)

SANITIZE = Path(__file__).resolve().parents[1] / "nbval-sanitize.cfg"
# nbval's own skip list (IPyNbFile.skip_compare), with images skipped as nbval does without --nbdime.
SKIP_COMPARE = (
    "metadata",
    "traceback",
    "prompt_number",
    "output_type",
    "name",
    "execution_count",
    "application/vnd.jupyter.widget-view+json",
    "image/png",
    "image/jpeg",
)
HUB_LINK = (r"/user/[^/\"'\s]+/proxy/(\d+)/", r"http://127.0.0.1:\1/")


def patterns() -> list[tuple[str, str]]:
    return get_sanitize_patterns(SANITIZE.read_text(encoding="utf-8"))


def _sanitize(value: Any, rules: list[tuple[str, str]]) -> Any:
    if not isinstance(value, str):
        return value
    for regex, replace in rules:
        value = re.sub(regex, replace, value)
    return value


def _flatten(outputs: list[Any], rules: list[tuple[str, str]]) -> dict[str, list[Any]]:
    flat: dict[str, list[Any]] = {}
    for output in transform_streams_for_comparison(coalesce_streams(outputs)):
        for key, value in output.items():
            if key in SKIP_COMPARE:
                continue
            if key == "data":
                for mime, data in value.items():
                    if mime not in SKIP_COMPARE:
                        flat.setdefault(mime, []).append(_sanitize(data, rules))
            else:
                flat.setdefault(key, []).append(_sanitize(value, rules))
    return flat


def checked(cell: nbformat.NotebookNode) -> bool:
    """Whether nbval compares this stored cell's outputs (not NBVAL_IGNORE_OUTPUT, and the cell was run)."""
    options = dict(find_metadata_tags(cell.metadata))
    options.update(dict(find_comment_markers(cell.source)))
    return options.get("check", True) and cell.execution_count is not None


def difference(stored: list[Any], obtained: list[dict[str, Any]], rules: list[tuple[str, str]]) -> str | None:
    """``None`` when nbval would pass the cell, else what differs (the first differing field)."""
    reference = _flatten([nbformat.from_dict(o) for o in stored], rules)
    test = _flatten([nbformat.from_dict(o) for o in obtained], [HUB_LINK, *rules])
    if set(reference) != set(test):
        return f"output fields differ: stored {sorted(reference)}, obtained {sorted(test)}"
    for key, values in reference.items():
        if values != test[key]:
            return f"{key} differs:\n--- stored\n{values}\n--- obtained on the hub\n{test[key]}"
    return None
