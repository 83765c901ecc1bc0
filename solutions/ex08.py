"""Solutions for notebook 08 (Expiry and clock skew)."""

LEEWAY = 75
"""Exercise 8.1: the largest skew in either direction is api-3's +75 s. Its clock is ahead, so it sees exp
75 s early: with 74 s it refuses a token in the last second before its exp; 76 s would keep expired tokens alive a
second longer than necessary. The largest skew behind, api-2's -40 s, makes a fresh token's iat lie 40 s in the
future, which 75 s covers too."""


def is_expired(claims, now, leeway):
    """Exercise 8.2: RFC 7519 §4.1.4 — "the current date/time MUST be before the expiration date/time";
    so a token is expired on or after exp (+ leeway). No exp: this check has nothing to say."""
    exp = claims.get("exp")
    if exp is None:
        return False
    return now >= exp + leeway
