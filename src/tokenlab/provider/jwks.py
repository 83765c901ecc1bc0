"""The JWK Set endpoint (RFC 7517 §5, RFC 8414 ``jwks_uri``): the public keys that verify this provider's tokens.

During a key rotation it publishes the new key and the old one, so tokens
signed before the rotation keep verifying until they expire.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from tokenlab.provider.http import json_response

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp

__all__ = ["jwks_endpoint"]


def jwks_endpoint(app: ProviderApp, request: Request) -> Response:
    return json_response(app.jwks(), headers={"Cache-Control": "public, max-age=300"})
