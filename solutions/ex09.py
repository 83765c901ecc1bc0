"""Solutions for notebook 09 (Refresh tokens and rotation)."""


def store_tokens(saved, response):
    """Exercise 9.1: what a client keeps after a successful refresh.

    - The access token: always the response's. The app refreshed because the old one had expired (or was about
      to); the new one is the one to send to APIs.
    - The refresh token: the response's if it has one. RFC 6749 §6: "The authorization server MAY issue a new
      refresh token, in which case the client MUST discard the old refresh token and replace it with the new
      refresh token." With rotation (RFC 9700 §4.14.2) the old one is already used up, and presenting it again
      is reuse, which this provider answers by revoking the whole grant.
    - If the response has no ``refresh_token``, the server did not rotate: the old one is still the app's way
      to get the next access token, so it must be kept, not dropped.

    A new dict is returned and ``saved`` is left alone, so the caller can replace its stored tokens in one step.
    (``{**saved, **response}`` does the same in one line, and also keeps the new ``expires_in`` and ``scope``.)
    """
    return {
        **saved,
        "access_token": response["access_token"],
        "refresh_token": response.get("refresh_token", saved["refresh_token"]),
    }


STILL_USABLE = {
    # Issued under the laptop's grant. The attacker presenting laptop RT1 at 09:58, after the app had already
    # rotated it at 09:56, is a reuse: the provider cannot tell who is the thief (RFC 9700 §4.14.2), and
    # tokenlab's provider chooses to revoke the grant and every token of its family, access tokens included
    # (the RFC asks at least for the active refresh token). laptop AT2 would only have expired at 10:06, and
    # laptop RT2 was never used: both die with their grant all the same.
    "laptop AT2": False,
    "laptop RT2": False,
    # Never used since the 09:00 login: the idle lifetime (1 hour since the last use, RFC 9700 §4.14.2 "SHOULD
    # expire if the client has been inactive for some time") ran out at 10:00, although the absolute one (8 hours
    # from login) had not. Alice has to log in on the tablet again.
    "tablet RT1": False,
    # The phone's login at 10:00 started a grant of its own: reuse detection revokes one family, not every token
    # of the user. Its access token lives until 10:10, its refresh token until 11:00 unless used.
    "phone AT1": True,
    "phone RT1": True,
}
"""Exercise 9.2."""
