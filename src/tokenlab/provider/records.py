"""What the provider remembers, one dataclass per kind of record; :class:`~tokenlab.provider.store.Store` holds them.

Secrets are never fields here: codes, tokens and keys are the keys of the store's dictionaries, as SHA-256 hashes.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CAME_BACK",
    "AccessRecord",
    "ApiKeyRecord",
    "AuthorizationCode",
    "DeviceAuthorization",
    "Grant",
    "LoginSession",
    "LoginTransaction",
    "PendingAuthorization",
    "RefreshRecord",
    "TokenEvent",
]


@dataclass
class Grant:
    grant_id: str
    client_id: str
    sub: str | None
    scope: str
    auth_time: int
    created: int
    revoked: bool = False
    revoked_reason: str = ""


@dataclass(frozen=True)
class AuthorizationCode:
    client_id: str
    redirect_uri: str
    redirect_uri_given: bool
    scope: str
    sub: str
    auth_time: int
    expires_at: int
    code_challenge: str | None
    code_challenge_method: str | None
    nonce: str | None


@dataclass(frozen=True)
class PendingAuthorization:
    """A checked authorization request waiting on the login page for the user's answer (RFC 6749 §4.1.1–4.1.2)."""

    client_id: str
    redirect_uri: str
    redirect_uri_given: bool
    scope: str
    state: str | None
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: int


@dataclass(frozen=True)
class LoginTransaction:
    """A checked authorization request waiting on its login or consent page, and whose page it is
    (:mod:`tokenlab.provider.login_session`: only the browser that opened the page may answer it)."""

    pending: PendingAuthorization
    browser: str  # SHA-256 of the tokenlab_browser cookie of the browser that opened the page
    sub: str | None = None  # consent only: the signed-in user the page asks; None: the page asks for a password
    session: str | None = None  # consent only: SHA-256 of the session cookie that user is signed in with


CAME_BACK = "(came back)"  # in used_codes: redeemed, its grant not linked yet, and presented again meanwhile


@dataclass
class AccessRecord:
    jti: str
    grant_id: str
    client_id: str
    sub: str | None
    scope: str
    issued_at: int
    expires_at: int
    audience: str
    token_format: str  # "jwt" or "opaque"


@dataclass
class RefreshRecord:
    grant_id: str
    client_id: str
    scope: str
    issued_at: int
    expires_at: int  # absolute end of the grant's refresh tokens
    idle_expires_at: int
    used: bool = False


@dataclass
class DeviceAuthorization:
    client_id: str
    scope: str
    user_code: str
    expires_at: int
    interval: int
    last_poll: int | None = None
    status: str = "pending"  # pending, approved, denied, used
    sub: str | None = None
    auth_time: int | None = None
    grant_id: str | None = None  # the grant its redemption started, so that a replay can revoke it
    replayed: bool = False  # presented again after its redemption (RFC 8628 §3.4 with RFC 6749 §4.1.2)


@dataclass(frozen=True)
class LoginSession:
    """The provider's own memory that a browser's user logged in (OIDC Core §3.1.2.3): single sign-on."""

    sub: str
    auth_time: int
    expires_at: int


@dataclass(frozen=True)
class TokenEvent:
    """Something that happened to a token, for timelines: ``issued``, ``used``, ``rejected``, ``rotated``
    (a refresh token traded for new tokens), ``replay_detected`` or ``revoked``."""

    time: int
    kind: str
    token_type: str  # "access_token" or "refresh_token"
    label: str  # "AT1", "RT1", …: one lane per token, numbered in order of issue
    grant_id: str
    expires_at: int | None = None
    detail: str = ""


@dataclass
class ApiKeyRecord:
    """An API key as the provider remembers it (:mod:`tokenlab.provider.apikeys`): its SHA-256, never the key."""

    key_id: str  # public: names the key in lists and URLs
    owner: str  # the client that created it
    name: str
    kind: str  # "live" or "test"
    hint: str  # "tl_live_…rREr": enough to recognise the key in a list or a scanner report
    scope: str
    created_at: int
    expires_at: int
    digest: str  # SHA-256 of the key, hex
    last_used_at: int | None = None
    revoked_at: int | None = None
    replaced_by: str | None = None  # the key id of its successor, once rotated
    replaces: str | None = None  # the key id it was rotated from
