"""The authorization code at the token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.5–4.6): one redemption, bound to
the client, the redirect URI and the PKCE verifier. :mod:`tokenlab.provider.authorize` issues the code.

The code works once, and a second attempt revokes what the first one got, if anything (RFC 6749 §4.1.2: MUST
deny, SHOULD revoke). A failed first attempt also uses the code up: that is this provider's choice, not a rule of
RFC 6749 or RFC 7636::

    POST /token HTTP/1.1
    Content-Type: application/x-www-form-urlencoded

    grant_type=authorization_code&code=Qm9u…&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback
    &client_id=notebook-app&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk

    HTTP/1.1 200 OK
    Content-Type: application/json
    Cache-Control: no-store

    {"access_token":"eyJ…","token_type":"Bearer","expires_in":600,"scope":"openid orders:read",
     "refresh_token":"…","id_token":"eyJ…"}

Error descriptions on the wire say "section", not "§": RFC 6749 §5.2 allows printable ASCII only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import TYPE_CHECKING, Any

from tokenlab.errors import InvalidGrantError, InvalidRequestError
from tokenlab.provider.issuance import token_response
from tokenlab.provider.store import AuthorizationCode

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp
    from tokenlab.provider.config import ClientConfig

__all__ = ["redeem_code"]

_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 §4.1: 43-128 unreserved characters


def redeem_code(app: ProviderApp, client: ClientConfig, params: dict[str, str], now: int) -> dict[str, Any]:
    """``grant_type=authorization_code``: the client (already authenticated, §3.2.1) trades its code for tokens."""
    code = params.get("code")
    if not code:
        raise InvalidRequestError("code is missing (RFC 6749 section 4.1.3).")
    # The code works once. Take it out of the store atomically, so two concurrent requests cannot
    # both succeed. RFC 6749 §4.1.2: a code used more than once MUST be refused, and the server SHOULD
    # revoke the tokens previously issued for it. The server cannot tell who sent which copy (a client
    # may retry after a lost response), so the message says what happened, not who is to blame.
    record, first_grant = app.store.logins.take_code(code)
    if record is None:
        if first_grant is None:
            raise InvalidGrantError("This authorization code is unknown (RFC 6749 section 5.2).")
        grant_id = app.store.logins.code_came_back(code)
        if grant_id:
            app.store.tokens.revoke_grant(grant_id, "authorization code used twice")
            raise InvalidGrantError(
                "This authorization code was already used; a code works once, and the tokens issued for it "
                "are now revoked (RFC 6749 section 4.1.2)."
            )
        # No tokens to revoke: the first attempt failed (or is still minting, and will revoke its own).
        raise InvalidGrantError("This authorization code was already used; a code works once (RFC 6749 section 4.1.2).")
    # From here the code is used up, whatever happens: tokenlab's provider chooses to burn a code on a failed
    # attempt too (a wrong verifier, client or redirect_uri), so that a stolen code gives one guess, not many.
    # RFC 7636 §4.6 and RFC 6749 §4.1.2 do not require this; they require refusing the failed request.
    # RFC 6749 §4.1.3: "ensure that the authorization code was issued to the authenticated confidential client,
    # or if the client is public, ensure that the code was issued to client_id in the request"
    if record.client_id != client.client_id:
        raise InvalidGrantError("This authorization code was issued to another client (RFC 6749 section 4.1.3).")
    # "verify that the authorization code is valid": unexpired on the shared clock (§4.1.2)
    if now >= record.expires_at:
        raise InvalidGrantError("This authorization code has expired (RFC 6749 section 4.1.2).")
    # "ensure that the redirect_uri parameter is present if [it] was included in the initial
    # authorization request ... and if included ensure that their values are identical" (§4.1.3)
    redirect_uri = params.get("redirect_uri") or None
    if (record.redirect_uri_given and redirect_uri is None) or (redirect_uri not in (None, record.redirect_uri)):
        raise InvalidGrantError(
            "redirect_uri must be identical to the one in the authorization request (RFC 6749 section 4.1.3)."
        )
    _check_code_verifier(record, params.get("code_verifier") or None)
    grant = app.store.tokens.new_grant(client.client_id, record.sub, record.scope, record.auth_time, now)
    body = token_response(app, grant, client, record.scope, now, refresh=True, nonce=record.nonce)
    if not app.store.logins.link_code_once(code, grant.grant_id):  # the code came back while we were minting
        app.store.tokens.revoke_grant(grant.grant_id, "authorization code used twice")
    return body


def _check_code_verifier(record: AuthorizationCode, verifier: str | None) -> None:
    """RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge, or ``invalid_grant``."""
    if record.code_challenge is None:
        if verifier is not None:  # PKCE downgrade: a verifier where no challenge was sent (RFC 9700 §4.8.2)
            raise InvalidGrantError(
                "code_verifier is sent but the authorization request had no code_challenge (RFC 9700 section 4.8.2)."
            )
        return
    if verifier is None:
        raise InvalidGrantError(
            "code_verifier is missing; this code was issued with a code_challenge, so the client must send it "
            "(RFC 7636 section 4.5) and the server must enforce it (RFC 9700 section 2.1.1)."
        )
    if not _VERIFIER.fullmatch(verifier):
        raise InvalidGrantError(
            f"code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~; this one has {len(verifier)} "
            "(RFC 7636 section 4.1)."
        )
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    if not hmac.compare_digest(computed, record.code_challenge):
        raise InvalidGrantError("code_verifier does not match the code_challenge (RFC 7636 section 4.6).")
