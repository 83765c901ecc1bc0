"""tokenlab.errors: one root, one class per failure, a lesson per token error, a wire code per OAuth error."""

import inspect
import re

import pytest

from tokenlab import errors
from tokenlab.errors import (
    InvalidKeyError,
    InvalidTokenError,
    OAuthError,
    TokenExpiredError,
    TokenFormatError,
    TokenLabError,
    UsageError,
)
from tokenlab.errors import oauth as oauth_errors

ALL_ERRORS = [
    getattr(errors.core, name) for name in errors.core.__all__ if isinstance(getattr(errors.core, name), type)
]
TOKEN_ERRORS = [cls for cls in ALL_ERRORS if issubclass(cls, InvalidTokenError) and cls is not InvalidTokenError]
OAUTH_ERRORS = list(oauth_errors.OAUTH_ERRORS.values())


def test_all_lists_every_exception_class_the_module_defines():
    defined = {
        name
        for name, value in vars(errors.core).items()
        if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == errors.__name__
    }
    assert defined == set(errors.core.__all__)


@pytest.mark.parametrize("cls", ALL_ERRORS, ids=lambda cls: cls.__name__)
def test_every_error_subclasses_tokenlab_error_and_has_a_one_line_docstring(cls):
    assert issubclass(cls, TokenLabError)
    assert cls.__doc__ and cls.__doc__.strip().splitlines()[0].endswith((".", ")", ":"))


@pytest.mark.parametrize("cls", [UsageError, InvalidKeyError, TokenFormatError])
def test_usage_key_and_format_errors_are_value_errors_too(cls):
    assert issubclass(cls, ValueError)


def test_token_errors_and_oauth_errors_are_separate_families():
    assert TOKEN_ERRORS
    assert OAUTH_ERRORS
    for cls in TOKEN_ERRORS:
        assert not issubclass(cls, (OAuthError, TokenFormatError))
    for cls in OAUTH_ERRORS:
        assert not issubclass(cls, (InvalidTokenError, TokenFormatError))


def test_a_token_format_error_names_the_broken_part():
    err = TokenFormatError("The header is not JSON.", part="header")
    assert err.part == "header"
    assert str(err) == "The header is not JSON."
    assert TokenFormatError("no part").part is None


@pytest.mark.parametrize("cls", TOKEN_ERRORS, ids=lambda cls: cls.__name__)
def test_every_token_error_has_its_own_one_sentence_lesson_shown_after_the_detail(cls):
    assert cls.lesson != InvalidTokenError.lesson
    assert cls.lesson[0].isupper() and cls.lesson.endswith(".")
    assert re.search(r"RFC \d{4}", cls.lesson), "a lesson cites the RFC it teaches"
    err = cls("The detail.", claim="exp")
    assert str(err) == f"The detail. {cls.lesson}"
    assert err.detail == "The detail."
    assert err.claim == "exp"
    assert cls("No claim here.").claim is None


def test_token_error_lessons_are_all_different():
    lessons = [cls.lesson for cls in TOKEN_ERRORS]
    assert len(set(lessons)) == len(lessons)


def test_an_expired_token_error_keeps_the_claim_and_says_what_expiry_means():
    err = TokenExpiredError("The token expired at 2026-01-05 09:05:00 UTC.", claim="exp")
    assert err.claim == "exp"
    assert "'exp'" in str(err) and "RFC 7519 §4.1.4" in str(err)


def test_every_error_is_importable_from_the_package_as_the_one_class_its_module_defines():
    assert errors.__all__, "the package exports nothing"
    for name in errors.__all__:
        home = errors.oauth if name in errors.oauth.__all__ else errors.core
        assert getattr(errors, name) is getattr(home, name), name
    assert set(errors.oauth.__all__).isdisjoint(errors.core.__all__)
    assert errors.AuthorizationPendingError is oauth_errors.AuthorizationPendingError
    assert errors.TokenExpiredError.__module__ == "tokenlab.errors"  # tracebacks name the import a learner writes
    with pytest.raises(AttributeError, match="NoSuchError"):
        errors.NoSuchError  # noqa: B018


# --- signed requests -----------------------------------------------------------

SIGNATURE_ERRORS = [
    cls
    for cls in ALL_ERRORS
    if issubclass(cls, errors.SignatureRejectedError) and cls is not errors.SignatureRejectedError
]
SIGNATURE_WIRE_CODES = {
    "MissingSignatureError": "missing_signature",
    "MalformedSignatureError": "malformed_signature",
    "UnknownSigningKeyError": "unknown_key",
    "StaleRequestError": "stale_request",
    "ReplayedNonceError": "replayed_nonce",
    "DigestMismatchError": "digest_mismatch",
    "SignatureMismatchError": "invalid_signature",
}


def test_every_signature_error_has_a_pinned_wire_code_and_answers_401():
    assert {cls.__name__: cls.error for cls in SIGNATURE_ERRORS} == SIGNATURE_WIRE_CODES
    assert all(cls.status_code == 401 for cls in SIGNATURE_ERRORS)


@pytest.mark.parametrize("cls", SIGNATURE_ERRORS, ids=lambda cls: cls.__name__)
def test_every_signature_error_has_its_own_one_sentence_lesson_and_names_the_component(cls):
    assert cls.lesson != errors.SignatureRejectedError.lesson
    assert cls.lesson[0].isupper() and cls.lesson.endswith(".")
    assert re.search(r"RFC \d{4}", cls.lesson), "a lesson cites the RFC it teaches"
    err = cls("The detail.", component="nonce")
    assert str(err) == f"The detail. {cls.lesson}"
    assert (err.detail, err.component) == ("The detail.", "nonce")
    body = err.as_dict()
    assert body["error"] == cls.error and body["error_description"] == "The detail."
    assert all(text.isascii() and '"' not in text for text in body.values())


def test_signature_errors_are_a_family_of_their_own():
    lessons = [cls.lesson for cls in SIGNATURE_ERRORS]
    assert len(set(lessons)) == len(lessons)
    for cls in SIGNATURE_ERRORS:
        assert not issubclass(cls, (InvalidTokenError, OAuthError, TokenFormatError, ValueError))
