"""What the scanner looks for: one :class:`Rule` per kind of secret, and the checks that cut false positives.

:data:`RULES`: tokenlab keys, GitHub tokens (classic
``ghp_``/``gho_``/``ghu_``/``ghs_``/``ghr_`` and fine-grained ``github_pat_``),
JWTs, AWS access key ids, Slack tokens, Stripe secret keys and PEM private key
headers. Every rule starts with a fixed prefix, which is what makes a secret
findable at all: a random string without one looks like any other.

**Checks cut false positives.** A string can have a secret's shape by chance
(a test fixture, a hash, a typo). Where the format carries a check, the
scanner runs it: the CRC32 checksum of tokenlab keys and of GitHub's classic
tokens (GitHub's blog post "Behind GitHub's new authentication token formats",
2021, says only that the last 6 characters are a 32-bit checksum; the scanner
computes it as public reimplementations do, the CRC32 of the 30 characters
before it in base62, which GitHub does not document), and
for a JWT that its header and payload decode as JSON (a shape check: nothing
here verifies a signature). Matches that fail their check are dropped unless
``keep_failed=True``; kinds without a check (AWS, Slack, Stripe, fine-grained
GitHub tokens, whose checksum scheme is not public) are reported as found.

**Speed.** Each rule is written in parts (lead, anchor, the shown rest of the
prefix, the body) so that :mod:`tokenlab.scanner.search` can start each pass at
the rarest fixed bytes of a prefix; the module docstring there says why.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from tokenlab.apikeys import base62, is_valid_api_key

__all__ = ["MAX_SECRET_LENGTH", "RULES", "Rule", "github_checksum_ok"]

MAX_SECRET_LENGTH = 8192
"""No rule matches more bytes than this (a JWT's parts are capped at 1 KB, 6 KB and 1 KB); it is also the
overlap kept between chunks, so that a secret cut by a chunk boundary is still found."""

_WORD = rb"[A-Za-z0-9_]"  # a secret neither starts nor ends inside a word
_END = rb"(?![A-Za-z0-9_])"


def word_start_after(literal: bytes) -> bytes:
    """A lookbehind: ``literal`` ends here and no word character comes before it."""
    return b"(?<=(?<!" + _WORD + b")" + literal + b")"


def github_checksum_ok(token: str) -> bool:
    """Whether a classic GitHub token (``ghp_`` + 36 characters) has a valid checksum, computed as public
    reimplementations do (GitHub documents only that the last 6 characters are a 32-bit checksum): the CRC32 of
    the 30 random characters before them, in base62 (digits, then A–Z, then a–z)."""
    body = token[4:]
    if len(body) != 36 or not body.isascii() or not body.isalnum():
        return False
    return base62(zlib.crc32(body[:30].encode("ascii")), 6) == body[30:]


def _jwt_decodes(token: str) -> bool:
    """A shape check, not a verification: header and payload are base64url JSON objects."""
    from tokenlab.errors import TokenFormatError
    from tokenlab.tokens import decode_unverified

    try:
        decode_unverified(token)
    except TokenFormatError:
        return False
    return True


@dataclass(frozen=True)
class Rule:
    """One kind of secret, from its parts: ``lead`` + ``anchor`` + ``shown`` is the prefix a report may show,
    ``body`` the rest (with its end check).

    ``pattern`` matches the whole secret (group ``prefix`` is the part that may be shown): what
    :func:`scan_text` finds and what a redactor may replace. The scanner itself searches for ``anchor``,
    the rarest fixed bytes of the prefix, because CPython's ``re`` searches fastest for a pattern that
    starts with a literal that seldom occurs; a lookbehind then checks the ``lead`` (``tl`` before
    ``_live_``, ``ey`` before ``J``), which is ``back`` bytes wide. A secret does not start inside a word
    (except a PEM header, ``boundary=False``, which JSON may glue to a ``\\n``).
    """

    kind: str
    description: str
    lead: bytes  # a fixed-width regex before the anchor
    back: int  # the width of lead, in bytes
    anchor: bytes  # literal bytes
    shown: bytes  # regex: the rest of the part that may be shown
    body: bytes  # regex: the rest of the secret, with its end check
    check: Callable[[str], bool] | None = None
    check_name: str = ""  # what the check checks, for reports: "checksum", "decodes as JSON"
    tail: int = 4  # characters shown at the end of a redacted match
    boundary: bool = True
    pattern: re.Pattern[bytes] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        start = self.lead + re.escape(self.anchor)
        check_start = word_start_after(start) if self.boundary else b""
        object.__setattr__(
            self, "pattern", re.compile(b"(?P<prefix>" + start + check_start + self.shown + b")" + self.body)
        )

    def after_anchor(self, number: int) -> bytes:
        """This kind's part of a fast pass that has already matched the anchor (groups ``k<number>``, ``p<number>``)."""
        return b"(?P<k%d>(?P<p%d>%s)%s)" % (number, number, self.shown, self.body)


_B62 = rb"[0-9A-Za-z]"
_B64URL = rb"[A-Za-z0-9_-]"
RULES: tuple[Rule, ...] = (
    Rule(
        "tokenlab_key",
        "tokenlab API key or personal access token",
        lead=b"tl",
        back=2,
        anchor=b"_",
        shown=rb"(?:live|test|pat)_",
        body=_B62 + rb"{38}" + _END,
        check=is_valid_api_key,
        check_name="checksum",
    ),
    Rule(
        "github_token",
        "GitHub token (classic personal access, OAuth, app)",
        lead=b"",
        back=0,
        anchor=b"g",
        shown=rb"h[pousr]_",
        body=_B62 + rb"{36}" + _END,
        check=github_checksum_ok,
        check_name="checksum",
    ),
    Rule(
        "github_fine_grained_pat",
        "GitHub fine-grained personal access token (its checksum scheme is not public)",
        lead=b"",
        back=0,
        anchor=b"g",
        shown=rb"ithub_pat_",
        body=_B62 + rb"{22}_" + _B62 + rb"{59}" + _END,
    ),
    Rule(
        "jwt",
        "JSON Web Token",
        lead=b"ey",
        back=2,
        anchor=b"J",
        shown=_B64URL + rb"{7}",
        body=_B64URL + rb"{0,1000}\.eyJ" + _B64URL + rb"{2,6000}\." + _B64URL + rb"{0,1000}(?![A-Za-z0-9_-])",
        check=_jwt_decodes,
        check_name="decodes as JSON",
    ),
    Rule(
        "aws_access_key_id",
        "AWS access key id (AKIA long-term, ASIA temporary)",
        lead=b"",
        back=0,
        anchor=b"A",
        shown=rb"[KS]IA",
        body=rb"[0-9A-Z]{16}" + _END,
    ),
    Rule(
        "slack_token",
        "Slack token",
        lead=b"",
        back=0,
        anchor=b"xox",
        shown=rb"[baprs]-",
        body=rb"[0-9A-Za-z-]{10,200}(?![A-Za-z0-9_-])",
    ),
    Rule(
        "stripe_key",
        "Stripe secret or restricted key (sk_, rk_)",
        lead=rb"[sr]",
        back=1,
        anchor=b"k_",
        shown=rb"(?:live|test)_",
        body=_B62 + rb"{10,247}" + _END,
    ),
    Rule(
        "private_key",
        "PEM private key (its first line)",
        lead=b"",
        back=0,
        anchor=b"-----BEGIN",
        shown=rb"[ A-Z]{0,20}PRIVATE KEY(?: BLOCK)?-----",
        body=b"",
        tail=0,
        boundary=False,
    ),
)
"""Every kind of secret the scanner knows, in priority order: when two matches overlap, the earlier one wins,
then the earlier rule."""

CHECK_NAMES = {rule.kind: rule.check_name for rule in RULES}
"""What each kind's check checks, by kind ("" where it has none), for the lines of a report."""
