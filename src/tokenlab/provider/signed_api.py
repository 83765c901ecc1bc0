"""A demo API that accepts only HMAC-signed requests (RFC 9421 with ``hmac-sha256``, see :mod:`tokenlab.signing`).

No token here: each request proves itself. The client holds a shared secret under a key id
(``ProviderConfig.signing_keys``, public demo secrets) and signs the request; the API recomputes the
signature base from what arrived and checks the MAC, the body's ``Content-Digest`` (RFC 9530 §2), the
``created`` time (±300 s on the provider's clock) and the ``nonce`` (once only)::

    GET  /signed/orders?status=open&limit=2    list the shop's orders
    POST /signed/orders                        place an order: JSON {"item": "Tea set", "quantity": 2}

One exchange::

    POST /signed/orders HTTP/1.1
    Host: 127.0.0.1:8413
    Content-Type: application/json
    Content-Digest: sha-256=:Si+r3dyjqwtGJ3aRFFUJEuYpcuAHMl3i9s8WnykwlLs=:
    Signature-Input: sig1=("@method" "@authority" "@path" "@query" "content-digest" "content-type");\\
      created=1767603600;keyid="shop-backend";nonce="lesson-0001";alg="hmac-sha256"
    Signature: sig1=:<base64 of HMAC-SHA256 over the signature base>:

    {"item": "Tea set", "quantity": 2}

    HTTP/1.1 201 Created
    {"resource":"POST /signed/orders","signed_by":"shop-backend","verified":{...},"order":{...}}

A refused request gets ``401`` and a JSON body naming the failure with one of tokenlab's own codes (RFC 9421
defines none: ``missing_signature``, ``malformed_signature``, ``unknown_key``, ``stale_request``,
``replayed_nonce``, ``digest_mismatch``, ``invalid_signature``), with ``Accept-Signature`` saying what a good
signature covers (RFC 9421 §5.1).
Only a request whose signature passed reaches the parameter checks (400 ``invalid_request``).

The verifier sees the request target exactly as sent (the server's raw request line), not the path
Werkzeug decoded, so the bytes it signs are the bytes the client signed: ``@path`` and ``@query`` are the
path and query as sent (RFC 9421 §2.2.6, §2.2.7), and a query reordered or re-encoded on the way fails.

Which components must be covered, the ±300 s window and the nonce cache are this API's policy: RFC 9421
leaves such requirements to the application (§3.2.1) and names the replay risk they answer (§7.2.2).
"""

from __future__ import annotations

import json
import threading
import weakref
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from werkzeug.wrappers import Request, Response

from tokenlab.errors import InvalidRequestError, SignatureRejectedError
from tokenlab.provider.http import json_response, single_params
from tokenlab.signing import ALGORITHM, DEFAULT_COMPONENTS, SignedRequestVerifier

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp

__all__ = ["SIGNED_ORDERS", "signed_orders_endpoint", "verifier_for"]

SIGNED_ORDERS: tuple[dict[str, Any], ...] = (
    {"id": "order-3001", "item": "Tea set", "quantity": 1, "status": "open"},
    {"id": "order-3002", "item": "Pocket watch", "quantity": 1, "status": "shipped"},
    {"id": "order-3003", "item": "Teapot", "quantity": 2, "status": "open"},
    {"id": "order-3004", "item": "Sugar tongs", "quantity": 6, "status": "open"},
)
"""The shop's orders, the same in every run."""

_ACCEPT_SIGNATURE = "sig1=(" + " ".join(f'"{name}"' for name in DEFAULT_COMPONENTS) + f');created;alg="{ALGORITHM}"'
"""What a refusal asks for (RFC 9421 §5.1): the covered components, a creation time (``created``, which has no
value in a request) and the algorithm. No ``nonce``: in a request, §5.1 makes ``nonce`` the value the signer is
to use, and this API does not hand out nonces; it expects each client to make its own."""
_VERIFIERS: weakref.WeakKeyDictionary[ProviderApp, SignedRequestVerifier] = weakref.WeakKeyDictionary()
_VERIFIERS_LOCK = threading.Lock()


def verifier_for(app: ProviderApp) -> SignedRequestVerifier:
    """The provider's one verifier: its keys from the configuration, its clock, and a nonce cache that lives
    as long as the provider does."""
    with _VERIFIERS_LOCK:
        verifier = _VERIFIERS.get(app)
        if verifier is None:
            verifier = SignedRequestVerifier(dict(app.config.signing_keys), clock=app.clock)
            _VERIFIERS[app] = verifier
        return verifier


def _received_url(request: Request) -> str:
    """The URL as the client sent it: scheme, ``Host`` and the raw request target (path and query undecoded)."""
    environ = request.environ
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    if not target.startswith("/"):  # absolute-form (RFC 9112 §3.2.2), or no raw line (a WSGI test client)
        parts = urlsplit(target)
        if parts.path.startswith("/"):
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        else:
            query = environ.get("QUERY_STRING", "")
            target = quote(environ.get("PATH_INFO", "") or "/") + (f"?{query}" if query else "")
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}{target}"


def _rejected(err: SignatureRejectedError) -> Response:
    """401 with the failure's wire code; ``Accept-Signature`` (RFC 9421 §5.1) says what to sign. No HTTP
    authentication scheme is registered for message signatures, so the challenge names ``Signature``."""
    return json_response(
        err.as_dict(),
        err.status_code,
        no_store=True,
        headers={"WWW-Authenticate": 'Signature realm="signed-api"', "Accept-Signature": _ACCEPT_SIGNATURE},
    )


def signed_orders_endpoint(app: ProviderApp, request: Request) -> Response:
    # 1. verify the signature over exactly what arrived (RFC 9421 §3.2), before reading any parameter
    try:
        verified = verifier_for(app).verify(
            request.method, _received_url(request), request.headers.items(), request.get_data()
        )
    except SignatureRejectedError as err:
        return _rejected(err)
    body: dict[str, Any] = {
        "resource": f"{request.method} /signed/orders",
        "signed_by": verified.keyid,
        "verified": verified.as_dict(),
    }
    # 2. only then act on the request
    if request.method == "POST":
        body["order"] = {**_new_order(request.get_data()), "status": "accepted"}
        return json_response(body, 201)
    params = single_params(request.args)  # one value per name: a repeated parameter is refused, not guessed at
    orders = [o for o in SIGNED_ORDERS if params.get("status") in (None, o["status"])]
    limit = params.get("limit", "10")
    if not limit.isdigit() or not 1 <= int(limit) <= 10:
        raise InvalidRequestError("limit must be a whole number from 1 to 10.")
    body["orders"] = orders[: int(limit)]
    return json_response(body)


def _new_order(data: bytes) -> dict[str, Any]:
    """The JSON body of a new order: ``item`` (1 to 80 printable characters) and ``quantity`` (1 to 100)."""
    try:
        order = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequestError('Send the order as JSON: {"item": "Tea set", "quantity": 2}.') from None
    if not isinstance(order, dict):
        raise InvalidRequestError("The order must be a JSON object.")
    item, quantity = order.get("item"), order.get("quantity")
    if not isinstance(item, str) or not 0 < len(item) <= 80 or not item.isprintable():
        raise InvalidRequestError("item must be 1 to 80 printable characters.")
    if type(quantity) is not int or not 1 <= quantity <= 100:
        raise InvalidRequestError("quantity must be a whole number from 1 to 100.")
    return {"item": item, "quantity": quantity}
