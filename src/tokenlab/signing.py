"""Sign HTTP requests with HMAC-SHA256 and verify them, as RFC 9421 (HTTP Message Signatures) defines it.

A bearer token works for whoever holds it, on any request, until it expires. A request signature binds
one request: the secret never travels, the MAC covers the method, host, path, query, chosen headers and a
digest of the body, so changing any of them breaks it, and a timestamp and a nonce stop it from being
sent twice.

tokenlab follows RFC 9421: ``Signature-Input`` lists the covered components with the parameters
``created``, ``keyid``, ``nonce`` and ``alg="hmac-sha256"`` (§2.3, §4.1), ``Signature`` carries the MAC
(§4.2), both Dictionary Structured Fields (RFC 9651 §3.2); the MAC is HMAC-SHA256 (§3.3.3) over RFC 9421's
*signature base* (§2.5), built by :mod:`tokenlab.signature_base`, whose ``@query`` is the query exactly as
sent (§2.2.7). The body is covered by its SHA-256 in an RFC 9530 ``Content-Digest`` field.

RFC 9421 lets a signature use other algorithms too (RSA-PSS, RSA PKCS #1 v1.5, ECDSA, Ed25519: §3.3);
tokenlab's verifier chooses to accept ``hmac-sha256`` only, because its API's clients share a secret with it.
Which components must be covered, the ±300 s window around ``created``, and the nonce cache are the
verifier's policy too: RFC 9421 leaves them to the application (§3.2.1, §7.2.2).

The verifier checks, in order: the fields are there and parse, they cover what the API requires, the
``keyid`` is one of its own keys, ``created`` is within ±300 s, the MAC matches, the body matches its digest,
and the nonce is new. Each failure raises its own :class:`~tokenlab.errors.SignatureRejectedError`; every
comparison of a MAC or a digest is :func:`hmac.compare_digest`.

>>> from tokenlab.clock import Clock
>>> secret = b"a-demo-secret-of-at-least-32-bytes"
>>> added = sign_request("GET", "http://api.example/orders?status=open&limit=2", {}, b"",
...                      key_id="shop", secret=secret, clock=Clock.frozen(), nonce="n-0001")
>>> print(added["Signature-Input"])
sig1=("@method" "@authority" "@path" "@query" "content-digest");created=1767603600;keyid="shop";nonce="n-0001";alg="hmac-sha256"
>>> verifier = SignedRequestVerifier({"shop": secret}, clock=Clock.frozen())
>>> verifier.verify("GET", "http://api.example/orders?limit=2&status=open", added, b"")
Traceback (most recent call last):
...
tokenlab.errors.SignatureMismatchError: The MAC does not match this request's signature base under the key 'shop'. ...
>>> verifier.verify("GET", "http://api.example/orders?status=open&limit=2", added, b"").keyid
'shop'
>>> verifier.verify("GET", "http://api.example/orders?status=open&limit=2", added, b"")
Traceback (most recent call last):
...
tokenlab.errors.ReplayedNonceError: The nonce 'n-0001' of key 'shop' was already used. ...
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import requests

from tokenlab.clock import Clock
from tokenlab.errors import (
    DigestMismatchError,
    MalformedSignatureError,
    MissingSignatureError,
    ReplayedNonceError,
    SignatureMismatchError,
    StaleRequestError,
    UnknownSigningKeyError,
    UsageError,
)
from tokenlab.signature_base import (
    ALGORITHM,
    SignatureInput,
    build_base,
    canonical_query,
    canonical_request,
    content_digest,
    diff_bytes,
    field_map,
    parse_signature_dictionary,
    show_base,
)
from tokenlab.structured_fields import Item

__all__ = [
    "ALGORITHM",
    "DEFAULT_COMPONENTS",
    "WINDOW",
    "HMACAuth",
    "SignatureInput",
    "SignedRequestVerifier",
    "VerifiedRequest",
    "canonical_query",
    "canonical_request",
    "content_digest",
    "default_components",
    "diff_bytes",
    "show_base",
    "sign_request",
]

DEFAULT_COMPONENTS = ("@method", "@authority", "@path", "@query", "content-digest")
"""What a signature covers unless told otherwise, plus ``content-type`` whenever the request has one."""

WINDOW = 300
"""Seconds a signature is accepted before or after its ``created`` time (clock skew plus transit)."""

MIN_SECRET_BYTES = 32  # RFC 2104 §3 "strongly discouraged" keys shorter than the hash output; tokenlab refuses them
_MAX_PARAM_CHARS = 256
_SYSTEM_CLOCK = Clock.system()


# --- signing -------------------------------------------------------------------


def _secret_bytes(secret: bytes | str) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if len(key) < MIN_SECRET_BYTES:
        raise UsageError(
            f"this HMAC-SHA256 secret has {len(key)} bytes; tokenlab chooses to refuse any shorter than "
            f"{MIN_SECRET_BYTES} bytes, the hash's output, because RFC 2104 §3 strongly discourages such keys "
            "as weaker: make one with secrets.token_urlsafe(32)"
        )
    return key


def default_components(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """:data:`DEFAULT_COMPONENTS`, plus ``content-type`` if the request has one (it says how to read the body)."""
    return DEFAULT_COMPONENTS + (("content-type",) if "content-type" in field_map(headers) else ())


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    *,
    key_id: str,
    secret: bytes | str,
    clock: Clock | None = None,
    nonce: str | None = None,
    covered: Iterable[str] | None = None,
    label: str = "sig1",
) -> dict[str, str]:
    """Sign a request; return the header fields to add: ``Content-Digest``, ``Signature-Input``, ``Signature``.

    ``created`` is ``clock``'s time (the system clock by default); ``nonce`` should be left out, so that
    128 random bits are drawn from :mod:`secrets` (lessons pass fixed ones to keep their outputs stable).
    The ``url`` is the full URL the request goes to; ``body`` the exact bytes sent.
    """
    key = _secret_bytes(secret)
    fields = field_map(headers or {})
    digest = content_digest(bytes(body))
    fields["content-digest"] = digest
    if covered is None:
        covered = default_components(fields)
    else:
        covered = tuple(covered)
        missing = [name for name in covered if not name.startswith("@") and name not in fields]
        if missing:
            raise UsageError(f"cannot sign {', '.join(missing)}: the request has no such header")
    nonce = secrets.token_urlsafe(16) if nonce is None else nonce
    created = (clock or _SYSTEM_CLOCK).timestamp()
    signature_input = SignatureInput.make(covered, created=created, keyid=key_id, nonce=nonce, label=label)
    base = build_base(method, url, fields, signature_input)
    mac = hmac.digest(key, base, "sha256")  # HMAC-SHA256 (RFC 2104), in one call
    added = {"Signature-Input": signature_input.header(), "Signature": f"{label}=:{base64.b64encode(mac).decode()}:"}
    return {"Content-Digest": digest, **added} if "content-digest" in covered else added


class HMACAuth(requests.auth.AuthBase):
    """Sign every request ``requests`` sends: ``requests.get(url, auth=HMACAuth(key_id, secret))``.

    It signs the prepared request, so the signature covers exactly the URL, headers and body bytes that
    go on the wire. ``nonces`` (lessons only) gives the nonces to use, in order; otherwise each request
    draws a fresh one. A streamed body (a file or generator) cannot be signed before it is read.
    """

    def __init__(
        self,
        key_id: str,
        secret: bytes | str,
        *,
        clock: Clock | None = None,
        nonces: Iterable[str] | None = None,
        covered: Iterable[str] | None = None,
        label: str = "sig1",
    ) -> None:
        if isinstance(nonces, str):
            raise UsageError("nonces is a list of nonces, one per request, not a single string")
        self.key_id = key_id
        self._secret = _secret_bytes(secret)
        self.clock = clock
        self._nonces: Iterator[str] | None = None if nonces is None else iter(nonces)
        self.covered = None if covered is None else tuple(covered)
        self.label = label

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body
        if body is None:
            data = b""
        elif isinstance(body, str):
            try:
                data = body.encode("iso-8859-1")  # what http.client sends for a str body
            except UnicodeEncodeError:
                raise UsageError("this text body cannot be sent as it is: pass bytes (e.g. text.encode())") from None
            request.body = data
        elif isinstance(body, (bytes, bytearray, memoryview)):
            data = bytes(body)
        else:
            raise UsageError("HMACAuth signs bodies it can read first: bytes, str, data= or json=, not a stream")
        nonce = None
        if self._nonces is not None:
            nonce = next(self._nonces, None)
            if nonce is None:
                raise UsageError("HMACAuth has used up the nonces it was given")
        added = sign_request(
            request.method or "GET",
            request.url or "",
            request.headers,
            data,
            key_id=self.key_id,
            secret=self._secret,
            clock=self.clock,
            nonce=nonce,
            covered=self.covered,
            label=self.label,
        )
        request.headers.update(added)
        return request

    def __repr__(self) -> str:
        return f"<HMACAuth key_id={self.key_id!r} secret=••••••>"


# --- verifying ---------------------------------------------------------------------


class VerifiedRequest(NamedTuple):
    """What a verifier checked and accepted: who signed (``keyid``), when, with which nonce, over what."""

    label: str
    keyid: str
    created: int
    nonce: str
    covered: tuple[str, ...]
    base: bytes

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "keyid": self.keyid,
            "alg": ALGORITHM,
            "created": self.created,
            "nonce": self.nonce,
            "covered": list(self.covered),
        }


class SignedRequestVerifier:
    """Checks signed requests against a fixed set of HMAC secrets, with a time window and a nonce cache.

    ``keys`` maps each ``keyid`` to its secret: a plain lookup, never a file name or URL. A signature must
    cover the ``required`` components, and ``content-type`` whenever the request has one; it is accepted
    within ``window`` seconds either side of its ``created`` time on ``clock``. Each nonce is
    remembered until a request carrying it would be stale anyway; at most ``max_nonces`` are kept, and if
    that many arrive within one window the oldest is forgotten and every request created at or before it
    is refused as stale, so memory stays bounded without ever letting a replay through. Thread-safe.

    Every comparison of a MAC or digest uses :func:`hmac.compare_digest`.
    """

    def __init__(
        self,
        keys: Mapping[str, bytes | str],
        *,
        clock: Clock | None = None,
        window: int = WINDOW,
        required: Iterable[str] = DEFAULT_COMPONENTS,
        label: str | None = None,
        max_nonces: int = 100_000,
    ) -> None:
        if not 0 < window <= 3600:
            raise UsageError("window is a number of seconds between 1 and 3600 (a few minutes is usual)")
        self._keys = {str(key_id): _secret_bytes(secret) for key_id, secret in keys.items()}
        self.clock = clock or _SYSTEM_CLOCK
        self.window = window
        self.required = tuple(required)
        self.label = label
        self.max_nonces = max_nonces
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], int] = {}
        self._queue: list[tuple[int, tuple[str, str]]] = []  # (created, (keyid, nonce)), oldest first
        self._floor: int | None = None  # requests created at or before this are refused: their nonces may be gone

    def verify(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        body: bytes = b"",
    ) -> VerifiedRequest:
        """Accept the request or raise the :class:`~tokenlab.errors.SignatureRejectedError` that says why.

        ``url`` is the full URL as the request arrived (scheme, ``Host``, raw path and query), ``body``
        the bytes received. The checks run in this order: the fields are there and parse, they cover
        what this API requires, the key is known, the time is inside the window, the MAC matches the
        signature base, the body matches its digest, the nonce is new (so a refused request never burns one).
        """
        fields = field_map(headers)
        if "signature-input" not in fields or "signature" not in fields:
            absent = [name for name in ("Signature-Input", "Signature") if name.lower() not in fields]
            raise MissingSignatureError(
                f"The request has no {' and no '.join(absent)} field: it is not signed.",
                component=absent[0].lower(),
            )
        signature_input = SignatureInput.parse(fields["signature-input"], self.label)
        label = signature_input.label
        signatures = parse_signature_dictionary(fields["signature"], "Signature")
        given = signatures.get(label)
        if not isinstance(given, Item) or not isinstance(given.value, bytes):
            raise MalformedSignatureError(
                f"Signature has no byte sequence labelled {label!r} (RFC 9421 §4.2).", component="signature"
            )
        created, keyid, nonce = self._parameters(signature_input)
        covered = signature_input.covered
        uncovered = [name for name in self.required if name not in covered]
        if not uncovered and "content-type" in fields and "content-type" not in covered:
            uncovered = ["content-type"]
        if uncovered:
            raise MissingSignatureError(
                f"The signature does not cover {uncovered[0]}, which this API requires.", component=uncovered[0]
            )
        key = self._keys.get(keyid)
        if key is None:
            raise UnknownSigningKeyError(f"No key has the keyid {keyid!r}.", component="keyid")
        now = self.clock.timestamp()
        if abs(now - created) > self.window:
            when = "before" if created < now else "after"
            raise StaleRequestError(
                f"The signature was created {abs(now - created)} s {when} now; this API accepts {self.window} s "
                "either way.",
                component="created",
            )
        expires = signature_input.param("expires")
        if isinstance(expires, int) and not isinstance(expires, bool) and expires <= now:
            raise StaleRequestError(f"The signature expired {now - expires} s ago.", component="expires")
        base = build_base(method, url, fields, signature_input)
        expected = hmac.digest(key, base, "sha256")
        if not hmac.compare_digest(expected, given.value):
            raise SignatureMismatchError(
                "The MAC does not match this request's signature base under the key " + repr(keyid) + ".",
                component="signature",
            )
        if "content-digest" in signature_input.covered:
            _check_digest(fields["content-digest"], body)
        self._remember(keyid, nonce, created, now)
        return VerifiedRequest(label, keyid, created, nonce, signature_input.covered, base)

    def _parameters(self, signature_input: SignatureInput) -> tuple[int, str, str]:
        created, keyid, nonce = signature_input.created, signature_input.keyid, signature_input.nonce
        alg = signature_input.param("alg")
        if not isinstance(created, int) or isinstance(created, bool):
            raise MalformedSignatureError("The signature needs created=<integer seconds>.", component="created")
        for name, value in (("keyid", keyid), ("nonce", nonce)):
            if type(value) is not str or not 0 < len(value) <= _MAX_PARAM_CHARS:
                raise MalformedSignatureError(
                    f'The signature needs {name}="…", a string of 1 to {_MAX_PARAM_CHARS} characters.',
                    component=name,
                )
        if alg is not None and alg != ALGORITHM:
            raise MalformedSignatureError(
                f"This API accepts alg {ALGORITHM!r} only, not {alg!r}: the verifier, not the signature, decides "
                "which key and algorithm are appropriate (RFC 9421 §7.3.4).",
                component="alg",
            )
        return created, keyid, nonce

    def _remember(self, keyid: str, nonce: str, created: int, now: int) -> None:
        entry = (keyid, nonce)
        with self._lock:
            while self._queue and self._queue[0][0] < now - self.window:  # stale anyway: forget
                self._seen.pop(heapq.heappop(self._queue)[1], None)
            if entry in self._seen:
                raise ReplayedNonceError(f"The nonce {nonce!r} of key {keyid!r} was already used.", component="nonce")
            if len(self._seen) >= self.max_nonces:
                oldest, gone = heapq.heappop(self._queue)
                del self._seen[gone]
                self._floor = oldest if self._floor is None else max(self._floor, oldest)
            if self._floor is not None and created <= self._floor:
                raise StaleRequestError(
                    "The nonce cache is full, so requests created at or before "
                    f"{self._floor} can no longer be told apart from replays.",
                    component="created",
                )
            self._seen[entry] = created
            heapq.heappush(self._queue, (created, entry))


def _check_digest(field_value: str, body: bytes) -> None:
    """RFC 9530 §2: every digest given in an algorithm we know must match the body; at least one must be given."""
    if hmac.compare_digest(field_value.encode(), content_digest(body).encode()):
        return  # exactly the field a signer writes for this body: nothing else to read
    members = parse_signature_dictionary(field_value, "Content-Digest")
    known = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
    checked = 0
    for name, member in members.items():
        if name not in known:
            continue
        if not isinstance(member, Item) or not isinstance(member.value, bytes):
            raise MalformedSignatureError(f"Content-Digest {name} must be a byte sequence.", component="content-digest")
        if not hmac.compare_digest(known[name](body).digest(), member.value):
            raise DigestMismatchError(
                f"The body's {name} digest differs from the Content-Digest the signature covers.",
                component="content-digest",
            )
        checked += 1
    if not checked:
        raise MalformedSignatureError("Content-Digest has no sha-256 or sha-512 digest.", component="content-digest")
