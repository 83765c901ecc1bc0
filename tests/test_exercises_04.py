"""The check of notebook 04 accepts the worked solution and hints (never answers) otherwise."""

import pytest

from solutions import ex04
from tokenlab import exercises


def test_status_codes_solution_is_solved():
    assert exercises.check_status_codes(ex04.STATUS_CODES).passed


def test_the_classic_mix_up_of_401_and_403_gets_a_hint_per_wrong_scenario():
    answers = {**ex04.STATUS_CODES, "a": 403, "c": 401}
    feedback = exercises.check_status_codes(answers)
    assert not feedback.passed
    assert "4 of 6" in feedback.message
    assert [h[:2] for h in feedback.hints] == ["a:", "c:"]
    assert "401" not in feedback.hints[0] and "403" not in feedback.hints[1]  # hints never state the answer


STATUS_WORDS = ("200", "400", "401", "403", "OK", "Bad Request", "Unauthorized", "Forbidden", "15.5")


def test_no_hint_names_a_status_code_its_reason_phrase_or_the_rfc_9110_section_titled_with_it():
    wrong = {k: 200 if v != 200 else 400 for k, v in ex04.STATUS_CODES.items()}
    hints = exercises.check_status_codes(wrong).hints
    assert len(hints) == 6
    for hint in hints:
        assert not any(word in hint for word in STATUS_WORDS), hint


def test_each_hint_is_about_its_own_request_whatever_the_answer_given_or_expected():
    def hints_for(answer):
        return exercises.check_status_codes({k: answer for k in ex04.STATUS_CODES}).hints

    every = {hint for answer in (200, 400, 401, 403) for hint in hints_for(answer)}
    texts = {hint.partition(": ")[2] for hint in every}
    # six scenarios, six different hints, the same whatever was answered, even where the expected status is the
    # same (a, b and f): a hint shared by scenarios would tell the learner their answers are the same
    assert len(every) == 6 and len(texts) == 6


@pytest.mark.parametrize(
    ("answers", "words"),
    [
        ({"a": 401}, "have no answer yet"),
        ({k: "401" for k in "abcdef"}, "one of the numbers"),
        ({k: 500 for k in "abcdef"}, "one of the numbers"),
        ([401, 401], "expected a dict"),
        ({k: ... for k in "abcdef"}, "no answer yet"),
        (..., "no answer yet"),
    ],
)
def test_incomplete_or_odd_answers_are_not_yet(answers, words):
    feedback = exercises.check_status_codes(answers)
    assert not feedback.passed
    assert words in str(feedback)


def test_a_token_in_the_url_answered_as_if_it_were_fine_gets_the_hint_about_where_it_travels():
    feedback = exercises.check_status_codes({**ex04.STATUS_CODES, "d": 200})
    assert not feedback.passed and "5 of 6" in feedback.message
    assert feedback.hints[0].startswith("d: the token is genuine, but look at where it travels (RFC 6750 §2.3")


def test_a_bad_signature_answered_as_forbidden_is_asked_whether_the_api_can_trust_the_token():
    feedback = exercises.check_status_codes({**ex04.STATUS_CODES, "f": 403})
    assert not feedback.passed
    assert feedback.hints == (
        "f: the token looks right, but the API cannot check its signature with any key of the provider's. Can it "
        "trust anything the token says? Find the RFC 6750 §3.1 error code for that, and its status.",
    )


def test_status_codes_written_as_text_are_told_to_drop_the_quotes():
    feedback = exercises.check_status_codes({**ex04.STATUS_CODES, "a": "401", "c": "403"})
    assert not feedback.passed
    assert feedback.hints == ("a, c: a status code is a number: write it without quotes.",)
