"""The demo protected APIs (RFC 6750): ``/api/...`` resources that each need one scope.

The provider plays the resource server too, so a lesson can call a real API
with the token it just got. Which path needs which scope is configuration
(``ProviderConfig.resources``); the demo fixture has::

    GET  /api/orders    orders:read     list the user's orders
    POST /api/orders    orders:write    place an order
    GET  /api/reports   reports:read    read the sales report

A call succeeds only with a live access token that holds the scope (the
checks, and the 400/401/403 answers of RFC 6750 §3.1, are in
:mod:`tokenlab.provider.bearer`). The token goes in the ``Authorization``
header (§2.1) or, for a POST, in a form-encoded body (§2.2); never in the URL
(§2.3, §5.3)::

    GET /api/orders HTTP/1.1
    Authorization: Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCIs...

    HTTP/1.1 200 OK
    Content-Type: application/json

    {"resource":"GET /api/orders","allowed_by_scope":"orders:read","sub":"user-alice",
     "client_id":"web-app","orders":[{"id":"order-1001","item":"Tea set","total":"24.00 EUR"}, ...]}

Answers are small and deterministic, so a notebook's stored output repeats.
An unknown path is a 404 and a known path with another method a 405, both
before the token is looked at.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from tokenlab.errors import BearerError, InvalidRequestError, TokenFormatError
from tokenlab.provider.bearer import authenticate_bearer, bearer_error_response
from tokenlab.provider.http import json_response
from tokenlab.tokens import decode_unverified

if TYPE_CHECKING:  # pragma: no cover
    from tokenlab.provider.app import ProviderApp
    from tokenlab.provider.config import ResourceConfig
    from tokenlab.provider.store import AccessRecord

__all__ = ["DEMO_ORDERS", "resource_endpoint"]

DEMO_ORDERS: dict[str, list[dict[str, str]]] = {
    "user-alice": [
        {"id": "order-1001", "item": "Tea set", "total": "24.00 EUR"},
        {"id": "order-1002", "item": "Pocket watch", "total": "89.50 EUR"},
    ],
    "user-bob": [
        {"id": "order-2001", "item": "Hard hat", "total": "15.00 EUR"},
    ],
}
"""Each demo user's orders, by ``sub``. A client's own token (client credentials) has none."""

_REPORT = {"name": "sales", "period": "2025-12", "orders": 3, "revenue": "128.50 EUR"}


def find_resource(app: ProviderApp, path: str, method: str, *, shown: str) -> ResourceConfig | Response:
    """The demo resource at ``path`` for ``method``, or the answer to give instead: 404 for an unknown path,
    405 (with ``Allow``) for a known path and another method, both before any credential is looked at."""
    candidates = [r for r in app.config.resources if r.path == path]
    if not candidates:
        return json_response({"error": "not_found", "error_description": f"There is no API at {shown}."}, 404)
    resource = next((r for r in candidates if r.method == method), None)
    if resource is None:
        allowed = sorted({r.method for r in candidates})
        return json_response(
            {"error": "invalid_request", "error_description": f"{shown} answers {', '.join(allowed)}, not {method}."},
            405,
            headers={"Allow": ", ".join(allowed)},
        )
    return resource


def resource_endpoint(app: ProviderApp, request: Request, name: str) -> Response:
    path = "/api/" + name
    method = "GET" if request.method == "HEAD" else request.method
    resource = find_resource(app, path, method, shown=path)
    if isinstance(resource, Response):
        return resource
    try:
        # RFC 6750 §2: find the one token; §3.1: check it, then its scope
        record = authenticate_bearer(app, request, scope=resource.scope, body_allowed=True)
        body, status = _answer(request, resource, record)
    except BearerError as err:
        _log_rejection(app, request, f"{method} {path}: {err.error}")
        return bearer_error_response(err)
    app.store.events.log("used", "access_token", record.jti, record.grant_id, detail=f"{method} {path}")
    return json_response(body, status)


def _log_rejection(app: ProviderApp, request: Request, detail: str) -> None:
    """For the timeline: if the refused token is one this provider issued, note the refusal on its lane."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() != "bearer ":
        return
    token = header[7:].strip()
    record = app.store.tokens.access_by_opaque(token)
    if record is None:
        try:
            jti = decode_unverified(token).claims.get("jti")
        except TokenFormatError:
            return
        record = app.store.tokens.access_record(jti) if isinstance(jti, str) else None
    if record is not None:
        app.store.events.log("rejected", "access_token", record.jti, record.grant_id, detail=detail)


def _answer(request: Request, resource: ResourceConfig, record: AccessRecord) -> tuple[dict[str, Any], int]:
    """What the API returns once the token is accepted: who asked, which scope allowed it, and the data."""
    body: dict[str, Any] = {
        "resource": f"{resource.method} {resource.path}",
        "allowed_by_scope": resource.scope,
        "sub": record.sub,
        "client_id": record.client_id,
    }
    if (resource.method, resource.path) == ("GET", "/api/orders"):
        body["orders"] = DEMO_ORDERS.get(record.sub or "", [])
    elif (resource.method, resource.path) == ("POST", "/api/orders"):
        body["order"] = {"item": _item(request), "status": "accepted"}
        return body, 201
    elif (resource.method, resource.path) == ("GET", "/api/reports"):
        body["report"] = _REPORT
    else:
        body["description"] = resource.description
    return body, 200


def _item(request: Request) -> str:
    """The ``item`` of a new order (a form field; "Tea set" if none), at most 80 printable characters."""
    item = request.form.get("item", "Tea set") if request.mimetype == "application/x-www-form-urlencoded" else "Tea set"
    if not item or len(item) > 80 or not item.isprintable():
        raise InvalidRequestError("item must be 1 to 80 printable characters.")
    return item
