"""The root, :class:`TokenLabError`, and every error that is not an OAuth error response: a token that is not
a token or must not be trusted, a bad argument, an API key, a signed request (see :mod:`tokenlab.errors`)."""

from __future__ import annotations

__all__ = [
    "AlgorithmNotAllowedError",
    "ApiKeyChecksumError",
    "ApiKeyFormatError",
    "AudienceMismatchError",
    "DigestMismatchError",
    "InvalidClaimError",
    "InvalidKeyError",
    "InvalidSignatureError",
    "InvalidTokenError",
    "IssuerMismatchError",
    "KeyAlgorithmMismatchError",
    "MalformedSignatureError",
    "MissingClaimError",
    "MissingSignatureError",
    "ReplayedNonceError",
    "SignatureMismatchError",
    "SignatureRejectedError",
    "StaleRequestError",
    "TokenExpiredError",
    "TokenFormatError",
    "TokenLabError",
    "TokenNotYetValidError",
    "UnknownKeyError",
    "UnknownSigningKeyError",
    "UnsupportedCriticalHeaderError",
    "UsageError",
    "WeakKeyError",
    "WrongTokenTypeError",
]


class TokenLabError(Exception):
    """The root of every error tokenlab raises on purpose."""


class UsageError(TokenLabError, ValueError):
    """tokenlab was called with arguments it cannot work with (a bug in the calling code)."""


class InvalidKeyError(TokenLabError, ValueError):
    """The object given as a key is not a key tokenlab can use (or should not be used)."""


class TokenFormatError(TokenLabError, ValueError):
    """The input is not a JWT: it cannot be split, base64url-decoded or parsed as JSON."""

    def __init__(self, message: str, *, part: str | None = None) -> None:
        super().__init__(message)
        self.part = part
        """Which part was broken: ``"token"``, ``"header"``, ``"payload"`` or ``"signature"``."""


class InvalidTokenError(TokenLabError):
    """A well-formed token that must not be trusted.

    ``claim`` names the claim or header parameter at fault (``"exp"``,
    ``"alg"``, …) or is ``None``; ``lesson`` says in one sentence what the
    failure means; ``str(err)`` is the detail followed by the lesson.
    """

    lesson = "The token failed verification, so nothing in it can be trusted."

    def __init__(self, detail: str, *, claim: str | None = None) -> None:
        super().__init__(f"{detail} {self.lesson}")
        self.detail = detail
        self.claim = claim


class InvalidSignatureError(InvalidTokenError):
    """The signature does not match the header and payload under this key."""

    lesson = (
        "Either the token was changed after it was signed or it was signed with another "
        "key; a signature covers every byte of header and payload (RFC 7515 §5.2)."
    )


class AlgorithmNotAllowedError(InvalidTokenError):
    """The token's ``alg`` is not one the caller allows."""

    lesson = (
        "A verifier decides which algorithms it accepts and never lets the token choose (RFC 8725 §3.1). "
        "tokenlab's verifier chooses never to accept 'none', because an unsigned token proves nothing; "
        "RFC 7518 §3.6 only forbids accepting it unless the application allows it for that token."
    )


class KeyAlgorithmMismatchError(InvalidTokenError):
    """The token's ``alg`` does not fit the key it is checked with."""

    lesson = (
        "Each key is used with exactly one algorithm, so a public RSA key can never be "
        "abused as an HMAC secret (algorithm confusion, RFC 8725 §2.1 and §3.1)."
    )


class WeakKeyError(InvalidTokenError):
    """The HMAC secret is too short to resist guessing."""

    lesson = (
        "An HMAC secret must be at least as long as the hash: 32 random bytes for HS256 "
        "(RFC 7518 §3.2, RFC 8725 §3.5); short or human-chosen secrets are brute-forced offline."
    )


class UnknownKeyError(InvalidTokenError):
    """No key in the key set has the token's ``kid``."""

    lesson = (
        "The kid only selects a key from the verifier's own key set (RFC 7515 §4.1.4); an unknown kid means "
        "that no key in that set signed this token."
    )


class UnsupportedCriticalHeaderError(InvalidTokenError):
    """The header lists a ``crit`` extension this verifier does not implement."""

    lesson = "A 'crit' header parameter says 'reject me unless you understand these extensions' (RFC 7515 §4.1.11)."


class WrongTokenTypeError(InvalidTokenError):
    """The header's ``typ`` is not the type of token expected here."""

    lesson = (
        "Access tokens say typ 'at+jwt' so that an ID token or another JWT cannot be passed "
        "off as one (RFC 9068 §2.1 and §4, RFC 8725 §3.11)."
    )


class InvalidClaimError(InvalidTokenError):
    """A claim has a value of the wrong type or shape."""

    lesson = "Registered claims have fixed types: times are NumericDates, 'aud' is a string or a list of strings (RFC 7519 §4.1)."


class MissingClaimError(InvalidTokenError):
    """A claim the verifier requires is absent."""

    lesson = (
        "A verifier that requires a claim must reject tokens without it, or an attacker "
        "simply leaves the check out (RFC 8725 §3.8–3.9)."
    )


class TokenExpiredError(InvalidTokenError):
    """The ``exp`` time has passed."""

    lesson = (
        "On or after its 'exp' time a token must be rejected, however good its signature "
        "(RFC 7519 §4.1.4); the client has to get a new one."
    )


class TokenNotYetValidError(InvalidTokenError):
    """The ``nbf`` (or ``iat``) time is still in the future."""

    lesson = (
        "A token must not be accepted before its 'nbf' time (RFC 7519 §4.1.5). RFC 7519 §4.1.6 sets no "
        "such rule for 'iat'; tokenlab's verifier chooses to refuse a token issued in the future too, as "
        "PyJWT does, because that points at clock skew or forgery."
    )


class IssuerMismatchError(InvalidTokenError):
    """The ``iss`` claim is not exactly the expected issuer."""

    lesson = "The issuer must match exactly, character for character, not by prefix (RFC 8725 §3.8, RFC 7519 §4.1.1)."


class AudienceMismatchError(InvalidTokenError):
    """The ``aud`` claim does not name this recipient."""

    lesson = (
        "A token is meant for the audiences it names; accepting one meant for another API "
        "lets that API's tokens be replayed here (RFC 8725 §3.9, RFC 7519 §4.1.3)."
    )


# --- text on the wire -------------------------------------------------------


_WIRE = str.maketrans(
    {"—": "-", "–": "-", "“": "'", "”": "'", "‘": "'", "’": "'", '"': "'", "\\": "/", "→": "->", "≥": ">=", "≤": "<="}
)


def wire_text(text: str) -> str:
    """``text`` as RFC 6749 §5.2 allows an ``error_description``: printable ASCII without ``"`` or ``\\``."""
    text = text.replace("§ ", "section ").replace("§", "section ").translate(_WIRE)
    return "".join(ch if 0x20 <= ord(ch) <= 0x7E else "?" for ch in text)


# --- API keys ----------------------------------------------------------------


class ApiKeyFormatError(TokenLabError, ValueError):
    """The input is not a tokenlab API key: wrong prefix, kind, length or characters (see ``tokenlab.apikeys``)."""

    def __init__(self, message: str, *, problem: str) -> None:
        super().__init__(message)
        self.problem = problem
        """What is wrong: ``"type"``, ``"prefix"``, ``"kind"``, ``"length"``, ``"characters"`` or ``"checksum"``."""


class ApiKeyChecksumError(ApiKeyFormatError):
    """The key has the right shape but its checksum does not match: a typo, a truncated copy or a look-alike."""


# --- signed requests ---------------------------------------------------------


class SignatureRejectedError(TokenLabError):
    """A signed HTTP request that must not be trusted (RFC 9421 §3.2); one subclass per failure.

    ``error`` is the code the signed demo API answers with (status 401), ``component`` names the
    header, component or parameter at fault (or is ``None``), ``lesson`` says in one sentence what the
    failure means; ``str(err)`` is the detail followed by the lesson.
    """

    error = "invalid_signature"
    status_code = 401
    lesson = "The request's signature failed verification, so nothing in the request can be trusted."

    def __init__(self, detail: str, *, component: str | None = None) -> None:
        super().__init__(f"{detail} {self.lesson}")
        self.detail = detail
        self.component = component

    def as_dict(self) -> dict[str, str]:
        """The JSON body of the API's 401 answer: the wire code, the detail and the lesson, as plain ASCII."""
        return {"error": self.error, "error_description": wire_text(self.detail), "lesson": wire_text(self.lesson)}


class MissingSignatureError(SignatureRejectedError):
    """The request is not signed, or lacks a header or component its signature must cover."""

    error = "missing_signature"
    lesson = (
        "An API that expects signed requests refuses unsigned ones, and it decides which parts a signature "
        "must cover: a signature over too little protects too little (RFC 9421 §3.2.1, §7.2.1)."
    )


class MalformedSignatureError(SignatureRejectedError):
    """``Signature-Input``, ``Signature`` or ``Content-Digest`` cannot be parsed, or lacks a parameter."""

    error = "malformed_signature"
    lesson = (
        "Signature fields are RFC 9651 structured fields with a strict syntax; a verifier that guessed at a "
        "broken field would check something the signer never sent (RFC 9421 §4, §7.5.3)."
    )


class UnknownSigningKeyError(SignatureRejectedError):
    """The ``keyid`` names no key this verifier holds."""

    error = "unknown_key"
    lesson = (
        "The keyid only selects one of the verifier's own keys, looked up by name and never fetched from "
        "anywhere the request points to; an unknown keyid means no trusted client signed it (RFC 9421 §2.3, §3.2)."
    )


class StaleRequestError(SignatureRejectedError):
    """The signature's ``created`` time is outside the allowed window: too old, or in the future."""

    error = "stale_request"
    lesson = (
        "A signature is accepted only for a few minutes around its 'created' time, so a captured request "
        "cannot be sent again later (RFC 9421 §2.3, §7.2.2)."
    )


class ReplayedNonceError(SignatureRejectedError):
    """The signature's ``nonce`` was already used within the window."""

    error = "replayed_nonce"
    lesson = (
        "Each nonce is accepted once: the verifier remembers the nonces it has seen until their requests "
        "would be stale anyway, so an identical copy sent within the window is refused (RFC 9421 §7.2.2)."
    )


class DigestMismatchError(SignatureRejectedError):
    """The body does not match its ``Content-Digest``."""

    error = "digest_mismatch"
    lesson = (
        "The signature covers the body only through its digest, so the verifier must hash the body it "
        "received and compare the two (RFC 9530 §2, RFC 9421 §7.2.8)."
    )


class SignatureMismatchError(SignatureRejectedError):
    """The signature does not match the request: a covered component changed, or another key signed it."""

    error = "invalid_signature"
    lesson = (
        "The MAC covers every byte of the signature base, so changing the method, host, path, query or a "
        "covered header, or signing with another secret, breaks it (RFC 9421 §2.5, §3.3.3)."
    )
