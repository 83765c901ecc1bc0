"""Small verbs for an OAuth 2.0 / OpenID Connect client, over ``requests``.

Each verb does one HTTP exchange (``login_as`` does the two a browser would)
and returns the parsed JSON; an error response raises the matching
:class:`~tokenlab.OAuthError` subclass, whose ``error`` is the RFC's
wire code. Pass ``session=`` (a ``requests.Session``, best made with
:func:`new_session`) to reuse one keep-alive connection; without it, each call
opens and closes its own.

Every request the course's own sessions send says ``User-Agent: tokenlab-course``
(:data:`USER_AGENT`), not the ``python-requests/<version>`` that ``requests``
sends by default, and ``Accept-Encoding: gzip, deflate`` whether or not
``brotli`` or ``zstandard`` happen to be installed: what a lesson prints of the
wire then does not change with the learner's installed libraries.

>>> from tokenlab.provider import MockProvider
>>> with MockProvider() as op:
...     meta = discover(op.issuer)
...     token = fetch_token(meta, client_id="reporting-service", client_secret="reporting-secret-3c9e7a1f5d2b8046")
...     sorted(token)
['access_token', 'expires_in', 'scope', 'token_type']

:class:`Client` holds what every verb needs again (the metadata, the client's
id and secret, one session), the way ``requests.Session`` holds what ``get`` and
``post`` need:

>>> with MockProvider() as op, Client(op.issuer, "reporting-service", "reporting-secret-3c9e7a1f5d2b8046") as app:
...     sorted(app.fetch_token())
['access_token', 'expires_in', 'scope', 'token_type']

Nothing here assumes the mock: discovery decides every URL, so the same calls
work against any standards-compliant provider. What the *user* does in the
browser (log in, approve a device) lives in :mod:`tokenlab.browser`;
:func:`login_as` and :func:`approve_device` are re-exported here.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode

import requests

from tokenlab.browser import Redirect, approve_device, login_as
from tokenlab.errors import OAuthError, UsageError, error_class
from tokenlab.sessions import TIMEOUT, USER_AGENT, new_session, session_or_new

__all__ = [
    "PKCE",
    "USER_AGENT",
    "Client",
    "Redirect",
    "approve_device",
    "authorization_url",
    "call_api",
    "discover",
    "exchange_code",
    "fetch_token",
    "introspect",
    "login_as",
    "new_session",
    "poll_device_token",
    "refresh",
    "revoke",
    "start_device_flow",
]


def _json(response: requests.Response) -> dict[str, Any]:
    """The JSON body of a successful answer, or the OAuth error it carries, raised."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.ok and isinstance(body, dict):
        return body
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        cls = error_class(body["error"])
        err = cls(body.get("error_description", ""), uri=body.get("error_uri"))
        if cls is OAuthError:
            err.error = body["error"]
        err.status_code = response.status_code
        raise err
    raise OAuthError(
        f"{response.request.method} {response.url} answered {response.status_code} without an OAuth error body"
    )


def discover(issuer: str, *, session: requests.Session | None = None) -> dict[str, Any]:
    """Fetch the provider's metadata (OIDC Discovery §4, RFC 8414 §3) and check its ``issuer`` (OIDC Discovery
    §4.3, RFC 8414 §3.3)."""
    issuer = issuer.rstrip("/")
    with session_or_new(session) as http:
        response = http.get(f"{issuer}/.well-known/openid-configuration", timeout=TIMEOUT)
    response.raise_for_status()
    metadata = response.json()
    if metadata.get("issuer") != issuer:
        raise OAuthError(
            f"The metadata says issuer {metadata.get('issuer')!r} but was fetched from {issuer!r}; "
            "a client must reject it (OIDC Discovery §4.3, RFC 8414 §3.3), or a look-alike could impersonate the "
            "provider."
        )
    return metadata


@dataclass(frozen=True)
class PKCE:
    """A PKCE pair (RFC 7636 §4.1–4.2): the client keeps ``verifier`` and sends ``challenge``."""

    verifier: str
    challenge: str
    method: str = "S256"

    @classmethod
    def make(cls, verifier: str | None = None) -> PKCE:
        """A fresh pair (32 random bytes, as §4.1 recommends), or the pair for a given verifier."""
        verifier = verifier or secrets.token_urlsafe(32)
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


def authorization_url(
    metadata: Mapping[str, Any],
    *,
    client_id: str,
    redirect_uri: str,
    scope: str,
    state: str,
    pkce: PKCE | None,
    nonce: str | None = None,
) -> str:
    """The URL the user's browser opens to start the authorization-code flow (RFC 6749 §4.1.1, RFC 7636 §4.3)."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
    }
    if pkce is not None:
        params |= {"code_challenge": pkce.challenge, "code_challenge_method": pkce.method}
    if nonce is not None:
        params["nonce"] = nonce
    return f"{metadata['authorization_endpoint']}?{urlencode(params)}"


def _auth(client_id: str, client_secret: str | None, data: dict[str, str]) -> tuple[str, str] | None:
    """``client_secret_basic`` for confidential clients, ``client_id`` in the body for public ones (RFC 6749 §2.3.1).

    RFC 6749 §2.3.1 form-urlencodes the client id and the secret (Appendix B) before they are joined with ":" and
    base64-encoded, so a secret holding ":", "+", "%" or a non-ASCII letter arrives as it was registered."""
    if client_secret is None:
        data["client_id"] = client_id
        return None
    return (quote_plus(client_id, safe=""), quote_plus(client_secret, safe=""))


def _post(
    url: str, data: dict[str, str], client_id: str, client_secret: str | None, session: requests.Session | None
) -> requests.Response:
    auth = _auth(client_id, client_secret, data)
    with session_or_new(session) as http:
        return http.post(url, data=data, auth=auth, timeout=TIMEOUT)


def fetch_token(
    metadata: Mapping[str, Any],
    *,
    client_id: str,
    client_secret: str | None,
    grant_type: str = "client_credentials",
    scope: str | None = None,
    session: requests.Session | None = None,
    **params: str,
) -> dict[str, Any]:
    """POST to the token endpoint (RFC 6749 §3.2); client credentials unless ``grant_type`` says otherwise."""
    data = {"grant_type": grant_type, **params}
    if scope is not None:
        data["scope"] = scope
    return _json(_post(metadata["token_endpoint"], data, client_id, client_secret, session))


def exchange_code(
    metadata: Mapping[str, Any],
    code: str,
    *,
    client_id: str,
    client_secret: str | None = None,
    redirect_uri: str,
    pkce: PKCE | None,
    session: requests.Session | None = None,
) -> dict[str, Any]:
    """Trade an authorization code for tokens (RFC 6749 §4.1.3), proving PKCE with the verifier (RFC 7636 §4.5)."""
    params = {"code": code, "redirect_uri": redirect_uri}
    if pkce is not None:
        params["code_verifier"] = pkce.verifier
    return fetch_token(
        metadata,
        client_id=client_id,
        client_secret=client_secret,
        grant_type="authorization_code",
        session=session,
        **params,
    )


def refresh(
    metadata: Mapping[str, Any],
    refresh_token: str,
    *,
    client_id: str,
    client_secret: str | None = None,
    scope: str | None = None,
    session: requests.Session | None = None,
) -> dict[str, Any]:
    """Use a refresh token (RFC 6749 §6); with rotation, keep the *new* refresh token it returns."""
    return fetch_token(
        metadata,
        client_id=client_id,
        client_secret=client_secret,
        grant_type="refresh_token",
        scope=scope,
        session=session,
        refresh_token=refresh_token,
    )


def revoke(
    metadata: Mapping[str, Any],
    token: str,
    *,
    client_id: str,
    client_secret: str | None = None,
    token_type_hint: str | None = None,
    session: requests.Session | None = None,
) -> None:
    """Revoke a token (RFC 7009 §2.1). The server answers 200 even for unknown tokens (§2.2)."""
    data = {"token": token}
    if token_type_hint:
        data["token_type_hint"] = token_type_hint
    response = _post(metadata["revocation_endpoint"], data, client_id, client_secret, session)
    if not response.ok:
        _json(response)


def introspect(
    metadata: Mapping[str, Any],
    token: str,
    *,
    client_id: str,
    client_secret: str,
    session: requests.Session | None = None,
) -> dict[str, Any]:
    """Ask the provider whether a token is active, and what it carries (RFC 7662 §2)."""
    return _json(_post(metadata["introspection_endpoint"], {"token": token}, client_id, client_secret, session))


def start_device_flow(
    metadata: Mapping[str, Any],
    *,
    client_id: str,
    client_secret: str | None = None,
    scope: str | None = None,
    session: requests.Session | None = None,
) -> dict[str, Any]:
    """Begin the device flow (RFC 8628 §3.1): returns the device code, the user code and where the user goes."""
    data = {} if scope is None else {"scope": scope}
    return _json(_post(metadata["device_authorization_endpoint"], data, client_id, client_secret, session))


def poll_device_token(
    metadata: Mapping[str, Any],
    device_code: str,
    *,
    client_id: str,
    client_secret: str | None = None,
    session: requests.Session | None = None,
) -> dict[str, Any]:
    """Poll once for the device flow's tokens (RFC 8628 §3.4). Until the user approves, this raises an
    ``OAuthError`` whose ``error`` is ``authorization_pending`` or ``slow_down`` (§3.5): wait ``interval``
    seconds (move the course's clock) and poll again."""
    return fetch_token(
        metadata,
        client_id=client_id,
        client_secret=client_secret,
        grant_type="urn:ietf:params:oauth:grant-type:device_code",
        session=session,
        device_code=device_code,
    )


def call_api(
    url: str,
    access_token: str | None,
    *,
    method: str = "GET",
    data: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
) -> requests.Response:
    """Call a protected API with ``Authorization: Bearer`` (RFC 6750 §2.1), sending ``data`` as a form body if
    given; returns the raw response."""
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    with session_or_new(session) as http:
        return http.request(method, url, headers=headers, data=data, timeout=TIMEOUT)


class Client:
    """One OAuth client (its id and secret) at one provider, over one ``requests.Session``.

    ``provider`` is the issuer URL (the metadata is then discovered, RFC 8414 §3) or metadata already
    fetched with :func:`discover`. Each method is the module verb of the same name with the metadata, the
    credentials and the session filled in; a confidential client authenticates with ``client_secret_basic``,
    a public one (``client_secret=None``) sends only its ``client_id`` (RFC 6749 §2.3.1). Without
    ``session=`` the client makes its own with :func:`new_session` and closes it in :meth:`close` or at the
    end of a ``with`` block; a session you lend it stays yours to close.

    The user's part of a flow is not a method here: a browser, not the client, opens the authorization URL
    and logs in (:func:`login_as`, :func:`approve_device`), and it never shares the client's session.
    """

    def __init__(
        self,
        provider: str | Mapping[str, Any],
        client_id: str,
        client_secret: str | None = None,
        *,
        session: requests.Session | None = None,
    ) -> None:
        if not isinstance(client_id, str) or not client_id:
            raise UsageError(f"client_id is the client's registered id, a non-empty string, not {client_id!r}.")
        if not isinstance(provider, (str, Mapping)):
            raise UsageError(
                "Client(provider, ...) takes the issuer URL (e.g. op.issuer) or the metadata that "
                f"client.discover(issuer) returned, not a {type(provider).__name__}."
            )
        self.client_id = client_id
        self.client_secret = client_secret
        self._owns_session = session is None
        self.session = new_session() if session is None else session
        try:
            self.metadata = discover(provider, session=self.session) if isinstance(provider, str) else dict(provider)
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:  # never the secret
        kind = "confidential" if self.client_secret is not None else "public"
        return f"<Client {self.client_id!r} ({kind}) at {self.metadata.get('issuer')!r}>"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the session if this client made it; a lent session is left open for its owner."""
        if self._owns_session:
            self.session.close()

    def _credentials(self) -> dict[str, Any]:
        return {"client_id": self.client_id, "client_secret": self.client_secret, "session": self.session}

    def fetch_token(
        self, *, grant_type: str = "client_credentials", scope: str | None = None, **params: str
    ) -> dict[str, Any]:
        """POST to the token endpoint (RFC 6749 §3.2); client credentials unless ``grant_type`` says otherwise."""
        return fetch_token(self.metadata, grant_type=grant_type, scope=scope, **params, **self._credentials())

    def authorization_url(
        self, *, redirect_uri: str, scope: str, state: str, pkce: PKCE | None, nonce: str | None = None
    ) -> str:
        """The URL to send the user's browser to (RFC 6749 §4.1.1, RFC 7636 §4.3)."""
        return authorization_url(
            self.metadata,
            client_id=self.client_id,
            redirect_uri=redirect_uri,
            scope=scope,
            state=state,
            pkce=pkce,
            nonce=nonce,
        )

    def exchange_code(self, code: str, *, redirect_uri: str, pkce: PKCE | None) -> dict[str, Any]:
        """Trade an authorization code for tokens (RFC 6749 §4.1.3, RFC 7636 §4.5)."""
        return exchange_code(self.metadata, code, redirect_uri=redirect_uri, pkce=pkce, **self._credentials())

    def refresh(self, refresh_token: str, *, scope: str | None = None) -> dict[str, Any]:
        """Use a refresh token (RFC 6749 §6); with rotation, keep the *new* refresh token it returns."""
        return refresh(self.metadata, refresh_token, scope=scope, **self._credentials())

    def revoke(self, token: str, *, token_type_hint: str | None = None) -> None:
        """Revoke a token (RFC 7009 §2.1)."""
        revoke(self.metadata, token, token_type_hint=token_type_hint, **self._credentials())

    def introspect(self, token: str) -> dict[str, Any]:
        """Ask whether a token is active and what it carries (RFC 7662 §2); the provider wants a confidential
        client, so a public one gets :class:`~tokenlab.errors.InvalidClientError`."""
        return introspect(self.metadata, token, **self._credentials())

    def start_device_flow(self, *, scope: str | None = None) -> dict[str, Any]:
        """Begin the device flow (RFC 8628 §3.1)."""
        return start_device_flow(self.metadata, scope=scope, **self._credentials())

    def poll_device_token(self, device_code: str) -> dict[str, Any]:
        """Poll once (RFC 8628 §3.4); raises :class:`~tokenlab.errors.AuthorizationPendingError` or
        :class:`~tokenlab.errors.SlowDownError` until the user has answered (§3.5)."""
        return poll_device_token(self.metadata, device_code, **self._credentials())

    def call_api(
        self, url: str, access_token: str | None, *, method: str = "GET", data: Mapping[str, str] | None = None
    ) -> requests.Response:
        """Call a protected API with ``Authorization: Bearer`` (RFC 6750 §2.1) over this client's session."""
        return call_api(url, access_token, method=method, data=data, session=self.session)
