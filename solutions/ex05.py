"""Solutions for notebook 05 (Client credentials)."""

MARGIN = 60


def needs_new_token(token, fetched_at, now):
    """Exercise 5.1: a token is good until fetched_at + expires_in; replace it once 60 s or less remain.

    The margin covers the time the request takes to reach the API and a little
    clock skew between client and server. A token that lives less than the
    margin is replaced every time, which is right: it cannot be trusted to
    arrive alive.
    """
    if token is None:
        return True
    expires_at = fetched_at + token["expires_in"]
    return now >= expires_at - MARGIN
