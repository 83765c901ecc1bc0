"""What a run did: one ``Step`` per step of the lesson's flow, in a ``Report`` that prints as text."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Step:
    """One step of a flow: ``outcome`` is ``"ok"``, ``"skipped"`` or ``"failed"``."""

    title: str
    outcome: str
    detail: str

    def __str__(self) -> str:
        mark = {"ok": "✓", "skipped": "–", "failed": "✗"}[self.outcome]
        lines = self.detail.split("\n")
        return "\n".join([f"{mark} {self.title}: {lines[0]}", *(f"    {line}" for line in lines[1:])])


@dataclass
class Report:
    """The steps of a lesson's flow on your own provider; printed as one line (or a few) per step."""

    lesson: int
    issuer: str | None
    steps: list[Step] = field(default_factory=list)
    intro: str = ""

    @property
    def ran(self) -> bool:
        return self.issuer is not None

    @property
    def ok(self) -> bool:
        """No step failed (steps skipped for a missing feature or setting are not failures)."""
        return all(step.outcome != "failed" for step in self.steps)

    def __str__(self) -> str:
        if not self.ran:
            return self.intro
        head = f"Lesson {self.lesson:02d} on {self.issuer}"
        return "\n".join([head, *map(str, self.steps)])

    __repr__ = __str__
