"""The authorization response (RFC 6749 §4.1.2): the code, and the redirect that takes it, or an error, back to the
client, from the authorization endpoint (:mod:`tokenlab.provider.authorize`).

The code is 256 random bits, kept only as a hash, short-lived, and bound to everything the token request must repeat
(client, redirect URI, PKCE challenge, nonce: RFC 6749 §4.1.2, §10.5; RFC 7636 §4.4). The redirect is a 303, never a
307, so that the browser does not post the login form's password on to the client (RFC 9700 §4.12), and it carries
``state`` exactly as sent and ``iss`` (RFC 9207 §2) against mix-up attacks::

    HTTP/1.1 303 See Other
    Location: http://127.0.0.1/callback?code=Qm9u…&state=af0ifjsldkj&iss=http%3A%2F%2F127.0.0.1%3A8000
    Cache-Control: no-store
    Referrer-Policy: no-referrer

An error goes back the same way, with ``error`` and ``error_description`` (§4.1.2.1), once the redirect URI is
trusted; the description says "section", not "§": §4.1.2.1 allows printable ASCII only.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from tokenlab.errors import OAuthError
from tokenlab.provider.store import AuthorizationCode

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp
    from tokenlab.provider.config import ClientConfig

__all__ = ["error_params", "issue_code", "redirect_to_client"]

_WIRE_TEXT = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")


def issue_code(
    app: ProviderApp,
    client: ClientConfig,
    redirect_uri: str,
    redirect_uri_given: bool,
    values: dict[str, Any],
    sub: str,
    auth_time: int,
    now: int,
) -> str:
    """The code: 256 random bits, stored as a hash, short-lived, bound to everything the token request must
    repeat (RFC 6749 §4.1.2, §10.5; RFC 7636 §4.4). ``auth_time`` is when the user actually logged in."""
    code = app.store.secret()  # 256 bits; reproducible only when a lesson seeds the provider
    app.store.logins.add_code(
        code,
        AuthorizationCode(
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            redirect_uri_given=redirect_uri_given,
            scope=values["scope"],
            sub=sub,
            auth_time=auth_time,
            expires_at=now + app.config.code_lifetime,
            code_challenge=values.get("code_challenge"),
            code_challenge_method=values.get("code_challenge_method"),
            nonce=values.get("nonce"),
        ),
    )
    return code


def error_params(err: OAuthError) -> dict[str, str]:
    """``error`` and ``error_description``, kept to the characters RFC 6749 §4.1.2.1 allows."""
    return {"error": err.error, "error_description": _WIRE_TEXT.sub("?", err.description.replace("§", "section "))}


def redirect_to_client(app: ProviderApp, redirect_uri: str, params: dict[str, str], state: str | None) -> Response:
    """303 to the client (RFC 9700 §4.12) with ``state`` as sent (RFC 6749 §4.1.2) and ``iss`` (RFC 9207 §2),
    added to the registered URI's own query, which is kept as it is (RFC 6749 §3.1.2)."""
    if state is not None:
        params["state"] = state
    params["iss"] = app.issuer
    base, hash_mark, fragment = redirect_uri.partition("#")
    joiner = "" if base.endswith(("?", "&")) else "&" if "?" in base else "?"
    location = f"{base}{joiner}{urlencode(params)}{hash_mark}{fragment}"
    return Response(
        status=303, headers={"Location": location, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )
