"""Signing-key rotation on the provider: the overlap window (old and new key in the JWKS), new tokens under the new
kid, old tokens valid until they expire, and a retired key's tokens refused with its kid named (RFC 7517 §4.5,
OpenID Connect Core §10.1.1), by tokenlab.verify and by the provider's own APIs (RFC 6750 §3.1)."""

import re

import pytest

from tokenlab.errors import TokenExpiredError, UnknownKeyError, UsageError
from tokenlab.keys import KeySet, demo_key, generate_key
from tokenlab.tokens import decode_unverified, verify


def original_kid(op):
    """The kid the provider signed with before any rotation: a fresh key of this process, not a demo key."""
    return op.app.key_events[0].kid


def orders_token(op):
    return op.mint("web-app", "alice", scope="orders:read")["access_token"]


def kid_of(token):
    return decode_unverified(token).header["kid"]


def check(op, token):
    """What an API of this issuer does with a token: verify it against the issuer's current key set."""
    return verify(token, op.app.key_set(), algorithms=["RS256"], audience="demo-api", issuer=op.issuer, clock=op.clock)


def published_kids(op, http):
    answer = http.get(op.url("/jwks.json"))
    assert answer.status_code == 200
    return [jwk["kid"] for jwk in answer.json()["keys"]]


def orders(op, http, token):
    return http.get(op.url("/api/orders"), headers={"Authorization": f"Bearer {token}"})


# --- the overlap window ----------------------------------------------------------------


def test_after_a_rotation_new_tokens_carry_the_new_kid_and_the_jwks_publishes_new_and_old_keys(op, http):
    before = orders_token(op)
    new_key = op.rotate_key()
    after = orders_token(op)
    assert kid_of(before) == original_kid(op)
    assert kid_of(after) == new_key.kid != original_kid(op)
    assert published_kids(op, http) == [new_key.kid, original_kid(op)]  # the signing key first, then the overlap


def test_a_token_signed_before_the_rotation_still_verifies_during_the_overlap(op, http):
    before = orders_token(op)
    op.rotate_key()
    assert check(op, before)["sub"] == "user-alice"
    assert orders(op, http, before).status_code == 200


def test_a_token_signed_after_the_rotation_verifies_with_the_new_public_key_and_not_the_old_one(op):
    new_key = op.rotate_key()
    after = orders_token(op)
    assert verify(after, new_key.public(), algorithms=["RS256"], audience="demo-api", clock=op.clock)
    with pytest.raises(UnknownKeyError):
        verify(after, KeySet([demo_key("RS256").public()]), algorithms=["RS256"], audience="demo-api", clock=op.clock)


def test_rotate_key_without_a_key_makes_a_fresh_random_key_for_the_providers_algorithm(op):
    first, second = op.rotate_key(), op.rotate_key()
    assert first.alg == second.alg == "RS256"
    assert first.can_sign and second.can_sign
    assert len({original_kid(op), first.kid, second.kid}) == 3


def test_rotating_to_the_second_demo_key_gives_a_fixed_kid_for_reproducible_lessons(op):
    new_key = op.rotate_key(demo_key("RS256", generation=2))
    assert new_key is demo_key("RS256", generation=2)
    assert new_key.kid == "rs256-tw5XJOlh"  # fixed, like the first generation's rs256-JjJTPQbC
    assert kid_of(orders_token(op)) == "rs256-tw5XJOlh"


@pytest.mark.parametrize(
    ("alg", "kid"),
    [
        ("HS256", "hs256-OeIMSWkI"),
        ("RS256", "rs256-tw5XJOlh"),
        ("ES256", "es256-cmRUhcbZ"),
        ("EdDSA", "eddsa-n5oUtkHK"),
    ],
)
def test_the_second_generation_demo_keys_are_fixed_distinct_keys_loaded_once(alg, kid):
    second = demo_key(alg, generation=2)
    assert second.kid == kid != demo_key(alg).kid
    assert second is demo_key(alg, generation=2)
    assert demo_key(alg, generation=1) is demo_key(alg)


@pytest.mark.parametrize("generation", [0, 3, -1])
def test_there_are_only_two_generations_of_demo_keys(generation):
    with pytest.raises(UsageError, match="generations 1 and 2"):
        demo_key("RS256", generation=generation)


def test_two_rotations_publish_three_keys_newest_first_until_the_overlap_ends(op, http):
    first = op.rotate_key()
    second = op.rotate_key()
    assert published_kids(op, http) == [second.kid, first.kid, original_kid(op)]
    assert [key.kid for key in op.app.previous_keys] == [first.kid, original_kid(op)]
    retired = op.retire_old_keys()
    assert [key.kid for key in retired] == [first.kid, original_kid(op)]
    assert published_kids(op, http) == [second.kid]
    assert op.app.previous_keys == ()


def test_old_tokens_still_expire_on_time_during_the_overlap(op):
    before = orders_token(op)
    op.rotate_key()
    op.clock.advance(seconds=600)  # web-app access tokens live 600 s
    with pytest.raises(TokenExpiredError):
        check(op, before)


def test_the_jwks_never_publishes_a_private_part(op, http):
    op.rotate_key()
    published = http.get(op.url("/jwks.json")).json()["keys"]
    assert len(published) == 2  # the new key and the old one, kept for the tokens it signed
    for jwk in published:
        assert not {"d", "p", "q", "dp", "dq", "qi", "k"} & set(jwk)


# --- retiring the old key ----------------------------------------------------------------


def test_once_retired_an_old_token_fails_with_unknown_key_error_naming_its_kid(op):
    before = orders_token(op)
    op.rotate_key()
    op.retire_old_keys()
    with pytest.raises(UnknownKeyError) as caught:
        check(op, before)
    assert caught.value.claim == "kid"
    assert repr(original_kid(op)) in str(caught.value)
    assert "not (or no longer) in the issuer's key set" in str(caught.value)


def test_once_retired_the_api_refuses_an_old_token_with_401_invalid_token_naming_the_kid(op, http):
    before = orders_token(op)
    op.rotate_key()
    assert orders(op, http, before).status_code == 200
    op.retire_old_keys()
    answer = orders(op, http, before)
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_token"
    assert original_kid(op) in answer.json()["error_description"]
    assert "no longer" in answer.json()["error_description"]
    assert re.search(r'error="invalid_token"', answer.headers["WWW-Authenticate"])


def test_once_retired_new_tokens_keep_working_at_the_api(op, http):
    op.rotate_key()
    op.retire_old_keys()
    assert orders(op, http, orders_token(op)).status_code == 200


def test_rotating_without_overlap_refuses_old_tokens_at_once_as_after_a_key_leak(op, http):
    before = orders_token(op)
    op.rotate_key(keep_old=False)
    assert len(published_kids(op, http)) == 1
    with pytest.raises(UnknownKeyError):
        check(op, before)
    assert orders(op, http, before).status_code == 401


def test_retiring_with_no_rotation_in_progress_changes_nothing(op, http):
    assert op.retire_old_keys() == ()
    assert published_kids(op, http) == [original_kid(op)]


# --- what rotate_key refuses -------------------------------------------------------------


def test_rotate_key_refuses_a_public_key_that_cannot_sign(op):
    with pytest.raises(UsageError, match="private key"):
        op.rotate_key(generate_key("RS256").public())


def test_rotate_key_refuses_a_key_for_another_algorithm_than_discovery_advertises(op):
    with pytest.raises(UsageError, match="signs with RS256"):
        op.rotate_key(generate_key("ES256"))


@pytest.mark.parametrize("which", ["current", "previous"])
def test_rotate_key_refuses_a_kid_that_is_already_published(op, which):
    if which == "previous":
        op.rotate_key()
    with pytest.raises(UsageError, match="already published"):
        op.rotate_key(generate_key("RS256", kid=original_kid(op)))


def test_rotate_key_refuses_something_that_is_not_a_key(op):
    with pytest.raises(UsageError):
        op.rotate_key("-----BEGIN PRIVATE KEY-----")
