"""The OAuth 2.0 errors, one class per wire code, and the one registry that maps a code to its class.

An OAuth error response names what went wrong with a short code, ``{"error":
"invalid_grant"}`` (RFC 6749 §5.2), or with the same code in a
``WWW-Authenticate: Bearer`` challenge (RFC 6750 §3.1). Each class here says

- ``error``: the code on the wire, and
- ``defined_in``: the RFC or OpenID section that defines that code,

and :data:`OAUTH_ERRORS` maps every code to the one class that stands for it.
The provider raises these classes and :mod:`tokenlab.client` turns a code it
receives back into the same class with :func:`error_class`; both read this
module, so the exception a learner catches never depends on which modules
happened to be imported first.

>>> error_class("authorization_pending").__name__, error_class("authorization_pending").defined_in
('AuthorizationPendingError', 'RFC 8628 §3.5')
>>> error_class("no_such_code").__name__      # an unknown code: the root class, code kept on the instance
'OAuthError'

Import them from the package, like every tokenlab error: ``from tokenlab.errors
import OAuthError, InvalidGrantError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from tokenlab.errors.core import TokenLabError, UsageError, wire_text

__all__ = [
    "OAUTH_ERRORS",
    "REALM",
    "AccessDeniedError",
    "AuthorizationPendingError",
    "BearerError",
    "BearerRequestError",
    "ConsentRequiredError",
    "DeviceCodeExpiredError",
    "InsufficientScopeError",
    "InvalidAccessTokenError",
    "InvalidClientError",
    "InvalidGrantError",
    "InvalidRequestError",
    "InvalidScopeError",
    "LoginRequiredError",
    "NoTokenError",
    "OAuthError",
    "RequestNotSupportedError",
    "RequestUriNotSupportedError",
    "ServerError",
    "SlowDownError",
    "UnauthorizedClientError",
    "UnsupportedGrantTypeError",
    "UnsupportedResponseTypeError",
    "error_class",
]

REALM = "tokenlab"
"""The ``realm`` of every ``WWW-Authenticate: Bearer`` challenge tokenlab's resources send (RFC 6750 §3)."""


class OAuthError(TokenLabError):
    """An OAuth 2.0 error response; ``error`` is the code on the wire (RFC 6749 §5.2)."""

    error = "server_error"
    defined_in = "RFC 6749 §5.2"
    status_code = 400

    def __init__(self, description: str = "", *, uri: str | None = None) -> None:
        super().__init__(f"{self.error}: {description}" if description else self.error)
        self.description = description
        self.uri = uri

    def as_dict(self) -> dict[str, str]:
        """The JSON body of the error response (RFC 6749 §5.2)."""
        body = {"error": self.error}
        if self.description:
            body["error_description"] = wire_text(self.description)
        if self.uri:
            body["error_uri"] = self.uri
        return body


# --- RFC 6749: the authorization and token endpoints --------------------------


class InvalidRequestError(OAuthError):
    """A parameter is missing, repeated, malformed or unsupported (RFC 6749 §5.2)."""

    error = "invalid_request"


class InvalidClientError(OAuthError):
    """Client authentication failed (RFC 6749 §5.2): answered with 401."""

    error = "invalid_client"
    status_code = 401


class InvalidGrantError(OAuthError):
    """The code, refresh token or credentials are invalid, expired, revoked or not this client's (RFC 6749 §5.2)."""

    error = "invalid_grant"


class UnauthorizedClientError(OAuthError):
    """This client may not use this grant type (RFC 6749 §5.2)."""

    error = "unauthorized_client"


class UnsupportedGrantTypeError(OAuthError):
    """The grant type is not supported by the server (RFC 6749 §5.2)."""

    error = "unsupported_grant_type"


class UnsupportedResponseTypeError(OAuthError):
    """The response type is not supported (RFC 6749 §4.1.2.1)."""

    error = "unsupported_response_type"
    defined_in = "RFC 6749 §4.1.2.1"


class InvalidScopeError(OAuthError):
    """The requested scope is invalid, unknown or wider than allowed (RFC 6749 §5.2)."""

    error = "invalid_scope"


class AccessDeniedError(OAuthError):
    """The resource owner or the server denied the request (RFC 6749 §4.1.2.1, RFC 8628 §3.5)."""

    error = "access_denied"
    defined_in = "RFC 6749 §4.1.2.1"
    status_code = 400  # as a token-endpoint error (RFC 6749 §5.2, RFC 8628 §3.5); at /authorize it is a redirect


class ServerError(OAuthError):
    """The server met an unexpected condition (RFC 6749 §4.1.2.1)."""

    error = "server_error"
    defined_in = "RFC 6749 §4.1.2.1"
    status_code = 500


# --- RFC 8628: the token endpoint's answers while a device waits --------------


class AuthorizationPendingError(OAuthError):
    """The user has not answered yet: keep polling, every ``interval`` seconds (RFC 8628 §3.5)."""

    error = "authorization_pending"
    defined_in = "RFC 8628 §3.5"


class SlowDownError(OAuthError):
    """The device polled too soon: still pending, and its interval is now 5 seconds longer (RFC 8628 §3.5)."""

    error = "slow_down"
    defined_in = "RFC 8628 §3.5"


class DeviceCodeExpiredError(OAuthError):
    """The device code expired before the user answered: start again (RFC 8628 §3.5)."""

    error = "expired_token"
    defined_in = "RFC 8628 §3.5"


# --- OpenID Connect: prompt=none and request objects --------------------------


class LoginRequiredError(OAuthError):
    """``prompt=none`` but the user must log in first (OIDC Core §3.1.2.6)."""

    error = "login_required"
    defined_in = "OIDC Core §3.1.2.6"


class ConsentRequiredError(OAuthError):
    """``prompt=none`` but the user must consent first (OIDC Core §3.1.2.6)."""

    error = "consent_required"
    defined_in = "OIDC Core §3.1.2.6"


class RequestNotSupportedError(OAuthError):
    """The ``request`` parameter (a request object) is not supported (OIDC Core §6.1, §3.1.2.6)."""

    error = "request_not_supported"
    defined_in = "OIDC Core §3.1.2.6"


class RequestUriNotSupportedError(OAuthError):
    """The ``request_uri`` parameter is not supported (OIDC Core §6.2, §3.1.2.6)."""

    error = "request_uri_not_supported"
    defined_in = "OIDC Core §3.1.2.6"


# --- RFC 6750: a protected resource refuses a bearer token --------------------


class BearerError(OAuthError):
    """A protected resource refuses the request; the answer carries a ``WWW-Authenticate: Bearer`` challenge (RFC 6750 §3)."""

    error = "invalid_token"
    defined_in = "RFC 6750 §3.1"
    status_code = 401

    def __init__(self, description: str = "", *, scope: str | None = None, uri: str | None = None) -> None:
        super().__init__(description, uri=uri)
        self.scope = scope

    def __str__(self) -> str:
        return f"{self.error}: {self.description}" if self.error else self.description

    def as_dict(self) -> dict[str, str]:
        if not self.error:  # RFC 6750 §3.1: no error code for a request without credentials
            return {"message": self.description} if self.description else {}
        body = super().as_dict()
        if self.scope:
            body["scope"] = self.scope
        return body

    def challenge(self) -> str:
        """The ``WWW-Authenticate`` value: ``Bearer realm="tokenlab"`` plus the error attributes, if any (§3)."""
        parts = [f'Bearer realm="{REALM}"']
        if self.error:
            parts.append(f'error="{self.error}"')
            if self.description:
                parts.append(f'error_description="{_header_text(self.description)}"')
            if self.scope:
                parts.append(f'scope="{self.scope}"')
        return ", ".join(parts)


class NoTokenError(BearerError):
    """The request carries no bearer token: 401 with a bare challenge and no error code (RFC 6750 §3.1)."""

    error = ""


class BearerRequestError(BearerError, InvalidRequestError):
    """The request is malformed: a token in the URL, two tokens, a broken header (RFC 6750 §3.1): 400."""

    error = "invalid_request"
    defined_in = "RFC 6750 §3.1"
    status_code = 400


class InvalidAccessTokenError(BearerError):
    """The access token is expired, revoked, malformed or invalid for another reason (RFC 6750 §3.1): 401."""

    error = "invalid_token"
    status_code = 401


class InsufficientScopeError(BearerError):
    """The access token is valid but lacks the scope this resource needs (RFC 6750 §3.1): 403."""

    error = "insufficient_scope"
    status_code = 403


def _header_text(text: str) -> str:
    """``error_description`` in a header may only hold printable ASCII without ``"`` and ``\\`` (RFC 6750 §3)."""
    text = text.replace("§", "section ")
    return "".join(c for c in text if " " <= c <= "~" and c not in '"\\')


# --- the registry ----------------------------------------------------------------


def _by_code(*classes: type[OAuthError]) -> Mapping[str, type[OAuthError]]:
    registry: dict[str, type[OAuthError]] = {}
    for cls in classes:
        if cls.error in registry:
            raise UsageError(f"Two classes claim the OAuth error code {cls.error!r}: {registry[cls.error]} and {cls}.")
        registry[cls.error] = cls
    return MappingProxyType(registry)


OAUTH_ERRORS = _by_code(
    InvalidRequestError,
    InvalidClientError,
    InvalidGrantError,
    UnauthorizedClientError,
    UnsupportedGrantTypeError,
    UnsupportedResponseTypeError,
    InvalidScopeError,
    AccessDeniedError,
    ServerError,
    AuthorizationPendingError,
    SlowDownError,
    DeviceCodeExpiredError,
    LoginRequiredError,
    ConsentRequiredError,
    RequestNotSupportedError,
    RequestUriNotSupportedError,
    InvalidAccessTokenError,
    InsufficientScopeError,
)
"""Every OAuth error code tokenlab knows, mapped to the one class that stands for it (read-only).

The other resource-server classes are variants, not rivals: :class:`BearerError`, their root, says
``invalid_token`` as :class:`InvalidAccessTokenError` does; :class:`BearerRequestError` is an
:class:`InvalidRequestError` that also carries a challenge; :class:`NoTokenError` has no code (RFC 6750 §3.1)."""


def error_class(code: str) -> type[OAuthError]:
    """The class for the wire code ``code``, or :class:`OAuthError` itself for a code no RFC here defines."""
    return OAUTH_ERRORS.get(code, OAuthError)
