"""Solutions for notebook 11 (OpenID Connect and single sign-on)."""

from tokenlab import decode_unverified, verify

TOKEN_JOBS = {
    "a": "id_token",  # who logged in: for the app itself (OIDC Core §2)
    "b": "access_token",  # an API call: the API is the access token's audience (RFC 9068 §2.2)
    "c": "id_token",  # auth_time says when the user really logged in (OIDC Core §2)
    "d": "access_token",  # delegated API access is what access tokens are for (RFC 6749 §1.4)
    "e": "id_token",  # the nonce binds the ID token to this login (OIDC Core §3.1.2.1, §3.1.3.7)
}
"""Exercise 11.1."""


def validate(id_token, keys, client_id, issuer, nonce, clock):
    """Exercise 11.2: the checks of OIDC Core §3.1.3.7 — the issuer's signature, iss exactly, this client in aud,
    exp on the clock, and the nonce this app sent — and no access token taken for an ID token.

    OIDC Core §3.1.3.7 lets a client that got the ID token straight from the token endpoint skip the signature
    ("the TLS server validation MAY be used to validate the issuer in place of checking the token signature");
    this exercise checks it always, so the function is right wherever the token came from.

    OIDC Core asks for no typ in an ID token, and a provider may send none, so typ JWT is not required. A JWT
    access token declares itself with typ at+jwt (RFC 9068 §2.1); refusing that type here is the explicit
    typing of RFC 8725 §3.11. typ is compared as RFC 7515 §4.1.9 says: case-insensitive, "application/" optional.
    """
    claims = verify(id_token, keys, algorithms=["ES256"], audience=client_id, issuer=issuer, clock=clock)
    typ = decode_unverified(id_token).header.get("typ")
    if isinstance(typ, str) and typ.lower().removeprefix("application/") == "at+jwt":
        raise ValueError("this is an access token (typ at+jwt), not an ID token")
    if claims.get("nonce") != nonce:
        raise ValueError("the nonce is not the one this app sent: a replayed or injected ID token")
    return claims
