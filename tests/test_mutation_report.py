"""tools/mutation_report.py: which survivors it lets pass as wording, and where it says a mutant sits."""

from __future__ import annotations

from tools.mutation_report import Mutant, line_of, report, wording_only


def diff(before: str, after: str) -> str:
    return "\n".join(["--- src/m.py", "+++ src/m.py", "@@ -1,3 +1,3 @@", " def f(x):", f"-{before}", f"+{after}"])


MESSAGE = '    raise MissingClaimError("The token has no \'iss\' claim.", claim="iss")'


def test_a_sentence_for_people_with_xx_or_another_case_is_wording():
    assert wording_only(diff(MESSAGE, MESSAGE.replace('"The', '"XXThe').replace('.",', '.XX",')))
    assert wording_only(diff(MESSAGE, MESSAGE.replace("The token has no", "the token has no")))


def test_a_data_string_an_argument_or_an_operator_is_not_wording():
    assert not wording_only(diff('    return typ == "at+jwt"', '    return typ == "XXat+jwtXX"'))
    assert not wording_only(diff(MESSAGE, MESSAGE.replace('claim="iss"', 'claim="XXissXX"')))
    assert not wording_only(diff(MESSAGE, MESSAGE.replace('claim="iss"', "claim=None")))
    assert not wording_only(diff("    return now > exp + leeway", "    return now >= exp + leeway"))


def test_a_mutant_is_placed_on_its_line_after_its_function(tmp_path):
    source = tmp_path / "src" / "m.py"
    source.parent.mkdir()
    source.write_text("def g(x):\n    return x > 1\n\n\ndef f(x):\n    return x > 1\n")
    mutant = Mutant("m.x_f__mutmut_1", "src/m.py", "survived")
    assert line_of(mutant, diff("    return x > 1", "    return x >= 1"), root=tmp_path) == 6


def test_an_unexplained_survivor_is_counted_and_shown_with_its_diff(monkeypatch):
    survivor = Mutant("m.x_f__mutmut_2", "src/m.py", "survived")
    killed = Mutant("m.x_f__mutmut_1", "src/m.py", "killed")
    monkeypatch.setattr("tools.mutation_report.diff_of", lambda m: diff("    return x > 1", "    return x >= 1"))
    monkeypatch.setattr("tools.mutation_report.line_of", lambda m, d: 6)
    text, unexplained = report([killed, survivor], {})
    assert unexplained == 1
    assert "SURVIVED m.x_f__mutmut_2 (src/m.py:6, in f)" in text
    assert "+    return x >= 1" in text
    text, unexplained = report([killed, survivor], {"m.x_f__mutmut_2": "equivalent: x is never 1"})
    assert unexplained == 0
    assert "accepted m.x_f__mutmut_2 (src/m.py:6): equivalent: x is never 1" in text
