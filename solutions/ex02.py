"""Worked solutions for notebook 02, "Anatomy of a JWT" (not part of the learner's copy).

Each function is one exercise's answer; its docstring explains the reasoning.
``tests/test_exercises_02_03.py`` checks that every answer here is accepted.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone

from tokenlab import decode_unverified
from tokenlab.exercises import token_to_read


def my_b64url_decode(text: str) -> bytes:
    """Exercise 2.1 — decode unpadded base64url.

    base64 turns every 3 bytes into 4 characters, so a decoder expects a multiple
    of 4 characters; the last group is completed with '=' (RFC 4648 §4). JWS drops
    that padding (RFC 7515 §2), so we put it back: a length that is 2 more than a
    multiple of 4 lacks "==", 3 more lacks "=", and 1 more can never happen
    (RFC 7515 Appendix C). ``-len(text) % 4`` is exactly that count (0, 2 or 1;
    the impossible case gives 3 and base64 rejects it). The URL-safe alphabet
    (RFC 4648 §5) reads '-' and '_' where plain base64 has '+' and '/'.
    """
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def read_token() -> tuple[str, str]:
    """Exercise 2.2 — who is the subject, and when does the token expire?

    The subject is the ``sub`` claim (RFC 7519 §4.1.2) — not ``client_id``, which
    names the app the token was issued to, and not ``iss`` or ``aud``. The expiry
    is ``exp`` (RFC 7519 §4.1.4), a NumericDate: seconds since 1970 in UTC
    (RFC 7519 §2). ``datetime.fromtimestamp`` needs ``tz=timezone.utc``, or it
    silently converts to the computer's own time zone.

    The answer: ``("u-7f3a9c2e", "2026-01-05T09:07:30Z")``.
    """
    claims = decode_unverified(token_to_read()).claims
    expires = datetime.fromtimestamp(claims["exp"], tz=timezone.utc)
    return claims["sub"], expires.isoformat().replace("+00:00", "Z")


def predicted_warnings() -> set[str]:
    """Exercise 2.3 — which problems does the decoder report for ``suspicious_token()``?

    Read the header and claims, and compare the times with the course clock (09:00 UTC):

    - ``header_jku``: the header names a URL to fetch keys from (RFC 7515 §4.1.2); a
      key whose origin the verifier has not authenticated says nothing about who
      signed (RFC 7515 §10.3), and following the URL invites request forgery
      (RFC 8725 §3.10).
    - ``no_aud``: there is no audience, so every API that trusts this issuer
      would accept it (RFC 7519 §4.1.3, RFC 8725 §3.9).
    - ``long_lived``: issued 08:00, expires 30 days later.
    - ``readable_secrets``: a ``password`` claim, readable by anyone who holds the
      token (RFC 7519 §12).

    Not these: alg is RS256 (so not ``alg_none``, and ``weak_secret`` only applies
    to HMAC algorithms); there is an exp, and it is in the future (not ``no_exp``,
    not ``expired``).
    """
    return {"header_jku", "no_aud", "long_lived", "readable_secrets"}
