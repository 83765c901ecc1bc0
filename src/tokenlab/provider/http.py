"""HTTP helpers every endpoint shares: parameters, client authentication, JSON and error responses.

- Parameters must not repeat (RFC 6749 §3.1, §3.2); form bodies must be
  ``application/x-www-form-urlencoded`` (RFC 6749 §4.1.3, RFC 7009 §2.1, RFC 7662 §2.1).
- Clients authenticate with HTTP Basic or form parameters, never both
  (RFC 6749 §2.3.1); public clients send only ``client_id`` (§2.1, method ``none``).
- Errors are JSON with the RFC's ``error`` code (RFC 6749 §5.2); token responses
  are never cached (``Cache-Control: no-store``, RFC 6749 §5.1).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from tokenlab.errors import InvalidClientError, InvalidRequestError, OAuthError

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.config import ClientConfig, ProviderConfig

__all__ = [
    "authenticate_client",
    "form_params",
    "json_response",
    "oauth_error_response",
    "single_params",
]

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def json_response(
    data: Any, status: int = 200, *, no_store: bool = False, headers: Mapping[str, str] | None = None
) -> Response:
    body = json.dumps(data, separators=(",", ":"))
    response = Response(body, status=status, mimetype="application/json")
    if no_store:
        response.headers.update(NO_STORE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def oauth_error_response(err: OAuthError) -> Response:
    """The JSON error response of RFC 6749 §5.2; 401 ``invalid_client`` carries ``WWW-Authenticate``."""
    headers = {"WWW-Authenticate": 'Basic realm="tokenlab"'} if isinstance(err, InvalidClientError) else {}
    return json_response(err.as_dict(), err.status_code, no_store=True, headers=headers)


def single_params(params: MultiDict) -> dict[str, str]:
    """The parameters as a plain dict; a parameter given twice is an error (RFC 6749 §3.1)."""
    result: dict[str, str] = {}
    for name in params:
        values = params.getlist(name)
        if len(values) > 1:
            raise InvalidRequestError(
                f"The parameter {name!r} is given {len(values)} times; each may appear once (RFC 6749 §3.1)."
            )
        result[name] = values[0]
    return result


def form_params(request: Request) -> dict[str, str]:
    """The request's form body; any other content type is an ``invalid_request``."""
    if not request.mimetype and not request.content_length and not request.args:
        return {}  # an empty POST: every parameter omitted (e.g. RFC 8628 §3.1 with Basic authentication)
    if request.mimetype != "application/x-www-form-urlencoded":
        shown = request.mimetype or "no Content-Type"
        raise InvalidRequestError(
            f"Send the parameters as application/x-www-form-urlencoded, not {shown} (RFC 6749 §4.1.3)."
        )
    try:
        form = request.form
    except UnicodeDecodeError:
        raise InvalidRequestError("The form body is not UTF-8 (RFC 6749 Appendix B).") from None
    if request.args:
        for name in request.args:
            if name in form:
                raise InvalidRequestError(f"The parameter {name!r} is in both the URL and the body.")
    return single_params(form)


def _basic_credentials(header: str) -> tuple[str, str]:
    """Decode ``Authorization: Basic``: client id and secret are form-urlencoded first (RFC 6749 §2.3.1)."""
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidClientError("The Basic credentials are not base64 of 'client_id:client_secret'.") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise InvalidClientError("The Basic credentials have no ':' between client id and secret.")
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


def authenticate_client(config: ProviderConfig, request: Request, params: Mapping[str, str]) -> ClientConfig:
    """Who is calling? Checks the client's credentials the way RFC 6749 §2.3 says.

    Confidential clients prove themselves with their secret, by Basic or by
    ``client_secret`` in the body (one method only); public clients name
    themselves with ``client_id`` and prove nothing, which is why PKCE binds
    their codes (RFC 7636 §1).
    """
    header = request.headers.get("Authorization", "")
    basic = header[:6].lower() == "basic "
    if basic and "client_secret" in params:
        raise InvalidRequestError(
            "Use one client authentication method, not Basic and the body together (RFC 6749 §2.3)."
        )
    if basic:
        client_id, secret = _basic_credentials(header)
        if "client_id" in params and params["client_id"] != client_id:
            raise InvalidRequestError("client_id in the body differs from the one in the Basic credentials.")
    else:
        client_id, secret = params.get("client_id", ""), params.get("client_secret")
    client = config.client(client_id) if client_id else None
    if client is None:
        raise InvalidClientError("Unknown client, or no client authentication.")
    if client.public:
        if secret:
            raise InvalidClientError(f"{client_id} is a public client: it has no secret to send.")
        return client
    if secret is None or not hmac.compare_digest(secret.encode(), client.client_secret.encode()):
        raise InvalidClientError("Client authentication failed: wrong or missing client secret.")
    return client
