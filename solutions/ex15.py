"""Solutions for notebook 15 (Handling tokens safely): orders_dashboard.py, fixed."""

import requests

from tokenlab import Clock, verify
from tokenlab.redact import redact


def load_api_key(environ):
    """Finding 1: the key leaves the source (and, after a leak, gets rotated: it is in git history). Read it
    from the environment, and fail loudly when it is missing rather than fall back to anything."""
    try:
        return environ["ORDERS_API_KEY"]
    except KeyError:
        raise RuntimeError("set ORDERS_API_KEY in the environment (never in the source)") from None


def build_request(base_url, token):
    """Finding 2: the token travels in the Authorization header (RFC 6750 §2.1), not in the URL, where logs and
    Referer headers copy it: RFC 6750 §5.3 says bearer tokens SHOULD NOT be passed in page URLs."""
    return requests.Request("GET", f"{base_url}/orders", headers={"Authorization": f"Bearer {token}"})


def log_call(logger, request):
    """Finding 3: log what happened, not the credentials; redact whatever might still carry one."""
    logger.info("calling %s %s", request.method, redact(request.url))


def check_token(token, keys):
    """Finding 4: the verifier pins the algorithm and checks issuer, audience, expiry and typ
    (RFC 8725 §3.1, §3.8–3.9; RFC 9068 §4). The clock is the course's, as the checker dates its tokens."""
    return verify(
        token,
        keys,
        algorithms=["RS256"],
        issuer="https://login.example.com",
        audience="orders-api",
        typ="at+jwt",
        clock=Clock.frozen(),
    )


APP = {"load_api_key": load_api_key, "build_request": build_request, "log_call": log_call, "check_token": check_token}
