"""Every citation in the course, checked against the specifications' own tables of contents: ``python -m tools.citations``.

The course cites specifications by section ("RFC 6749 §4.1.2", "OIDC Core §3.1.3.7", "RFC 7519 §4.1.4–4.1.6",
"RFC 6749 section 5.2" on the wire). ``tools/specs/*.json`` holds one table per specification: its sections and their
titles as the specification's table of contents gives them, where that text was read, what replaced it, and the
verbatim sentences the course quotes. This module

- extracts every citation from the lessons (markdown, code and stored outputs), the solutions, the package's source
  (exercise feedback, error messages, docstrings, comments) and ``docs/``;
- reports each one that names a specification missing from the table, a section the specification does not have,
  or a specification that has been obsoleted (mentioning it, "RFC 8941 is obsoleted by RFC 9651", is fine; citing
  one of its sections as the rule is not);
- reports each quoted normative sentence (in quotation marks, with a BCP 14 keyword such as MUST or SHOULD) that is
  not word for word in a section its paragraph cites;
- writes, as the last cell of every lesson, a References list: every section the lesson cites, with its title and a
  link to it.

``tests/test_citations.py`` fails on any problem and on a stale References cell; ``python -m tools.citations`` prints
the problems and rewrites the References cells (``--check`` only reports).
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import re
import sys
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "tools" / "specs"
NOTEBOOKS = ROOT / "notebooks"

#: Where citations are looked for, besides the lessons: what a learner reads (solutions, exercise feedback, error
#: messages, the trainer guide) and the code that states the rules.
SOURCES = ("solutions", "src/tokenlab", "docs", "README.md")

# --- the specification table ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    key: str
    name: str
    aliases: tuple[str, ...]
    title: str
    url: str
    section_url: str | None  # None where the document has no numbered anchors: links go to the document
    appendix_url: str | None
    obsoleted_by: str | None
    superseded_by: str | None  # replaced by a revision the course cannot cite by section yet: noted, not refused
    sections: dict[str, str]
    quotes: dict[str, tuple[str, ...]]

    def link(self, section: str) -> str:
        if section[:1].isalpha() and self.appendix_url:
            return self.appendix_url.format(section=section)
        return self.section_url.format(section=section) if self.section_url else self.url


@cache
def specs(folder: Path = SPECS) -> dict[str, Spec]:
    """Every specification in the table, by the name the course cites it with."""
    table = {}
    for path in sorted(folder.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        spec = Spec(
            key=path.stem,
            name=raw["name"],
            aliases=tuple(raw.get("aliases", ())),
            title=raw["title"],
            url=raw["url"],
            section_url=raw.get("section_url"),
            appendix_url=raw.get("appendix_url"),
            obsoleted_by=raw.get("obsoleted_by"),
            superseded_by=raw.get("superseded_by"),
            sections=dict(raw["sections"]),
            quotes={k: tuple(v) for k, v in raw.get("quotes", {}).items()},
        )
        table[spec.name] = spec
    return table


@cache
def _names(folder: Path = SPECS) -> dict[str, str]:
    """Every way a text may name a specification, mapped to its name in the table."""
    names = {}
    for spec in specs(folder).values():
        for name in (spec.name, *spec.aliases):
            names[name] = spec.name
    return names


# --- finding citations in text -------------------------------------------------------------------------------------

_NUMBER = r"\d+(?:\.\d+)*(?!\.?\d)(?![A-Za-z])"
_SECTION_ID = rf"(?:[A-Z](?:\.\d+)*(?!\w)|{_NUMBER})"
_MARK = r"(?:§§?\s*|[Ss]ections?\s+|[Ss]ec\.\s*|Appendix\s+|Appendices\s+)"
_JOIN = r"\s*(?:,|and|or|&|–|—|-|to)\s*"
# after the first section, more of them: "§1.2, §5", "§4.1.4–4.1.6"; a letter (an appendix) only after a mark
_MORE = rf"(?:{_JOIN}(?:{_MARK}{_SECTION_ID}|{_NUMBER}))*"
# a list of sections after a specification's name: "§4.1.2", "§1.2, §5", "§4.1.4–4.1.6", "section 5.2", "Appendix B"
_SECTIONS = rf"(?:'s)?,?\s*\(?{_MARK}(?P<first>{_SECTION_ID})(?P<more>{_MORE})"
# any specification name, known or not: RFCs and NIST publications by number, OpenID specs by title
_ANY_SPEC = r"RFC\s?\d{3,5}|NIST SP 800-\d+[A-Z]?(?:-\d)?(?: Part \d)?|OIDC [A-Z][\w-]*(?: [A-Z][\w-]*)*"


@cache
def _citation_pattern(folder: Path = SPECS) -> re.Pattern[str]:
    known = sorted(_names(folder), key=len, reverse=True)
    spec = "|".join([*map(re.escape, known), _ANY_SPEC])
    return re.compile(rf"(?<![\w-])(?P<spec>{spec})(?![\w-])(?:{_SECTIONS})?")


_BEFORE = re.compile(rf"{_MARK}(?P<first>{_SECTION_ID}) of (?P<spec>RFC\s?\d{{3,5}})\b")
_BARE = re.compile(rf"(?<![\w.])§\s*(?P<first>{_SECTION_ID})(?P<more>{_MORE})")
_ID = re.compile(_SECTION_ID)


def _expand(first: str, more: str) -> list[str]:
    """``"4.1.4", "–4.1.6"`` → 4.1.4, 4.1.5, 4.1.6 (a range of siblings); other lists as written."""
    found = [first]
    for match in re.finditer(rf"({_JOIN})(?:{_MARK})?({_SECTION_ID})", more):
        joiner, section = match.group(1).strip(), match.group(2)
        start = found[-1].split(".")
        end = section.split(".")
        if joiner in ("–", "—", "-", "to") and start[:-1] == end[:-1] and start[-1].isdigit() and end[-1].isdigit():
            prefix = ".".join(start[:-1])
            found += [f"{prefix}.{n}" if prefix else str(n) for n in range(int(start[-1]) + 1, int(end[-1]) + 1)]
        else:
            found.append(section)
    return found


@dataclass(frozen=True)
class Citation:
    spec: str  # the name in the table, or the text as written when the specification is not in the table
    section: str | None  # None for a mention of the whole specification
    where: str
    text: str


def _canonical(name: str) -> str:
    name = re.sub(r"^RFC\s?", "RFC ", name)
    return _names().get(name, name)


def citations_in(text: str, where: str = "") -> list[Citation]:
    """Every citation in one unit of text (a paragraph, a string, a comment).

    >>> [(c.spec, c.section) for c in citations_in("RFC 7519 §4.1.4–4.1.6 and RFC 6750 §1.2, §5; RFC 8725")]
    [('RFC 7519', '4.1.4'), ('RFC 7519', '4.1.5'), ('RFC 7519', '4.1.6'), ('RFC 6750', '1.2'), ('RFC 6750', '5'), ('RFC 8725', None)]
    >>> [(c.spec, c.section) for c in citations_in("(RFC 6749 section 5.2); then §4.1.3 says so")]
    [('RFC 6749', '5.2'), ('RFC 6749', '4.1.3')]
    """
    found: list[tuple[int, Citation]] = []
    taken: list[range] = []
    for match in _BEFORE.finditer(text):  # "section 5.2 of RFC 6749"
        spec = _canonical(match.group("spec"))
        taken.append(range(match.start(), match.end()))
        found.append((match.start(), Citation(spec, match.group("first"), where, match.group(0))))
    for match in _citation_pattern().finditer(text):
        if any(match.start() in span for span in taken):
            continue
        spec = _canonical(match.group("spec"))
        taken.append(range(match.start(), match.end()))
        if match.group("first") is None:
            found.append((match.start(), Citation(spec, None, where, match.group(0))))
            continue
        for section in _expand(match.group("first"), match.group("more") or ""):
            found.append((match.start(), Citation(spec, section, where, match.group(0).strip())))
    # "§4.1.3" alone belongs to the specification named last before it in the same unit of text
    for match in _BARE.finditer(text):
        if any(match.start() in span for span in taken):
            continue
        before = [(start, c) for start, c in found if start < match.start()]
        if not before:
            continue
        spec = max(before, key=lambda item: item[0])[1].spec
        for section in _expand(match.group("first"), match.group("more") or ""):
            found.append((match.start(), Citation(spec, section, where, match.group(0).strip())))
    return [citation for _, citation in sorted(found, key=lambda item: item[0])]


# --- quoted normative text -----------------------------------------------------------------------------------------

_BCP14 = re.compile(r"\b(?:MUST|REQUIRED|SHALL|SHOULD|RECOMMENDED|MAY|OPTIONAL)\b")
_QUOTED = re.compile(r"“([^”]{4,2000})”|\"([^\"]{4,2000})\"")
_ELLIPSIS = re.compile(r"\s*(?:…|\.\.\.|\[\.\.\.\]|\[…\])\s*")


def _squash(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def quotes_in(text: str) -> list[str]:
    """The quoted passages of a unit of text that carry a BCP 14 keyword (RFC 2119, RFC 8174)."""
    return [_squash(q) for m in _QUOTED.finditer(text) if _BCP14.search(q := m.group(1) or m.group(2))]


def _quote_matches(quote: str, passages: Iterable[str]) -> bool:
    """Each part of the quote between ellipses appears, in order, in one passage (brackets mark the course's words)."""
    parts = [p.strip(" .,;:") for p in _ELLIPSIS.split(quote)]
    parts = [re.sub(r"\[[^\]]*\]", "\0", p) for p in parts if p]
    for passage in map(_squash, passages):
        at = 0
        for part in parts:
            pieces = [re.escape(x) for x in part.split("\0")]
            hit = re.compile(r".{0,40}?".join(pieces), re.I if part[:1].islower() else 0).search(passage, at)
            if hit is None and part[:1].isalpha():  # a quote may start mid-sentence with its first letter re-cased
                pieces[0] = re.escape(part[:1].swapcase()) + pieces[0][1:] if pieces[0] else pieces[0]
                hit = re.compile(r".{0,40}?".join(pieces)).search(passage, at)
            if hit is None:
                break
            at = hit.end()
        else:
            return True
    return False


# --- the units of text a citation or a quote lives in --------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    where: str
    text: str


def _paragraphs(text: str, where: str) -> Iterator[Unit]:
    line = 1
    for block in re.split(r"\n\s*\n", text):
        if block.strip():
            yield Unit(f"{where}:{line}", block)
        line += block.count("\n") + 2


def python_units(source: str, where: str) -> Iterator[Unit]:
    """A Python file's strings (implicit concatenation joined, f-strings with ``{}`` for their fields) and comments."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        yield from _paragraphs(source, where)
        return
    in_fstrings = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in in_fstrings:
            yield from _paragraphs(node.value, f"{where}:{node.lineno}")
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            yield Unit(f"{where}:{node.lineno}", text)
    block: list[str] = []
    start = last = 0
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            if block and token.start[0] != last + 1:
                yield Unit(f"{where}:{start}", " ".join(block))
                block = []
            if not block:
                start = token.start[0]
            block.append(token.string.lstrip("#").strip())
            last = token.start[0]
    if block:
        yield Unit(f"{where}:{start}", " ".join(block))


def _output_text(output: dict) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    if output.get("output_type") == "error":
        return "\n".join(output.get("traceback", []))
    data = output.get("data", {})
    return "\n\n".join(data.get(kind, "") for kind in ("text/markdown", "text/plain", "text/html") if kind in data)


def notebook_units(path: Path, *, skip_references: bool = True) -> Iterator[Unit]:
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        if skip_references and _is_references(cell):
            continue
        where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name} cell {index}"
        if cell.cell_type == "code":
            yield from python_units(cell.source, where)
            for output in cell.get("outputs", []):
                yield from _paragraphs(_output_text(output), f"{where} output")
        else:
            yield from _paragraphs(cell.source, where)


def lessons(folder: Path = NOTEBOOKS) -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]-*.ipynb"))


def course_units(root: Path = ROOT) -> Iterator[Unit]:
    """Every unit of text in the course: lessons, solutions, the package's source, the docs."""
    for path in lessons(root / "notebooks"):
        yield from notebook_units(path)
    for name in SOURCES:
        base = root / name
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.suffix in (".py", ".md"))
        for path in files:
            text = path.read_text(encoding="utf-8")
            where = str(path.relative_to(root))
            yield from python_units(text, where) if path.suffix == ".py" else _paragraphs(text, where)


# --- the check -----------------------------------------------------------------------------------------------------


def problems_in(units: Iterable[Unit]) -> list[str]:
    """What is wrong with the citations and quotes in these units of text, one line each."""
    table = specs()
    problems = []
    for unit in units:
        cited = citations_in(unit.text, unit.where)
        for c in cited:
            spec = table.get(c.spec)
            if spec is None:
                problems.append(f"{c.where}: {c.spec!r} is not in tools/specs/ (add its table from its own text)")
            elif c.section is not None and c.section not in spec.sections:
                problems.append(f"{c.where}: {c.spec} has no section {c.section} ({c.text!r})")
            elif c.section is not None and spec.obsoleted_by:
                problems.append(f"{c.where}: {c.spec} is obsoleted by {spec.obsoleted_by}; cite that ({c.text!r})")
        quotes = quotes_in(unit.text)
        if not quotes:
            continue
        sections = [(c.spec, c.section) for c in cited if c.section is not None and c.spec in table]
        for quote in quotes:
            if not sections:
                problems.append(f"{unit.where}: quoted normative text with no section cited beside it: “{quote}”")
                continue
            passages = [p for spec, section in sections for p in table[spec].quotes.get(section, ())]
            if not _quote_matches(quote, passages):
                cites = ", ".join(f"{spec} §{section}" for spec, section in dict.fromkeys(sections))
                problems.append(f"{unit.where}: “{quote}” is not verbatim in {cites} (tools/specs quotes)")
    return problems


def problems(root: Path = ROOT) -> list[str]:
    return problems_in(course_units(root))


# --- the References list at the end of each lesson ---------------------------------------------------------------

_REFERENCES_HEADING = "## References"


def _is_references(cell) -> bool:
    return cell.cell_type == "markdown" and cell.source.startswith(_REFERENCES_HEADING)


def _order(name: str) -> tuple[int, int, str]:
    number = re.fullmatch(r"RFC (\d+)", name)
    return (0, int(number.group(1)), name) if number else (1, 0, name)


def _section_order(section: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in section.split("."))


def references_cell(path: Path) -> str:
    """The References cell a lesson should end with: every section it cites, with its title, by specification."""
    table = specs()
    cited: dict[str, set[str]] = {}
    for unit in notebook_units(path):
        for c in citations_in(unit.text):
            if c.spec in table:
                sections = cited.setdefault(c.spec, set())
                if c.section in table[c.spec].sections:
                    sections.add(c.section)
    lines = [_REFERENCES_HEADING, ""]
    if not cited:
        return "\n".join([*lines, "This lesson cites no specification."])
    lines += ["Every specification this lesson cites, and each section it cites, with its title: a reading list.", ""]
    for name in sorted(cited, key=_order):
        spec = table[name]
        if spec.obsoleted_by:
            note = f" (obsoleted by {spec.obsoleted_by})"
        else:
            note = f" (superseded by {spec.superseded_by})" if spec.superseded_by else ""
        lines.append(f"- [{spec.name}]({spec.url}) — {spec.title}{note}")
        for section in sorted(cited[name], key=_section_order):
            label = f"Appendix {section}" if section[:1].isalpha() else f"§{section}"
            lines.append(f"  - [{label}]({spec.link(section)}) — {spec.sections[section]}")
    return "\n".join(lines)


def stale_references(folder: Path = NOTEBOOKS, *, fix: bool = False) -> list[str]:
    """The lessons whose last cell is not their generated References list (rewritten when ``fix``)."""
    changed = []
    for path in lessons(folder):
        notebook = nbformat.read(path, as_version=4)
        wanted = references_cell(path)
        last = notebook.cells[-1] if notebook.cells else None
        if last is not None and _is_references(last) and last.source == wanted:
            continue
        changed.append(path.name)
        if fix:
            notebook.cells = [c for c in notebook.cells if not _is_references(c)]
            notebook.cells.append(nbformat.v4.new_markdown_cell(wanted))
            nbformat.write(notebook, path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.citations",
        description="Rewrite every lesson's References list, then report citations and quotes that are wrong.",
    )
    parser.add_argument("--check", action="store_true", help="only report: rewrite nothing")
    args = parser.parse_args(argv)
    stale = stale_references(fix=not args.check)
    verb = "stale References list in" if args.check else "updated the References of"
    print("\n".join(f"{verb} {name}" for name in stale) or "every References list is current")
    found = problems()
    print("\n".join(found) or "every citation names a section that exists, and every quote is verbatim")
    return 1 if found or (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
