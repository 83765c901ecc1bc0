"""A secret scanner: find API keys, tokens and private keys in text, files and folders.

>>> from tokenlab.apikeys import new_api_key
>>> import random
>>> key = new_api_key("live", random_bytes=random.Random(1).randbytes)
>>> for finding in scan_text(f'API_KEY = "{key}"  # do not commit'):
...     print(finding)
<text>:1:12  tokenlab_key  tl_live_…...  (checksum ok)

What it looks for (:data:`RULES`): tokenlab keys, GitHub tokens (classic
``ghp_``/``gho_``/``ghu_``/``ghs_``/``ghr_`` and fine-grained ``github_pat_``),
JWTs, AWS access key ids, Slack tokens, Stripe secret keys and PEM private key
headers. Every rule starts with a fixed prefix, which is what makes a secret
findable at all: a random string without one looks like any other.

**Checks cut false positives.** A string can have a secret's shape by chance
(a test fixture, a hash, a typo). Where the format carries a check, the
scanner runs it: the CRC32 checksum of tokenlab keys and of GitHub's classic
tokens (GitHub's blog post "Behind GitHub's new authentication token formats",
2021, says only that the last 6 characters are a 32-bit checksum; the scanner
computes it as public reimplementations do, the CRC32 of the 30 characters
before it in base62, which GitHub does not document), and
for a JWT that its header and payload decode as JSON (a shape check: nothing
here verifies a signature). Matches that fail their check are dropped unless
``keep_failed=True``; kinds without a check (AWS, Slack, Stripe, fine-grained
GitHub tokens, whose checksum scheme is not public) are reported as found.

**Bounded work on any input.** Files are read in chunks (1 MiB) with an
overlap of :data:`MAX_SECRET_LENGTH` bytes, so a secret split across two
chunks is found exactly once and memory stays flat however large the file.
Each file has a size and a time limit; binary files (a NUL byte in the first
8000 bytes, git's test) are skipped unless ``scan_binary=True``, in which case
their bytes are searched the same way. A folder walk skips ``.git`` and other
version-control folders, does not follow symbolic links unless asked (and then
never into a loop), and notes every file it could not read instead of failing.

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

import os
import re
import stat
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from tokenlab.apikeys import base62, is_valid_api_key
from tokenlab.errors import UsageError
from tokenlab.shortening import shorten

__all__ = [
    "DEFAULT_SKIP_DIRS",
    "MAX_SECRET_LENGTH",
    "RULES",
    "Finding",
    "Rule",
    "ScanReport",
    "Skipped",
    "github_checksum_ok",
    "scan_file",
    "scan_path",
    "scan_stream",
    "scan_text",
]

MAX_SECRET_LENGTH = 8192
"""No rule matches more bytes than this (a JWT's parts are capped at 1 KB, 6 KB and 1 KB); it is also the
overlap kept between chunks, so that a secret cut by a chunk boundary is still found."""

DEFAULT_SKIP_DIRS = frozenset({".git", ".hg", ".svn"})
"""Folders a walk does not enter: version-control internals (scan history with the VCS's own tools)."""

CHUNK_SIZE = 1024 * 1024
MAX_FILE_BYTES = 256 * 1024 * 1024
TIME_LIMIT = 30.0  # seconds per file
MAX_FINDINGS = 1000  # per file: a file with more is a fixture or a dump, and the list would not be read anyway
_BINARY_SNIFF = 8000  # git's heuristic: a NUL byte in the first 8000 bytes means binary
_WORD = rb"[A-Za-z0-9_]"  # a secret neither starts nor ends inside a word
_END = rb"(?![A-Za-z0-9_])"


def _after(literal: bytes) -> bytes:
    """A lookbehind: ``literal`` ends here and no word character comes before it."""
    return b"(?<=(?<!" + _WORD + b")" + literal + b")"


def github_checksum_ok(token: str) -> bool:
    """Whether a classic GitHub token (``ghp_`` + 36 characters) has a valid checksum, computed as public
    reimplementations do (GitHub documents only that the last 6 characters are a 32-bit checksum): the CRC32 of
    the 30 random characters before them, in base62 (digits, then A–Z, then a–z)."""
    body = token[4:]
    if len(body) != 36 or not body.isascii() or not body.isalnum():
        return False
    return base62(zlib.crc32(body[:30].encode("ascii")), 6) == body[30:]


def _jwt_decodes(token: str) -> bool:
    """A shape check, not a verification: header and payload are base64url JSON objects."""
    from tokenlab.errors import TokenFormatError
    from tokenlab.tokens import decode_unverified

    try:
        decode_unverified(token)
    except TokenFormatError:
        return False
    return True


@dataclass(frozen=True)
class Rule:
    """One kind of secret, from its parts: ``lead`` + ``anchor`` + ``shown`` is the prefix a report may show,
    ``body`` the rest (with its end check).

    ``pattern`` matches the whole secret (group ``prefix`` is the part that may be shown): what
    :func:`scan_text` finds and what a redactor may replace. The scanner itself searches for ``anchor``,
    the rarest fixed bytes of the prefix, because CPython's ``re`` searches fastest for a pattern that
    starts with a literal that seldom occurs; a lookbehind then checks the ``lead`` (``tl`` before
    ``_live_``, ``ey`` before ``J``), which is ``back`` bytes wide. A secret does not start inside a word
    (except a PEM header, ``boundary=False``, which JSON may glue to a ``\\n``).
    """

    kind: str
    description: str
    lead: bytes  # a fixed-width regex before the anchor
    back: int  # the width of lead, in bytes
    anchor: bytes  # literal bytes
    shown: bytes  # regex: the rest of the part that may be shown
    body: bytes  # regex: the rest of the secret, with its end check
    check: Callable[[str], bool] | None = None
    check_name: str = ""  # what the check checks, for reports: "checksum", "decodes as JSON"
    tail: int = 4  # characters shown at the end of a redacted match
    boundary: bool = True
    pattern: re.Pattern[bytes] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        start = self.lead + re.escape(self.anchor)
        check_start = _after(start) if self.boundary else b""
        object.__setattr__(
            self, "pattern", re.compile(b"(?P<prefix>" + start + check_start + self.shown + b")" + self.body)
        )

    def after_anchor(self, number: int) -> bytes:
        """This kind's part of a fast pass that has already matched the anchor (groups ``k<number>``, ``p<number>``)."""
        return b"(?P<k%d>(?P<p%d>%s)%s)" % (number, number, self.shown, self.body)


_B62 = rb"[0-9A-Za-z]"
_B64URL = rb"[A-Za-z0-9_-]"
RULES: tuple[Rule, ...] = (
    Rule(
        "tokenlab_key",
        "tokenlab API key or personal access token",
        lead=b"tl",
        back=2,
        anchor=b"_",
        shown=rb"(?:live|test|pat)_",
        body=_B62 + rb"{38}" + _END,
        check=is_valid_api_key,
        check_name="checksum",
    ),
    Rule(
        "github_token",
        "GitHub token (classic personal access, OAuth, app)",
        lead=b"",
        back=0,
        anchor=b"g",
        shown=rb"h[pousr]_",
        body=_B62 + rb"{36}" + _END,
        check=github_checksum_ok,
        check_name="checksum",
    ),
    Rule(
        "github_fine_grained_pat",
        "GitHub fine-grained personal access token (its checksum scheme is not public)",
        lead=b"",
        back=0,
        anchor=b"g",
        shown=rb"ithub_pat_",
        body=_B62 + rb"{22}_" + _B62 + rb"{59}" + _END,
    ),
    Rule(
        "jwt",
        "JSON Web Token",
        lead=b"ey",
        back=2,
        anchor=b"J",
        shown=_B64URL + rb"{7}",
        body=_B64URL + rb"{0,1000}\.eyJ" + _B64URL + rb"{2,6000}\." + _B64URL + rb"{0,1000}(?![A-Za-z0-9_-])",
        check=_jwt_decodes,
        check_name="decodes as JSON",
    ),
    Rule(
        "aws_access_key_id",
        "AWS access key id (AKIA long-term, ASIA temporary)",
        lead=b"",
        back=0,
        anchor=b"A",
        shown=rb"[KS]IA",
        body=rb"[0-9A-Z]{16}" + _END,
    ),
    Rule(
        "slack_token",
        "Slack token",
        lead=b"",
        back=0,
        anchor=b"xox",
        shown=rb"[baprs]-",
        body=rb"[0-9A-Za-z-]{10,200}(?![A-Za-z0-9_-])",
    ),
    Rule(
        "stripe_key",
        "Stripe secret or restricted key (sk_, rk_)",
        lead=rb"[sr]",
        back=1,
        anchor=b"k_",
        shown=rb"(?:live|test)_",
        body=_B62 + rb"{10,247}" + _END,
    ),
    Rule(
        "private_key",
        "PEM private key (its first line)",
        lead=b"",
        back=0,
        anchor=b"-----BEGIN",
        shown=rb"[ A-Z]{0,20}PRIVATE KEY(?: BLOCK)?-----",
        body=b"",
        tail=0,
        boundary=False,
    ),
)
"""Every kind of secret the scanner knows, in priority order: when two matches overlap, the earlier one wins,
then the earlier rule."""


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
            literal += _after(lead + re.escape(anchor))
        elif lead:
            literal += b"(?<=" + lead + re.escape(anchor) + b")"
        alternatives = b"|".join(rule.after_anchor(i) for i, rule in enumerate(members))
        passes.append(_Pass(re.compile(literal + b"(?:" + alternatives + b")"), tuple(members), members[0].back))
    return tuple(passes)


_PASSES = _passes(RULES)
_CHECK_OF = {rule.kind: rule.check_name for rule in RULES}


@dataclass(frozen=True)
class Finding:
    """One secret found: where, what kind, a redacted copy, and whether its built-in check passed.

    ``check_passed`` is ``True`` when the format carries a check (a checksum, or a JWT's JSON) and it
    passed, ``False`` when it failed (probably noise, or a damaged copy), ``None`` when the kind has no check.
    ``line`` and ``column`` count from 1; the column counts bytes.
    """

    path: str
    line: int
    column: int
    kind: str
    redacted: str
    check_passed: bool | None

    @property
    def likely_real(self) -> bool:
        return self.check_passed is not False

    def __str__(self) -> str:
        check = _CHECK_OF.get(self.kind, "")
        if self.check_passed is None:
            verdict = "no checksum to check"
        else:
            verdict = f"{check} {'ok' if self.check_passed else 'FAILED: noise or a damaged copy'}"
        return f"{self.path}:{self.line}:{self.column}  {self.kind}  {self.redacted}  ({verdict})"


@dataclass(frozen=True)
class Skipped:
    """A file or folder not scanned, or not scanned to its end, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class ScanReport:
    """What a scan found, what it could not scan, and how much it read."""

    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files: int = 0
    bytes: int = 0

    def __str__(self) -> str:
        lines = [str(f) for f in self.findings]
        lines += [f"skipped {s}" for s in self.skipped]
        lines.append(f"{len(self.findings)} finding(s) in {self.files} file(s), {self.bytes:,} bytes read")
        return "\n".join(lines)


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
    """The scanner's core: findings, why it stopped early (or ``None``), the bytes read, and whether it scanned.

    Each rule keeps its own resume position, so the matches are exactly those
    of one pass over the whole input, whatever the chunk size: a match that
    starts before ``limit`` lies wholly inside the buffer (no match is longer
    than :data:`MAX_SECRET_LENGTH`), later starts wait for the next chunk.
    """
    if chunk_size < 1 or max_bytes < 0:
        raise UsageError("chunk_size must be ≥ 1 and max_bytes ≥ 0")
    deadline = time.monotonic() + time_limit
    overlap = MAX_SECRET_LENGTH + 1  # + the byte after a match, for its end check
    findings: list[Finding] = []
    carry, carry_at = b"", 0  # unfinished bytes and the offset of their first byte
    resume = [0] * len(_PASSES)  # where each pass's search goes on
    taken_end = 0  # end of the last reported match: later overlapping matches are not reported
    line, counted_to, line_start = 1, 0, 0
    total, first, stopped = 0, True, None
    while True:
        want = min(chunk_size, max_bytes - total)
        chunk = read(want) if want > 0 else b""
        total += len(chunk)
        final = not chunk
        if want <= 0 and read(1):
            stopped = f"size limit: only the first {max_bytes:,} bytes were scanned"
        if first:
            first = False
            if not scan_binary and b"\0" in chunk[:_BINARY_SNIFF]:
                return [], "binary file (a NUL byte near the start)", 0, False
        buf = carry + chunk
        buf_end = carry_at + len(buf)
        limit = buf_end if final else buf_end - overlap
        candidates: list[tuple[int, int, re.Match[bytes]]] = []
        for index, search in enumerate(_PASSES):
            if resume[index] - search.back >= limit:
                continue
            for match in search.pattern.finditer(buf, resume[index] - carry_at):
                start = match.start() - search.back + carry_at
                if start >= limit:
                    break
                candidates.append((start, index, match))
                resume[index] = match.end() + carry_at
            resume[index] = max(resume[index], limit + search.back)
        for start, index, match in sorted(candidates, key=lambda c: (c[0], c[1])):
            if start < taken_end:
                continue
            search = _PASSES[index]
            which = search.rule_of(match)
            rule = search.rules[which]
            text = buf[start - carry_at : match.end()].decode("ascii")
            passed = rule.check(text) if rule.check else None
            if passed is False and not keep_failed:
                continue
            line += buf.count(b"\n", counted_to - carry_at, start - carry_at)
            newline = buf.rfind(b"\n", counted_to - carry_at, start - carry_at)
            if newline >= 0:
                line_start = newline + 1 + carry_at
            counted_to = start
            shown = shorten(text, rule.back + match.end(f"p{which}") - match.start(), rule.tail)
            findings.append(Finding(name, line, start - line_start + 1, rule.kind, shown, passed))
            taken_end = match.end() + carry_at
            if len(findings) >= max_findings:
                return findings, f"stopped after {max_findings} findings", total, True
        if final:
            return findings, stopped, total, True
        if limit > counted_to:
            line += buf.count(b"\n", counted_to - carry_at, limit - carry_at)
            newline = buf.rfind(b"\n", counted_to - carry_at, limit - carry_at)
            if newline >= 0:
                line_start = newline + 1 + carry_at
            counted_to = limit
        keep_from = max(carry_at, limit - 1)  # one byte before the next start, for the start-of-word check
        carry, carry_at = buf[keep_from - carry_at :], keep_from
        if time.monotonic() > deadline:
            return findings, f"time limit: stopped after {total:,} bytes ({time_limit:g} s)", total, True


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
    """Scan a binary file object chunk by chunk (the keyword arguments of :func:`scan_file` apply)."""
    findings, stopped, total, scanned = _scan_chunks(stream.read, name, **limits)  # type: ignore[arg-type]
    return ScanReport(findings, [Skipped(name, stopped)] if stopped else [], int(scanned), total)


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
