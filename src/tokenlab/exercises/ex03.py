"""Checks for the exercises of notebook 03, "Signatures and keys".

- 3.1 :func:`check_es256_token` — a token signed with the ES256 demo key for the course's API.
- 3.2 :func:`check_pick_key` — the learner's ``pick_key(token, jwks)``: choose a JWK by ``kid`` only.
- 3.3 :func:`check_api_verifier` — the learner's ``verify_for_api(token)``: accept the issuer's
  tokens, reject forged, expired and misdirected ones.

Every check returns a :class:`~tokenlab.exercises.Feedback` and never raises, whatever it is given.
The tokens the checks use are signed with the demo keys and with keys derived from fixed numbers,
so the feedback is the same on every run.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import hmac
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from tokenlab.clock import DEMO_START, Clock, format_utc, humanize_delta
from tokenlab.errors import InvalidTokenError, TokenLabError
from tokenlab.exercises._feedback import Feedback, is_unanswered, never_raises, run_learner_code, show
from tokenlab.keys import Key, as_key, demo_key, demo_key_set
from tokenlab.tokens import b64url_encode, decode_unverified, sign, verify

__all__ = ["check_api_verifier", "check_es256_token", "check_pick_key"]

API = "https://api.example.com"
ISSUER = "https://login.example.com"
_NOW = int(DEMO_START.timestamp())


def _fixed_ec_key(label: str, kid: str) -> Key:
    """A P-256 key derived from a fixed label: not in the demo key set, yet the same on every run."""
    scalar = int.from_bytes(hashlib.sha256(label.encode()).digest(), "big") % (2**255) + 1
    return as_key(ec.derive_private_key(scalar, ec.SECP256R1()), kid=kid)


def _compact(
    header: Mapping[str, Any], claims: Mapping[str, Any], key: Key | None = None, *, secret: bytes | None = None
) -> str:
    """A compact JWS built by hand (RFC 7515 §5.1), for headers that :func:`sign` would never write."""
    signing_input = (
        b64url_encode(json.dumps(dict(header), separators=(",", ":")).encode())
        + "."
        + b64url_encode(json.dumps(dict(claims), separators=(",", ":")).encode())
    )
    if secret is not None:
        signature = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    elif key is not None:
        signature = key.sign_bytes(signing_input.encode("ascii"))
    else:
        signature = b""
    return signing_input + "." + b64url_encode(signature)


def _claims(sub: str = "alice", **changes: Any) -> dict[str, Any]:
    claims = {"iss": ISSUER, "sub": sub, "aud": API, "iat": _NOW, "exp": _NOW + 300, "scope": "orders:read"}
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


# --- Exercise 3.1: sign an ES256 token ---------------------------------------------

_EX31 = "Exercise 3.1"


@never_raises(_EX31)
def check_es256_token(token: Any) -> Feedback:
    """Exercise 3.1: signed with the ES256 demo key, for ``API``, subject alice, expiring 5 minutes after the demo clock."""
    if is_unanswered(token):
        return Feedback.unanswered(_EX31, "the token that sign(...) returns")
    if not isinstance(token, (str, bytes)):
        return Feedback.not_yet(
            _EX31,
            f"expected a token (a str), got {show(token)}.",
            "sign(claims, key) returns the token as a string: assign that string to my_token.",
        )
    clock = Clock.frozen()
    try:
        decoded = decode_unverified(token, clock=clock)
    except TokenLabError as err:
        return Feedback.not_yet(_EX31, f"this is not a JWT yet: {err}", "Assign the string that sign(...) returns.")
    key = demo_key("ES256")
    alg = decoded.header.get("alg")
    if alg != "ES256":
        return Feedback.not_yet(
            _EX31,
            f"the header says alg {alg!r}, so this token was signed with another kind of key.",
            "Sign with the ES256 demo key: each key is pinned to one algorithm, and sign() writes the key's alg into the header.",
        )
    if not key.verify_bytes(decoded.signing_input, decoded.signature):
        return Feedback.not_yet(
            _EX31,
            "the signature does not match the demo ES256 key: the token was signed with another key, or changed after signing.",
            "Use demo_key('ES256') itself, and don't edit the token once it is signed.",
        )
    claims = decoded.claims
    sub = claims.get("sub")
    if sub != "alice":
        said = "there is no sub claim" if "sub" not in claims else f"sub is {sub!r}"
        return Feedback.not_yet(
            _EX31,
            f"the signature is good, but {said}.",
            "The subject (RFC 7519 §4.1.2) is the user the token is about: the task names her.",
        )
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if API not in audiences:
        said = "there is no aud claim" if "aud" not in claims else f"aud is {aud!r}"
        return Feedback.not_yet(
            _EX31,
            f"the signature and subject are good, but {said}.",
            "The audience (RFC 7519 §4.1.3) names the API that should accept the token: copy its URL from the task exactly.",
        )
    exp = claims.get("exp")
    if "exp" not in claims:
        return Feedback.not_yet(
            _EX31,
            "the token has no exp claim, so it would never expire.",
            "Add an exp claim: a NumericDate, the number of seconds since 1970 (RFC 7519 §2, §4.1.4).",
        )
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        return Feedback.not_yet(
            _EX31,
            f"exp is {show(exp)}, not a number of seconds since 1970.",
            "clock.timestamp() gives the course's 'now' as a NumericDate (RFC 7519 §2); exp is a number too.",
        )
    if not math.isfinite(exp) or abs(exp - _NOW) > 100 * 365 * 86400:
        return Feedback.not_yet(
            _EX31,
            f"signature, subject and audience are good, but exp is {show(exp)}, not a time in this century.",
            "Start from clock.timestamp(), the course's 'now' in seconds, and add five minutes' worth of seconds.",
        )
    if exp != _NOW + 300:
        if exp <= _NOW:
            said = f"exp is {format_utc(exp)}, which is already past on the course clock"
        else:
            said = f"exp is {format_utc(exp)}, {humanize_delta(exp - _NOW)} after the clock's 09:00"
        return Feedback.not_yet(
            _EX31,
            f"signature, subject and audience are good, but {said}.",
            "Start from clock.timestamp(), the course's 'now' in seconds, and add five minutes' worth of seconds.",
        )
    try:
        verify(token, key.public(), algorithms=["ES256"], audience=API, clock=clock)
    except InvalidTokenError as err:
        return Feedback.not_yet(
            _EX31,
            f"the main claims are right, but verification still fails: {err}",
            "Leave out the claims the task does not ask for.",
        )
    return Feedback.solved(
        _EX31,
        "the token verifies with the demo ES256 public key for the API: subject alice, valid until 09:05 UTC. "
        "Anyone holding the public key could check it, and none of them could have made it.",
    )


# --- Exercise 3.2: pick the key by kid -----------------------------------------------


@dataclass(frozen=True)
class _KidCase:
    what: str  # "For <what>, ..."
    token: str
    jwks: dict[str, Any]
    expected: dict[str, Any] | None
    also_fine: tuple[Any, ...] = ()  # other acceptable answers
    hint_if_entry: str = ""  # hint when an entry was returned but None was expected


@functools.cache
def _kid_cases() -> tuple[_KidCase, ...]:
    jwks = demo_key_set().jwks()
    by_kid = {entry["kid"]: entry for entry in jwks["keys"]}
    rsa, eddsa = demo_key("RS256"), demo_key("EdDSA")
    current = demo_key("ES256")
    previous = _fixed_ec_key("tokenlab exercise 3.2: last year's ES256 key", "es256-2025-10")
    rotation = {"keys": [current.public_jwk(), previous.public_jwk()]}
    stranger = _fixed_ec_key("tokenlab exercise 3.2: an attacker's key", "attacker-key")
    claims = _claims()
    return (
        _KidCase("an RS256 token from the issuer", sign(claims, rsa), jwks, by_kid[rsa.kid]),
        _KidCase("an EdDSA token from the issuer", sign(claims, eddsa), jwks, by_kid[eddsa.kid]),
        _KidCase(
            "a token signed with the previous ES256 key, during a key rotation",
            sign(claims, previous),
            rotation,
            rotation["keys"][1],
        ),
        _KidCase(
            "a token signed with the current ES256 key, during a key rotation",
            sign(claims, current),
            rotation,
            rotation["keys"][0],
        ),
        _KidCase(
            "a token whose kid is in no entry of the key set",
            sign(claims, _fixed_ec_key("tokenlab exercise 3.2: a retired key", "es256-2024-03")),
            jwks,
            None,
            hint_if_entry="The kid is only a hint at which key signed the token (RFC 7515 §4.1.4): an unknown kid "
            "means none of the keys the verifier trusts made it. Return None and let the verifier reject it, rather "
            "than trying some other key.",
        ),
        _KidCase(
            "a token without a kid",
            _compact({"alg": "ES256", "typ": "JWT"}, claims, current),
            jwks,
            None,
            hint_if_entry="With several keys and no kid there is nothing to choose by: return None instead of guessing.",
        ),
        _KidCase(
            "a token that brings its own key in a 'jwk' header",
            _compact(
                {"alg": "ES256", "typ": "JWT", "kid": stranger.kid, "jwk": stranger.public_jwk()}, claims, stranger
            ),
            jwks,
            None,
            hint_if_entry="A key that arrives inside the token proves nothing: whoever made the token made the key "
            "too (RFC 7515 §4.1.3), and a key whose origin is not authenticated cannot say who signed (RFC 7515 "
            "§10.3). Only the verifier's own key set counts.",
        ),
        _KidCase(
            "a token whose kid looks like a file path",
            _compact({"alg": "ES256", "typ": "JWT", "kid": "../../../dev/null"}, claims, current),
            jwks,
            None,
            hint_if_entry="Compare kids as whole strings, exactly: a kid is a lookup key, never a path or a pattern.",
        ),
        _KidCase(
            "a token whose kid is only the start of a real kid",
            _compact({"alg": "ES256", "typ": "JWT", "kid": rsa.kid[:5]}, claims, stranger),
            jwks,
            None,
            hint_if_entry="Compare kids as whole strings, exactly: 'starts with' or 'contains' lets look-alike kids in.",
        ),
        _KidCase(
            "a token whose kid ends like a real kid",
            _compact({"alg": "ES256", "typ": "JWT", "kid": "evil-" + rsa.kid}, claims, stranger),
            jwks,
            None,
            hint_if_entry="Compare kids as whole strings, exactly: 'ends with' or 'contains' lets look-alike kids in.",
        ),
        _KidCase(
            "an HS256 token that borrows the RS256 key's kid",
            _compact({"alg": "HS256", "typ": "JWT", "kid": rsa.kid}, claims, secret=rsa.public_pem().encode()),
            jwks,
            by_kid[rsa.kid],
            also_fine=(None,),
        ),
    )


_EX32 = "Exercise 3.2"


def _kid_of(entry: Any) -> str:
    return repr(entry.get("kid")) if isinstance(entry, Mapping) else "?"


@never_raises(_EX32)
def check_pick_key(function: Any) -> Feedback:
    """Exercise 3.2: ``function(token, jwks)`` returns the JWK whose kid is the header's kid, or None."""
    if is_unanswered(function):
        return Feedback.unanswered(_EX32, "your function")
    if not callable(function):
        return Feedback.not_yet(
            _EX32,
            f"expected a function, got {show(function)}.",
            "Pass the function itself, without calling it: check_pick_key(pick_key).",
        )
    cases = _kid_cases()
    outcomes = [(case, *run_learner_code(function, case.token, copy.deepcopy(case.jwks))) for case in cases]
    if all(result is None and problem is None for _, result, problem in outcomes):
        return Feedback.unanswered(_EX32, "the body of your function (it still returns None)")
    for passed, (case, result, problem) in enumerate(outcomes):
        so_far = f"{passed} of {len(cases)} tokens handled right. " if passed else ""
        if problem is not None:
            hint = "Run your function on that token in a cell of its own to see what happens."
            if "KeyError: 'kid'" in problem:
                hint = "Not every header has a kid, and not every entry must have one: use .get('kid')."
            return Feedback.not_yet(_EX32, f"{so_far}For {case.what}, {problem}.", hint)
        if result == case.expected or any(result == fine for fine in case.also_fine):
            continue
        if result is not None and not isinstance(result, Mapping):
            return Feedback.not_yet(
                _EX32,
                f"{so_far}For {case.what}, your function returned {show(result)}.",
                "Return the whole entry, the dict from jwks['keys'] (or None), not a kid or a key object.",
            )
        if case.expected is not None and result is None:
            return Feedback.not_yet(
                _EX32,
                f"{so_far}For {case.what}, your function returned None, but the key set has an entry with that kid.",
                "Read the kid from the token's header (decode_unverified(token).header, or by hand), then find the "
                "entry of jwks['keys'] with the same 'kid'.",
            )
        if case.expected is not None:
            hint = "Compare the header's kid with each entry's 'kid'; nothing else in the header should decide."
            if "rotation" in case.what:
                hint = "During a rotation two keys share the same alg and kty: only the kid tells them apart."
            return Feedback.not_yet(
                _EX32,
                f"{so_far}For {case.what}, your function returned the entry with kid {_kid_of(result)}, "
                "but the token's header names another kid.",
                hint,
            )
        return Feedback.not_yet(
            _EX32,
            f"{so_far}For {case.what}, your function returned an entry (kid {_kid_of(result)}), "
            "but no key in the set should be used.",
            case.hint_if_entry,
        )
    return Feedback.solved(
        _EX32,
        f"all {len(cases)} tokens handled right: the kid chose the key, and nothing else in the header did. "
        "Picking a key is only step one: verify() still checks that the key's algorithm is the one allowed.",
    )


# --- Exercise 3.3: verify like an API -----------------------------------------------

_EX33 = "Exercise 3.3"


@dataclass(frozen=True)
class _VerifyCase:
    name: str
    token: str
    hint: str = ""  # for a bad token that was accepted


@functools.cache
def _good_tokens() -> tuple[tuple[str, str, str], ...]:
    """(description, token, subject) for tokens the issuer really made for the API."""
    return tuple(
        (f"the issuer's {alg} token", sign(_claims(sub=sub), demo_key(alg)), sub)
        for alg, sub in (("RS256", "alice"), ("ES256", "bob"), ("EdDSA", "carol"))
    )


@functools.cache
def _bad_tokens() -> tuple[_VerifyCase, ...]:
    rsa = demo_key("RS256")
    genuine = sign(_claims(sub="dave"), rsa)
    header, _, signature = genuine.split(".")
    raised = b64url_encode(json.dumps(_claims(sub="dave", scope="orders:read orders:write admin")).encode())
    choose = "Let verify() check the tokens, with the algorithms you accept listed explicitly (RFC 8725 §3.1)."
    return (
        _VerifyCase(
            "unsigned ('alg': 'none')",
            _compact({"alg": "none", "typ": "JWT"}, _claims(sub="mallory")),
            "An unsigned token proves nothing: anyone could have written it. " + choose,
        ),
        _VerifyCase(
            "algorithm-confusion (HS256, keyed with the RSA public key)",
            _compact(
                {"alg": "HS256", "typ": "JWT", "kid": rsa.kid}, _claims(sub="mallory"), secret=rsa.public_pem().encode()
            ),
            "The verifier, not the token, chooses the algorithm (RFC 8725 §2.1, §3.1). " + choose,
        ),
        _VerifyCase(
            "unknown-key",
            sign(_claims(sub="mallory"), _fixed_ec_key("tokenlab exercise 3.3: a stranger's key", "es256-stranger")),
            "Verify against the issuer's key set only: a key the issuer never published must not count.",
        ),
        _VerifyCase(
            "tampered (scope changed after signing)",
            f"{header}.{raised}.{signature}",
            "A signature covers every byte of header and payload (RFC 7515 §5.2): check it, don't just decode.",
        ),
        _VerifyCase(
            "expired",
            sign(_claims(sub="erin", iat=_NOW - 900, exp=_NOW - 60), rsa),
            "Tokens past their exp must be rejected (RFC 7519 §4.1.4): check the time on the course clock.",
        ),
        _VerifyCase(
            "meant for another API",
            sign(_claims(sub="frank", aud="https://billing.example.com"), rsa),
            "Say which audience your API is, so that tokens for other APIs are refused (RFC 7519 §4.1.3, RFC 8725 §3.9).",
        ),
        _VerifyCase(
            "never-expiring (no exp)",
            sign(_claims(sub="grace", exp=None), rsa),
            "A token without exp would work forever if it leaked. tokenlab's verify() chooses to require exp "
            "unless told otherwise (RFC 7519 §4.1 makes it optional; RFC 9068 §2.2 requires it in access tokens): "
            "keep that default.",
        ),
        _VerifyCase(
            "other-tenant (iss https://login.example.com/tenants/other, signed with the same keys)",
            sign(_claims(sub="heidi", iss=f"{ISSUER}/tenants/other"), rsa),
            "One provider often signs the tokens of several issuers (its tenants) with the same keys: only the "
            "iss claim tells them apart. Name the issuer your API trusts (RFC 8725 §3.8, RFC 9068 §4).",
        ),
    )


_REJECTION_HINTS = {
    "TokenExpiredError": "The course's tokens are valid on the frozen course clock, not on your computer's: pass clock=clock.",
    "AudienceMismatchError": "Tell verify() which audience your API is: the tokens name it in their aud claim.",
    "AlgorithmNotAllowedError": "The issuer signs with several algorithms: allow each one its keys use (look at the 'alg' of every entry in issuer_jwks), and no others.",
    "UnknownKeyError": "Verify against the issuer's whole key set (issuer_jwks), so that the kid can pick the right key.",
    "KeyAlgorithmMismatchError": "Verify against the issuer's whole key set (issuer_jwks), so that the kid can pick the right key.",
    "InvalidSignatureError": "Verify against the issuer's whole key set (issuer_jwks), so that the kid can pick the right key.",
    "IssuerMismatchError": "If you check the issuer, it must be exactly the one named in the task.",
}


@never_raises(_EX33)
def check_api_verifier(function: Any) -> Feedback:
    """Exercise 3.3: ``function(token)`` returns the claims of the issuer's tokens and raises on every bad one."""
    if is_unanswered(function):
        return Feedback.unanswered(_EX33, "your function")
    if not callable(function):
        return Feedback.not_yet(
            _EX33,
            f"expected a function, got {show(function)}.",
            "Pass the function itself, without calling it: check_api_verifier(verify_for_api).",
        )
    good = [(what, sub, *run_learner_code(function, token)) for what, token, sub in _good_tokens()]
    bad = [(case, *run_learner_code(function, case.token)) for case in _bad_tokens()]
    if all(result is None and problem is None for *_, result, problem in good + bad):
        return Feedback.unanswered(_EX33, "the body of your function (it still returns None)")

    for what, sub, result, problem in good:
        if problem is not None:
            error, shown = _raised(problem)
            hint = _REJECTION_HINTS.get(error, "Call verify() and return what it returns.")
            return Feedback.not_yet(_EX33, f"your verifier rejected {what}, which is genuine: {shown}", hint)
        if not isinstance(result, Mapping) or result.get("sub") != sub:
            return Feedback.not_yet(
                _EX33,
                f"for {what}, which is genuine, your verifier returned {show(result)} instead of its claims.",
                "Return the claims that verify() gives back.",
            )
    for case, result, problem in bad:
        if problem is None and result is None:
            return Feedback.not_yet(
                _EX33,
                f"all {len(good)} genuine tokens pass; for the {case.name} token your verifier returned None.",
                "Refuse a bad token by raising (let verify()'s InvalidTokenError through): a caller that forgets "
                "to test for None would let the token in.",
            )
        if problem is None:
            return Feedback.not_yet(
                _EX33,
                f"all {len(good)} genuine tokens pass, but your verifier accepted the {case.name} token.",
                case.hint,
            )
        error, _ = _raised(problem)
        if not _is_invalid_token_error(error):
            return Feedback.not_yet(
                _EX33,
                f"your verifier refused the {case.name} token, but with {error or 'an error'} rather than an "
                "InvalidTokenError.",
                "Let verify() raise: its errors say exactly what was wrong with the token.",
            )
    return Feedback.solved(
        _EX33,
        f"all {len(good)} genuine tokens pass and all {len(bad)} bad ones are refused: unsigned, algorithm "
        "confusion, unknown key, tampered, expired, another API's, never-expiring and another tenant's.",
    )


_RAISED = re.compile(r"your code raised (\w+): (.*?)(?: \(line \d+: .*\))?$", re.DOTALL)


def _raised(problem: str) -> tuple[str, str]:
    """(exception name, what to show) from run_learner_code's report.

    tokenlab's own errors explain themselves, and the line that raised them is inside tokenlab,
    not in the learner's code, so for those the line is left out.
    """
    match = _RAISED.match(problem)
    if match is None:
        return "", problem
    name, text = match.group(1), match.group(2)
    if _is_invalid_token_error(name):
        return name, f"it raised {name}: {text}"
    return name, problem


def _is_invalid_token_error(name: str) -> bool:
    from tokenlab import errors

    cls = getattr(errors, name, None)
    return isinstance(cls, type) and issubclass(cls, InvalidTokenError)
