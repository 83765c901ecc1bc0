"""The provider as a WSGI application: routing, error handling, the signing key and the store.

The signing key: a provider with a ``seed`` (every lesson) signs with the course's fixed demo key, so that its
tokens repeat byte for byte; its private half ships in the package, so those tokens prove nothing, like the seed's
predictable codes. Any other provider (``tokenlab serve``, a bare ``MockProvider()``) signs with a fresh random key
made in this process and kept only in its memory: nobody else can sign a token its JWKS verifies (RFC 8725 §3.5 asks
for keys with enough entropy; a private key anyone can download has none left).

Routing is a Werkzeug ``Map`` whose endpoints are the handler functions
themselves, so every URL can be followed to its code with a grep. Each handler
takes ``(app, request)`` and returns a Response or raises an
:class:`~tokenlab.errors.OAuthError`, which becomes the RFC's JSON error. Any
other exception becomes a bare ``500 server_error``: no stack trace ever
reaches a client (SECURITY.md H3); it is kept on ``app.errors`` instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request

from tokenlab.clock import Clock
from tokenlab.errors import InvalidRequestError, OAuthError, ServerError, UsageError
from tokenlab.keys import Key, KeySet, demo_key, generate_key
from tokenlab.provider import (
    apikeys,
    authorize,
    device,
    discovery,
    introspection,
    jwks,
    logout,
    resource,
    revocation,
    signed_api,
    token,
    userinfo,
)
from tokenlab.provider.config import ProviderConfig
from tokenlab.provider.http import json_response, oauth_error_response
from tokenlab.provider.recorder import Recorder
from tokenlab.provider.store import Store

__all__ = ["KeyEvent", "ProviderApp", "default_signing_key"]

NOSNIFF = ("X-Content-Type-Options", "nosniff")
"""On every response: a browser must believe the Content-Type and never guess another (a JSON error echoing a
parameter is not HTML, whatever it contains). Named by the Fetch standard; no RFC defines it."""

_PROCESS_KEYS: dict[str, Key] = {}
_PROCESS_KEYS_LOCK = threading.Lock()


def default_signing_key(config: ProviderConfig) -> Key:
    """The key a provider signs with when none is given: the public demo key if ``config.seed`` is set (lessons),
    else this process's own random key for ``config.signing_alg``.

    tokenlab's provider chooses one random key per process and algorithm, made on first use and shared by this
    process's unseeded providers, because an RSA key takes 40 to 200 ms to make and a provider must start in a few
    milliseconds; the providers of one process share its memory anyway, and each has its own issuer and store.
    """
    if config.seed is not None:
        return demo_key(config.signing_alg)
    with _PROCESS_KEYS_LOCK:
        key = _PROCESS_KEYS.get(config.signing_alg)
        if key is None:
            key = _PROCESS_KEYS[config.signing_alg] = generate_key(config.signing_alg)
        return key


def _routes() -> list[Rule]:
    return [
        Rule("/.well-known/openid-configuration", endpoint=discovery.metadata_endpoint, methods=["GET"]),
        Rule("/.well-known/oauth-authorization-server", endpoint=discovery.metadata_endpoint, methods=["GET"]),
        Rule("/jwks.json", endpoint=jwks.jwks_endpoint, methods=["GET"]),
        Rule("/authorize", endpoint=authorize.authorization_endpoint, methods=["GET", "POST"]),
        Rule("/token", endpoint=token.token_endpoint, methods=["POST"]),
        Rule("/logout", endpoint=logout.logout_endpoint, methods=["GET", "POST"]),
        Rule("/device_authorization", endpoint=device.device_authorization_endpoint, methods=["POST"]),
        Rule("/device", endpoint=device.verification_endpoint, methods=["GET", "POST"]),
        Rule("/revoke", endpoint=revocation.revocation_endpoint, methods=["POST"]),
        Rule("/introspect", endpoint=introspection.introspection_endpoint, methods=["POST"]),
        Rule("/userinfo", endpoint=userinfo.userinfo_endpoint, methods=["GET", "POST"]),
        Rule("/api/<path:name>", endpoint=resource.resource_endpoint, methods=["GET", "POST"]),
        Rule("/keys", endpoint=apikeys.keys_endpoint, methods=["GET", "POST"]),
        Rule("/keys/<key_id>", endpoint=apikeys.key_endpoint, methods=["GET"]),
        Rule("/keys/<key_id>/rotate", endpoint=apikeys.rotate_key_endpoint, methods=["POST"]),
        Rule("/keys/<key_id>/revoke", endpoint=apikeys.revoke_key_endpoint, methods=["POST"]),
        Rule("/key-api/<path:name>", endpoint=apikeys.key_api_endpoint, methods=["GET", "POST"]),
        Rule("/signed/orders", endpoint=signed_api.signed_orders_endpoint, methods=["GET", "POST"]),
    ]


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Unknown"


@dataclass(frozen=True)
class KeyEvent:
    """A change in the provider's signing keys, for the key-rotation chart: ``signing`` (a key starts signing),
    ``rotated_out`` (it stops signing but stays published) or ``retired`` (it leaves the JWKS)."""

    time: int
    kind: str
    kid: str


class ProviderApp:
    """The state of one provider: configuration, clock, keys, store, recorder, and the WSGI entry point."""

    def __init__(self, config: ProviderConfig, clock: Clock, signing_key: Key | None = None) -> None:
        self.config = config
        self.clock = clock
        self.store = Store(seed=config.seed, now=clock.timestamp)
        self.signing_key = default_signing_key(config) if signing_key is None else signing_key
        self._previous_keys: tuple[Key, ...] = ()  # still published: the overlap window of a rotation
        self._keys_lock = threading.Lock()
        self.key_events: list[KeyEvent] = [
            KeyEvent(clock.timestamp(), "signing", self.signing_key.kid)
        ]  # a request never sees the new key without the old one beside it
        self.issuer = config.issuer or ""
        self.errors: list[BaseException] = []
        self._errors_lock = threading.Lock()
        self.url_map = Map(_routes(), strict_slashes=False)
        self.recorder = Recorder(self._dispatch, clock.timestamp, max_body_bytes=config.max_body_bytes)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        def nosniff(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            # the recorder's own answers (a body over the cap) do not pass _dispatch: they get the header here
            if not any(name.lower() == "x-content-type-options" for name, _ in headers):
                headers = [*headers, NOSNIFF]
            return start_response(status, headers, exc_info)

        return self.recorder(environ, nosniff)

    # --- keys --------------------------------------------------------------

    def key_set(self) -> KeySet:
        """The keys that verify this provider's tokens: the current one and any still in their overlap window.

        A token signed by a key that is no longer here (retired, or never ours)
        fails with :class:`~tokenlab.errors.UnknownKeyError` naming its ``kid``.
        """
        with self._keys_lock:
            current, previous = self.signing_key, self._previous_keys
        return KeySet([current.public(), *(key.public() for key in previous)])

    def jwks(self) -> dict[str, Any]:
        """The public JWK Set served at ``jwks_uri`` (RFC 7517 §5): new key first, then the overlap keys."""
        return self.key_set().jwks()

    @property
    def previous_keys(self) -> tuple[Key, ...]:
        """The keys rotated out but still published, newest first, until :meth:`retire_old_keys`."""
        return self._previous_keys

    def rotate_key(self, new_key: Key | None = None, *, keep_old: bool = True) -> Key:
        """Sign every new token with ``new_key`` (a fresh random key for the same ``alg`` if ``None``); return it.

        With ``keep_old`` (the default) the JWKS keeps publishing the old key
        beside the new one, so tokens signed before the rotation verify until
        they expire (RFC 7517 §4.5: the ``kid`` tells the keys apart "during key
        rollover"; OpenID Connect Core §10.1.1). ``keep_old=False`` drops it at
        once, as after a key leak: its tokens stop verifying immediately.
        The algorithm stays the same, since discovery advertises it (OpenID Connect Discovery §3).
        """
        alg = self.signing_key.alg
        key = generate_key(alg) if new_key is None else new_key
        if not isinstance(key, Key) or not key.can_sign:
            raise UsageError("rotate_key needs a private key to sign with, e.g. generate_key('RS256') or demo_key(...)")
        if key.alg != alg:
            raise UsageError(
                f"this provider signs with {alg} (its discovery metadata says so): the new key must be {alg}"
            )
        with self._keys_lock:
            published = (self.signing_key, *self._previous_keys)
            if any(old.kid == key.kid for old in published):
                raise UsageError(f"the kid {key.kid!r} is already published: a new key needs a new kid (RFC 7517 §4.5)")
            now = self.clock.timestamp()
            self.key_events.append(KeyEvent(now, "rotated_out", self.signing_key.kid))
            if not keep_old:
                self.key_events += [KeyEvent(now, "retired", old.kid) for old in published]
            self._previous_keys = (self.signing_key, *self._previous_keys) if keep_old else ()
            self.signing_key = key
            self.key_events.append(KeyEvent(now, "signing", key.kid))
        return key

    def retire_old_keys(self) -> tuple[Key, ...]:
        """End the overlap: only the current key stays in the JWKS. Returns the keys retired.

        Tokens they signed are refused from now on; a verifier that caches the
        JWKS refuses them once its copy is stale (its ``max-age``), so retire a
        key only after its longest-lived token and the JWKS cache have expired.
        """
        with self._keys_lock:
            retired, self._previous_keys = self._previous_keys, ()
            self.key_events += [KeyEvent(self.clock.timestamp(), "retired", key.kid) for key in retired]
        return retired

    # --- dispatch ----------------------------------------------------------

    def _dispatch(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        request.max_form_parts = 200
        try:
            endpoint, arguments = self.url_map.bind_to_environ(environ).match()
            response = endpoint(self, request, **arguments)
        except OAuthError as err:
            response = oauth_error_response(err)
        except MethodNotAllowed as exc:
            response = json_response(
                {"error": "invalid_request", "error_description": f"{request.method} is not allowed here."},
                405,
                headers={"Allow": ", ".join(exc.valid_methods or ())},
            )
        except NotFound:
            response = json_response({"error": "not_found", "error_description": f"Nothing at {request.path}."}, 404)
        except HTTPException as exc:
            code = exc.code or 400
            error = InvalidRequestError(exc.description or exc.name) if code < 500 else ServerError("Internal error.")
            response = json_response(error.as_dict(), code)
        except Exception as exc:  # H3: never a stack trace on the wire
            with self._errors_lock:
                self.errors.append(exc)
            response = oauth_error_response(ServerError("The provider met an unexpected error."))
        response.status = (
            f"{response.status_code} {_phrase(response.status_code)}"  # "Bad Request", as RFC 9110 §15 writes it
        )
        response.headers[NOSNIFF[0]] = NOSNIFF[1]  # set here, so the recorder shows it as the wire carries it
        return response(environ, start_response)
