"""The checks of notebook 12 accept the worked solutions and hint (never answer) otherwise."""

import pytest

from solutions import ex12
from tokenlab import exercises
from tokenlab.apikeys import ALPHABET, KINDS, checksum, is_valid_api_key


def test_the_key_check_solution_is_solved():
    assert exercises.check_looks_like_valid_key(ex12.looks_like_valid_key).passed


def test_the_library_function_would_pass_too():
    assert exercises.check_looks_like_valid_key(is_valid_api_key).passed


def only_prefix(text):
    return isinstance(text, str) and text.startswith("tl_")


def no_checksum(text):
    if not isinstance(text, str):
        return False
    parts = text.split("_")
    return len(parts) == 3 and parts[0] == "tl" and parts[1] in KINDS and len(parts[2]) == 38


def only_checksum(text):
    return isinstance(text, str) and len(text) > 6 and checksum(text[:-6]) == text[-6:]


def no_alphabet(text):
    if not isinstance(text, str):
        return False
    parts = text.split("_")
    return len(parts) == 3 and parts[0] == "tl" and parts[1] in KINDS and checksum(text[:-6]) == text[-6:]


def live_only(text):
    return ex12.looks_like_valid_key(text) and text.startswith("tl_live_")


def two_kinds_only(text):
    return ex12.looks_like_valid_key(text) and text.split("_")[1] in ("live", "pat")


def no_length(text):
    if not isinstance(text, str):
        return False
    parts = text.split("_")
    well_formed = len(parts) == 3 and parts[0] == "tl" and parts[1] in KINDS and len(parts[2]) > 6
    return well_formed and all(ch in ALPHABET for ch in parts[2]) and checksum(text[:-6]) == text[-6:]


def isalnum_alphabet(text):
    if not isinstance(text, str):
        return False
    parts = text.split("_")
    well_formed = len(parts) == 3 and parts[0] == "tl" and parts[1] in KINDS and len(parts[2]) == 38
    return well_formed and parts[2].isalnum() and checksum(text[:-6]) == text[-6:]


def crashes_on_none(text):
    return text.startswith("tl_") and ex12.looks_like_valid_key(text)


@pytest.mark.parametrize(
    ("attempt", "words"),
    [
        (only_prefix, "accepted a key with one mistyped character"),
        (no_checksum, "accepted a key with one mistyped character"),
        (only_checksum, "accepted a key with the wrong prefix"),
        (no_alphabet, "accepted a key with a '-' in it"),
        (live_only, "refused a valid personal access token"),
        (two_kinds_only, "refused a valid key of the kind test"),
        (no_length, "accepted a key one character too long (its checksum matches!)"),
        (isalnum_alphabet, "for a key with an 'é' in it"),
        (crashes_on_none, "AttributeError"),
        (lambda text: 1 if ex12.looks_like_valid_key(text) else 0, "not True or False"),
        (lambda text: "yes", "not True or False"),
    ],
    ids=[
        "prefix-only",
        "no-checksum",
        "checksum-only",
        "no-alphabet",
        "live-only",
        "two-kinds-only",
        "no-length",
        "isalnum",
        "crashes",
        "int",
        "str",
    ],
)
def test_wrong_key_checks_name_the_case_they_get_wrong(attempt, words):
    feedback = exercises.check_looks_like_valid_key(attempt)
    assert not feedback.passed
    assert words in str(feedback)
    assert "def " not in str(feedback) and ALPHABET not in str(feedback)


def test_the_storage_solution_is_solved_in_any_case_of_letters():
    assert exercises.check_storage_choices(ex12.STORAGE_CHOICES).passed
    assert exercises.check_storage_choices({k: v.lower() for k, v in ex12.STORAGE_CHOICES.items()}).passed


@pytest.mark.parametrize(
    ("choices", "words"),
    [
        ({"password": "C", "api_key": "C", "webhook_secret": "B"}, "look again at the password"),
        ({"password": "D", "api_key": "D", "webhook_secret": "B"}, "look again at the api_key"),
        ({"password": "D", "api_key": "B", "webhook_secret": "B"}, "cannot be turned back"),
        ({"password": "D", "api_key": "C", "webhook_secret": "C"}, "from a hash"),
        ({"password": "A", "api_key": "C", "webhook_secret": "B"}, "plain text"),
        ({"password": "D", "api_key": "C"}, "no letter yet for webhook_secret"),
        ({"password": "D", "api_key": "C", "webhook_secret": "E"}, "E is not a scheme"),
        ("DCB", "expected a dict"),
    ],
)
def test_wrong_storage_choices_point_at_the_secret_without_naming_the_letter(choices, words):
    feedback = exercises.check_storage_choices(choices)
    assert not feedback.passed and words in str(feedback)
    assert "'D'" not in str(feedback) and '"D"' not in str(feedback)


def test_the_exercise_data_is_shown_to_the_learner():
    assert set(exercises.STORAGE_SCHEMES) == {"A", "B", "C", "D"}
    assert set(exercises.SECRETS_TO_STORE) == set(ex12.STORAGE_CHOICES)


def test_placeholders_are_unanswered():
    def looks_like_valid_key(text): ...

    assert "no answer yet" in str(exercises.check_looks_like_valid_key(looks_like_valid_key))
    assert "no answer yet" in str(exercises.check_storage_choices(...))
    assert "no answer yet" in str(exercises.check_storage_choices({k: ... for k in exercises.SECRETS_TO_STORE}))
