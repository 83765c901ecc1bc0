"""Metadata documents: RFC 8414 (OAuth 2.0 Authorization Server Metadata) and OpenID Connect Discovery 1.0 §3.

A client needs only the issuer URL: everything else (endpoints, supported
grants, signing algorithms, the JWKS) is read from here. RFC 8414 §3.3 and
OIDC Discovery §4.3: the ``issuer`` in the document must equal the URL it was
fetched from, minus the well-known suffix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from tokenlab.provider.config import DEVICE_GRANT
from tokenlab.provider.http import json_response

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp

__all__ = ["metadata", "metadata_endpoint"]


def metadata(app: ProviderApp) -> dict[str, Any]:
    issuer = app.issuer
    scopes = sorted({s for c in app.config.clients for s in c.scope.split()})
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks.json",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "revocation_endpoint": f"{issuer}/revoke",
        "introspection_endpoint": f"{issuer}/introspect",
        "device_authorization_endpoint": f"{issuer}/device_authorization",
        "end_session_endpoint": f"{issuer}/logout",
        "scopes_supported": scopes,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token", DEVICE_GRANT],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [app.config.signing_alg],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "at_hash",
            "name",
            "preferred_username",
            "email",
            "email_verified",
        ],
        "authorization_response_iss_parameter_supported": True,
        "request_parameter_supported": False,  # OIDC Discovery §3: defaults to false; said anyway
        "request_uri_parameter_supported": False,  # OIDC Discovery §3: defaults to true, so say no
    }


def metadata_endpoint(app: ProviderApp, request: Request) -> Response:
    return json_response(metadata(app))
