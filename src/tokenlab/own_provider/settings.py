"""Which provider, clients and test user: ``OwnProvider``, read from ``TOKENLAB_*`` environment variables."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

ENVIRONMENT = {
    "issuer": "TOKENLAB_ISSUER",
    "client_id": "TOKENLAB_CLIENT_ID",
    "client_secret": "TOKENLAB_CLIENT_SECRET",
    "scope": "TOKENLAB_SCOPE",
    "resource": "TOKENLAB_RESOURCE",
    "audience": "TOKENLAB_AUDIENCE",
    "login_client_id": "TOKENLAB_LOGIN_CLIENT_ID",
    "login_client_secret": "TOKENLAB_LOGIN_CLIENT_SECRET",
    "redirect_uri": "TOKENLAB_REDIRECT_URI",
    "login_scope": "TOKENLAB_LOGIN_SCOPE",
    "username": "TOKENLAB_USERNAME",
    "password": "TOKENLAB_PASSWORD",
}
"""Each setting of :class:`OwnProvider` and the environment variable it is read from."""


@dataclass(frozen=True)
class OwnProvider:
    """A real provider and the clients and test user registered there for the course."""

    issuer: str
    client_id: str | None = None
    client_secret: str | None = None
    scope: str | None = None
    resource: str | None = None
    audience: str | None = None
    login_client_id: str | None = None
    login_client_secret: str | None = None
    redirect_uri: str = "http://127.0.0.1/callback"
    login_scope: str = "openid"
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> OwnProvider | None:
        """The provider named by ``TOKENLAB_*`` variables, or ``None`` when ``TOKENLAB_ISSUER`` is not set."""
        environ = os.environ if environ is None else environ
        values = {name: environ[variable].strip() for name, variable in ENVIRONMENT.items() if environ.get(variable)}
        if not values.get("issuer"):
            return None
        return cls(**values)

    def problem(self) -> str | None:
        """What is wrong with ``issuer`` (RFC 8414 §2: https, no query or fragment), or ``None``."""
        parts = urlsplit(self.issuer)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            return f"TOKENLAB_ISSUER must be an https:// URL, such as https://id.example.com/realms/demo, not {self.issuer!r}."
        if parts.query or parts.fragment:
            return "An issuer URL has no query or fragment (RFC 8414 §2): remove what follows '?' or '#'."
        if parts.scheme == "http" and not _loopback(parts.hostname):
            return (
                f"{self.issuer} is plain http: an issuer must use https (RFC 8414 §2, OIDC Discovery §3), "
                "so that tokens and passwords are not sent in the clear. Only a provider on 127.0.0.1 may use http."
            )
        return None

    @property
    def expected_audience(self) -> str | None:
        return self.audience or self.resource

    @property
    def can_log_in(self) -> bool:
        return bool(self.login_client_id and self.username and self.password)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
