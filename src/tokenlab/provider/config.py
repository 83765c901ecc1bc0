"""The provider's configuration: one frozen dataclass with defaults, and the demo fixture.

Every lifetime is in seconds, read on the shared clock. ``ProviderConfig.demo()``
is what ``MockProvider()`` and ``tokenlab serve`` use: a public client
(authorization code + PKCE + refresh), a confidential web client (with a post-logout redirect URI), a machine
client (client credentials), a device client (RFC 8628), two users, and
protected resources that need different scopes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from tokenlab.errors import UsageError

__all__ = ["DEVICE_GRANT", "ClientConfig", "ProviderConfig", "ResourceConfig", "UserConfig"]

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
"""The device grant's registered name (RFC 8628 §3.4)."""


@dataclass(frozen=True)
class ClientConfig:
    """A registered OAuth client (RFC 6749 §2). ``client_secret=None`` makes it public (§2.1).

    ``post_logout_redirect_uris`` are where the logout endpoint may send the browser back after a logout, a list
    apart from ``redirect_uris`` (OIDC RP-Initiated Logout §3.1): a URI that may receive a code is not thereby a
    place to land after logging out, nor the other way round. Each is an absolute URI without a fragment; ``http``
    only for a confidential client, as §3.1 allows it ("provided that the Client Type is confidential").
    """

    client_id: str
    client_secret: str | None
    grant_types: tuple[str, ...]
    redirect_uris: tuple[str, ...] = ()
    scope: str = ""
    name: str = ""
    access_token_lifetime: int = 600
    refresh_token_lifetime: int = 8 * 3600  # absolute: a grant's refresh tokens die this long after login
    refresh_token_idle: int = 3600  # idle: an unused refresh token dies after this long
    access_token_format: str = "jwt"  # or "opaque"
    post_logout_redirect_uris: tuple[str, ...] = ()  # OIDC RP-Initiated Logout §3.1; see the class's docstring

    def __post_init__(self) -> None:
        uris = self.post_logout_redirect_uris
        if isinstance(uris, str) or not all(isinstance(uri, str) for uri in uris):
            raise UsageError(
                f"{self.client_id}: post_logout_redirect_uris is a list of URIs, e.g. "
                f"('https://app.example/logged-out',), not {uris!r}"
            )
        for uri in uris:
            parts = urlsplit(uri)
            if not parts.scheme or "#" in uri or (parts.scheme in ("http", "https") and not parts.netloc):
                raise UsageError(
                    f"{self.client_id}: the post-logout redirect URI {uri!r} must be an absolute URI without a "
                    "fragment, matched exactly (OIDC RP-Initiated Logout section 3)"
                )
            if parts.scheme == "http" and self.public:
                raise UsageError(
                    f"{self.client_id}: {uri!r} uses http, which OIDC RP-Initiated Logout section 3.1 allows only "
                    "for a confidential client; use https, or an app's own scheme"
                )

    @property
    def public(self) -> bool:
        return self.client_secret is None

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.scope.split())


@dataclass(frozen=True)
class UserConfig:
    """A demo user (the resource owner): credentials for the login form, and OIDC profile claims."""

    username: str
    password: str
    sub: str
    name: str
    email: str


@dataclass(frozen=True)
class ResourceConfig:
    """A protected demo API on the provider (RFC 6750): a path, and the scope it needs."""

    path: str
    scope: str
    description: str
    method: str = "GET"


@dataclass(frozen=True)
class ProviderConfig:
    """Everything that shapes the mock provider. Immutable: make a changed copy with :meth:`replace`."""

    clients: tuple[ClientConfig, ...] = ()
    users: tuple[UserConfig, ...] = ()
    resources: tuple[ResourceConfig, ...] = ()
    issuer: str | None = None  # None: http://127.0.0.1:PORT; set it when a proxy serves the provider elsewhere
    signing_alg: str = "RS256"
    audience: str = "demo-api"  # the "aud" of access tokens for the demo resources (RFC 9068 §3)
    code_lifetime: int = 60  # RFC 6749 §4.1.2: "a maximum authorization code lifetime of 10 minutes is RECOMMENDED"
    id_token_lifetime: int = 600
    session_lifetime: int = 8 * 3600  # the provider's login session (single sign-on), OIDC Core §3.1.2.3
    device_code_lifetime: int = 600
    device_interval: int = 5  # RFC 8628 §3.2: default polling interval
    max_body_bytes: int = 64 * 1024
    seed: int | None = None  # lessons only: codes, ids and tokens become reproducible, and so predictable
    read_timeout: float = 5.0  # seconds a connection may stall mid-request before it is cut (SECURITY.md H2)
    # (keyid, secret) pairs the signed demo API (/signed/orders, RFC 9421 hmac-sha256) accepts. PUBLIC DEMO SECRETS,
    # published so that lessons repeat byte for byte; each is the base64url text of 32 random bytes, and the HMAC key
    # is that text's 43 ASCII bytes (as GitHub and Stripe use webhook secrets). Never use them anywhere else.
    signing_keys: tuple[tuple[str, str], ...] = (
        ("shop-backend", "Ucj-kXTcipREbAiCn6aTMjxx9b0HNuQFWteFBYJkks8"),
        ("warehouse", "FN7w0MMqLiarTBL6yXWmVCgnN7BbfmO3AVksfjdW384"),
    )

    @classmethod
    def demo(cls, **changes: Any) -> ProviderConfig:
        """The course's fixture: the same clients, users and resources in every notebook."""
        config = cls(
            clients=(
                ClientConfig(
                    "notebook-app",
                    None,
                    ("authorization_code", "refresh_token"),
                    ("http://127.0.0.1/callback",),
                    "openid profile email orders:read offline_access",
                    name="Notebook App (public: a single-page or mobile app)",
                ),
                ClientConfig(
                    "web-app",
                    "web-app-secret-8f2d4c1e9b7a6350",
                    ("authorization_code", "refresh_token"),
                    ("http://127.0.0.1/web/callback",),
                    "openid profile email orders:read orders:write offline_access",
                    name="Web App (confidential: a server-side application)",
                    post_logout_redirect_uris=("http://127.0.0.1/web/logged-out",),
                ),
                ClientConfig(
                    "reporting-service",
                    "reporting-secret-3c9e7a1f5d2b8046",
                    ("client_credentials",),
                    (),
                    "reports:read",
                    name="Reporting Service (machine to machine)",
                ),
                ClientConfig(
                    "intranet-app",
                    "intranet-app-secret-5e1b9d7c3a2f8064",
                    ("authorization_code", "refresh_token"),
                    ("http://127.0.0.1/intranet/callback",),
                    "openid profile orders:read offline_access",
                    name="Intranet App (confidential, opaque access tokens)",
                    access_token_format="opaque",
                    post_logout_redirect_uris=("http://127.0.0.1/intranet/logged-out",),
                ),
                ClientConfig(
                    "tv-app",
                    None,
                    (DEVICE_GRANT, "refresh_token"),
                    (),
                    "openid profile orders:read offline_access",
                    name="TV App (device flow)",
                ),
            ),
            users=(
                UserConfig("alice", "wonderland", "user-alice", "Alice Liddell", "alice@example.com"),
                UserConfig("bob", "builder", "user-bob", "Bob Builder", "bob@example.com"),
            ),
            resources=(
                ResourceConfig("/api/orders", "orders:read", "list the user's orders"),
                ResourceConfig("/api/orders", "orders:write", "place an order", method="POST"),
                ResourceConfig("/api/reports", "reports:read", "read the sales report"),
            ),
        )
        return replace(config, **changes)

    def replace(self, **changes: Any) -> ProviderConfig:
        return replace(self, **changes)

    def client(self, client_id: Any) -> ClientConfig | None:
        return next((c for c in self.clients if c.client_id == client_id), None)

    def user(self, username: Any) -> UserConfig | None:
        return next((u for u in self.users if u.username == username), None)

    def user_by_sub(self, sub: Any) -> UserConfig | None:
        return next((u for u in self.users if u.sub == sub), None)
