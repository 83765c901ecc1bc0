"""tokenlab.claims: one small check per claim, with ``now`` and ``leeway`` passed in."""

import pytest

from tokenlab.claims import (
    CLAIM_MEANINGS,
    HEADER_MEANINGS,
    MAX_LEEWAY,
    missing_scopes,
    numeric_date,
    require_audience,
    require_claims,
    require_issuer,
    require_typ,
    require_valid_exp,
    require_valid_iat,
    require_valid_leeway,
    require_valid_nbf,
    scopes,
)
from tokenlab.errors import (
    AudienceMismatchError,
    InvalidClaimError,
    IssuerMismatchError,
    MissingClaimError,
    TokenExpiredError,
    TokenNotYetValidError,
    UsageError,
    WrongTokenTypeError,
)

NOW = 1767603600  # the demo clock: 2026-01-05 09:00:00 UTC
ISSUER = "https://issuer.example"

# --- exp, nbf, iat ------------------------------------------------------------


def test_a_token_before_its_exp_passes():
    require_valid_exp({"exp": NOW + 1}, now=NOW, leeway=0)


def test_a_token_is_expired_at_exactly_its_exp_because_rfc_7519_says_on_or_after():
    with pytest.raises(TokenExpiredError) as caught:
        require_valid_exp({"exp": NOW}, now=NOW, leeway=0)
    assert caught.value.claim == "exp"
    assert "0 s before now" in str(caught.value)


def test_an_expired_token_says_when_it_expired_and_how_long_ago():
    with pytest.raises(TokenExpiredError) as caught:
        require_valid_exp({"exp": NOW - 300}, now=NOW)
    assert "expired at 2026-01-05 08:55:00 UTC, 5 min before now." in str(caught.value)


def test_leeway_extends_exp_by_exactly_its_seconds():
    require_valid_exp({"exp": NOW - 5}, now=NOW, leeway=6)
    with pytest.raises(TokenExpiredError, match=r"beyond the 5 s of leeway"):
        require_valid_exp({"exp": NOW - 5}, now=NOW, leeway=5)


def test_a_token_is_valid_from_exactly_its_nbf():
    require_valid_nbf({"nbf": NOW}, now=NOW, leeway=0)
    with pytest.raises(TokenNotYetValidError) as caught:
        require_valid_nbf({"nbf": NOW + 1}, now=NOW, leeway=0)
    assert caught.value.claim == "nbf"
    assert "not valid before 2026-01-05 09:00:01 UTC, 1 s from now" in str(caught.value)


def test_leeway_lets_a_token_be_used_that_many_seconds_before_its_nbf():
    require_valid_nbf({"nbf": NOW + 30}, now=NOW, leeway=30)
    with pytest.raises(TokenNotYetValidError):
        require_valid_nbf({"nbf": NOW + 31}, now=NOW, leeway=30)


def test_a_token_issued_in_the_future_is_not_yet_valid_and_names_iat():
    require_valid_iat({"iat": NOW}, now=NOW, leeway=0)
    require_valid_iat({"iat": NOW - 3600}, now=NOW, leeway=0)
    require_valid_iat({"iat": NOW + 10}, now=NOW, leeway=10)
    with pytest.raises(TokenNotYetValidError) as caught:
        require_valid_iat({"iat": NOW + 120}, now=NOW, leeway=10)
    assert caught.value.claim == "iat"
    assert "2 min in the future" in str(caught.value)


def test_refusing_a_future_iat_is_called_tokenlabs_choice_and_not_an_rfc_rule():
    with pytest.raises(TokenNotYetValidError) as caught:
        require_valid_iat({"iat": NOW + 120}, now=NOW, leeway=0)
    message = str(caught.value)
    assert "tokenlab's verifier chooses" in message
    assert "§4.1.5–4.1.6" not in message  # RFC 7519 §4.1.6 only says iat tells the token's age


def test_the_expiry_lesson_says_on_or_after_exp_as_rfc_7519_does():
    with pytest.raises(TokenExpiredError) as caught:
        require_valid_exp({"exp": NOW}, now=NOW, leeway=0)
    assert "On or after its 'exp' time" in str(caught.value)


def test_the_time_claims_meanings_say_what_rfc_7519_says_of_them():
    assert "before this moment" in CLAIM_MEANINGS["nbf"]  # valid from nbf on, not "until" it
    assert "age" in CLAIM_MEANINGS["iat"]


@pytest.mark.parametrize("check", [require_valid_exp, require_valid_nbf, require_valid_iat])
def test_an_absent_time_claim_is_left_to_require_claims(check):
    check({}, now=NOW, leeway=0)


@pytest.mark.parametrize(
    ("check", "claims", "error"),
    [
        (require_valid_exp, {"exp": -1e300}, TokenExpiredError),
        (require_valid_exp, {"exp": -(10**30)}, TokenExpiredError),
        (require_valid_nbf, {"nbf": 1e300}, TokenNotYetValidError),
        (require_valid_iat, {"iat": 10**30}, TokenNotYetValidError),
    ],
)
def test_a_time_beyond_any_calendar_still_gives_the_token_error_not_an_overflow(check, claims, error):
    with pytest.raises(error, match="beyond any calendar"):
        check(claims, now=NOW, leeway=0)


@pytest.mark.parametrize(
    "value", ["1767603600", True, None, [NOW], {"t": NOW}, float("nan"), float("inf"), -float("inf")]
)
@pytest.mark.parametrize("check", [require_valid_exp, require_valid_nbf, require_valid_iat])
def test_a_time_claim_that_is_not_a_finite_number_is_an_invalid_claim(check, value):
    name = check.__name__.removeprefix("require_valid_")
    with pytest.raises(InvalidClaimError) as caught:
        check({name: value}, now=NOW, leeway=0)
    assert caught.value.claim == name


def test_numeric_date_returns_the_number_or_none_when_absent():
    assert numeric_date({"exp": NOW}, "exp") == NOW
    assert numeric_date({"exp": NOW + 0.5}, "exp") == NOW + 0.5
    assert numeric_date({}, "exp") is None


# --- leeway ---------------------------------------------------------------------


@pytest.mark.parametrize("leeway", [0, 1, 2.5, 60, MAX_LEEWAY])
def test_a_small_explicit_leeway_is_accepted(leeway):
    assert require_valid_leeway(leeway) == leeway


@pytest.mark.parametrize("leeway", [-1, -0.5, MAX_LEEWAY + 1, 3600, float("inf"), float("nan"), True, "60", None])
def test_a_negative_large_or_non_numeric_leeway_is_a_usage_error(leeway):
    with pytest.raises(UsageError):
        require_valid_leeway(leeway)


def test_max_leeway_is_five_minutes():
    assert MAX_LEEWAY == 300


# --- required claims, iss, aud, typ --------------------------------------------------


def test_check_required_names_the_first_missing_claim():
    require_claims({"sub": "alice", "exp": NOW}, ["sub", "exp"])
    with pytest.raises(MissingClaimError) as caught:
        require_claims({"sub": "alice"}, ["sub", "jti", "exp"])
    assert caught.value.claim == "jti"


def test_check_required_counts_a_present_null_claim_as_present():
    require_claims({"nonce": None}, ["nonce"])


def test_the_exact_issuer_passes():
    require_issuer({"iss": ISSUER}, ISSUER)


def test_a_missing_issuer_is_a_missing_claim():
    with pytest.raises(MissingClaimError) as caught:
        require_issuer({}, ISSUER)
    assert caught.value.claim == "iss"


@pytest.mark.parametrize(
    "iss",
    [
        "https://issuer.example.evil",
        "https://issuer.example/",
        "https://issuer.example/evil",
        "https://issuer.exam",
        "https://ISSUER.example",
        "http://issuer.example",
        " https://issuer.example",
        "",
        None,
        ["https://issuer.example"],
    ],
)
def test_an_issuer_that_differs_in_any_character_is_a_mismatch(iss):
    with pytest.raises(IssuerMismatchError) as caught:
        require_issuer({"iss": iss}, ISSUER)
    assert caught.value.claim == "iss"


@pytest.mark.parametrize(
    ("aud", "expected"),
    [
        ("api", "api"),
        (["other", "api"], "api"),
        ("api", ["billing", "api"]),
        (["api"], {"api"}),
    ],
)
def test_an_audience_naming_one_of_the_expected_recipients_passes(aud, expected):
    require_audience({"aud": aud}, expected)


def test_a_missing_audience_is_a_missing_claim():
    with pytest.raises(MissingClaimError) as caught:
        require_audience({}, "api")
    assert caught.value.claim == "aud"


@pytest.mark.parametrize(
    ("aud", "expected"),
    [
        ("billing", "api"),
        (["billing", "admin"], "api"),
        ("api", "ap"),
        ("ap", "api"),
        ("api-evil", "api"),
        ("API", "api"),
        ([], "api"),
        ("api", []),
    ],
)
def test_an_audience_that_does_not_name_this_recipient_exactly_is_a_mismatch(aud, expected):
    with pytest.raises(AudienceMismatchError) as caught:
        require_audience({"aud": aud}, expected)
    assert caught.value.claim == "aud"


@pytest.mark.parametrize("aud", [1, None, {"api": True}, ["api", 1], [["api"]]])
def test_an_audience_that_is_not_a_string_or_a_list_of_strings_is_invalid(aud):
    with pytest.raises(InvalidClaimError) as caught:
        require_audience({"aud": aud}, "api")
    assert caught.value.claim == "aud"


@pytest.mark.parametrize(
    ("typ", "expected"),
    [
        ("at+jwt", "at+jwt"),
        ("application/at+jwt", "at+jwt"),
        ("at+jwt", "application/at+jwt"),
        ("AT+JWT", "at+jwt"),
        ("Application/At+Jwt", "at+jwt"),
        ("JWT", "jwt"),
    ],
)
def test_typ_matches_case_insensitively_with_or_without_the_application_prefix(typ, expected):
    require_typ({"typ": typ}, expected)


@pytest.mark.parametrize("header", [{"typ": "JWT"}, {}, {"typ": None}, {"typ": ["at+jwt"]}, {"typ": "at+jwt+x"}])
def test_any_other_typ_is_the_wrong_token_type(header):
    with pytest.raises(WrongTokenTypeError) as caught:
        require_typ(header, "at+jwt")
    assert caught.value.claim == "typ"


# --- scopes ---------------------------------------------------------------------------


def test_scopes_splits_the_space_separated_scope_claim():
    assert scopes({"scope": "read  write\tadmin"}) == {"read", "write", "admin"}
    assert scopes({}) == frozenset()
    assert scopes({"scope": ""}) == frozenset()


@pytest.mark.parametrize("value", [["read", "write"], 1, None])
def test_a_scope_claim_that_is_not_a_string_is_invalid(value):
    with pytest.raises(InvalidClaimError) as caught:
        scopes({"scope": value})
    assert caught.value.claim == "scope"


def test_missing_scopes_lists_the_needed_scopes_the_token_lacks():
    claims = {"scope": "read write"}
    assert missing_scopes(claims, "read") == frozenset()
    assert missing_scopes(claims, "read admin") == {"admin"}
    assert missing_scopes(claims, ["write", "delete", "admin"]) == {"delete", "admin"}
    assert missing_scopes({}, "read") == {"read"}
    assert missing_scopes(claims, "rea") == {"rea"}


# --- meanings -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"])
def test_every_registered_claim_of_rfc_7519_is_explained_with_its_section(name):
    assert "RFC 7519 §4.1." in CLAIM_MEANINGS[name]


@pytest.mark.parametrize("name", ["alg", "typ", "kid", "crit", "jku", "jwk", "x5u"])
def test_the_security_relevant_header_parameters_are_explained(name):
    assert HEADER_MEANINGS[name].endswith(").")
    assert "RFC" in HEADER_MEANINGS[name]


# --- found by make mutate (docs/mutation.md) ---------------------------------------------


@pytest.mark.parametrize(
    ("check", "claim"), [(require_valid_exp, "exp"), (require_valid_nbf, "nbf"), (require_valid_iat, "iat")]
)
def test_without_a_leeway_argument_not_one_second_of_grace_is_given(check, claim):
    # A7: leeway is explicit. A default of 1 s would let a token through one second late or early.
    times = {"exp": NOW, "nbf": NOW + 1, "iat": NOW + 1}
    with pytest.raises((TokenExpiredError, TokenNotYetValidError)) as caught:
        check({claim: times[claim]}, now=NOW)
    assert caught.value.claim == claim


def test_an_audience_mismatch_names_every_audience_this_verifier_expected():
    with pytest.raises(AudienceMismatchError) as caught:
        require_audience({"aud": "other-api"}, ["orders-api", "billing-api"])
    assert "meant for 'other-api', not for 'billing-api' or 'orders-api'." in str(caught.value)


def test_a_leeway_out_of_range_is_refused_with_the_range_and_the_reason():
    with pytest.raises(UsageError) as caught:
        require_valid_leeway(3600)
    assert "leeway=3600 s is outside 0–300 s" in str(caught.value)
    assert "must not turn an expired token into a valid one" in str(caught.value)
