"""Solutions for notebook 07 (Device authorization grant)."""


def next_wait(error, interval):
    """Exercise 7.1, straight from RFC 8628 §3.5.

    ``authorization_pending``: the user has not finished; poll again after ``interval``.
    ``slow_down``: also pending, but the device polled too fast; add 5 seconds to this and every later interval.
    Anything else (``access_denied``, ``expired_token``, ``invalid_grant``, …) ends the flow.
    """
    if error == "authorization_pending":
        return interval
    if error == "slow_down":
        return interval + 5
    return None
