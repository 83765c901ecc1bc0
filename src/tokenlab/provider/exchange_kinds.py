"""What a recorded exchange was: one classification, read by the flow inspector, the sequence diagrams and lessons.

For each exchange the recorder kept (:class:`~tokenlab.provider.recorder.Exchange`), :func:`classify` says

- ``label``: a few words, ``token request (authorization_code)``, ``login and consent``;
- ``detail``: one sentence on what happened;
- ``section``: where the request is defined, ``RFC 6749 §4.1.3`` (empty for tokenlab's own API-key endpoints,
  which no specification defines);
- ``sender`` and ``receiver``: who sent the request and who answered it, keys of :data:`PARTIES`. The user's
  browser sends what the user does on the provider's pages (authorization request, login, consent, device page,
  logout: OIDC RP-Initiated Logout §2 has the app send the *browser* to the logout endpoint); the client app sends
  its back-channel requests; a device (RFC 8628) starts its flow and polls; a resource server introspects
  (RFC 7662 §2.1); the demo APIs under ``/api/``, ``/key-api/`` and ``/signed/`` answer as the API;
- ``refused``: the error code when the answer refused the request (``invalid_grant``, an ``error`` in a redirect,
  ``invalid_token``), else the status line of a 4xx or 5xx answer, else ``None``.

It reads only what the recorder kept (method, path, form, headers, status, the answer's ``Location`` and body),
so a saved list of exchanges classifies the same way as a live one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from tokenlab.provider.config import DEVICE_GRANT

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.recorder import Exchange

__all__ = ["PARTIES", "ExchangeKind", "classify"]

#: Who takes part in a flow, in the order a sequence diagram draws their lifelines, with the names it shows.
PARTIES = {
    "browser": "User's browser",
    "client": "Client app",
    "device": "Device",
    "provider": "Provider",
    "api": "API",
}

_PASSWORD_FIELD = re.compile(r'name="password"')


@dataclass(frozen=True)
class ExchangeKind:
    """What one exchange was: a short label, a sentence, its specification's section, who sent it, who answered."""

    label: str
    detail: str
    section: str
    sender: str
    receiver: str = "provider"
    refused: str | None = None

    def line(self) -> str:
        """The label and, when the answer refused the request, why: ``token request (…) — refused: invalid_grant``."""
        return self.label + (f" — refused: {self.refused}" if self.refused else "")

    def sentence(self) -> str:
        """The detail, who sent it to whom, and the section: the inspector's explanation of one exchange."""
        where = f" ({self.section})" if self.section else " (tokenlab's own API: no specification defines it)"
        return f"{self.detail} Sent by the {_in_prose(self.sender)} to the {_in_prose(self.receiver)}{where}."


def _in_prose(party: str) -> str:
    name = PARTIES[party]
    return name if name.isupper() else name[:1].lower() + name[1:]  # "the client app", "the API"


def classify(exchange: Exchange) -> ExchangeKind:
    """The one classification of ``exchange``: see the module docstring."""
    kind = _kind_of_path(exchange)
    if exchange.status == 413:  # the recorder's own answer: no endpoint saw the request
        return replace(
            kind,
            label="body too large, refused unread",
            detail="The body was over the provider's limit; it was refused before any endpoint read it.",
            section="RFC 9110 §15.5.14",
            refused=_refusal(exchange),
        )
    if exchange.status == 405:
        return replace(
            kind,
            label=f"{exchange.method} not allowed here",
            detail=f"This endpoint does not answer {exchange.method}.",
            section="RFC 9110 §15.5.6",
            refused=_refusal(exchange),
        )
    return replace(kind, refused=_refusal(exchange))


def _kind_of_path(exchange: Exchange) -> ExchangeKind:
    path = exchange.path.rstrip("/") or "/"
    found = _BY_PATH.get(path) or next((k for prefix, k in _BY_PREFIX if path.startswith(prefix)), _UNKNOWN_PATH)
    return found if isinstance(found, ExchangeKind) else found(exchange)


# --- reading an exchange -----------------------------------------------------------------------------------------


def _field(values: dict[str, list[str]], name: str) -> str | None:
    return values[name][0] if name in values else None


def _shows_password_field(exchange: Exchange) -> bool:
    html = (exchange.response_header("Content-Type") or "").startswith("text/html")
    return html and bool(_PASSWORD_FIELD.search(exchange.response_body))


def _refusal(exchange: Exchange) -> str | None:
    """The error code of a refused request, else its status line if it is 4xx/5xx, else ``None``."""
    error = _field(exchange.redirect_query(), "error")
    if error:
        return error
    if exchange.status < 400:
        return None
    body = exchange.json()
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"]
    return f"{exchange.status} {exchange.reason}"  # a page, or RFC 6750 §3.1's 401 without a code


# --- discovery and keys ------------------------------------------------------------------------------------------


_OPENID_CONFIGURATION = ExchangeKind(
    "discovery",
    "The app reads the provider's metadata: its endpoints, its signing algorithms, what it supports.",
    "OIDC Discovery §4",
    "client",
)


_OAUTH_METADATA = ExchangeKind(
    "discovery",
    "The app reads the provider's OAuth metadata: its endpoints and what it supports.",
    "RFC 8414 §3",
    "client",
)


_JWKS = ExchangeKind(
    "public keys (JWKS)",
    "The app fetches the provider's public keys (a JWK Set) to check the signatures of the tokens it was given.",
    "RFC 7517 §5",
    "client",
)


# --- the authorization endpoint: the front channel, through the user's browser -----------------------------------


def _authorize(exchange: Exchange) -> ExchangeKind:
    return _authorization_answer(exchange) if exchange.method == "POST" else _authorization_request(exchange)


def _authorization_request(exchange: Exchange) -> ExchangeKind:
    if exchange.status == 308:
        return ExchangeKind(
            "authorization request: sent on to /authorize",
            "The path ended in a slash; the browser is sent to /authorize, so that the page's form posts back there.",
            "RFC 9110 §15.4.9",
            "browser",
        )
    redirect = exchange.redirect_query()
    if "code" in redirect:
        return ExchangeKind(
            "authorization request: code at once",
            "The user is signed in here and has allowed this app before, so the browser goes straight back to the "
            "app with a code: no page (single sign-on).",
            "RFC 6749 §4.1.2",
            "browser",
        )
    if "error" in redirect:
        return ExchangeKind(
            "authorization request: error to the app",
            "The provider refused the request and sends the browser back to the app's redirect URI with the error "
            "and the state.",
            "RFC 6749 §4.1.2.1",
            "browser",
        )
    if exchange.status >= 400:
        return ExchangeKind(
            "authorization request: refused on a page",
            "The client or its redirect URI cannot be trusted, so the error is shown to the user, never redirected.",
            "RFC 6749 §4.1.2.1",
            "browser",
        )
    if exchange.status == 200 and exchange.method == "GET" and not _shows_password_field(exchange):  # HEAD: no body
        return ExchangeKind(
            "authorization request: consent page",
            "The user is already signed in here (single sign-on), so the page asks only whether this app may have "
            "what it asks for.",
            "OIDC Core §3.1.2.4",
            "browser",
        )
    return ExchangeKind(
        "authorization request: login page",
        "The app sent the browser here with its client_id, redirect_uri, scope, state and PKCE challenge; the "
        "provider answers with its login and consent page.",
        "RFC 6749 §4.1.1",
        "browser",
    )


def _authorization_answer(exchange: Exchange) -> ExchangeKind:
    form = exchange.form()
    login = "password" in form or "username" in form
    if _field(form, "action") == "deny":
        return ExchangeKind(
            "user pressed Deny",
            "The user refused; the browser goes back to the app with error=access_denied and the state.",
            "RFC 6749 §4.1.2.1",
            "browser",
        )
    if login and _shows_password_field(exchange):
        return ExchangeKind(
            "login failed",
            "The name or password was wrong: the login page is shown again.",
            "OIDC Core §3.1.2.3",
            "browser",
        )
    if exchange.status >= 400:
        return ExchangeKind(
            "login form refused" if login else "consent form refused",
            "Too many wrong passwords (429), or the form did not come from the page this browser was shown: "
            "nothing is issued.",
            "RFC 6585 §4" if exchange.status == 429 else "RFC 6749 §10.12",
            "browser",
        )
    if login:
        return ExchangeKind(
            "login and consent",
            "The user typed their name and password and pressed Allow; the browser goes back to the app's "
            "redirect URI with a single-use code and the state.",
            "RFC 6749 §4.1.2",
            "browser",
        )
    return ExchangeKind(
        "consent given",
        "The signed-in user pressed Allow, no password needed; the browser goes back to the app with a code.",
        "OIDC Core §3.1.2.4",
        "browser",
    )


# --- the token endpoint: the back channel ------------------------------------------------------------------------

_GRANTS: dict[str, tuple[str, str, str, str]] = {  # grant_type -> (label, detail, section, sender)
    "authorization_code": (
        "token request (authorization_code)",
        "The app trades the code, its redirect_uri and its PKCE code_verifier for tokens.",
        "RFC 6749 §4.1.3",
        "client",
    ),
    "client_credentials": (
        "token request (client_credentials)",
        "A client acting for itself, with no user, proves who it is and gets an access token.",
        "RFC 6749 §4.4.2",
        "client",
    ),
    "refresh_token": (
        "token refresh (refresh_token)",
        "The app trades its refresh token for a new access token (and, with rotation, a new refresh token).",
        "RFC 6749 §6",
        "client",
    ),
    DEVICE_GRANT: (
        "device polls for tokens (device_code)",
        "The device asks whether the user has approved it yet: authorization_pending until then, slow_down if it "
        "asks too often, then its tokens, once.",
        "RFC 8628 §3.4",
        "device",
    ),
}


def _token(exchange: Exchange) -> ExchangeKind:
    grant = _field(exchange.form(), "grant_type") or ""
    if grant in _GRANTS:
        return ExchangeKind(*_GRANTS[grant])
    return ExchangeKind(
        f"token request ({grant[:40] or 'no grant_type'})",
        "A grant this provider does not offer, or none at all: every token request names its grant.",
        "RFC 6749 §5.2",
        "client",
    )


_REVOCATION = ExchangeKind(
    "revocation",
    "The app tells the provider it no longer needs a token; the answer is 200 whether or not the token was live.",
    "RFC 7009 §2.1",
    "client",
)


_INTROSPECTION = ExchangeKind(
    "introspection",
    'A resource server asks whether a token is active and what it allows; any other token is just {"active": false}.',
    "RFC 7662 §2.1",
    "api",
)


_USERINFO = ExchangeKind(
    "userinfo request",
    "The app presents an access token and gets claims about the user it was issued for.",
    "OIDC Core §5.3.1",
    "client",
)


# --- the device flow (RFC 8628) -----------------------------------------------------------------------------------


_DEVICE_AUTHORIZATION = ExchangeKind(
    "device authorization request",
    "A device without a browser asks for a device code to poll with and a short user code to show its user.",
    "RFC 8628 §3.1",
    "device",
)


def _device_page(exchange: Exchange) -> ExchangeKind:
    if exchange.method == "POST":
        action = _field(exchange.form(), "action")
        if action == "deny":
            return ExchangeKind(
                "user denies the device",
                "On the verification page the user entered the code, signed in and pressed Deny.",
                "RFC 8628 §3.3",
                "browser",
            )
        return ExchangeKind(
            "user approves the device" if action == "approve" else "device page form sent",
            "On the verification page the user entered the code shown on the device, signed in and pressed Allow.",
            "RFC 8628 §3.3",
            "browser",
        )
    if "user_code" in parse_qs(exchange.query):
        return ExchangeKind(
            "device verification page, code filled in",
            "The user opened verification_uri_complete (a link or a QR code), which carries the user code.",
            "RFC 8628 §3.3.1",
            "browser",
        )
    return ExchangeKind(
        "device verification page",
        "The user opens the page the device named, to type the code it shows.",
        "RFC 8628 §3.3",
        "browser",
    )


# --- logout (OIDC RP-Initiated Logout) ------------------------------------------------------------------------------


def _logout(exchange: Exchange) -> ExchangeKind:
    section = "OIDC RP-Initiated Logout §2"
    if exchange.method == "POST":
        if _field(exchange.form(), "answer") == "stay":
            return ExchangeKind(
                "user stays signed in", "The user pressed Stay signed in: nothing changes.", section, "browser"
            )
        return ExchangeKind(
            "logout confirmed",
            "The user pressed Log out on the provider's confirmation page: the login session ends.",
            section,
            "browser",
        )
    if exchange.status in (302, 303):
        return ExchangeKind(
            "logout: session ended",
            "The app sent the browser here with its ID token as id_token_hint; the session ends and the browser "
            "goes back to the app's registered post_logout_redirect_uri.",
            section,
            "browser",
        )
    if exchange.status >= 400:
        return ExchangeKind(
            "logout request refused",
            "A check failed (the hint, the client or the redirect URI): a page says why, and nothing ends.",
            "OIDC RP-Initiated Logout §4",
            "browser",
        )
    return ExchangeKind(
        "logout request",
        "The browser opened the provider's logout endpoint; without a valid hint for the signed-in user, the "
        "provider asks before it ends the session.",
        section,
        "browser",
    )


# --- the demo APIs and tokenlab's API-key endpoints ----------------------------------------------------------------


def _bearer(exchange: Exchange) -> bool:
    return (exchange.request_header("Authorization") or "")[:7].lower() == "bearer "


def _api(exchange: Exchange) -> ExchangeKind:
    if _bearer(exchange):
        return ExchangeKind(
            "API call with a bearer token",
            "The app calls the API with an access token in the Authorization header.",
            "RFC 6750 §2.1",
            "client",
            "api",
        )
    return ExchangeKind(
        "API call without a token",
        "The app calls the API with no access token; a protected resource answers 401 with WWW-Authenticate.",
        "RFC 6750 §3",
        "client",
        "api",
    )


_KEY_API_CALL = ExchangeKind(
    "API call with an API key",
    "The app calls the API with an API key, sent as a bearer credential in the Authorization header.",
    "RFC 6750 §2.1",
    "client",
    "api",
)


_SIGNED_API_CALL = ExchangeKind(
    "signed API call (HMAC)",
    "No token: the request carries an HTTP message signature, which the API recomputes and checks.",
    "RFC 9421 §3.2",
    "client",
    "api",
)


def _api_keys(exchange: Exchange) -> ExchangeKind:
    path, method = exchange.path.rstrip("/"), exchange.method
    if path == "/keys":
        label = "create an API key" if method == "POST" else "list API keys"
    elif path.endswith("/rotate"):
        label = "rotate an API key"
    elif path.endswith("/revoke"):
        label = "revoke an API key"
    else:
        label = "read an API key's record"
    return ExchangeKind(
        label,
        "A confidential client manages its own API keys: a new key is shown once, the provider keeps its hash.",
        "",
        "client",
    )


_UNKNOWN_PATH = ExchangeKind("unknown path", "Nothing is served at this path.", "RFC 9110 §15.5.5", "client")


_BY_PATH: dict[str, ExchangeKind | Callable[[Exchange], ExchangeKind]] = {  # a kind, or how to tell kinds apart
    "/.well-known/openid-configuration": _OPENID_CONFIGURATION,
    "/.well-known/oauth-authorization-server": _OAUTH_METADATA,
    "/jwks.json": _JWKS,
    "/authorize": _authorize,
    "/token": _token,
    "/revoke": _REVOCATION,
    "/introspect": _INTROSPECTION,
    "/userinfo": _USERINFO,
    "/device_authorization": _DEVICE_AUTHORIZATION,
    "/device": _device_page,
    "/logout": _logout,
    "/keys": _api_keys,
}
_BY_PREFIX: tuple[tuple[str, ExchangeKind | Callable[[Exchange], ExchangeKind]], ...] = (
    ("/api/", _api),
    ("/key-api/", _KEY_API_CALL),
    ("/signed/", _SIGNED_API_CALL),
    ("/keys/", _api_keys),
)
