"""Checks for notebook 15 (Handling tokens safely): the capstone audit of a small app."""

from __future__ import annotations

import functools
import inspect
import io
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import requests

from tokenlab.exercises._feedback import Feedback, is_stub, run_learner_code
from tokenlab.keys import KeySet, as_key, demo_key
from tokenlab.scanner import scan_text
from tokenlab.tokens import b64url_encode, sign

__all__ = ["AUDIT_APP", "check_capstone"]

AUDIT_APP = '''\
"""orders_dashboard.py — shows a customer's orders. Written in a hurry; audit it."""
import logging

import jwt
import requests

API = "https://api.example.com"
API_KEY = "tl_live_3xKq9VbT2mWcR7pLzN4yHd8sJf6gAe1uQ0rt9a4P"  # the dashboard's key for the orders API
ISSUER = "https://login.example.com"  # the provider that issues the orders API's access tokens
AUDIENCE = "orders-api"  # the orders API's name in a token's aud
log = logging.getLogger("dashboard")


def load_api_key(environ):
    return API_KEY


def build_request(base_url, token):
    return requests.Request("GET", f"{base_url}/orders?access_token={token}")


def log_call(logger, request):
    logger.info("calling %s %s with headers %s", request.method, request.url, request.headers)


def check_token(token, keys):
    header = jwt.get_unverified_header(token)
    key = keys.get(header["kid"]).verifying
    return jwt.decode(token, key, algorithms=[header["alg"]], options={"verify_aud": False, "verify_exp": False})
'''
"""The app to audit. Its four functions each hide one mistake (five, counting the key in the source)."""

_ISSUER = "https://login.example.com"
_AUDIENCE = "orders-api"
_NOW = 1767603600
_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"  # a token-shaped value for the request checks


def _check_load_api_key(load_api_key: Callable) -> str | None:
    key = "tl_test_fromTheEnvironment000000000000000"
    got, problem = run_learner_code(load_api_key, {"ORDERS_API_KEY": key})
    if problem or got != key:
        return "load_api_key should return os.environ['ORDERS_API_KEY'] (it gets the environment as a dict)."
    _, problem = run_learner_code(load_api_key, {})
    if problem is None:
        return "load_api_key should fail loudly when ORDERS_API_KEY is not set, not fall back to a default."
    try:
        source = inspect.getsource(load_api_key)
    except (OSError, TypeError):
        source = ""
    if scan_text(source, keep_failed=True):
        return "no secret may stay in the source, not even as a fallback: it lives in git history forever."
    return None


def _check_build_request(build_request: Callable) -> str | None:
    request, problem = run_learner_code(build_request, "https://api.example.com", _TOKEN)
    if problem:
        return f"build_request: {problem}."
    prepared = request.prepare() if isinstance(request, requests.Request) else request
    if not isinstance(prepared, requests.PreparedRequest):
        return "build_request should return a requests.Request (or a prepared one)."
    if _TOKEN in (prepared.url or ""):
        return "the token is still in the URL, where logs, proxies and Referer headers see it (RFC 6750 §5.3)."
    if prepared.headers.get("Authorization") != f"Bearer {_TOKEN}":
        return "send the token in the Authorization header, with the Bearer scheme (RFC 6750 §2.1)."
    if not (prepared.url or "").endswith("/orders"):
        return "the request should still GET {base_url}/orders."
    return None


def _check_log_call(log_call: Callable) -> str | None:
    stream = io.StringIO()
    logger = logging.getLogger("tokenlab.exercises.capstone")
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        request = requests.Request(
            "GET", "https://api.example.com/orders", headers={"Authorization": f"Bearer {_TOKEN}"}
        ).prepare()
        _, problem = run_learner_code(log_call, logger, request)
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    if problem:
        return f"log_call: {problem}."
    if _TOKEN in written or _TOKEN[:20] in written:
        return (
            "the log line still carries the token: log what happened, not the credentials (OWASP Logging Cheat Sheet)."
        )
    if "/orders" not in written:
        return "keep the useful part of the log line: the method and the URL."
    return None


@functools.cache
def _token_cases() -> tuple[KeySet, tuple[tuple[str, str, bool], ...]]:
    key = demo_key("RS256")
    keys = KeySet([key.public()])
    impostor = as_key(demo_key("RS256", generation=2).signing, "RS256", kid=key.kid)
    good = {"iss": _ISSUER, "sub": "alice", "aud": _AUDIENCE, "scope": "orders:read", "iat": _NOW, "exp": _NOW + 600}

    def unsigned(claims: dict[str, Any]) -> str:
        header = b64url_encode(json.dumps({"alg": "none", "typ": "at+jwt", "kid": key.kid}).encode())
        return f"{header}.{b64url_encode(json.dumps(claims).encode())}."

    cases = (
        ("a valid access token", sign(good, key, typ="at+jwt"), True),
        ("an unsigned token (alg none)", unsigned(good), False),
        ("a token signed with somebody else's key under the trusted kid", sign(good, impostor, typ="at+jwt"), False),
        ("a token meant for another API", sign({**good, "aud": "billing-api"}, key, typ="at+jwt"), False),
        ("an expired token", sign({**good, "iat": _NOW - 900, "exp": _NOW - 300}, key, typ="at+jwt"), False),
        ("an ID token instead of an access token", sign({**good, "aud": _AUDIENCE}, key, typ="JWT"), False),
        (
            "a token from a look-alike issuer",
            sign({**good, "iss": _ISSUER + ".evil.example"}, key, typ="at+jwt"),
            False,
        ),
    )
    return keys, cases


def _check_check_token(check_token: Callable) -> str | None:
    keys, cases = _token_cases()
    clock_note = "the checker's tokens are dated 2026-01-05 09:00 UTC: verify with tokenlab.Clock.frozen()."
    for about, token, good in cases:
        result, problem = run_learner_code(check_token, token, keys)
        if good and problem:
            return f"check_token refuses {about}: {problem}. " + clock_note
        if not good and problem is None:
            return (
                f"check_token accepts {about}: verify the signature with an algorithm the verifier chose, and check "
                "iss, aud, exp and typ (RFC 8725 §3.1, §3.8–3.9; RFC 7519 §4.1.4; RFC 9068 §4)."
            )
        if good and not isinstance(result, Mapping):
            return "check_token should return the token's claims."
    return None


_FINDINGS = (
    ("load_api_key", "a secret in the source code", _check_load_api_key),
    ("build_request", "the token in the URL", _check_build_request),
    ("log_call", "credentials in the logs", _check_log_call),
    ("check_token", "a verifier that trusts the token", _check_check_token),
)


def check_capstone(app: Any) -> Feedback:
    """The capstone: ``app`` is a dict (or module) with the four fixed functions; each finding is checked."""
    name = "Capstone (audit and fix orders_dashboard.py)"
    functions = dict(app) if isinstance(app, Mapping) else {n: getattr(app, n, None) for n, _, _ in _FINDINGS}
    if all(not callable(functions.get(n)) or is_stub(functions.get(n)) for n, _, _ in _FINDINGS):
        return Feedback.unanswered(name, "your fixed versions of the four functions")
    fixed, hints = [], []
    for function_name, finding, check in _FINDINGS:
        function = functions.get(function_name)
        if not callable(function) or is_stub(function):
            hints.append(f"{function_name}: not written yet ({finding}).")
            continue
        problem = check(function)
        if problem is None:
            fixed.append(finding)
        else:
            hints.append(problem)
    if not hints:
        return Feedback.solved(
            name, "all four findings fixed: no secret in source, none in URLs or logs, and a verifier that decides."
        )
    return Feedback.not_yet(name, f"{len(fixed)} of {len(_FINDINGS)} findings fixed.", *hints)
