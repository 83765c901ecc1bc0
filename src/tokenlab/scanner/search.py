"""The chunked search: every rule over any input, in bounded memory and time, each secret found exactly once.

**Bounded work on any input.** Input is read in chunks (1 MiB) with an
overlap of :data:`~tokenlab.scanner.rules.MAX_SECRET_LENGTH` bytes, so a secret
split across two chunks is found exactly once and memory stays flat however
large the input. Each input has a size and a time limit; binary input (a NUL
byte in the first 8000 bytes, git's test) is skipped unless
``scan_binary=True``, in which case its bytes are searched the same way.

**Speed.** CPython's ``re`` searches fast only for a pattern that starts with
a literal, and fastest when that literal is rare. So each chunk is searched
once per *anchor* (7 passes for the 8 kinds), each pass starting at the rarest
fixed bytes of a prefix (``J`` of ``eyJ``, ``k_`` of ``sk_``) and checking the
rest with a lookbehind. One alternation of all the rules ran at a quarter of
the speed of the separate passes, and the passes with anchors at about three
times the speed of those starting at the prefixes' first letters
(``benchmarks/scanner_rows.py``: about 190 MB/s where one single-rule regex
runs at 2.4 GB/s).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from tokenlab.errors import UsageError
from tokenlab.scanner.findings import Finding, ScanReport, Skipped
from tokenlab.scanner.rules import MAX_SECRET_LENGTH, RULES, Rule, word_start_after
from tokenlab.shortening import shorten

__all__ = ["CHUNK_SIZE", "MAX_FILE_BYTES", "MAX_FINDINGS", "TIME_LIMIT", "scan_stream", "scan_text"]

CHUNK_SIZE = 1024 * 1024
MAX_FILE_BYTES = 256 * 1024 * 1024
TIME_LIMIT = 30.0  # seconds per file
MAX_FINDINGS = 1000  # per file: a file with more is a fixture or a dump, and the list would not be read anyway
_BINARY_SNIFF = 8000  # git's heuristic: a NUL byte in the first 8000 bytes means binary
_OVERLAP = MAX_SECRET_LENGTH + 1  # bytes kept from one chunk for the next: a whole secret + the byte after it


@dataclass(frozen=True)
class _Pass:
    """One search over the text, for the rules that share a lead and an anchor (the two GitHub kinds)."""

    pattern: re.Pattern[bytes]
    rules: tuple[Rule, ...]
    back: int

    def rule_of(self, match: re.Match[bytes]) -> int:
        if len(self.rules) == 1:
            return 0
        return next(i for i in range(len(self.rules)) if match.group(f"k{i}") is not None)


def _passes(rules: tuple[Rule, ...]) -> tuple[_Pass, ...]:
    groups: dict[tuple[bytes, bytes, bool], list[Rule]] = {}
    for rule in rules:
        groups.setdefault((rule.lead, rule.anchor, rule.boundary), []).append(rule)
    passes = []
    for (lead, anchor, boundary), members in groups.items():
        literal = re.escape(anchor)
        if boundary:
            literal += word_start_after(lead + re.escape(anchor))
        elif lead:
            literal += b"(?<=" + lead + re.escape(anchor) + b")"
        alternatives = b"|".join(rule.after_anchor(i) for i, rule in enumerate(members))
        passes.append(_Pass(re.compile(literal + b"(?:" + alternatives + b")"), tuple(members), members[0].back))
    return tuple(passes)


_PASSES = _passes(RULES)


class _LineCounter:
    """The line and column of an offset, counting newlines only once as the search moves forward."""

    def __init__(self) -> None:
        self.line = 1
        self.line_start = 0  # offset of the current line's first byte
        self.counted_to = 0  # newlines before this offset are counted

    def move_to(self, offset: int, buf: bytes, buf_at: int) -> None:
        """Count the newlines up to ``offset``, which lies in ``buf`` (whose first byte is at ``buf_at``)."""
        if offset <= self.counted_to:
            return
        self.line += buf.count(b"\n", self.counted_to - buf_at, offset - buf_at)
        newline = buf.rfind(b"\n", self.counted_to - buf_at, offset - buf_at)
        if newline >= 0:
            self.line_start = newline + 1 + buf_at
        self.counted_to = offset

    def column(self, offset: int) -> int:
        return offset - self.line_start + 1


class _ChunkedSearch:
    """What one search carries from chunk to chunk: the unfinished bytes, where each pass goes on, lines.

    Each pass keeps its own resume position, so the matches are exactly those
    of one pass over the whole input, whatever the chunk size: a match that
    starts before ``limit`` lies wholly inside the buffer (no match is longer
    than :data:`MAX_SECRET_LENGTH`), later starts wait for the next chunk.
    """

    def __init__(self, name: str, *, keep_failed: bool, max_findings: int) -> None:
        self.name = name
        self.keep_failed = keep_failed
        self.max_findings = max_findings
        self.findings: list[Finding] = []
        self.carry, self.carry_at = b"", 0  # unfinished bytes and the offset of their first byte
        self.resume = [0] * len(_PASSES)  # where each pass's search goes on
        self.taken_end = 0  # end of the last reported match: later overlapping matches are not reported
        self.lines = _LineCounter()

    def feed(self, chunk: bytes, *, final: bool) -> bool:
        """Search the carried bytes and ``chunk``; whether the findings have reached ``max_findings``."""
        buf = self.carry + chunk
        buf_end = self.carry_at + len(buf)
        limit = buf_end if final else buf_end - _OVERLAP
        for start, index, match in self._candidates(buf, limit):
            if start < self.taken_end:
                continue  # overlaps a secret already reported
            finding = self._finding(buf, start, _PASSES[index], match)
            if finding is None:
                continue
            self.findings.append(finding)
            self.taken_end = match.end() + self.carry_at
            if len(self.findings) >= self.max_findings:
                return True
        if not final:
            self.lines.move_to(limit, buf, self.carry_at)
            keep_from = max(self.carry_at, limit - 1)  # one byte before the next start, for the start-of-word check
            self.carry, self.carry_at = buf[keep_from - self.carry_at :], keep_from
        return False

    def _candidates(self, buf: bytes, limit: int) -> list[tuple[int, int, re.Match[bytes]]]:
        """Every pass's matches that start before ``limit``, as (start, pass index, match), in order of start."""
        found: list[tuple[int, int, re.Match[bytes]]] = []
        for index, search in enumerate(_PASSES):
            if self.resume[index] - search.back >= limit:
                continue
            for match in search.pattern.finditer(buf, self.resume[index] - self.carry_at):
                start = match.start() - search.back + self.carry_at
                if start >= limit:
                    break
                found.append((start, index, match))
                self.resume[index] = match.end() + self.carry_at
            self.resume[index] = max(self.resume[index], limit + search.back)
        return sorted(found, key=lambda c: (c[0], c[1]))

    def _finding(self, buf: bytes, start: int, search: _Pass, match: re.Match[bytes]) -> Finding | None:
        """The finding for one match, or ``None`` if it fails its rule's check (unless ``keep_failed``)."""
        which = search.rule_of(match)
        rule = search.rules[which]
        text = buf[start - self.carry_at : match.end()].decode("ascii")
        passed = rule.check(text) if rule.check else None
        if passed is False and not self.keep_failed:
            return None
        self.lines.move_to(start, buf, self.carry_at)
        shown = shorten(text, rule.back + match.end(f"p{which}") - match.start(), rule.tail)
        return Finding(self.name, self.lines.line, self.lines.column(start), rule.kind, shown, passed)


def _scan_chunks(
    read: Callable[[int], bytes],
    name: str,
    *,
    chunk_size: int = CHUNK_SIZE,
    max_bytes: int = MAX_FILE_BYTES,
    time_limit: float = TIME_LIMIT,
    keep_failed: bool = False,
    scan_binary: bool = False,
    max_findings: int = MAX_FINDINGS,
) -> tuple[list[Finding], str | None, int, bool]:
    """The scanner's core: findings, why it stopped early (or ``None``), the bytes read, and whether it scanned."""
    if chunk_size < 1 or max_bytes < 0:
        raise UsageError("chunk_size must be ≥ 1 and max_bytes ≥ 0")
    deadline = time.monotonic() + time_limit
    search = _ChunkedSearch(name, keep_failed=keep_failed, max_findings=max_findings)
    total, stopped = 0, None
    while True:
        want = min(chunk_size, max_bytes - total)
        chunk = read(want) if want > 0 else b""
        if want <= 0 and read(1):
            stopped = f"size limit: only the first {max_bytes:,} bytes were scanned"
        if total < _BINARY_SNIFF and not scan_binary and b"\0" in chunk[: _BINARY_SNIFF - total]:
            return [], "binary file (a NUL byte near the start)", 0, False
        total += len(chunk)
        final = not chunk
        if search.feed(chunk, final=final):
            return search.findings, f"stopped after {max_findings} findings", total, True
        if final:
            return search.findings, stopped, total, True
        if time.monotonic() > deadline:
            return search.findings, f"time limit: stopped after {total:,} bytes ({time_limit:g} s)", total, True


def scan_text(text: str | bytes, *, name: str = "<text>", keep_failed: bool = False) -> list[Finding]:
    """The secrets in ``text`` (a string is searched as UTF-8), in order of position."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    position = 0

    def read(size: int) -> bytes:
        nonlocal position
        piece = data[position : position + size]
        position += len(piece)
        return piece

    findings, _, _, _ = _scan_chunks(
        read, name, chunk_size=max(len(data), 1), max_bytes=len(data), keep_failed=keep_failed, scan_binary=True
    )
    return findings


def scan_stream(stream: BinaryIO, *, name: str = "<stream>", **limits: object) -> ScanReport:
    """Scan a binary file object chunk by chunk (the keyword arguments of :func:`~tokenlab.scanner.scan_file`
    apply)."""
    findings, stopped, total, scanned = _scan_chunks(stream.read, name, **limits)  # type: ignore[arg-type]
    return ScanReport(findings, [Skipped(name, stopped)] if stopped else [], int(scanned), total)
