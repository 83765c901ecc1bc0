"""What a scan reports: each secret found (:class:`Finding`, redacted, so a report never repeats a secret),
each file or folder not scanned (:class:`Skipped`), and the whole (:class:`ScanReport`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tokenlab.scanner.rules import CHECK_NAMES

__all__ = ["Finding", "ScanReport", "Skipped"]


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
        check = CHECK_NAMES.get(self.kind, "")
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
