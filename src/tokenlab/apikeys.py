"""API keys and personal access tokens: a greppable prefix, 190 random bits, and a checksum.

A tokenlab key looks like this (the kind is ``live``, ``test`` or ``pat``)::

    tl_live_au1xiWY6iUIiETtBxcTkXCFRhs5avtZu0XrREr
    └prefix┘└────── 32 random base62 ──────┘└CRC─┘

- **The prefix** (``tl_`` and the kind) makes a leaked key easy to find: a
  secret scanner, a log filter or a code host's push protection can match
  ``tl_live_`` plus 38 letters and digits, and a person who finds one knows at
  once whose key it is and whom to tell. GitHub's token formats work the same
  way (``ghp_``, ``github_pat_``; GitHub blog, "Behind GitHub's new
  authentication token formats", 2021).
- **The random part** is 32 characters drawn uniformly from 62, from the
  operating system's CSPRNG: 32 × log2(62) ≈ 190.5 bits, far beyond guessing
  online or offline (``tokenlab.entropy``; NIST SP 800-63B asks 112 bits of a look-up
  secret that is stored with a plain hash, §5.1.2.2).
- **The checksum** is the CRC32 of everything before it (prefix, kind and
  random part), written as 6 base62 characters. It lets anyone check a key
  *without a database*: a typo, a truncated copy or a random look-alike fails
  the check, so an API rejects it before any lookup and a scanner reports only
  strings that really are keys. A CRC is not a security feature: it has no
  secret, anyone can compute a valid checksum for any random part. It stops
  noise, never an attacker; the 190 random bits do that.

The provider keeps only the SHA-256 of a key (:func:`hash_api_key`) and shows
the key once, when it is created (:mod:`tokenlab.provider.apikeys`).

>>> import random
>>> key = new_api_key("live", random_bytes=random.Random(12).randbytes)   # lessons only: seeded
>>> key
'tl_live_...'
>>> len(key), parse_api_key(key).kind
(46, 'live')
>>> is_valid_api_key(key), is_valid_api_key(key[:-1] + ("A" if key[-1] != "A" else "B"))
(True, False)
"""

from __future__ import annotations

import hashlib
import re
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tokenlab.entropy import entropy_bits
from tokenlab.errors import ApiKeyChecksumError, ApiKeyFormatError, UsageError
from tokenlab.shortening import shorten

__all__ = [
    "ALPHABET",
    "CHECKSUM_LENGTH",
    "KEY_LENGTH",
    "KEY_PATTERN",
    "KINDS",
    "PREFIX",
    "RANDOM_BITS",
    "RANDOM_LENGTH",
    "ParsedApiKey",
    "base62",
    "checksum",
    "hash_api_key",
    "is_valid_api_key",
    "new_api_key",
    "parse_api_key",
    "random_base62",
    "redact_api_key",
]

PREFIX = "tl"
"""Every tokenlab key starts with ``tl_``."""

KINDS = {
    "live": "an API key for production",
    "test": "an API key for a test environment (a different prefix, so a scanner can rank it lower)",
    "pat": "a personal access token: an API key that acts as one person",
}
"""The kinds of key, the second part of the prefix."""

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
"""Base62: letters and digits only, so a double-click selects the whole key and no URL or shell needs escaping."""

RANDOM_LENGTH = 32
CHECKSUM_LENGTH = 6  # 62**6 ≈ 5.7e10 > 2**32: room for every CRC32 value
RANDOM_BITS = entropy_bits(length=RANDOM_LENGTH, alphabet_size=len(ALPHABET))
"""≈ 190.5 bits of entropy: the random part alone; prefix and checksum add none."""

KEY_LENGTH = {kind: len(f"{PREFIX}_{kind}_") + RANDOM_LENGTH + CHECKSUM_LENGTH for kind in KINDS}
"""The length of a key of each kind: 46 for ``live`` and ``test``, 45 for ``pat``."""

KEY_PATTERN = re.compile(rf"{PREFIX}_(?:{'|'.join(KINDS)})_[0-9A-Za-z]{{{RANDOM_LENGTH + CHECKSUM_LENGTH}}}")
"""What a scanner looks for. A match is a *candidate*: only :func:`is_valid_api_key` says it is a key."""

_MAX_INPUT = 200  # longer input is not a key: refuse it before doing any work on it
_BASE62 = frozenset(ALPHABET)


def base62(number: int, width: int) -> str:
    """``number`` in base62, left-padded with ``0`` to ``width`` characters (the same digits as GitHub's checksums)."""
    if number < 0:
        raise UsageError("base62 writes whole numbers ≥ 0")
    digits = []
    while number:
        number, digit = divmod(number, 62)
        digits.append(ALPHABET[digit])
    text = "".join(reversed(digits)).rjust(width, "0")
    if len(text) > width:
        raise UsageError(f"{number} needs more than {width} base62 digits")
    return text


def checksum(body: str) -> str:
    """The 6-character checksum of ``body`` (the key without its checksum): CRC32, in base62.

    >>> checksum("tl_live_" + "0" * 32)
    '1BbUHp'
    """
    return base62(zlib.crc32(body.encode("ascii")), CHECKSUM_LENGTH)


def random_base62(length: int, random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """``length`` characters drawn uniformly from :data:`ALPHABET`.

    Bytes of 248 and above are thrown away (rejection sampling): 248 = 4 × 62,
    so every character keeps exactly the same chance and none of the 190 bits
    is lost to a biased ``byte % 62``.
    """
    chars: list[str] = []
    while len(chars) < length:
        for byte in random_bytes(length + 8):
            if byte < 248:
                chars.append(ALPHABET[byte % 62])
                if len(chars) == length:
                    break
    return "".join(chars)


def new_api_key(kind: str = "live", *, random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """A fresh key: ``tl_<kind>_`` + 32 random base62 characters + their 6-character checksum.

    ``random_bytes`` is the operating system's CSPRNG; a lesson passes a seeded
    one so that its outputs repeat (never do that for a real key).
    """
    if kind not in KINDS:
        raise UsageError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    body = f"{PREFIX}_{kind}_{random_base62(RANDOM_LENGTH, random_bytes)}"
    return body + checksum(body)


@dataclass(frozen=True)
class ParsedApiKey:
    """A key taken apart. Parsing proves the key is well formed, not that anyone issued it."""

    kind: str
    random: str
    checksum: str

    @property
    def prefix(self) -> str:
        """``tl_live_``: the part a scanner greps for."""
        return f"{PREFIX}_{self.kind}_"

    @property
    def text(self) -> str:
        return self.prefix + self.random + self.checksum

    def __str__(self) -> str:
        return redact_api_key(self.text)

    __repr__ = __str__  # a parsed key never prints whole by accident


def parse_api_key(text: Any) -> ParsedApiKey:
    """Take ``text`` apart as a tokenlab key, checking its format and checksum; nothing is looked up.

    Surrounding whitespace is ignored. Raises :class:`~tokenlab.errors.ApiKeyFormatError`
    saying what is wrong (``problem`` is ``"type"``, ``"prefix"``, ``"kind"``,
    ``"length"`` or ``"characters"``), or its subclass
    :class:`~tokenlab.errors.ApiKeyChecksumError` for a key whose checksum does not match.
    """
    if not isinstance(text, str):
        raise ApiKeyFormatError(f"An API key is a string, not {type(text).__name__}.", problem="type")
    text = text.strip()
    if len(text) > _MAX_INPUT:
        raise ApiKeyFormatError(f"This is {len(text)} characters long; a tokenlab key has 45 or 46.", problem="length")
    prefix, sep, rest = text.partition("_")
    if prefix != PREFIX or not sep:
        raise ApiKeyFormatError(f"A tokenlab key starts with '{PREFIX}_'; this does not.", problem="prefix")
    kind, sep, body = rest.partition("_")
    if kind not in KINDS or not sep:
        raise ApiKeyFormatError(
            f"After '{PREFIX}_' comes the kind ({', '.join(KINDS)}) and '_'; this has {_shown(kind)}.", problem="kind"
        )
    wanted = RANDOM_LENGTH + CHECKSUM_LENGTH
    if len(body) != wanted:
        raise ApiKeyFormatError(
            f"After '{PREFIX}_{kind}_' come {wanted} characters ({RANDOM_LENGTH} random and a {CHECKSUM_LENGTH}-character "
            f"checksum); this has {len(body)}: a character is missing or extra.",
            problem="length",
        )
    bad = next((i for i, ch in enumerate(body) if ch not in _BASE62), None)
    if bad is not None:
        raise ApiKeyFormatError(
            f"Character {len(prefix) + len(kind) + 3 + bad} is {body[bad]!r}; a key has only letters and digits.",
            problem="characters",
        )
    random_part, given = body[:RANDOM_LENGTH], body[RANDOM_LENGTH:]
    if checksum(f"{PREFIX}_{kind}_{random_part}") != given:
        raise ApiKeyChecksumError(
            "The checksum does not match the rest of the key: a typo, a truncated copy, or not a real key.",
            problem="checksum",
        )
    return ParsedApiKey(kind, random_part, given)


def _shown(kind: str) -> str:
    return repr(kind[:12] + ("…" if len(kind) > 12 else "")) if kind else "nothing"


def is_valid_api_key(text: Any) -> bool:
    """Whether ``text`` is a well-formed key with a matching checksum; never raises.

    ``True`` does not mean the key works: only the issuer can say that.
    """
    try:
        parse_api_key(text)
    except ApiKeyFormatError:
        return False
    return True


def hash_api_key(key: str) -> str:
    """What the provider stores instead of the key: its SHA-256, in hex.

    A fast hash is right here and wrong for passwords. A slow, salted password
    hash (Argon2id, bcrypt) exists to make each guess of a *low-entropy*,
    human-chosen secret expensive (OWASP Password Storage Cheat Sheet). A key
    with 190 random bits has no dictionary to try: at 10^14 SHA-256 guesses a
    second, finding one takes ~10^35 years, so a slow hash would only slow down
    every API call. NIST SP 800-63B §5.1.2.2 draws the same line for look-up
    secrets: at least 112 bits of entropy, hash with an approved one-way
    function; fewer, salt and use a slow key derivation function. (Look-up
    secrets are single-use; an API key is reused, but the argument is about
    guessing, which is the same.) An unsalted hash also lets the provider find
    the key's record by its hash, in one lookup.
    """
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def redact_api_key(key: str) -> str:
    """A key as it may be shown in a list, a log or a scanner report: its prefix and last 4 characters.

    >>> redact_api_key("tl_live_" + "0" * 32 + "1BbUHp")
    'tl_live_…bUHp'
    """
    parts = key.split("_")
    prefix = f"{parts[0]}_{parts[1]}_" if len(parts) >= 3 else ""
    return shorten(key, len(prefix), 4)
