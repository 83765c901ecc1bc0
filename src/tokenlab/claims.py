"""One small check per claim, and what each claim means in plain words.

Each check is named ``require_*``: it returns nothing when the claim is
acceptable and raises the :class:`~tokenlab.errors.InvalidTokenError` subclass
for what is wrong. (The ``check_*`` functions in :mod:`tokenlab.exercises` are
the other kind: they judge a learner's answer and return ``Feedback``.)

Every time check takes ``now`` (a NumericDate) and ``leeway`` (seconds)
explicitly, so a lesson about clock skew is a direct call:

>>> require_valid_exp({"exp": 1000}, now=1005, leeway=0)
Traceback (most recent call last):
...
tokenlab.errors.TokenExpiredError: The token expired at 1970-01-01 00:16:40 UTC, 5 s before now. ...
>>> require_valid_exp({"exp": 1000}, now=1005, leeway=10)  # 10 s of leeway covers 5 s of skew
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tokenlab.clock import format_utc, humanize_delta
from tokenlab.errors import (
    AudienceMismatchError,
    InvalidClaimError,
    IssuerMismatchError,
    MissingClaimError,
    TokenExpiredError,
    TokenNotYetValidError,
    UsageError,
    WrongTokenTypeError,
)

__all__ = [
    "CLAIM_MEANINGS",
    "HEADER_MEANINGS",
    "MAX_LEEWAY",
    "TIME_CLAIMS",
    "missing_scopes",
    "numeric_date",
    "require_audience",
    "require_claims",
    "require_issuer",
    "require_typ",
    "require_valid_exp",
    "require_valid_iat",
    "require_valid_leeway",
    "require_valid_nbf",
    "scopes",
]

MAX_LEEWAY = 300
"""The most leeway tokenlab accepts: five minutes. Leeway absorbs clock skew, not lateness."""

TIME_CLAIMS = ("exp", "nbf", "iat", "auth_time")

CLAIM_MEANINGS: dict[str, str] = {
    # RFC 7519 §4.1, the registered claims
    "iss": "Issuer: who made and signed the token (RFC 7519 §4.1.1).",
    "sub": "Subject: whom the token is about, usually a user or client id (RFC 7519 §4.1.2).",
    "aud": "Audience: who the token is for; any other recipient must reject it (RFC 7519 §4.1.3).",
    "exp": "Expiration time: reject the token from this moment on (RFC 7519 §4.1.4).",
    "nbf": "Not before: reject the token before this moment (RFC 7519 §4.1.5).",
    "iat": "Issued at: when the token was made, which tells its age (RFC 7519 §4.1.6).",
    "jti": "JWT ID: a unique id, used to prevent replays (RFC 7519 §4.1.7) and by denylists to revoke one token.",
    # OAuth access tokens, RFC 9068 §2.2
    "client_id": "The OAuth client the token was issued to (RFC 9068 §2.2, RFC 8693 §4.3).",
    "scope": "Scopes: the space-separated permissions this token carries (RFC 9068 §2.2.3, RFC 8693 §4.2).",
    "auth_time": "When the user last actually logged in (OIDC Core §2).",
    # OpenID Connect ID tokens, OIDC Core §2 and §5.1
    "azp": "Authorized party: the client the ID token was issued to (OIDC Core §2).",
    "nonce": "A value from the login request, echoed to stop ID-token replay (OIDC Core §2).",
    "at_hash": "Half a hash of the access token issued with this ID token (OIDC Core §3.1.3.6).",
    "acr": "How strongly the user was authenticated (OIDC Core §2).",
    "amr": "Which methods authenticated the user, e.g. pwd, otp (OIDC Core §2, RFC 8176).",
    "sid": "The login session's id, for logout (OIDC Front-Channel Logout §3).",
    "name": "The user's full name (OIDC Core §5.1).",
    "email": "The user's e-mail address (OIDC Core §5.1).",
    "email_verified": "Whether the provider checked the e-mail address (OIDC Core §5.1).",
    "preferred_username": "The user's short name, for display only: not unique (OIDC Core §5.1).",
    "roles": "Roles of the subject (RFC 9068 §2.2.3.1, from SCIM).",
    "groups": "Groups of the subject (RFC 9068 §2.2.3.1, from SCIM).",
    "cnf": "Confirmation: the key the presenter must prove it holds (RFC 7800 §3.1).",
    "act": "Actor: who is acting on behalf of the subject (RFC 8693 §4.1).",
}

HEADER_MEANINGS: dict[str, str] = {
    "alg": "Algorithm the signature claims to use; the verifier decides what it accepts (RFC 7515 §4.1.1).",
    "typ": "Media type of the whole token: 'JWT', or 'at+jwt' for an access token (RFC 7515 §4.1.9, RFC 9068 §2.1).",
    "kid": "Key ID: a hint for picking the key from the verifier's own key set (RFC 7515 §4.1.4).",
    "cty": "Content type of the payload, e.g. 'JWT' for a nested token (RFC 7515 §4.1.10).",
    "crit": "Extensions the verifier must understand or reject the token (RFC 7515 §4.1.11).",
    "jku": "URL of a key set, chosen by whoever wrote the token; following it blindly invites request forgery (RFC 7515 §4.1.2, RFC 8725 §3.10).",
    "jwk": "A public key carried in the token: trusting it lets anyone sign (RFC 7515 §4.1.3).",
    "x5u": "URL of a certificate, chosen by whoever wrote the token; following it blindly invites request forgery (RFC 7515 §4.1.5, RFC 8725 §3.10).",
    "x5c": "A certificate chain carried in the token: only useful with real path validation (RFC 7515 §4.1.6).",
    "x5t": "SHA-1 thumbprint of a certificate (RFC 7515 §4.1.7).",
    "x5t#S256": "SHA-256 thumbprint of a certificate (RFC 7515 §4.1.8).",
    "b64": "Whether the payload is base64url-encoded (RFC 7797 §3).",
}


def require_valid_leeway(leeway: float) -> float:
    """Leeway must be explicit and small: 0 to :data:`MAX_LEEWAY` seconds."""
    if isinstance(leeway, bool) or not isinstance(leeway, (int, float)):
        raise UsageError(f"leeway is a number of seconds, not {type(leeway).__name__}")
    if not 0 <= leeway <= MAX_LEEWAY:
        raise UsageError(
            f"leeway={leeway} s is outside 0–{MAX_LEEWAY} s: leeway covers a little clock skew "
            "between machines, it must not turn an expired token into a valid one"
        )
    return leeway


def numeric_date(claims: Mapping[str, Any], name: str) -> float | None:
    """The claim as a NumericDate (RFC 7519 §2), ``None`` if absent; any other type is invalid."""
    value = claims.get(name)
    if value is None and name not in claims:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidClaimError(f"The {name!r} claim is {value!r}, not a number of seconds since 1970.", claim=name)
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidClaimError(f"The {name!r} claim is {value!r}, not a finite time.", claim=name)
    return value


def _when(value: float) -> str:
    """The NumericDate as a UTC time, or as raw seconds when no calendar reaches it."""
    try:
        return format_utc(value)
    except (OverflowError, OSError, ValueError):
        return f"{value!r} s after 1970 (beyond any calendar)"


def require_valid_exp(claims: Mapping[str, Any], now: float, leeway: float = 0) -> None:
    """Reject the token at or after ``exp`` + leeway (RFC 7519 §4.1.4: "on or after")."""
    exp = numeric_date(claims, "exp")
    if exp is not None and now >= exp + leeway:
        raise TokenExpiredError(
            f"The token expired at {_when(exp)}, {humanize_delta(now - exp)} before now"
            + (f" (beyond the {humanize_delta(leeway)} of leeway)." if leeway else "."),
            claim="exp",
        )


def require_valid_nbf(claims: Mapping[str, Any], now: float, leeway: float = 0) -> None:
    """Reject the token before ``nbf`` − leeway (RFC 7519 §4.1.5)."""
    nbf = numeric_date(claims, "nbf")
    if nbf is not None and now < nbf - leeway:
        raise TokenNotYetValidError(
            f"The token is not valid before {_when(nbf)}, {humanize_delta(nbf - now)} from now.",
            claim="nbf",
        )


def require_valid_iat(claims: Mapping[str, Any], now: float, leeway: float = 0) -> None:
    """Reject a token issued in the future (beyond leeway): tokenlab's verifier chooses to, as PyJWT does.

    RFC 7519 §4.1.6 only says ``iat`` "can be used to determine the age of the JWT"; it sets no rule for an
    ``iat`` in the future. tokenlab refuses one because it points at a skewed clock or a forged token.
    """
    iat = numeric_date(claims, "iat")
    if iat is not None and now < iat - leeway:
        raise TokenNotYetValidError(
            f"The token says it was issued at {_when(iat)}, {humanize_delta(iat - now)} in the future.",
            claim="iat",
        )


def require_claims(claims: Mapping[str, Any], names: Iterable[str]) -> None:
    """Every claim in ``names`` must be present."""
    for name in names:
        if name not in claims:
            raise MissingClaimError(f"The token has no {name!r} claim, which this verifier requires.", claim=name)


def require_issuer(claims: Mapping[str, Any], expected: str) -> None:
    """``iss`` must equal ``expected`` exactly: no prefix, case or slash games (RFC 8725 §3.8)."""
    if "iss" not in claims:
        raise MissingClaimError("The token has no 'iss' claim, so its issuer cannot be checked.", claim="iss")
    actual = claims["iss"]
    if not isinstance(actual, str) or actual != expected:
        raise IssuerMismatchError(f"The token was issued by {actual!r}, not by {expected!r}.", claim="iss")


def require_audience(claims: Mapping[str, Any], expected: str | Iterable[str]) -> None:
    """``aud`` (a string or a list of strings) must name one of the ``expected`` audiences (RFC 7519 §4.1.3)."""
    wanted = {expected} if isinstance(expected, str) else set(expected)
    if "aud" not in claims:
        raise MissingClaimError("The token has no 'aud' claim, so it could be meant for anyone.", claim="aud")
    actual = claims["aud"]
    audiences = [actual] if isinstance(actual, str) else actual
    if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
        raise InvalidClaimError(f"The 'aud' claim is {actual!r}, not a string or a list of strings.", claim="aud")
    if wanted.isdisjoint(audiences):
        names = " or ".join(repr(w) for w in sorted(wanted))
        raise AudienceMismatchError(f"The token is meant for {actual!r}, not for {names}.", claim="aud")


def _media_type(value: str) -> str:
    value = value.lower()
    return value[len("application/") :] if value.startswith("application/") else value


def require_typ(header: Mapping[str, Any], expected: str) -> None:
    """The ``typ`` header must be ``expected``, compared as RFC 7515 §4.1.9 says (case-insensitive, optional 'application/')."""
    actual = header.get("typ")
    if not isinstance(actual, str) or _media_type(actual) != _media_type(expected):
        raise WrongTokenTypeError(f"The token's typ is {actual!r}, but {expected!r} is required here.", claim="typ")


def scopes(claims: Mapping[str, Any]) -> frozenset[str]:
    """The token's scopes: the space-separated ``scope`` claim (RFC 8693 §4.2)."""
    value = claims.get("scope", "")
    if not isinstance(value, str):
        raise InvalidClaimError(f"The 'scope' claim is {value!r}, not a space-separated string.", claim="scope")
    return frozenset(value.split())


def missing_scopes(claims: Mapping[str, Any], needed: str | Iterable[str]) -> frozenset[str]:
    """The scopes in ``needed`` that the token does not carry (empty when it has them all)."""
    wanted = set(needed.split()) if isinstance(needed, str) else set(needed)
    return frozenset(wanted - scopes(claims))
