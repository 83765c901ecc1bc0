"""Checks for the exercises of notebook 06 (Authorization code with PKCE)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tokenlab.exercises._feedback import Feedback, is_unanswered

__all__ = ["DEFENCES", "THREATS", "check_authorization_request", "check_defences"]

_REDIRECT = "http://127.0.0.1/web/callback"
_B64URL_43 = re.compile(r"[A-Za-z0-9_-]{43}")
_STATE_LENGTH = 22  # 128 bits in base64url, what secrets.token_urlsafe(16) gives (RFC 6749 §10.10, §10.12)
# The lesson's fixed pair, RFC 7636 Appendix B's example: published, so it protects nothing.
_EXAMPLE_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
_EXAMPLE_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def check_authorization_request(url: Any) -> Feedback:
    """Exercise 6.1: an authorization request for web-app, asking only for orders:read, with state and PKCE (S256)."""
    name = "Exercise 6.1 (build the authorization request)"
    if is_unanswered(url):
        return Feedback.unanswered(name, "the URL (a string) your code builds")
    if not isinstance(url, str):
        return Feedback.not_yet(name, f"expected the URL as a string, got {type(url).__name__}.")
    parts = urlsplit(url)
    if not parts.path.endswith("/authorize"):
        return Feedback.not_yet(
            name,
            "this URL does not point at the authorization endpoint.",
            "read it from meta['authorization_endpoint'].",
        )
    query = parse_qs(parts.query, keep_blank_values=True)
    repeated = sorted(k for k, v in query.items() if len(v) > 1)
    if repeated:
        return Feedback.not_yet(
            name, f"{', '.join(repeated)} appear more than once; each parameter may appear once (RFC 6749 §3.1)."
        )
    params = {k: v[0] for k, v in query.items()}
    checks = [
        (
            params.get("response_type") == "code",
            "response_type is not right.",
            "the authorization code flow asks for a code (RFC 6749 §4.1.1).",
        ),
        (
            params.get("client_id") == "web-app",
            "client_id is not the web app's.",
            "the confidential client of this lesson is called web-app.",
        ),
        (
            params.get("redirect_uri") == _REDIRECT,
            "redirect_uri is not exactly the registered one.",
            "see op.info['clients']: it must match byte for byte (RFC 9700 §2.1).",
        ),
        (
            "orders:read" in params.get("scope", "").split(),
            "the scope does not ask for reading orders.",
            "scopes are space-separated names, such as orders:read.",
        ),
        (
            set(params.get("scope", "").split()) <= {"orders:read"},
            "the scope asks for more than the task needs.",
            "least privilege: ask for only what this task uses.",
        ),
        (
            len(params.get("state", "")) >= _STATE_LENGTH,
            "state is missing or too short to be unguessable.",
            "it must be a non-guessable value, at least 128 random bits: secrets.token_urlsafe(16) makes one "
            "(RFC 6749 §10.10, §10.12). Remember it, to compare on the way back (RFC 9700 §4.7.1).",
        ),
        (
            params.get("code_challenge_method") == "S256",
            "code_challenge_method is not S256.",
            "plain sends the verifier itself; only S256 hides it (RFC 7636 §4.2).",
        ),
        (
            bool(_B64URL_43.fullmatch(params.get("code_challenge", ""))),
            "code_challenge is not an S256 challenge.",
            "use client.PKCE.make() and send its .challenge, never the verifier.",
        ),
        (
            params.get("code_challenge") not in (_EXAMPLE_CHALLENGE, _EXAMPLE_VERIFIER),
            "code_challenge comes from the lesson's fixed example pair (RFC 7636 Appendix B), whose verifier "
            "anyone can read.",
            "make a fresh pair with client.PKCE.make(), as real code does for every request.",
        ),
    ]
    for ok, problem, hint in checks:
        if not ok:
            return Feedback.not_yet(name, problem, hint)
    return Feedback.solved(name, "a complete, least-privilege request: the provider would show alice the login page.")


THREATS: dict[str, str] = {
    "1": "A client that uses neither PKCE nor OpenID Connect, at a provider that does not support PKCE: an attacker "
    "makes the victim's browser deliver the attacker's own authorization code to the client (CSRF, login injection).",
    "2": "A malicious app on the same device intercepts the authorization code on its way back to the client.",
    "3": "An attacker registers nothing, but asks the provider to send the code to https://evil.example instead.",
    "4": "An attacker replays an old ID token, captured elsewhere, into a new login.",
}
DEFENCES = ("state", "pkce", "exact redirect_uri", "nonce")
_EXPECTED = {"1": "state", "2": "pkce", "3": "exact redirect_uri", "4": "nonce"}
# Why the defence the learner chose does not stop that threat: chosen by the learner's answer, so a hint never
# points at the expected one.
_WHY_NOT = {
    ("1", "pkce"): "this client and this provider do not use PKCE at all. (Where the provider supports it, PKCE "
    "can stand in for CSRF protection: RFC 9700 §4.7.1.)",
    ("1", "nonce"): "this client does not use OpenID Connect, so no ID token brings a nonce back.",
    ("1", "exact redirect_uri"): "the attacker's code arrives at the client's own registered redirect URI: the "
    "provider has nothing to refuse.",
    ("2", "state"): "the interceptor receives the whole redirect, state and all, and redeems the code itself at the "
    "token endpoint, where state plays no part.",
    ("2", "exact redirect_uri"): "the malicious app listens on the very redirect URI the client registered; an "
    "exact match cannot tell them apart.",
    ("2", "nonce"): "the interceptor redeems the code itself; a nonce protects the client's session, not the code "
    "of a public client (RFC 9700 §4.5.3.2).",
    ("3", "state"): "state lets a client reject a response it never asked for; here the code never reaches the "
    "client at all.",
    ("3", "pkce"): "the attacker builds this authorization request, so the PKCE challenge in it can be their own.",
    ("3", "nonce"): "the code has left before any ID token exists: whatever stops this acts before the redirect.",
    ("4", "state"): "a replayed ID token can arrive in a response whose state is fresh; state says nothing about "
    "the ID token itself.",
    ("4", "pkce"): "PKCE proves who redeems a code; it puts nothing into the ID token that ties it to this login.",
    ("4", "exact redirect_uri"): "the replayed ID token is delivered to the right redirect URI, so that check passes.",
}


def check_defences(answers: Any) -> Feedback:
    """Exercise 6.2: match each threat to the defence that stops it."""
    name = "Exercise 6.2 (which defence stops which attack)"
    if is_unanswered(answers) or (
        isinstance(answers, Mapping) and all(is_unanswered(answers.get(k)) for k in _EXPECTED)
    ):
        return Feedback.unanswered(name, f"one of {', '.join(DEFENCES)} for each threat")
    if not isinstance(answers, Mapping):
        return Feedback.not_yet(
            name, f"expected a dict, got {type(answers).__name__}.", 'write {"1": "...", "2": "...", ...}.'
        )
    normal = {k: str(answers.get(k, "")).strip().lower() for k in _EXPECTED}
    unknown = sorted(k for k, v in normal.items() if v not in DEFENCES)
    if unknown:
        return Feedback.not_yet(name, f"threat(s) {', '.join(unknown)}: answer with one of {', '.join(DEFENCES)}.")
    wrong = sorted(k for k in _EXPECTED if normal[k] != _EXPECTED[k])
    if not wrong:
        return Feedback.solved(
            name,
            "four attacks, four cheap defences: a real client uses all of them. In a flow with PKCE (or an OpenID "
            "Connect nonce), those also stop CSRF (RFC 9700 §4.7.1).",
        )
    hints = (f"threat {k}: {_WHY_NOT[k, normal[k]]}" for k in wrong)
    return Feedback.not_yet(name, f"{4 - len(wrong)} of 4 right.", *hints)
