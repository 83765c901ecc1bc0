"""API keys: created by a client, shown once, stored as a hash, scoped, expiring, rotated, revoked.

The key format is :mod:`tokenlab.apikeys` (``tl_live_`` + 32 random base62 + a
CRC32 checksum). These endpoints manage keys and let them call a demo API.

**Who manages keys.** A confidential client, authenticating exactly as at the
token endpoint (HTTP Basic or ``client_secret`` in the body, RFC 6749 §2.3.1),
owns the keys it creates and sees and changes only those. A public client has
no secret to prove itself with, so it cannot own keys (401 ``invalid_client``).
(A personal access token, in GitHub's sense, is the same mechanism owned by a
person, created in a web page after a fresh login; this provider has no such
page, so here the owner is always a client.) A key gets at most the scopes its
client is registered for (RFC 6749 §3.3), and asking for none is refused: a
key's scopes are chosen, never inherited by default (least privilege).

::

    POST /keys                      create: scope (required), name, expires_in (s), kind (live|test)
                                    → 201 {"key": "tl_live_…", "key_id": …, "expires_at": …}: the ONLY time the key is sent
    GET  /keys                      list: id, name, hint (tl_live_…rREr), scopes, times, status; never a key
    GET  /keys/<key_id>             one key's record
    POST /keys/<key_id>/rotate      a new key with the same name and scopes; the old one keeps working
                                    for ``overlap`` seconds (default 1 day, 0 = stop now) → 201 with the new key
    POST /keys/<key_id>/revoke      the key stops working at once → 200 with its record
    GET|POST /key-api/<name>        the demo APIs of ``ProviderConfig.resources`` (``/api/<name>``), for API keys

Another client's key id is answered like an unknown one (404): ids are not
secrets, but nobody learns which exist. Answers that carry a key are
``Cache-Control: no-store`` (as token responses, RFC 6749 §5.1).

**Storage.** The provider keeps the SHA-256 of each key, never the key: a
stolen copy of the store opens nothing. A fast hash is enough because the key
has 190 random bits (see :func:`tokenlab.apikeys.hash_api_key`: OWASP's slow
password hashes defend *guessable* secrets; NIST SP 800-63B §5.1.2.2 lets look-up
secrets of ≥ 112 bits be stored with a plain approved hash).

**Using a key** (``/key-api/…``): ``Authorization: Bearer <key>``. An API key is
a bearer credential, whoever holds it can use it, and RFC 6750's header is
the one that proxies, log filters and HTTP libraries already treat as secret;
GitHub and Stripe accept their keys the same way. A custom ``X-API-Key`` header
is refused with a hint, and a key in the URL is refused outright (it would be
logged: RFC 6750 §2.3, §5.3). The API checks, in this order:

1. the format and checksum (:func:`tokenlab.apikeys.parse_api_key`): a typo or
   a random look-alike is refused with 401 ``invalid_token`` **before any
   lookup**, so noise costs no database work (``Store.api_keys.lookups`` counts
   the lookups);
2. one lookup by SHA-256, then a constant-time comparison of the stored and
   computed hashes (``hmac.compare_digest``). Timing could at most reveal bits
   of a hash, which do not help anyone find a key whose hash it is;
3. revoked, expired → 401 ``invalid_token``; a missing scope → 403
   ``insufficient_scope`` (RFC 6750 §3.1); then ``last_used_at`` is updated,
   which is how an owner knows which keys are still needed.

::

    GET /key-api/reports HTTP/1.1
    Authorization: Bearer tl_live_au1xiWY6iUIiETtBxcTkXCFRhs5avtZu0XrREr

    HTTP/1.1 200 OK
    {"resource":"GET /key-api/reports","allowed_by_scope":"reports:read","key_id":"key_…","owner":"reporting-service"}
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from tokenlab import apikeys
from tokenlab.clock import format_utc
from tokenlab.errors import (
    ApiKeyFormatError,
    BearerError,
    BearerRequestError,
    InsufficientScopeError,
    InvalidAccessTokenError,
    InvalidClientError,
    InvalidRequestError,
    NoTokenError,
)
from tokenlab.provider.bearer import bearer_error_response
from tokenlab.provider.http import authenticate_client, form_params, json_response
from tokenlab.provider.resource import find_resource
from tokenlab.provider.scopes import require_allowed_scope
from tokenlab.provider.store import ApiKeyRecord

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp
    from tokenlab.provider.config import ClientConfig

__all__ = [
    "DEFAULT_LIFETIME",
    "DEFAULT_OVERLAP",
    "MAX_LIFETIME",
    "MAX_OVERLAP",
    "key_api_endpoint",
    "key_endpoint",
    "keys_endpoint",
    "require_valid_api_key",
    "revoke_key_endpoint",
    "rotate_key_endpoint",
]

DEFAULT_LIFETIME = 90 * 24 * 3600  # a key nobody remembers creating should not outlive the project
MAX_LIFETIME = 366 * 24 * 3600  # keys always expire: GitHub's fine-grained tokens allow at most a year
DEFAULT_OVERLAP = 24 * 3600  # time to deploy the new key everywhere before the old one stops working
MAX_OVERLAP = 30 * 24 * 3600
_KINDS = ("live", "test")  # "pat" keys act as a person; this provider's keys belong to clients
_URL_KEY_PARAMS = ("api_key", "apikey", "key", "access_token", "token")


def _not_found(key_id: str) -> Response:
    return json_response({"error": "not_found", "error_description": f"You have no key {key_id}."}, 404, no_store=True)


def _owner(app: ProviderApp, request: Request, params: dict[str, str]) -> ClientConfig:
    client = authenticate_client(app.config, request, params)
    if client.public:
        raise InvalidClientError(
            f"{client.client_id} is a public client: it cannot prove who it is, so it cannot own API keys."
        )
    return client


def _int_param(params: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    text = params.get(name, "")
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise InvalidRequestError(f"{name} is a whole number of seconds from {low} to {high}, not {text[:20]!r}.")
    return int(text)


def _random_bytes(app: ProviderApp) -> Callable[[int], bytes]:
    """The store's random source as bytes: the OS's CSPRNG, or the lesson's seed (``Store.secret``)."""

    def random_bytes(count: int) -> bytes:
        text = app.store.secret(count)
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    return random_bytes


def _new_record(
    app: ProviderApp, key: str, owner: str, name: str, kind: str, scope: str, now: int, lifetime: int
) -> ApiKeyRecord:
    return ApiKeyRecord(
        key_id="key_" + apikeys.random_base62(8, _random_bytes(app)),  # public, so 47 random bits are plenty
        owner=owner,
        name=name,
        kind=kind,
        hint=apikeys.redact_api_key(key),
        scope=scope,
        created_at=now,
        expires_at=now + lifetime,
        digest=apikeys.hash_api_key(key),
    )


def _status(record: ApiKeyRecord, now: int) -> str:
    if record.revoked_at is not None:
        return "revoked"
    return "expired" if now >= record.expires_at else "active"


def _describe(record: ApiKeyRecord, now: int) -> dict[str, Any]:
    """What anyone may see of a key: everything but the key."""
    return {
        "key_id": record.key_id,
        "name": record.name,
        "kind": record.kind,
        "hint": record.hint,
        "scope": record.scope,
        "status": _status(record, now),
        "created_at": record.created_at,
        "expires_at": record.expires_at,
        "last_used_at": record.last_used_at,
        "revoked_at": record.revoked_at,
        "replaced_by": record.replaced_by,
        "replaces": record.replaces,
    }


def _shown_once(key: str, record: ApiKeyRecord, now: int) -> dict[str, Any]:
    return {
        "key": key,
        **_describe(record, now),
        "warning": "This is the only time the key is shown: the provider keeps only its SHA-256. Store it now.",
    }


# --- managing keys -------------------------------------------------------------


def keys_endpoint(app: ProviderApp, request: Request) -> Response:
    """``GET /keys`` lists the caller's keys; ``POST /keys`` creates one and shows it once."""
    params = form_params(request) if request.method == "POST" else {}
    client = _owner(app, request, params)
    now = app.clock.timestamp()
    if request.method == "GET":
        keys = [_describe(record, now) for record in app.store.api_keys.owned_by(client.client_id)]
        return json_response({"keys": keys}, no_store=True)
    if not params.get("scope"):
        raise InvalidRequestError(
            f"Name the scopes this key needs (least privilege); {client.client_id} may give it some of: {client.scope}."
        )
    scope = require_allowed_scope(params["scope"], client.scope, what=client.client_id)
    kind = params.get("kind") or "live"
    if kind not in _KINDS:
        raise InvalidRequestError(f"kind is live or test, not {kind[:20]!r}.")
    name = params.get("name", "")
    if len(name) > 60 or not name.isprintable():
        raise InvalidRequestError("name is at most 60 printable characters.")
    lifetime = _int_param(params, "expires_in", DEFAULT_LIFETIME, 60, MAX_LIFETIME)
    key = apikeys.new_api_key(kind, random_bytes=_random_bytes(app))
    record = _new_record(app, key, client.client_id, name, kind, scope, now, lifetime)
    app.store.api_keys.add(record)
    return json_response(_shown_once(key, record, now), 201, no_store=True)


def key_endpoint(app: ProviderApp, request: Request, key_id: str) -> Response:
    """``GET /keys/<key_id>``: one of the caller's keys, without the key."""
    client = _owner(app, request, {})
    record = app.store.api_keys.owned(client.client_id, key_id)
    if record is None:
        return _not_found(key_id)
    return json_response(_describe(record, app.clock.timestamp()), no_store=True)


def revoke_key_endpoint(app: ProviderApp, request: Request, key_id: str) -> Response:
    """``POST /keys/<key_id>/revoke``: the key stops working now; revoking it again changes nothing."""
    client = _owner(app, request, form_params(request))
    now = app.clock.timestamp()
    record = app.store.api_keys.revoke(client.client_id, key_id, now)
    if record is None:
        return _not_found(key_id)
    return json_response(_describe(record, now), no_store=True)


def rotate_key_endpoint(app: ProviderApp, request: Request, key_id: str) -> Response:
    """``POST /keys/<key_id>/rotate``: a successor now; the old key works ``overlap`` seconds more, at most."""
    params = form_params(request)
    client = _owner(app, request, params)
    now = app.clock.timestamp()
    overlap = _int_param(params, "overlap", DEFAULT_OVERLAP, 0, MAX_OVERLAP)
    old = app.store.api_keys.owned(client.client_id, key_id)
    if old is None:
        return _not_found(key_id)
    key = apikeys.new_api_key(old.kind, random_bytes=_random_bytes(app))
    successor = _new_record(
        app, key, client.client_id, old.name, old.kind, old.scope, now, old.expires_at - old.created_at
    )
    successor.replaces = key_id
    outcome, old = app.store.api_keys.rotate(client.client_id, key_id, successor, now + overlap, now)
    if outcome == "unknown" or old is None:
        return _not_found(key_id)
    if outcome == "not_live":
        raise InvalidRequestError(f"{key_id} is {_status(old, now)}: create a new key instead of rotating it.")
    if outcome == "already_rotated":
        raise InvalidRequestError(f"{key_id} was already rotated to {old.replaced_by}; rotate that key instead.")
    body = _shown_once(key, successor, now)
    body["old_key_expires_at"] = old.expires_at
    return json_response(body, 201, no_store=True)


# --- using a key ------------------------------------------------------------------


def _presented_key(request: Request) -> str:
    """The key of ``Authorization: Bearer <key>``; keys in URLs and other headers are refused with a reason."""
    if any(name in request.args for name in _URL_KEY_PARAMS):
        raise BearerRequestError(
            "tokenlab's API chooses to refuse keys in the URL, because URLs end up in logs and browser history "
            "(the reason RFC 6750 section 5.3 gives for bearer tokens). Send 'Authorization: Bearer <key>'."
        )
    scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        where = " (not X-API-Key)" if "X-API-Key" in request.headers else ""
        raise NoTokenError(f"This API needs an API key: send it as 'Authorization: Bearer <key>'{where}.")
    credentials = credentials.strip()
    if not credentials or any(ch.isspace() for ch in credentials):
        raise BearerRequestError("The Authorization header is not 'Bearer <key>' with one key (RFC 6750 section 2.1).")
    return credentials


def require_valid_api_key(app: ProviderApp, key: str) -> ApiKeyRecord:
    """The record of a live key, or :class:`~tokenlab.errors.InvalidAccessTokenError` raised, saying why not.

    The checksum is checked first, so a typo or a look-alike never reaches the store.
    """
    try:
        apikeys.parse_api_key(key)
    except ApiKeyFormatError as err:
        reason = str(err)
        raise InvalidAccessTokenError(f"This is not a valid API key: {reason[:1].lower()}{reason[1:]}") from None
    key_digest = apikeys.hash_api_key(key)
    record = app.store.api_keys.by_digest(key_digest)
    if record is None or not hmac.compare_digest(record.digest, key_digest):
        raise InvalidAccessTokenError("This API key is unknown here: this provider never issued it.")
    if record.revoked_at is not None:
        raise InvalidAccessTokenError(f"This API key was revoked at {format_utc(record.revoked_at)}.")
    if app.clock.timestamp() >= record.expires_at:
        raise InvalidAccessTokenError(f"This API key expired at {format_utc(record.expires_at)}.")
    return record


def key_api_endpoint(app: ProviderApp, request: Request, name: str) -> Response:
    """``/key-api/<name>``: the demo API at ``/api/<name>``, for API keys, needing the same scope."""
    path, method = "/api/" + name, "GET" if request.method == "HEAD" else request.method
    resource = find_resource(app, path, method, shown=f"/key-api/{name}")
    if isinstance(resource, Response):
        return resource
    try:
        record = require_valid_api_key(app, _presented_key(request))
        if resource.scope not in record.scope.split():
            raise InsufficientScopeError(
                f"This needs the scope {resource.scope}; the key has {record.scope} (RFC 6750 section 3.1).",
                scope=resource.scope,
            )
    except BearerError as err:
        return bearer_error_response(err)
    now = app.clock.timestamp()
    app.store.api_keys.touch(record.key_id, now)
    body: dict[str, Any] = {
        "resource": f"{method} /key-api/{name}",
        "allowed_by_scope": resource.scope,
        "key_id": record.key_id,
        "owner": record.owner,
    }
    if record.replaced_by is not None:
        body["notice"] = (
            f"This key was replaced by {record.replaced_by} and stops working at {format_utc(record.expires_at)}."
        )
    return json_response(body, 201 if method == "POST" else 200)
