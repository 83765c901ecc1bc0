"""What every exercise check returns: a verdict, what is right, and a hint — never the answer."""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Feedback", "is_stub", "is_unanswered", "never_raises", "run_learner_code", "show"]


@dataclass(frozen=True)
class Feedback:
    """The result of checking one exercise.

    Shown as plain text (so it reads the same in JupyterLab, on GitHub and
    under nbval); ``bool(feedback)`` is whether the answer passed.
    """

    exercise: str
    passed: bool
    message: str
    hints: tuple[str, ...] = field(default=())

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        mark = "✅" if self.passed else "🔎"
        verdict = "solved" if self.passed else "not yet"
        lines = [f"{mark} {self.exercise} — {verdict}: {self.message}"]
        lines += [f"   hint: {hint}" for hint in self.hints]
        return "\n".join(lines)

    __repr__ = __str__

    @classmethod
    def solved(cls, exercise: str, message: str) -> Feedback:
        return cls(exercise, True, message)

    @classmethod
    def not_yet(cls, exercise: str, message: str, *hints: str) -> Feedback:
        return cls(exercise, False, message, tuple(hints))

    @classmethod
    def unanswered(cls, exercise: str, what: str) -> Feedback:
        return cls(exercise, False, f"no answer yet — replace the ... with {what}, then run the cell again.")


def is_unanswered(value: Any) -> bool:
    """True for the ``...`` placeholder a learner has not replaced yet."""
    return value is Ellipsis or value is None


def _stub(*args: Any, **kwargs: Any) -> None: ...


def is_stub(function: Any) -> bool:
    """True for a function whose body does nothing yet (``...``, ``pass`` or only a docstring)."""
    code = getattr(function, "__code__", None)
    return code is not None and code.co_code == _stub.__code__.co_code and code.co_names == ()


def run_learner_code(function: Callable[..., Any], *args: Any) -> tuple[Any, str | None]:
    """Call the learner's function; return ``(result, None)`` or ``(None, what went wrong)``.

    A learner's bug becomes feedback, never a traceback from deep inside the checker.
    """
    try:
        return function(*args), None
    except Exception as exc:  # the learner's code may raise anything
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f" (line {frame.lineno}: {frame.line.strip()})" if frame.line else ""
        return None, f"your code raised {type(exc).__name__}: {exc}{where}"


def never_raises(exercise: str) -> Callable[[Callable[..., Feedback]], Callable[..., Feedback]]:
    """Turn any unexpected error inside a check into feedback: a learner never sees the checker's traceback."""

    def decorate(check: Callable[..., Feedback]) -> Callable[..., Feedback]:
        @functools.wraps(check)
        def guarded(*args: Any, **kwargs: Any) -> Feedback:
            try:
                return check(*args, **kwargs)
            except Exception as exc:  # the answer can be any object at all
                return Feedback.not_yet(
                    exercise,
                    f"the checker could not make sense of this answer ({type(exc).__name__}).",
                    "Compare your answer's type with what the exercise asks for, then run the cell again.",
                )

        return guarded

    return decorate


def show(value: Any, limit: int = 60) -> str:
    """A short, safe repr of whatever the learner gave."""
    try:
        text = repr(value)
    except Exception:
        text = f"<a {type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
