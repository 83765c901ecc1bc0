"""tokenlab.apikeys: a greppable prefix, 190 random bits, a checksum that catches typos, and a hash to store."""

import hashlib
import random
import string
import zlib

import pytest

from tokenlab import apikeys
from tokenlab.apikeys import (
    ALPHABET,
    KEY_LENGTH,
    KEY_PATTERN,
    RANDOM_BITS,
    base62,
    checksum,
    hash_api_key,
    is_valid_api_key,
    new_api_key,
    parse_api_key,
    random_base62,
    redact_api_key,
)
from tokenlab.entropy import entropy_bits
from tokenlab.errors import ApiKeyChecksumError, ApiKeyFormatError, TokenLabError, UsageError


def seeded(seed=0):
    return random.Random(seed).randbytes


@pytest.fixture
def key():
    return new_api_key("live", random_bytes=seeded())


@pytest.mark.parametrize("kind", ["live", "test", "pat"])
def test_a_new_key_is_prefix_then_32_random_base62_then_a_6_character_checksum(kind):
    key = new_api_key(kind)
    assert key.startswith(f"tl_{kind}_")
    assert len(key) == KEY_LENGTH[kind]
    body = key[len(f"tl_{kind}_") :]
    assert len(body) == 38 and set(body) <= set(ALPHABET)
    assert body[32:] == checksum(key[:-6])
    parsed = parse_api_key(key)
    assert (parsed.kind, parsed.random, parsed.checksum, parsed.text) == (kind, body[:32], body[32:], key)
    assert KEY_PATTERN.fullmatch(key)


def test_the_random_part_carries_more_than_160_bits_of_entropy():
    assert entropy_bits(length=32, alphabet_size=62) == RANDOM_BITS
    assert 190 < RANDOM_BITS < 191


def test_keys_from_the_system_random_source_differ_and_seeded_ones_repeat():
    assert len({new_api_key() for _ in range(50)}) == 50
    assert new_api_key(random_bytes=seeded(7)) == new_api_key(random_bytes=seeded(7))


def test_random_characters_are_unbiased_because_bytes_from_248_up_are_rejected():
    source = iter([bytes([255, 248, 0, 61, 62, 247, 100]), bytes([1] * 20)])
    assert random_base62(6, lambda n: next(source)) == "0z0zc1"


def test_every_character_of_the_alphabet_can_appear():
    drawn = random_base62(5000, seeded(3))
    assert set(drawn) == set(ALPHABET)


def test_base62_pads_with_zeros_and_refuses_what_does_not_fit():
    assert base62(0, 6) == "000000"
    assert base62(61, 1) == "z"
    assert base62(62, 2) == "10"
    assert base62(2**32 - 1, 6) == "4gfFC3"
    with pytest.raises(UsageError):
        base62(62**6, 6)
    with pytest.raises(UsageError):
        base62(-1, 6)


def test_the_checksum_is_the_crc32_of_everything_before_it_in_base62(key):
    assert key[-6:] == base62(zlib.crc32(key[:-6].encode()), 6)


def test_every_single_character_typo_is_caught_by_the_checksum(key):
    for position in range(len("tl_live_"), len(key)):
        for replacement in ALPHABET:
            if replacement != key[position]:
                typo = key[:position] + replacement + key[position + 1 :]
                with pytest.raises(ApiKeyChecksumError):
                    parse_api_key(typo)


def test_every_swap_of_two_neighbouring_characters_is_caught(key):
    for position in range(len("tl_live_"), len(key) - 1):
        swapped = key[:position] + key[position + 1] + key[position] + key[position + 2 :]
        if swapped != key:
            assert not is_valid_api_key(swapped)


def test_the_checksum_covers_the_kind_so_a_live_key_relabelled_as_test_fails(key):
    with pytest.raises(ApiKeyChecksumError):
        parse_api_key(key.replace("tl_live_", "tl_test_"))


def test_a_random_look_alike_almost_never_passes():
    rng = random.Random(5)
    look_alikes = ["tl_live_" + "".join(rng.choice(ALPHABET) for _ in range(38)) for _ in range(2000)]
    assert sum(is_valid_api_key(text) for text in look_alikes) == 0  # each passes with p = 62**-6 ≈ 1.8e-11


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (None, "type"),
        (42, "type"),
        (b"tl_live_", "type"),
        ("", "prefix"),
        ("ghp_" + "a" * 36, "prefix"),
        ("TL_live_" + "a" * 38, "prefix"),
        ("tl-live-" + "a" * 38, "prefix"),
        ("tl_prod_" + "a" * 38, "kind"),
        ("tl_live" + "a" * 38, "kind"),
        ("tl_live_" + "a" * 37, "length"),
        ("tl_live_" + "a" * 39, "length"),
        ("tl_live_" + "a" * 500, "length"),
        ("tl_live_" + "a" * 37 + "-", "characters"),
        ("tl_live_" + "é" * 38, "characters"),
        ("tl_live_" + "a" * 38, "checksum"),
    ],
)
def test_malformed_keys_are_refused_with_the_problem_named(text, problem):
    with pytest.raises(ApiKeyFormatError) as caught:
        parse_api_key(text)
    assert caught.value.problem == problem
    assert isinstance(caught.value, (TokenLabError, ValueError))
    assert str(caught.value).endswith(".")
    assert is_valid_api_key(text) is False


def test_a_broken_checksum_is_its_own_error_class(key):
    broken = key[:-1] + ("A" if key[-1] != "A" else "B")
    with pytest.raises(ApiKeyChecksumError, match="typo") as caught:
        parse_api_key(broken)
    assert isinstance(caught.value, ApiKeyFormatError)
    assert caught.value.problem == "checksum"


def test_surrounding_whitespace_is_ignored_but_inner_whitespace_is_not(key):
    assert parse_api_key(f"  {key}\n").text == key
    assert not is_valid_api_key(key[:20] + " " + key[20:])


def test_an_unknown_kind_cannot_be_generated():
    with pytest.raises(UsageError, match="live, test, pat"):
        new_api_key("prod")


def test_the_stored_hash_is_sha256_of_the_key_and_reveals_nothing_of_it(key):
    stored = hash_api_key(key)
    assert stored == hashlib.sha256(key.encode()).hexdigest()
    assert key not in stored and parse_api_key(key).random not in stored
    assert hash_api_key(new_api_key()) != stored


def test_redaction_keeps_the_prefix_and_the_last_four_characters_only(key):
    shown = redact_api_key(key)
    assert shown == f"tl_live_…{key[-4:]}"
    assert parse_api_key(key).random[:4] not in shown
    parsed = parse_api_key(key)
    assert key not in repr(parsed) and key not in str(parsed)


def test_the_public_names_are_exported():
    assert {"new_api_key", "parse_api_key", "hash_api_key", "redact_api_key"} <= set(apikeys.__all__)
    for name in apikeys.__all__:
        assert hasattr(apikeys, name)
    assert set(apikeys.KINDS) == {"live", "test", "pat"}
    assert all(ch in string.ascii_letters + string.digits for ch in ALPHABET) and len(set(ALPHABET)) == 62
