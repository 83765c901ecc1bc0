"""provider/bearer.py: the parts of an RFC 6750 answer that the resource tests do not pin down (found by make
mutate, docs/mutation.md): HEAD with a token in its body, the error_description's characters, no-store."""

import re

import pytest

from tokenlab import decode_unverified
from tokenlab.provider.bearer import InvalidAccessTokenError, NoTokenError
from tokenlab.tokens import sign

from .test_resource import HEADER_TEXT, bearer


def test_a_token_in_the_body_of_a_head_is_refused_as_for_a_get(op, http):
    token = op.mint("web-app", "alice", scope="orders:read")["access_token"]
    answer = http.head(op.url("/api/orders"), data={"access_token": token})
    assert answer.status_code == 400  # RFC 6750 §2.2: the method must be one whose body has defined semantics


def test_error_description_keeps_printable_ascii_and_spells_the_section_sign():
    err = InvalidAccessTokenError('The token said "no" – see RFC 6750 §3.1 \\ and ~X.')
    description = re.search(r'error_description="([^"]*)"', err.challenge()).group(1)
    assert description == "The token said no  see RFC 6750 section 3.1  and ~X."
    assert HEADER_TEXT.fullmatch(description)


def test_every_bearer_error_answer_says_no_store(op, http):
    for headers in ({}, bearer("not-a-token")):
        answer = http.get(op.url("/api/orders"), headers=headers)
        assert answer.status_code == 401
        assert answer.headers["Cache-Control"] == "no-store"


def test_a_request_without_credentials_gets_an_empty_body_and_no_error_code():
    # RFC 6750 §3.1: no error code when the request has no authentication information
    assert NoTokenError().as_dict() == {}
    assert NoTokenError("Log in first.").as_dict() == {"message": "Log in first."}


def test_a_bearer_error_prints_its_code_and_description():
    assert str(InvalidAccessTokenError("The token has expired.")) == "invalid_token: The token has expired."
    assert str(NoTokenError("No token.")) == "No token."


def test_two_access_tokens_in_one_body_are_refused(op, http):
    token = op.mint("web-app", "alice", scope="orders:write")["access_token"]
    answer = http.post(op.url("/api/orders"), data=[("access_token", token), ("access_token", token)])
    assert answer.status_code == 400  # G4: RFC 6750 §3.1, a parameter given more than once is invalid_request
    assert answer.json()["error"] == "invalid_request"


def live_claims(op, **changes):
    """The claims of a token this provider really issued (its jti is live in the store), changed as given."""
    claims = dict(decode_unverified(op.mint("web-app", "alice", scope="orders:read")["access_token"]).claims)
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


@pytest.mark.parametrize(
    "changes",
    [{"iss": "ISSUER/evil"}, {"iss": "ISSUER"[:-1]}, {"sub": None}, {"iat": None}],
    ids=["iss-longer", "iss-prefix", "no-sub", "no-iat"],
)
def test_a_token_signed_with_the_providers_key_but_a_wrong_issuer_or_a_missing_claim_is_refused(op, http, changes):
    # G2 with A8: the resource server checks iss and the required claims itself, not only the signature and jti
    changes = {k: v.replace("ISSUER", op.issuer) if isinstance(v, str) else v for k, v in changes.items()}
    token = sign(live_claims(op, **changes), op.app.signing_key, typ="at+jwt")
    answer = http.get(op.url("/api/orders"), headers=bearer(token))
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"] == "invalid_token"
