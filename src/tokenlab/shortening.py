"""A secret shown shortened: its first and last characters around an ellipsis, ``eyJhbGciOiJS…zePsPw``.

The one shortener for every place that shows a token, a key or a code without
showing all of it. Each caller chooses how much to keep, and the lessons show
each choice as it is:

- the flow inspector, on a whole exchange: the first 12 and last 6 characters
  of anything over 24, ``eyJhbGciOiJS…zePsPw``;
- the provider's record (:mod:`tokenlab.provider.masking`): 4 and 4,
  ``iJod…6Hrw``, or an API key's type prefix and last 4, ``tl_live_…rREr``;
- an API key's hint (:func:`tokenlab.apikeys.redact_api_key`): ``tl_live_…bUHp``;
- the scanner's findings and :func:`tokenlab.redact.redact`: the public prefix of
  the secret's kind and its last 4, ``tl_live_…AAAA``.

Enough to tell two apart in a log, a record or a report; never enough to replay.

>>> shorten("iJodAMeZRCU0sXn2OJsE6Hrw", 4, 4)
'iJod…6Hrw'
>>> shorten("short", 4, 4)   # nothing would be hidden: kept whole
'short'
>>> shorten(b"ghp_abcdefgh", 4)
b'ghp_\\xe2\\x80\\xa6'
"""

from __future__ import annotations

from typing import AnyStr

__all__ = ["ELLIPSIS", "shorten"]

ELLIPSIS = "…"
_ELLIPSIS_BYTES = ELLIPSIS.encode("utf-8")


def shorten(text: AnyStr, head: int, tail: int = 0, *, keep_whole_up_to: int | None = None) -> AnyStr:
    """The first ``head`` and last ``tail`` characters of ``text`` around ``…`` (text or bytes alike).

    ``text`` no longer than ``keep_whole_up_to`` characters is returned whole; by default that is
    ``head + tail``, when shortening would hide nothing. Pass a larger number to leave short values
    alone (the inspector keeps anything up to 24 characters), or ``-1`` to always shorten.
    """
    limit = head + tail if keep_whole_up_to is None else keep_whole_up_to
    if len(text) <= limit:
        return text
    ellipsis = ELLIPSIS if isinstance(text, str) else _ELLIPSIS_BYTES
    return text[:head] + ellipsis + (text[-tail:] if tail else text[:0])
