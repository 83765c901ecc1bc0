"""How hard is a secret to guess? Entropy in bits and the cost of brute force.

A secret drawn uniformly at random from ``N`` equally likely values has
``log2(N)`` bits of entropy; ``length`` symbols from an alphabet of ``size``
give ``length × log2(size)`` bits. An attacker who tries ``rate`` guesses a
second expects to succeed after trying half the space: ``2**bits / 2 / rate``
seconds. Human-chosen passwords have far less entropy than their length
suggests, so these figures are an upper bound for them (NIST SP 800-63B Appendix A).

How many bits are enough? For the tokens an OAuth authorization server
generates, RFC 6749 §10.10 requires a guessing probability of at most 2^-128
and recommends at most 2^-160: at least 128 random bits, better 160
(:data:`MIN_TOKEN_BITS`, :data:`RECOMMENDED_TOKEN_BITS`, :func:`guessing_bar`).

>>> round(entropy_bits(length=32, alphabet_size=16), 1)   # 32 hex digits
128.0
>>> format_duration(expected_guess_seconds(bits=40, guesses_per_second=1e10))
'55 s'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tokenlab.clock import humanize_delta
from tokenlab.errors import UsageError

__all__ = [
    "ATTACKERS",
    "MIN_TOKEN_BITS",
    "RECOMMENDED_TOKEN_BITS",
    "TOKEN_FORMATS",
    "Attacker",
    "TokenFormat",
    "entropy_bits",
    "expected_guess_seconds",
    "format_duration",
    "guessing_bar",
]

SECONDS_PER_YEAR = 365.25 * 24 * 3600
AGE_OF_UNIVERSE_YEARS = 1.38e10

MIN_TOKEN_BITS = 128
"""RFC 6749 §10.10: the probability of guessing a generated token MUST be ≤ 2^-128."""
RECOMMENDED_TOKEN_BITS = 160
"""RFC 6749 §10.10: ... and SHOULD be ≤ 2^-160."""


def entropy_bits(*, length: int, alphabet_size: int) -> float:
    """Bits of entropy of ``length`` symbols each drawn uniformly from ``alphabet_size`` symbols."""
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise UsageError(f"length must be a whole number of symbols ≥ 0, not {length!r}")
    if isinstance(alphabet_size, bool) or not isinstance(alphabet_size, int) or alphabet_size < 1:
        raise UsageError(f"alphabet_size must be a whole number ≥ 1, not {alphabet_size!r}")
    return length * math.log2(alphabet_size)


def expected_guess_seconds(*, bits: float, guesses_per_second: float) -> float:
    """Expected time to guess a uniformly random secret: half the space, at the given rate."""
    if guesses_per_second <= 0:
        raise UsageError("guesses_per_second must be positive")
    if bits > 1000:
        return math.inf
    return 2.0**bits / 2 / guesses_per_second


def format_duration(seconds: float) -> str:
    """A duration from nanoseconds to far beyond the age of the universe, as a person reads it."""
    if seconds != seconds or seconds < 0:
        raise UsageError(f"a duration must be ≥ 0, not {seconds!r}")
    if math.isinf(seconds):
        return "forever"
    if seconds < 1e-6:
        return "< 1 µs"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    years = seconds / SECONDS_PER_YEAR
    if years < 2:
        return humanize_delta(seconds)
    if years < 1e6:
        return f"{years:,.0f} years"
    if years < AGE_OF_UNIVERSE_YEARS:
        exponent = math.floor(math.log10(years))
        return f"{years / 10**exponent:.1f} × 10^{exponent} years"
    ages = years / AGE_OF_UNIVERSE_YEARS
    if ages < 1000:
        return f"{ages:,.0f} × the universe's age"
    return f"10^{math.floor(math.log10(ages))} × the universe's age"


def guessing_bar(bits: float) -> str:
    """Where ``bits`` of entropy stand against RFC 6749 §10.10's bar for generated tokens."""
    if bits < MIN_TOKEN_BITS:
        return f"below {MIN_TOKEN_BITS}"
    if bits < RECOMMENDED_TOKEN_BITS:
        return f"≥ {MIN_TOKEN_BITS}, < {RECOMMENDED_TOKEN_BITS}"
    return f"≥ {RECOMMENDED_TOKEN_BITS}"


@dataclass(frozen=True)
class TokenFormat:
    """A kind of secret a developer meets, and how it is made."""

    name: str
    example: str
    length: int
    alphabet_size: int

    @property
    def bits(self) -> float:
        return entropy_bits(length=self.length, alphabet_size=self.alphabet_size)


@dataclass(frozen=True)
class Attacker:
    """How fast someone can test guesses."""

    name: str
    guesses_per_second: float
    why: str


TOKEN_FORMATS = (
    TokenFormat("4-digit PIN", "4821", 4, 10),
    TokenFormat("6-digit one-time code", "305 917", 6, 10),
    TokenFormat("8 random lowercase letters", "qkzrmvte", 8, 26),
    TokenFormat("10 random letters and digits", "x7Qm2pL9aZ", 10, 62),
    TokenFormat("UUID version 4 (an id, not a secret)", "1b4e28ba-2fa1-41d2-883f-0016d3cca427", 1, 2**122),
    TokenFormat("32 hex digits", "9f86d081884c7d659a2feaa0c55ad015", 32, 16),
    TokenFormat("GitHub-style token: ghp_ + 30 random base62", "ghp_…", 30, 62),
    TokenFormat("secrets.token_urlsafe(32)", "43 base64url characters", 32, 256),
)
"""Examples for the course. The UUID's 122 random bits are its whole space, written as one
symbol of 2**122: fewer than RFC 6749 §10.10's 128, and RFC 9562 §8 says UUIDs must not be
used as security capabilities at all. The GitHub-style token counts only its 30 random
characters (its last 6 are a checksum)."""

ATTACKERS = (
    Attacker("online, rate-limited", 10, "an API that allows 10 login or key checks a second per client"),
    Attacker("online, unthrottled", 1e4, "a fast API with no rate limit, hit from many machines"),
    Attacker(
        "offline, one GPU",
        1e10,
        "an HS256 token or a fast, unsalted hash tested with a cracking tool (hashcat's JWT mode is 16500) "
        "on one high-end graphics card",
    ),
    Attacker("offline, large cluster", 1e14, "a well-funded attacker with ten thousand such GPUs"),
)
"""Guessing speeds, orders of magnitude only: real figures depend on the hash and the hardware.

The one-GPU figure is an estimate, not a measurement: testing one guessed HS256 secret costs a
handful of SHA-256 compressions (HMAC hashes twice, over the signing input and the key pads), and a
current high-end GPU computes SHA-256 compressions at the order of ten billion a second, so one GPU
tests a few billion guesses a second. 10^10 rounds that up, in the attacker's favour."""
