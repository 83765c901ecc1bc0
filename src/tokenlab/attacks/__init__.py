"""The attack lab of notebook 14: a DELIBERATELY WRONG verifier, and helpers that craft each attack on it.

**For learning, on your own machine only.** Everything here talks to
127.0.0.1 and nothing else: the naive verifier refuses to fetch from any other
host, the attacker's key server listens on the loopback interface, and key
files live in a temporary directory the lab makes.

>>> from tokenlab.attacks import alg_none, naive_verify
>>> naive_verify(alg_none({"sub": "admin"}, alg="nOnE"), key=None)   # accepted: never do this
{'sub': 'admin'}

- :mod:`~tokenlab.attacks.naive` — :func:`naive_verify`, wrong on purpose (its docstring lists how);
- :mod:`~tokenlab.attacks.forge` — one helper per forged token: ``alg: none``, stripped
  signatures, tampered payloads, RS256 → HS256 confusion, ``kid``, ``jwk`` and ``jku`` tricks;
- :mod:`~tokenlab.attacks.dictionary` — guessing a weak HMAC secret from a bundled word list;
- :mod:`~tokenlab.attacks.keyserver` — the attacker's JWKS server on 127.0.0.1;
- :mod:`~tokenlab.attacks.oauth` — replayed tokens, intercepted codes, stolen refresh tokens, and a naive
  authorization server to compare with tokenlab's provider;
- :mod:`~tokenlab.attacks.lab` — the catalogue of verifier attacks and :func:`run_attacks`.

The provider never imports this package, and tokenlab's own verifier is
:func:`tokenlab.verify`; SECURITY.md lists what it must refuse.
"""

from tokenlab.attacks.dictionary import MAX_GUESSES, RULES, CrackResult, base_words, crack_hmac_secret, word_list
from tokenlab.attacks.forge import (
    ACCESS_TOKEN_HEADER,
    ALG_NONE_VARIANTS,
    ATTACKER_KID,
    alg_none,
    algorithm_confusion,
    attacker_key,
    hmac_forge,
    jku_injection,
    jwk_injection,
    key_forge,
    kid_file_injection,
    kid_path_traversal,
    pem_from_jwk,
    strip_signature,
    tamper_payload,
)
from tokenlab.attacks.keyserver import AttackerKeyServer, attacker_key_server
from tokenlab.attacks.lab import (
    FAMILIES,
    LAB_ISSUER,
    WEAK_SECRET,
    Attack,
    Family,
    Outcome,
    Report,
    lab_access_token,
    record_access,
    run_attacks,
    tokenlab_verifier,
    verifier_attacks,
)
from tokenlab.attacks.naive import (
    EXPECTED_AUDIENCE,
    LabSafetyError,
    NaiveVerificationError,
    fetch_jwk,
    forget_checked_signatures,
    lab_directory,
    lab_key_directory,
    naive_verifier_source,
    naive_verify,
    upload,
)
from tokenlab.attacks.oauth import (
    NaiveAuthorizationServer,
    redeem_intercepted_code,
    replay_refresh_token,
    token_for_another_audience,
)

__all__ = [
    "ACCESS_TOKEN_HEADER",
    "ALG_NONE_VARIANTS",
    "ATTACKER_KID",
    "EXPECTED_AUDIENCE",
    "FAMILIES",
    "LAB_ISSUER",
    "MAX_GUESSES",
    "RULES",
    "WEAK_SECRET",
    "Attack",
    "AttackerKeyServer",
    "CrackResult",
    "Family",
    "LabSafetyError",
    "NaiveAuthorizationServer",
    "NaiveVerificationError",
    "Outcome",
    "Report",
    "alg_none",
    "algorithm_confusion",
    "attacker_key",
    "attacker_key_server",
    "base_words",
    "crack_hmac_secret",
    "fetch_jwk",
    "forget_checked_signatures",
    "hmac_forge",
    "jku_injection",
    "jwk_injection",
    "key_forge",
    "kid_file_injection",
    "kid_path_traversal",
    "lab_access_token",
    "lab_directory",
    "lab_key_directory",
    "naive_verifier_source",
    "naive_verify",
    "pem_from_jwk",
    "record_access",
    "redeem_intercepted_code",
    "replay_refresh_token",
    "run_attacks",
    "strip_signature",
    "tamper_payload",
    "token_for_another_audience",
    "tokenlab_verifier",
    "upload",
    "verifier_attacks",
    "word_list",
]
