"""List the mutants that ``make mutate`` left alive: module, line and diff, and why each known one may live.

mutmut keeps its results in ``mutants/`` (one ``<module>.py.meta`` per mutated module). ``python -m
tools.mutation_report`` reads them after ``mutmut run`` and prints, per module, how many mutants were killed and
every one that was not, with the line it changed in ``src/`` and mutmut's own diff of the function. A survivor
listed in ``tools/mutation_accepted.txt`` (one ``mutant-name  reason`` a line: an equivalent mutant, or one off
SECURITY.md's rules) is printed with its reason; any other survivor makes the exit status 1, so a rule that lost
its test shows up as a failed ``make mutate``. Accepted names that no longer survive are listed as stale.

Run it with the interpreter that has mutmut (the ``mutate`` extra), from the repository root; docs/mutation.md
says how to rerun one module.
"""

from __future__ import annotations

import argparse
import fnmatch
import io
import json
import re
import sys
import tokenize
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ACCEPTED = ROOT / "tools" / "mutation_accepted.txt"
SOURCE = "src"
# mutmut's exit codes (mutmut/stats.py): 1 and 3 are kills, 0 a survivor; the rest are named for the report.
STATUS = {0: "survived", 1: "killed", 3: "killed", 5: "no tests", 33: "no tests", 34: "skipped", 36: "timeout"}
STATUS |= {code: "timeout" for code in (-24, 24, 152, 255)}
ALIVE = {"survived", "no tests", "skipped"}  # a timeout means the tests noticed: the mutant did not pass them


@dataclass(frozen=True)
class Mutant:
    name: str  # mutmut's key, e.g. tokenlab.claims.x_check_exp__mutmut_3
    path: str  # the mutated source file, relative to the repository root
    status: str

    @property
    def function(self) -> str:
        """The function or Class.method the mutant lives in, as the source spells it."""
        key = self.name.rpartition(".")[2].rpartition("__mutmut_")[0]
        return key.removeprefix("x_").replace("xǁ", "").replace("ǁ", ".")


def status_of(exit_code: int | None) -> str:
    return "not checked" if exit_code is None else STATUS.get(exit_code, "suspicious")


def load(mutants_dir: Path) -> list[Mutant]:
    """Every mutant mutmut generated, with its status, from the ``.meta`` files under ``mutants/src``."""
    found = []
    for meta in sorted((mutants_dir / SOURCE).rglob("*.py.meta")):
        path = meta.relative_to(mutants_dir).as_posix().removesuffix(".meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        found += [Mutant(name, path, status_of(code)) for name, code in sorted(codes.items(), key=_natural)]
    return found


def _natural(item: tuple[str, object]) -> tuple[str, int]:
    stem, _, number = item[0].rpartition("__mutmut_")
    return stem, int(number) if number.isdigit() else 0


WORDING = "the wording of a sentence for people (XX added, or its case changed): the rule is the exception or status"


def wording_only(diff: str) -> bool:
    """Whether the mutant only changed a sentence meant for a person: one line whose tokens are the same but for
    one string literal with a space in it. Data strings (``"at+jwt"``, header and claim names) have none."""
    removed = [line[1:] for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    if len(removed) != 1 or len(added) != 1:
        return False
    before, after = _tokens(removed[0]), _tokens(added[0])
    if before is None or after is None or len(before) != len(after):
        return False
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    if len(changed) != 1 or changed[0][0].type != tokenize.STRING:
        return False
    text = changed[0][0].string
    return " " in text and any(c.isalpha() for c in text)


def _tokens(line: str) -> list[tokenize.TokenInfo] | None:
    try:
        found = list(tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    return [t._replace(start=(0, 0), end=(0, 0), line="") for t in found]


def read_accepted(path: Path) -> dict[str, str]:
    """``mutant-name  reason`` lines; blank lines and ``#`` comments are skipped."""
    accepted = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                name, _, reason = line.strip().partition(" ")
                accepted[name] = reason.strip()
    return accepted


def diff_of(mutant: Mutant) -> str:
    from mutmut.mutation.diff_apply import get_diff_for_mutant  # only in the mutate extra

    return get_diff_for_mutant(mutant.name, path=mutant.path)


def line_of(mutant: Mutant, diff: str, root: Path = ROOT) -> int | None:
    """The line in ``src/`` that the mutant changed: the first removed line of its diff, found after the
    function's ``def``. None when the mutant only adds lines or the text cannot be found."""
    removed = [line[1:].strip() for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    if not removed:
        return None
    source = (root / mutant.path).read_text().splitlines()
    name = mutant.function.rpartition(".")[2]
    start = next((i for i, text in enumerate(source) if re.match(rf"\s*(async\s+)?def {re.escape(name)}\b", text)), 0)
    for number in range(start, len(source)):
        if source[number].strip() == removed[0]:
            return number + 1
    return None


def report(mutants: list[Mutant], accepted: dict[str, str], *, show_diff: bool = True) -> tuple[str, int]:
    """The report's text and the number of survivors nobody has explained."""
    lines, unexplained, wording = [], 0, []
    for path in sorted({m.path for m in mutants}):
        own = [m for m in mutants if m.path == path]
        counts = Counter(m.status for m in own)
        summary = ", ".join(f"{counts[s]} {s}" for s in sorted(counts))
        lines.append(f"{path}: {len(own)} mutants: {summary}")
        for mutant in own:
            if mutant.status not in ALIVE:
                continue
            diff = diff_of(mutant)
            where = f"{mutant.path}:{line_of(mutant, diff) or '?'}"
            reason = accepted.get(mutant.name)
            if reason is None and wording_only(diff):
                wording.append(f"{mutant.name} ({where})")
                continue
            if reason is None:
                unexplained += 1
                lines.append(f"  {mutant.status.upper()} {mutant.name} ({where}, in {mutant.function})")
            else:
                lines.append(f"  accepted {mutant.name} ({where}): {reason}")
            if show_diff and reason is None:
                lines += ["    " + text for text in diff.splitlines()[2:]]
    if wording:
        lines.append(f"{len(wording)} survivors change only {WORDING}:")
        lines += ["  " + name for name in wording]
    alive = {m.name for m in mutants if m.status in ALIVE}
    checked = {m.name for m in mutants if m.status != "not checked"}
    stale = sorted(name for name in accepted if name in checked and name not in alive)
    if stale:
        lines.append("accepted but now killed (remove from tools/mutation_accepted.txt): " + ", ".join(stale))
    total = Counter(m.status for m in mutants)
    lines.append("total: " + ", ".join(f"{total[s]} {s}" for s in sorted(total)) + f"; {unexplained} unexplained")
    return "\n".join(lines), unexplained


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mutation_report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--mutants", type=Path, default=Path("mutants"), help="mutmut's work folder")
    parser.add_argument(
        "patterns", nargs="*", help="only mutants matching these, as for mutmut run: 'tokenlab.claims*'"
    )
    parser.add_argument("--no-diff", action="store_true", help="names and lines only")
    args = parser.parse_args(argv)
    if not (args.mutants / SOURCE).is_dir():
        print(f"No mutmut results in {args.mutants}/: run `make mutate` first.", file=sys.stderr)
        return 2
    mutants = [m for m in load(args.mutants) if m.status != "not checked"]
    if args.patterns:
        mutants = [m for m in mutants if any(fnmatch.fnmatchcase(m.name, p) for p in args.patterns)]
    text, unexplained = report(mutants, read_accepted(ACCEPTED), show_diff=not args.no_diff)
    print(text)
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
