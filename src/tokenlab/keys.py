"""Signing keys: the fixed demo keys, fresh keys, JWK/JWKS export and key sets.

Every :class:`Key` is pinned to exactly one algorithm (RFC 8725 §2.1, §3.1):
an RSA key verifies RS256 and nothing else, so a token whose header says
HS256 can never turn the RSA *public* key into an HMAC secret (algorithm
confusion, CVE-2022-29217). Keys are parsed once, when the :class:`Key` is
made; signing and verifying reuse the parsed object.

The demo keys are public on purpose (``demo_keys/README.md``): they make the
course's tokens byte-identical from run to run. ES256 signatures are normally
randomised (RFC 7518 §3.4); tokenlab signs them with deterministic nonces
(RFC 6979), which verify exactly like any other ES256 signature.

>>> key = demo_key("RS256")
>>> key.alg, key.kid
('RS256', 'rs256-...')
>>> sorted(key.public_jwk())
['alg', 'e', 'kid', 'kty', 'n', 'use']
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from jwt import PyJWK
from jwt.algorithms import ECAlgorithm, get_default_algorithms
from jwt.exceptions import PyJWTError

from tokenlab.errors import InvalidKeyError, UsageError

__all__ = [
    "DEMO_ALGORITHMS",
    "Key",
    "KeySet",
    "as_key",
    "demo_key",
    "demo_key_set",
    "generate_key",
    "min_hmac_key_bytes",
]

DEMO_ALGORITHMS = ("HS256", "RS256", "ES256", "EdDSA")
"""The algorithms the course teaches, one demo key each."""

_HMAC = ("HS256", "HS384", "HS512")
_RSA = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
_EC_BY_CURVE = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
_DEMO_FILES = {"HS256": "hs256.key", "RS256": "rs256.pem", "ES256": "es256.pem", "EdDSA": "eddsa.pem"}
_NEXT_DEMO_FILES = {alg: name.replace(".", "-next.") for alg, name in _DEMO_FILES.items()}  # demo_key(generation=2)


class _DeterministicECAlgorithm(ECAlgorithm):
    """PyJWT's ECDSA with RFC 6979 nonces, so a frozen clock gives identical tokens."""

    def sign(self, msg: bytes, key: Any) -> bytes:
        der = key.sign(msg, ec.ECDSA(self.hash_alg(), deterministic_signing=True))
        r, s = decode_dss_signature(der)
        size = (key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")


_ALGORITHMS = get_default_algorithms()
_SIGNERS = {
    **_ALGORITHMS,
    "ES256": _DeterministicECAlgorithm(ECAlgorithm.SHA256),
    "ES384": _DeterministicECAlgorithm(ECAlgorithm.SHA384),
    "ES512": _DeterministicECAlgorithm(ECAlgorithm.SHA512),
}


def min_hmac_key_bytes(alg: str) -> int:
    """The shortest HMAC secret RFC 7518 §3.2 allows: as long as the hash output."""
    return {"HS256": 32, "HS384": 48, "HS512": 64}[alg]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, eq=False)
class Key:
    """One key, pinned to one algorithm, with a stable ``kid``.

    ``signing`` is the private key (or the HMAC secret) or ``None`` for a
    public key; ``verifying`` is what checks signatures (the public key, or the
    same secret). Both are parsed objects, ready for PyJWT's algorithms.
    """

    alg: str
    kid: str
    verifying: Any = field(repr=False)
    signing: Any = field(default=None, repr=False)

    @property
    def symmetric(self) -> bool:
        """True for HMAC keys: whoever can verify can also sign."""
        return self.alg in _HMAC

    @property
    def can_sign(self) -> bool:
        return self.signing is not None

    def jwk(self, *, private: bool = False) -> dict[str, Any]:
        """The key as a JWK (RFC 7517), with ``kid``, ``alg`` and ``use``.

        A symmetric key *is* its secret, so it is only exported with
        ``private=True``.
        """
        if self.symmetric and not private:
            raise InvalidKeyError(
                f"{self.kid} is an HMAC secret: it has no public half, and publishing it "
                "would let anyone sign tokens. Pass private=True if you really mean it."
            )
        material = self.signing if private else self.verifying
        if private and material is None:
            raise InvalidKeyError(f"{self.kid} is a public key: there is no private part to export")
        data = _ALGORITHMS[self.alg].to_jwk(material, as_dict=True)
        data.pop("key_ops", None)  # RFC 7517 §4.3: "use" and "key_ops" SHOULD NOT be used together
        return {**data, "kid": self.kid, "alg": self.alg, "use": "sig"}

    def public_jwk(self) -> dict[str, Any]:
        """The public JWK, safe to publish in a JWKS."""
        return self.jwk(private=False)

    def public_pem(self) -> str:
        """The public key in PEM (SubjectPublicKeyInfo) form."""
        if self.symmetric:
            raise InvalidKeyError(f"{self.kid} is an HMAC secret: it has no public key")
        return self.verifying.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def public(self) -> Key:
        """The same key without its private part (what a verifier holds)."""
        if self.symmetric:
            return self
        return Key(self.alg, self.kid, self.verifying)

    def sign_bytes(self, message: bytes) -> bytes:
        """The raw JWS signature of ``message`` (RFC 7515 §5.1 step 5)."""
        if self.signing is None:
            raise InvalidKeyError(f"{self.kid} is a public key: it can verify but not sign")
        return _SIGNERS[self.alg].sign(message, self.signing)

    def verify_bytes(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's signature over ``message``."""
        return _ALGORITHMS[self.alg].verify(message, self.verifying, signature)


def _thumbprint(jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 JWK thumbprint: SHA-256 over the required members, sorted."""
    required = {
        "RSA": ("e", "kty", "n"),
        "EC": ("crv", "kty", "x", "y"),
        "OKP": ("crv", "kty", "x"),
        "oct": ("k", "kty"),
    }
    members = {name: jwk[name] for name in required[jwk["kty"]]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return _b64url(hashlib.sha256(canonical).digest())


def _default_alg(material: Any) -> str:
    if isinstance(material, bytes):
        return "HS256"
    if isinstance(material, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return "RS256"
    if isinstance(material, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        try:
            return _EC_BY_CURVE[material.curve.name]
        except KeyError:
            raise InvalidKeyError(
                f"the elliptic curve {material.curve.name} has no JWS algorithm tokenlab supports"
            ) from None
    if isinstance(
        material,
        (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey, ed448.Ed448PrivateKey, ed448.Ed448PublicKey),
    ):
        return "EdDSA"
    raise InvalidKeyError(f"a {type(material).__name__} is not a key tokenlab can use")


def _fits(alg: str, material: Any) -> bool:
    """Whether ``alg`` can be used with this kind of key material at all."""
    default = _default_alg(material)
    if default == "HS256":
        return alg in _HMAC
    if default == "RS256":
        return alg in _RSA
    return alg == default


def _make_key(material: Any, alg: str | None, kid: str | None) -> Key:
    alg = alg or _default_alg(material)
    if alg not in _ALGORITHMS or alg == "none":
        raise InvalidKeyError(f"{alg!r} is not a signing algorithm tokenlab supports")
    if not _fits(alg, material):
        raise InvalidKeyError(
            f"a {_describe(material)} cannot be used with {alg}: each key serves exactly one "
            "algorithm family (RFC 8725 §3.1)"
        )
    if isinstance(material, bytes):
        try:
            _ALGORITHMS[alg].prepare_key(material)  # refuses PEM, SSH, DER and JWK text as secrets
        except PyJWTError as exc:
            raise InvalidKeyError(f"these bytes cannot be an HMAC secret: {exc}") from None
        signing = verifying = material
    elif hasattr(material, "public_key"):
        signing, verifying = material, material.public_key()
    else:
        signing, verifying = None, material
    if kid is None:
        public = _ALGORITHMS[alg].to_jwk(verifying, as_dict=True)
        kid = f"{alg.lower()}-{_thumbprint(public)[:8]}"
    return Key(alg, kid, verifying, signing)


def _describe(material: Any) -> str:
    if isinstance(material, bytes):
        return "shared secret"
    kind = type(material).__name__.lstrip("_")
    return kind.replace("PrivateKey", " private key").replace("PublicKey", " public key")


@functools.lru_cache(maxsize=64)
def _parse_text(text: bytes) -> tuple[Any, dict[str, Any] | None]:
    """Parse a PEM, SSH, DER or JWK text once; remember the result for the same bytes."""
    stripped = text.strip()
    if stripped.startswith(b"{"):
        try:
            return None, json.loads(stripped)
        except ValueError:
            raise InvalidKeyError("this text starts like a JWK but is not valid JSON") from None
    if stripped.startswith(b"-----BEGIN"):
        for loader in (
            lambda d: serialization.load_pem_private_key(d, password=None),
            serialization.load_pem_public_key,
            _load_pem_certificate_key,
        ):
            try:
                return loader(stripped), None
            except (ValueError, TypeError):
                continue
        raise InvalidKeyError("this PEM text is not an unencrypted private key, a public key or a certificate")
    if stripped.startswith((b"ssh-", b"ecdsa-sha2-")):
        try:
            return serialization.load_ssh_public_key(stripped), None
        except (ValueError, TypeError):
            raise InvalidKeyError("this looks like an SSH public key but could not be read") from None
    try:
        return serialization.load_der_public_key(text), None
    except (ValueError, TypeError):
        pass
    return text, None


def _load_pem_certificate_key(data: bytes) -> Any:
    from cryptography import x509

    return x509.load_pem_x509_certificate(data).public_key()


def _key_from_jwk(jwk: Mapping[str, Any], alg: str | None) -> Key:
    if "keys" in jwk:
        raise InvalidKeyError("this is a JWK Set, not one key: use KeySet.from_jwks(...)")
    try:
        parsed = PyJWK(dict(jwk), algorithm=alg or jwk.get("alg"))
    except (PyJWTError, ValueError, TypeError, KeyError) as exc:  # PyJWTError includes PyJWKError
        raise InvalidKeyError(f"this JWK could not be read: {exc}") from None
    material = parsed.key
    if isinstance(material, str):
        material = material.encode()
    return _make_key(material, parsed.algorithm_name, jwk.get("kid"))


def as_key(key: Any, alg: str | None = None, *, kid: str | None = None) -> Key:
    """Make a :class:`Key` from whatever a learner has at hand.

    Accepts a :class:`Key`, a JWK (dict or JSON text), a PEM private key,
    public key or certificate, an SSH public key, DER bytes, a
    ``cryptography`` key object, a :class:`jwt.PyJWK`, or a shared secret
    (``bytes`` or ``str``). ``alg`` pins the algorithm; without it the key's
    natural one is used (HS256, RS256, ES256 on P-256, EdDSA).
    """
    if isinstance(key, Key):
        if alg is not None and alg != key.alg:
            raise InvalidKeyError(f"{key.kid} is pinned to {key.alg}, not {alg}")
        return key
    if isinstance(key, PyJWK):
        material = key.key.encode() if isinstance(key.key, str) else key.key
        return _make_key(material, alg or key.algorithm_name, kid or key.key_id)
    if isinstance(key, Mapping):
        return _key_from_jwk(key, alg)
    if isinstance(key, str):
        key = key.encode("utf-8")
    if isinstance(key, (bytes, bytearray, memoryview)):
        if not key:
            raise InvalidKeyError("the key is empty")
        material, jwk = _parse_text(bytes(key))
        if jwk is not None:
            return _key_from_jwk(jwk, alg)
        return _make_key(material, alg, kid)
    if key is None:
        raise InvalidKeyError("no key given: verifying a signature needs the key it was signed with")
    return _make_key(key, alg, kid)


_GENERATORS = {
    "HS256": lambda: __import__("secrets").token_bytes(32),
    "HS384": lambda: __import__("secrets").token_bytes(48),
    "HS512": lambda: __import__("secrets").token_bytes(64),
    "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "PS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "ES384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "EdDSA": ed25519.Ed25519PrivateKey.generate,
}


def generate_key(alg: str = "RS256", *, kid: str | None = None) -> Key:
    """A fresh random key for ``alg`` (for key-rotation lessons; not reproducible)."""
    try:
        make = _GENERATORS[alg]
    except KeyError:
        raise UsageError(f"tokenlab can generate keys for {', '.join(_GENERATORS)}, not {alg!r}") from None
    return _make_key(make(), alg, kid)


def demo_key(alg: str = "RS256", *, generation: int = 1) -> Key:
    """The course's fixed demo key for ``alg`` (public on purpose: never use it for real).

    ``generation=2`` is a second fixed key for the same algorithm, the "next" key
    of a reproducible key-rotation lesson (its own ``kid``, RFC 7517 §4.5).
    """
    return _demo_key(alg, generation)  # one cache entry per algorithm and generation, however it is called


@functools.cache
def _demo_key(alg: str, generation: int) -> Key:
    if generation not in (1, 2):
        raise UsageError(f"demo keys come in generations 1 and 2, not {generation!r}")
    try:
        name = (_DEMO_FILES if generation == 1 else _NEXT_DEMO_FILES)[alg]
    except KeyError:
        raise UsageError(f"there are demo keys for {', '.join(DEMO_ALGORITHMS)}, not {alg!r}") from None
    data = resources.files("tokenlab").joinpath("demo_keys", name).read_bytes()
    if alg == "HS256":
        secret = base64.urlsafe_b64decode(data.strip() + b"=" * (-len(data.strip()) % 4))
        return _make_key(secret, alg, None)
    return _make_key(serialization.load_pem_private_key(data, password=None), alg, None)


class KeySet:
    """A verifier's trusted keys, found by ``kid`` with a plain dictionary lookup.

    Nothing in a token's header can add a key to the set, point at a file or
    URL, or make the set fetch anything (RFC 8725 §3.10).
    """

    def __init__(self, keys: Iterable[Key]) -> None:
        self._by_kid: dict[str, Key] = {}
        for key in keys:
            if key.kid in self._by_kid:
                raise InvalidKeyError(f"two keys share the kid {key.kid!r}")
            self._by_kid[key.kid] = key

    @classmethod
    def from_jwks(cls, jwks: Mapping[str, Any] | str | bytes) -> KeySet:
        """Read a JWK Set (RFC 7517 §5). Keys of a type tokenlab cannot use are skipped, as §5 advises."""
        if isinstance(jwks, (str, bytes)):
            try:
                jwks = json.loads(jwks)
            except ValueError:
                raise InvalidKeyError("this JWKS is not valid JSON") from None
        if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
            raise InvalidKeyError('a JWKS is a JSON object with a "keys" list (RFC 7517 §5)')
        keys = []
        for entry in jwks["keys"]:
            if not isinstance(entry, Mapping) or entry.get("use", "sig") != "sig":
                continue
            try:
                keys.append(_key_from_jwk(entry, None))
            except InvalidKeyError:
                continue
        return cls(keys)

    def get(self, kid: Any) -> Key | None:
        """The key with this ``kid``, or ``None``; ``kid`` is never used as anything but a lookup key."""
        if not isinstance(kid, str):
            return None
        return self._by_kid.get(kid)

    def only(self) -> Key | None:
        """The single key of a one-key set (for tokens without a ``kid``)."""
        return next(iter(self._by_kid.values())) if len(self._by_kid) == 1 else None

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The public JWK Set to publish (symmetric keys are never published)."""
        return {"keys": [key.public_jwk() for key in self._by_kid.values() if not key.symmetric]}

    def __iter__(self):
        return iter(self._by_kid.values())

    def __len__(self) -> int:
        return len(self._by_kid)

    def __contains__(self, kid: object) -> bool:
        return kid in self._by_kid

    def __repr__(self) -> str:
        return f"KeySet({', '.join(self._by_kid)})"


def demo_key_set() -> KeySet:
    """The public halves of the asymmetric demo keys, as a provider's JWKS would hold them."""
    return KeySet(demo_key(alg).public() for alg in DEMO_ALGORITHMS if alg != "HS256")
