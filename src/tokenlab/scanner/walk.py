"""Files and folders: scan one file, or every file under a folder, and note what could not be scanned.

A file that cannot be read, is not a regular file (a pipe would block) or is
binary is noted in the report, never raised. A folder walk skips ``.git`` and
other version-control folders, does not follow symbolic links unless asked (and
then never into a loop), and notes every file it could not read instead of
failing.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from tokenlab.scanner.findings import ScanReport, Skipped
from tokenlab.scanner.search import CHUNK_SIZE, MAX_FILE_BYTES, TIME_LIMIT, scan_stream

__all__ = ["DEFAULT_SKIP_DIRS", "scan_file", "scan_path"]

DEFAULT_SKIP_DIRS = frozenset({".git", ".hg", ".svn"})
"""Folders a walk does not enter: version-control internals (scan history with the VCS's own tools)."""


def scan_file(
    path: str | os.PathLike[str],
    *,
    name: str | None = None,
    keep_failed: bool = False,
    scan_binary: bool = False,
    max_bytes: int = MAX_FILE_BYTES,
    time_limit: float = TIME_LIMIT,
    chunk_size: int = CHUNK_SIZE,
) -> ScanReport:
    """Scan one file. ``name`` is what findings call it (the file name by default: never a machine path).

    A file that cannot be read, is not a regular file (a pipe would block) or
    is binary is reported in ``skipped``, never raised.
    """
    path = Path(path)
    name = path.name if name is None else name
    try:
        info = path.stat()
    except OSError as exc:
        return ScanReport(skipped=[Skipped(name, f"unreadable: {exc.strerror or type(exc).__name__}")])
    if not stat.S_ISREG(info.st_mode):
        return ScanReport(skipped=[Skipped(name, "not a regular file")])
    try:
        with path.open("rb") as stream:
            return scan_stream(
                stream,
                name=name,
                keep_failed=keep_failed,
                scan_binary=scan_binary,
                max_bytes=max_bytes,
                time_limit=time_limit,
                chunk_size=chunk_size,
            )
    except OSError as exc:
        return ScanReport(skipped=[Skipped(name, f"unreadable: {exc.strerror or type(exc).__name__}")])


def scan_path(
    root: str | os.PathLike[str],
    *,
    follow_symlinks: bool = False,
    skip_dirs: frozenset[str] | set[str] = DEFAULT_SKIP_DIRS,
    **options: object,
) -> ScanReport:
    """Scan a file, or every file under a folder; paths in the report are relative to ``root``, with ``/``.

    Folders in ``skip_dirs`` are not entered. Symbolic links are noted and not
    followed unless ``follow_symlinks``; then a link back into a folder already
    scanned (a loop) is noted instead of entered. Other keyword arguments are
    those of :func:`scan_file`.
    """
    root = Path(root)
    report = ScanReport()
    if not root.is_dir():
        return scan_file(root, **options)  # type: ignore[arg-type]
    for relative, path in _walk(root, report, follow_symlinks=follow_symlinks, skip_dirs=skip_dirs):
        found = scan_file(path, name=relative, **options)  # type: ignore[arg-type]
        report.findings += found.findings
        report.skipped += found.skipped
        report.files += found.files
        report.bytes += found.bytes
    return report


def _walk(
    root: Path, report: ScanReport, *, follow_symlinks: bool, skip_dirs: frozenset[str] | set[str]
) -> Iterator[tuple[str, Path]]:
    """The files under ``root``, depth first in name order, as (relative name, path); notes skipped entries."""
    root_info = root.stat()
    seen = {(root_info.st_dev, root_info.st_ino)}  # folders entered: following a link never enters one twice
    stack: list[Iterator[tuple[str, os.DirEntry[str]]]] = [_listing(root, "", report)]
    while stack:
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
            continue
        relative, entry = step
        try:
            link = entry.is_symlink()
            if link and not follow_symlinks:
                report.skipped.append(Skipped(relative, "symbolic link, not followed"))
                continue
            if link and not os.path.exists(entry.path):
                report.skipped.append(Skipped(relative, "broken symbolic link"))
                continue
            if not entry.is_dir(follow_symlinks=True):
                yield relative, Path(entry.path)
                continue
            if entry.name in skip_dirs:
                report.skipped.append(Skipped(relative, "folder skipped"))
                continue
            info = entry.stat(follow_symlinks=True)
        except OSError as exc:
            report.skipped.append(Skipped(relative, f"unreadable: {exc.strerror}"))
            continue
        if (info.st_dev, info.st_ino) in seen:
            reason = "symbolic link loop: folder already scanned" if link else "folder already scanned through a link"
            report.skipped.append(Skipped(relative, reason))
            continue
        seen.add((info.st_dev, info.st_ino))
        stack.append(_listing(Path(entry.path), relative + "/", report))


def _listing(folder: Path, prefix: str, report: ScanReport) -> Iterator[tuple[str, os.DirEntry[str]]]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        report.skipped.append(Skipped(prefix.rstrip("/") or ".", f"unreadable folder: {exc.strerror}"))
        return iter(())
    return ((prefix + entry.name, entry) for entry in entries)
