"""Every citation in the course names a section its specification has; quotes are verbatim; lessons list their sources."""

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from tools import citations

ROOT = Path(__file__).resolve().parents[1]


def _sections(text):
    return [(c.spec, c.section) for c in citations.citations_in(text)]


# --- reading citations ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RFC 6749 §4.1.2", [("RFC 6749", "4.1.2")]),
        ("(RFC 6750 §1.2, §5)", [("RFC 6750", "1.2"), ("RFC 6750", "5")]),
        ("RFC 7519 §4.1.4–4.1.6.", [("RFC 7519", "4.1.4"), ("RFC 7519", "4.1.5"), ("RFC 7519", "4.1.6")]),
        ("RFC 7519 §4.1.4-§4.1.5", [("RFC 7519", "4.1.4"), ("RFC 7519", "4.1.5")]),
        ("code is missing (RFC 6749 section 4.1.3).", [("RFC 6749", "4.1.3")]),
        ("RFC 9421 Appendix B.2.5", [("RFC 9421", "B.2.5")]),
        ("Section 5.2 of RFC 6749", [("RFC 6749", "5.2")]),
        ("OIDC Core §3.1.3.7 step 11", [("OIDC Core", "3.1.3.7")]),
        ("OpenID Connect Core 1.0 §2", [("OIDC Core", "2")]),
        ("NIST SP 800-63B §5.1.2.2", [("NIST SP 800-63B", "5.1.2.2")]),
        ("RFC 6749 §6; a narrower scope (§3.3) is fine", [("RFC 6749", "6"), ("RFC 6749", "3.3")]),
        ("RFC 8725, the best current practice", [("RFC 8725", None)]),
        ("RFC 6749 §4.1 and a token", [("RFC 6749", "4.1")]),
    ],
)
def test_a_citation_is_read_in_every_form_the_course_writes_it(text, expected):
    assert _sections(text) == expected


def test_a_section_sign_alone_belongs_to_the_specification_named_before_it_in_the_same_paragraph():
    assert _sections("RFC 7636 §4.6, then §4.4.1 and RFC 6749 §10.5, then §4.1.2") == [
        ("RFC 7636", "4.6"),
        ("RFC 7636", "4.4.1"),
        ("RFC 6749", "10.5"),
        ("RFC 6749", "4.1.2"),
    ]
    assert _sections("see §4.1.2") == []


def test_strings_and_comments_of_python_source_are_units_of_their_own():
    source = (
        'x = 1  # RFC 7009 §2.1\nraise ValueError("expired (RFC 6749 " "section 4.1.2)")\nmsg = f"{x} (RFC 9068 §4)"\n'
    )
    found = sorted(
        (c.spec, c.section) for u in citations.python_units(source, "x.py") for c in citations.citations_in(u.text)
    )
    assert found == [("RFC 6749", "4.1.2"), ("RFC 7009", "2.1"), ("RFC 9068", "4")]


# --- the specification table ---------------------------------------------------------------------------------------


def test_the_table_holds_the_specifications_the_course_is_built_on():
    names = set(citations.specs())
    for name in ("RFC 6749", "RFC 6750", "RFC 7519", "RFC 7636", "RFC 8725", "RFC 9068", "RFC 9700", "OIDC Core"):
        assert name in names


@pytest.mark.parametrize("path", sorted((ROOT / "tools" / "specs").glob("*.json")), ids=lambda p: p.stem)
def test_every_table_says_where_its_sections_were_read_and_links_them(path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["name"] and raw["title"] and raw["source"]
    assert raw["url"].startswith("https://")
    assert raw["section_url"] is None or "{section}" in raw["section_url"]
    # a table the specification's text could not be read for says so, and then any section cited from it fails
    assert len(raw["sections"]) >= 3 or raw["source"].startswith("partial")
    for section, title in raw["sections"].items():
        assert re.fullmatch(r"([A-Z]|\d+)(\.\d+)*", section), section
        assert title.strip() == title and title, section
    for section, passages in raw.get("quotes", {}).items():
        assert section in raw["sections"], f"{path.name}: quotes for a section the table does not list: {section}"
        assert passages and all(p.strip() for p in passages)


# --- the check -------------------------------------------------------------------------------------------------------


def test_every_citation_in_the_course_names_a_section_that_exists_and_every_quote_is_verbatim():
    found = citations.problems()
    assert found == [], "\n".join(found)


def test_the_check_reads_enough_of_the_course_to_mean_something():
    units = list(citations.course_units())
    cited = {(c.spec, c.section) for u in units for c in citations.citations_in(u.text)}
    assert len(cited) > 150
    assert any(u.where.startswith("notebooks/") and " output" in u.where for u in units)
    assert any(u.where.startswith("solutions/") for u in units)
    assert any(u.where.startswith("src/tokenlab/exercises/") for u in units)
    assert any(u.where.startswith("docs/") for u in units)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Tokens in URLs leak (RFC 9700 §2.17).", "RFC 9700 has no section 2.17"),
        ("invalid_grant (RFC 6749 section 5.9)", "RFC 6749 has no section 5.9"),
        ("RFC 7519 §4.1.4–4.1.9", "RFC 7519 has no section 4.1.9"),
        ("OIDC Core §3.1.3.70", "OIDC Core has no section 3.1.3.70"),
        ("as RFC 9999 §1 says", "'RFC 9999' is not in tools/specs/"),
    ],
)
def test_a_made_up_section_is_reported(text, problem):
    found = citations.problems_in([citations.Unit("lesson", text)])
    assert any(problem in line for line in found), found


def test_citing_an_obsoleted_specification_as_the_rule_is_reported_but_naming_it_is_not():
    obsolete = next(s for s in citations.specs().values() if s.obsoleted_by)
    section = next(iter(obsolete.sections))
    (found,) = citations.problems_in([citations.Unit("x", f"{obsolete.name} §{section}")])
    assert f"obsoleted by {obsolete.obsoleted_by}" in found
    assert (
        citations.problems_in([citations.Unit("x", f"{obsolete.name} is obsoleted by {obsolete.obsoleted_by}.")]) == []
    )


def test_a_quote_that_is_not_word_for_word_in_the_cited_section_is_reported():
    spec, section, passage = next(
        (s.name, sec, ps[0]) for s in citations.specs().values() for sec, ps in s.quotes.items() if "MUST" in ps[0]
    )
    good = f"{spec} §{section} says “{passage}”"
    assert citations.problems_in([citations.Unit("x", good)]) == []
    bent = good.replace("MUST", "SHOULD", 1)
    (found,) = citations.problems_in([citations.Unit("x", bent)])
    assert "is not verbatim" in found
    (found,) = citations.problems_in([citations.Unit("x", f"as they say, “{passage}”")])
    assert "no section cited" in found


def test_a_quote_may_leave_words_out_with_an_ellipsis_but_not_change_their_order():
    spec = citations.specs()["RFC 6749"]
    (passage,) = [p for p in spec.quotes["10.10"] if "2^(-128)" in p]
    start, rule = passage[: passage.index(" guessing")], passage[passage.index("MUST") :]
    assert citations.problems_in([citations.Unit("x", f"RFC 6749 §10.10: “{start} … {rule}”")]) == []
    assert citations.problems_in([citations.Unit("x", f"RFC 6749 §10.10: “{rule} … {start}”")]) != []


def test_the_check_fails_on_a_made_up_section_in_a_lesson(tmp_path):
    for name in ("notebooks", "solutions", "docs"):
        shutil.copytree(ROOT / name, tmp_path / name)
    (tmp_path / "src").mkdir()
    shutil.copytree(ROOT / "src" / "tokenlab", tmp_path / "src" / "tokenlab")
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    assert citations.problems(tmp_path) == []
    path = next((tmp_path / "notebooks").glob("04-*.ipynb"))
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[1].source += "\n\nTokens in URLs end up in logs (RFC 9700 §2.4.7)."
    nbformat.write(notebook, path)
    (found,) = citations.problems(tmp_path)
    assert "04-" in found and "RFC 9700 has no section 2.4.7" in found


# --- the project's own documents are not the learner's ---------------------------------------------------------------


def test_no_lesson_solution_or_feedback_cites_the_projects_internal_documents():
    internal = re.compile(r"\b(SECURITY|DESIGN|STYLE)\.md\b")
    learner_facing = [
        u
        for u in citations.course_units()
        if u.where.startswith(("notebooks/", "solutions/", "src/tokenlab/exercises/", "docs/"))
    ]
    assert learner_facing
    assert [u.where for u in learner_facing if internal.search(u.text)] == []


# --- the References list -------------------------------------------------------------------------------------------


def test_every_lesson_ends_with_its_generated_references():
    assert citations.stale_references() == [], "run: python -m tools.citations"


def test_a_references_list_names_each_cited_section_with_its_title_and_link():
    path = next(p for p in citations.lessons() if p.name.startswith("04-"))
    cell = citations.references_cell(path)
    assert cell.startswith("## References")
    title = citations.specs()["RFC 6750"].sections["3.1"]
    assert f"— {title}" in cell
    assert "https://www.rfc-editor.org/rfc/rfc6750#section-3.1" in cell


def test_a_new_citation_appears_in_the_references_once_the_script_runs(tmp_path):
    for path in citations.lessons():
        shutil.copy(path, tmp_path / path.name)
    path = next(tmp_path.glob("05-*.ipynb"))
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[1].source += "\n\nThe device grant is another story (RFC 8628 §3.5)."
    nbformat.write(notebook, path)
    assert citations.stale_references(tmp_path) == [path.name]
    citations.stale_references(tmp_path, fix=True)
    assert citations.stale_references(tmp_path) == []
    last = nbformat.read(path, as_version=4).cells[-1].source
    assert "#section-3.5) — " + citations.specs()["RFC 8628"].sections["3.5"] in last
    heading = citations.references_cell(path).splitlines()[0]
    assert [cell.source.startswith(heading) for cell in nbformat.read(path, as_version=4).cells].count(True) == 1
