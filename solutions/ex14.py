"""Solution for notebook 14 (Attack lab): the naive verifier, patched until every attack fails."""

import time

from tokenlab.attacks.naive import NaiveVerificationError, public_key_verifies, split_token

EXPECTED_AUDIENCE = "demo-api"  # this API's name: tokens meant for it carry it in "aud"


def my_verify(token, key):
    """Exercise 14.1: the verifier decides everything the naive one let the token decide.

    - the algorithm is pinned to RS256: no 'none' in any spelling, no HS256 made from the public key, no
      guessable HMAC secret (RFC 8725 §2.1, §3.1; RFC 7518 §3.6);
    - the key is the issuer's, the one this API was configured with: jwk, jku and kid never choose it, so
      nothing is fetched and no file is opened (RFC 8725 §3.8, §3.10);
    - every token's signature is checked over its own bytes, and an empty one is a failed check (RFC 7515 §5.2);
    - exp and aud are checked (RFC 7519 §4.1.3–4.1.4; RFC 8725 §3.9).

    The one-line equivalent is tokenlab's own verifier:
    ``tokenlab.verify(token, key, algorithms=["RS256"], audience="demo-api", typ="at+jwt")``.
    """
    header, claims, signature, signing_input = split_token(token)
    if header.get("alg") != "RS256":
        raise NaiveVerificationError(f"alg {header.get('alg')!r} is not accepted here: only RS256")
    if not public_key_verifies("RS256", key, signing_input, signature):
        raise NaiveVerificationError("the signature does not match the provider's key")
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or time.time() >= exp:
        raise NaiveVerificationError("the token has expired (or has no exp)")
    audiences = claims.get("aud")
    audiences = [audiences] if isinstance(audiences, str) else audiences
    if not isinstance(audiences, list) or EXPECTED_AUDIENCE not in audiences:
        raise NaiveVerificationError(f"the token is meant for {claims.get('aud')!r}, not for {EXPECTED_AUDIENCE!r}")
    return claims
