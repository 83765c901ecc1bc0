"""Solutions for notebook 11 (OpenID Connect and single sign-on)."""

from tokenlab import verify

TOKEN_JOBS = {
    "a": "id_token",  # who logged in: for the app itself (OIDC Core §2)
    "b": "access_token",  # an API call: the API is the access token's audience (RFC 9068)
    "c": "id_token",  # auth_time says when the user really logged in (OIDC Core §2)
    "d": "access_token",  # delegated API access is what access tokens are for
    "e": "id_token",  # the nonce binds the ID token to this login (OIDC Core §3.1.2.1)
}
"""Exercise 11.1."""


def validate(id_token, keys, client_id, issuer, nonce, clock):
    """Exercise 11.2: OIDC Core §3.1.3.7 — the issuer's signature, iss exactly, aud is this client, exp on the
    clock, typ not at+jwt (an access token is not an ID token, RFC 9068 §4), and the nonce this app sent."""
    claims = verify(id_token, keys, algorithms=["ES256"], audience=client_id, issuer=issuer, clock=clock, typ="JWT")
    if claims.get("nonce") != nonce:
        raise ValueError("the nonce is not the one this app sent: a replayed or injected ID token")
    return claims
