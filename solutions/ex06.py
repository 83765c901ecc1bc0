"""Solutions for notebook 06 (Authorization code with PKCE)."""

import secrets

from tokenlab import client


def authorization_request(meta):
    """Exercise 6.1: everything the provider needs, nothing more.

    ``state`` is random and kept by the client to compare on the way back (RFC 9700 §4.7.1);
    the PKCE verifier stays with the client, only its S256 challenge travels (RFC 7636 §4.2).
    """
    state = secrets.token_urlsafe(16)
    pkce = client.PKCE.make()
    return client.authorization_url(
        meta,
        client_id="web-app",
        redirect_uri="http://127.0.0.1/web/callback",
        scope="orders:read",
        state=state,
        pkce=pkce,
    )


DEFENCES = {
    # without PKCE or OpenID Connect, only a one-time state bound to the browser stops CSRF (RFC 9700 §2.1, §4.7.1)
    "1": "state",
    "2": "pkce",  # the interceptor lacks the code_verifier (RFC 7636 §1, RFC 9700 §4.5.3.1)
    "3": "exact redirect_uri",  # the provider refuses unregistered redirect URIs (RFC 9700 §2.1, §4.1.3)
    "4": "nonce",  # the ID token must carry the nonce of *this* login (OIDC Core §3.1.3.7)
}
"""Exercise 6.2."""
