"""The lab's catalogue of verifier attacks, run against any ``verify(token, key)`` function.

:func:`verifier_attacks` forges one token per attack, each against an API that
expects RS256 access tokens for ``demo-api`` from the course's provider;
:func:`run_attacks` presents them to a verifier and says which got through.
The exercise of notebook 14 and the regression suite (``tests/test_attacks.py``)
both run it: against :func:`~tokenlab.attacks.naive_verify` every attack
succeeds, against :func:`tokenlab_verifier` every one fails.

>>> from tokenlab.attacks import naive_verify
>>> report = run_attacks(naive_verify)
>>> report.genuine_accepted, len(report.succeeded), len(report.outcomes)
(True, 15, 15)
>>> len(run_attacks(tokenlab_verifier()).succeeded)
0
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from tokenlab.attacks.forge import (
    ALG_NONE_VARIANTS,
    alg_none,
    algorithm_confusion,
    hmac_forge,
    jku_injection,
    jwk_injection,
    kid_file_injection,
    kid_path_traversal,
    pem_from_jwk,
    strip_signature,
    tamper_payload,
)
from tokenlab.attacks.keyserver import attacker_key_server
from tokenlab.attacks.naive import EXPECTED_AUDIENCE
from tokenlab.clock import Clock
from tokenlab.errors import (
    AlgorithmNotAllowedError,
    AudienceMismatchError,
    InvalidSignatureError,
    InvalidTokenError,
    TokenExpiredError,
    UnknownKeyError,
)
from tokenlab.keys import Key, KeySet, demo_key
from tokenlab.tokens import sign, verify

__all__ = [
    "FAMILIES",
    "LAB_ISSUER",
    "WEAK_SECRET",
    "Attack",
    "Family",
    "Outcome",
    "Report",
    "lab_access_token",
    "record_access",
    "run_attacks",
    "tokenlab_verifier",
    "verifier_attacks",
]

LAB_ISSUER = "http://127.0.0.1:8414"
"""The default issuer of the lab's tokens, a provider on 127.0.0.1 (lesson 14 passes its own provider's ``issuer``)."""

WEAK_SECRET = "changeme2024"
"""The HMAC secret of the lab's weak service: a default someone meant to change, plus a year."""

ATTACKER_UPLOAD_SECRET = b"the attacker's profile picture, which is also an HMAC secret"


@dataclass(frozen=True)
class Family:
    """Attacks that exploit the same mistake, and the rule that stops all of them."""

    title: str
    rule: str
    source: str


FAMILIES: dict[str, Family] = {
    "unsigned": Family(
        "the token says whether it is signed",
        "the verifier keeps its own list of accepted algorithms and accepts no unsigned token by default "
        "(however 'none' is spelled), and a token without a valid signature is refused, never waved through",
        "RFC 8725 §3.1, §3.3; RFC 7518 §3.6",
    ),
    "tampering": Family(
        "a signature vouches for another payload",
        "a signature covers the exact bytes of this token's header and payload: check it on every token, "
        "and never decide anything from a part of a token before that check",
        "RFC 7515 §5.2, RFC 8725 §3.3",
    ),
    "confusion": Family(
        "the token picks the algorithm",
        "each key is used with exactly one algorithm, chosen by the verifier's configuration: "
        "an RSA public key verifies RS256 and can never become an HMAC secret",
        "RFC 8725 §2.1, §3.1",
    ),
    "weak-secret": Family(
        "a guessable HMAC secret",
        "an HMAC key is at least as long as the hash (32 bytes for HS256), random, never a word or a password, "
        "and an API that expects RS256 does not accept HS256 at all",
        "RFC 7518 §3.2, RFC 8725 §3.5, §3.1",
    ),
    "kid": Family(
        "kid used as a file name",
        "a kid is only a hint to which of the verifier's own keys signed the token, and looking it up must not "
        "become an injection: validate or sanitize it (tokenlab's verifier chooses the strictest form, a name in a "
        "dictionary of its own keys, never part of a path, a query or a command)",
        "RFC 7515 §4.1.4, RFC 8725 §3.10",
    ),
    "embedded-key": Family(
        "keys carried or named by the token",
        "the key must belong to the token's issuer, so a key the token carries (jwk) proves nothing, and a URL it "
        "names (jku, x5u) is never followed blindly, only to a location on a list of allowed ones (tokenlab's "
        "verifier chooses to ignore them all and take keys only from its configuration)",
        "RFC 8725 §3.8, §3.10",
    ),
    "expired": Family(
        "exp not checked",
        "a token is refused at or after its exp, with at most a small, explicit leeway",
        "RFC 7519 §4.1.4",
    ),
    "audience": Family(
        "aud not checked",
        "an API accepts only tokens whose aud names it",
        "RFC 8725 §3.9, RFC 7519 §4.1.3",
    ),
}


@dataclass(frozen=True)
class Attack:
    """One forged token, the key the attacked API holds, and the error tokenlab's verifier answers with."""

    case: str  # the SECURITY.md case it exercises, "A1" to "A8"
    name: str
    family: str  # a key of FAMILIES
    token: str = field(repr=False)
    key: Any = field(repr=False)  # what the attacked API was configured with: usually the provider's public PEM
    tokenlab_error: type[InvalidTokenError]  # what tokenlab_verifier() raises


@dataclass(frozen=True)
class Outcome:
    """What one verifier did with one attack: accepted it (and returned claims) or refused it (and why)."""

    attack: Attack | None  # None for the genuine token
    accepted: bool
    claims: Any = None
    error: BaseException | None = None

    @property
    def verdict(self) -> str:
        if self.accepted:
            return "ACCEPTED"
        return f"refused: {type(self.error).__name__}" if self.error is not None else "refused"


@dataclass(frozen=True)
class Report:
    """A verifier's answers to a genuine token and to every attack of the catalogue."""

    genuine_accepted: bool
    genuine_problem: str | None
    outcomes: tuple[Outcome, ...]

    @property
    def succeeded(self) -> tuple[Outcome, ...]:
        """The attacks the verifier accepted."""
        return tuple(outcome for outcome in self.outcomes if outcome.accepted)


def lab_access_token(
    *,
    issuer: str = LAB_ISSUER,
    now: int,
    sub: str = "user-bob",
    audience: str = EXPECTED_AUDIENCE,
    scope: str = "orders:read",
    lifetime: int = 600,
    client_id: str = "web-app",
) -> str:
    """An access token such as the provider issues (RFC 9068): RS256 with the demo key, ``typ: at+jwt``."""
    claims = {
        "iss": issuer,
        "sub": sub,
        "aud": audience,
        "client_id": client_id,
        "scope": scope,
        "jti": f"lab-{sub}-{now}",
        "iat": now,
        "exp": now + lifetime,
    }
    return sign(claims, demo_key("RS256"), typ="at+jwt")


def verifier_attacks(*, issuer: str = LAB_ISSUER, now: int, jku: str) -> tuple[str, list[Attack]]:
    """The genuine token an attacker starts from (Bob's own), and one forged token per attack.

    Each forgery asks for what Bob may not have: Alice's orders, and the
    ``orders:write`` scope. ``jku`` is where the attacker's key server listens.
    """
    provider_key = demo_key("RS256")
    genuine = lab_access_token(issuer=issuer, now=now)
    wanted = {"sub": "user-alice", "scope": "orders:read orders:write"}
    forged = {**_claims_of(genuine), **wanted}
    pem = provider_key.public_pem()
    attacks = [
        *_signature_attacks(genuine, forged, wanted, pem),
        *_algorithm_attacks(forged, provider_key),
        *_key_lookup_attacks(forged, pem, jku),
        *_replayed_tokens(issuer, now, pem),
    ]
    return genuine, attacks


def _signature_attacks(genuine: str, forged: dict[str, Any], wanted: dict[str, Any], pem: str) -> list[Attack]:
    """A1 and A3: no signature at all, however ``alg`` spells it, or a signature over another payload."""
    return [
        *(
            Attack(
                "A1", f"alg {alg!r}, no signature", "unsigned", alg_none(forged, alg=alg), pem, AlgorithmNotAllowedError
            )
            for alg in ALG_NONE_VARIANTS
        ),
        Attack(
            "A3",
            "signature stripped",
            "unsigned",
            strip_signature(tamper_payload(genuine, wanted)),
            pem,
            InvalidSignatureError,
        ),
        Attack(
            "A3",
            "payload tampered, signature kept",
            "tampering",
            tamper_payload(genuine, wanted),
            pem,
            InvalidSignatureError,
        ),
    ]


def _algorithm_attacks(forged: dict[str, Any], provider_key: Key) -> list[Attack]:
    """A2 and A4: the token picks HMAC, keyed with the provider's public key or with a guessable secret."""
    jwk_text = json.dumps(provider_key.public_jwk())
    return [
        Attack(
            "A2",
            "RS256 → HS256 with the public key (PEM)",
            "confusion",
            algorithm_confusion(
                forged, pem_from_jwk(provider_key.public_jwk()), header={"typ": "at+jwt", "kid": provider_key.kid}
            ),
            provider_key.public_pem(),
            AlgorithmNotAllowedError,
        ),
        Attack(
            "A2",
            "RS256 → HS256 with the public key (JWK)",
            "confusion",
            algorithm_confusion(forged, jwk_text),
            jwk_text,
            AlgorithmNotAllowedError,
        ),
        Attack(
            "A4",
            f"weak HMAC secret {WEAK_SECRET!r}, from the word list",
            "weak-secret",
            hmac_forge(forged, WEAK_SECRET),
            WEAK_SECRET,
            AlgorithmNotAllowedError,
        ),
    ]


def _key_lookup_attacks(forged: dict[str, Any], pem: str, jku: str) -> list[Attack]:
    """A6 and A5: the token names the key (a ``kid`` used as a file name) or carries it (``jwk``, ``jku``)."""
    return [
        Attack(
            "A6", "kid path traversal to /dev/null", "kid", kid_path_traversal(forged), pem, AlgorithmNotAllowedError
        ),
        Attack(
            "A6",
            "kid pointing at an uploaded file",
            "kid",
            kid_file_injection(forged, ATTACKER_UPLOAD_SECRET),
            pem,
            AlgorithmNotAllowedError,
        ),
        Attack("A5", "jwk header: the attacker's own key", "embedded-key", jwk_injection(forged), pem, UnknownKeyError),
        Attack(
            "A5",
            "jku header: the attacker's key server",
            "embedded-key",
            jku_injection(forged, jku),
            pem,
            UnknownKeyError,
        ),
    ]


def _replayed_tokens(issuer: str, now: int, pem: str) -> list[Attack]:
    """A7 and A8: genuinely signed tokens, presented after their ``exp`` or to an API they were not for."""
    return [
        Attack(
            "A7",
            "expired token replayed",
            "expired",
            lab_access_token(issuer=issuer, now=now - 3600, sub="user-alice"),
            pem,
            TokenExpiredError,
        ),
        Attack(
            "A8",
            "token for another API replayed",
            "audience",
            lab_access_token(issuer=issuer, now=now, sub="user-alice", audience="billing-api"),
            pem,
            AudienceMismatchError,
        ),
    ]


def _claims_of(token: str) -> dict[str, Any]:
    from tokenlab.attacks.naive import split_token

    return split_token(token)[1]


def tokenlab_verifier(
    keys: Any = None, *, issuer: str | None = None, clock: Clock | None = None
) -> Callable[[str, Any], dict[str, Any]]:
    """tokenlab's :func:`~tokenlab.verify`, configured as the demo API's should be, as a ``verify(token, key)``.

    It trusts ``keys`` (by default the provider's demo RS256 key set) and
    nothing else, so the ``key`` each attack hands the API is ignored; it
    accepts RS256 only, requires ``aud: demo-api`` and ``typ: at+jwt``, and
    checks ``iss`` when ``issuer`` is given.
    """
    trusted = keys if keys is not None else KeySet([demo_key("RS256").public()])

    def tokenlab_verify(token: str, key: Any = None) -> dict[str, Any]:
        return verify(
            token,
            trusted,
            algorithms=["RS256"],
            audience=EXPECTED_AUDIENCE,
            issuer=issuer,
            typ="at+jwt",
            clock=clock,
        )

    return tokenlab_verify


def run_attacks(
    verify_function: Callable[[str, Any], Any], *, issuer: str = LAB_ISSUER, clock: Clock | None = None
) -> Report:
    """Present a genuine token, then every attack of :func:`verifier_attacks`, to ``verify_function(token, key)``.

    A token is accepted when the function returns something other than
    ``None`` or ``False``; raising any exception refuses it. Times are read
    on ``clock`` (the real time by default). The attacker's key server runs on
    127.0.0.1 for the duration.
    """
    now = (clock or Clock.system()).timestamp()
    with attacker_key_server() as server:
        genuine, attacks = verifier_attacks(issuer=issuer, now=now, jku=server.jwks_url)
        first = _present(verify_function, genuine, demo_key("RS256").public_pem(), None)
        outcomes = tuple(_present(verify_function, attack.token, attack.key, attack) for attack in attacks)
    problem = None
    if first.error is not None:
        problem = f"it raised {type(first.error).__name__}: {first.error}"
    elif not first.accepted:
        problem = f"it returned {first.claims!r} instead of the token's claims"
    elif not isinstance(first.claims, Mapping) or first.claims.get("sub") != "user-bob":
        problem = "it did not return the token's claims (a dict whose 'sub' is 'user-bob')"
    return Report(problem is None, problem, outcomes)


def _present(verify_function: Callable[[str, Any], Any], token: str, key: Any, attack: Attack | None) -> Outcome:
    try:
        claims = verify_function(token, key)
    except Exception as exc:  # any refusal will do, whatever the verifier raises
        return Outcome(attack, False, None, exc)
    return Outcome(attack, claims is not None and claims is not False, claims)


# --- which files were opened, which addresses connected to ------------------------------------------------------


@dataclass
class Access:
    """Files opened and network connections made inside :func:`record_access`."""

    files: list[str] = field(default_factory=list)
    connections: list[Any] = field(default_factory=list)


_RECORDERS: list[Access] = []
_RECORDERS_LOCK = threading.Lock()
_HOOKED = False


def _audit(event: str, args: tuple) -> None:
    if not _RECORDERS or event not in ("open", "socket.connect"):
        return
    if event == "open":
        path = args[0]
        if isinstance(path, (str, bytes, os.PathLike)):
            resolved = os.path.realpath(os.fsdecode(path))
            for recorder in list(_RECORDERS):
                recorder.files.append(resolved)
    else:
        for recorder in list(_RECORDERS):
            recorder.connections.append(args[1])


@contextlib.contextmanager
def record_access() -> Iterator[Access]:
    """Record every file this process opens and every address it connects to, inside the block.

    Built on Python's audit events (PEP 578); the hook is installed on first
    use and stays, doing nothing, outside a ``with`` block.
    """
    global _HOOKED
    with _RECORDERS_LOCK:
        if not _HOOKED:
            sys.addaudithook(_audit)
            _HOOKED = True
    access = Access()
    _RECORDERS.append(access)
    try:
        yield access
    finally:
        _RECORDERS.remove(access)
