"""Every HTTP exchange with the provider, in order, with secrets masked.

The recorder is WSGI middleware: it sees each request and response as bytes,
exactly as they crossed the loopback socket. It also bounds what the provider
reads (SECURITY.md H2): a body over the cap, or one shorter than its
``Content-Length`` says, is refused before any endpoint sees it.

Recorded exchanges feed the flow inspector and the sequence diagrams, and
print as raw HTTP (``print(op.exchanges[-1])``). Passwords, client secrets and
HTTP Basic credentials are masked; tokens are kept whole so a learner can
decode them.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

__all__ = ["Exchange", "Recorder"]

MASK = "••••••"
_SECRET_PAIR = re.compile(r"(^|&)(password|client_secret)=[^&]*")


@dataclass(frozen=True)
class Exchange:
    """One request and its response."""

    number: int
    time: int  # the shared clock's NumericDate when the request arrived
    method: str
    path: str
    query: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: str
    status: int
    reason: str
    response_headers: tuple[tuple[str, str], ...]
    response_body: str

    @property
    def url(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")

    def request_header(self, name: str) -> str | None:
        return next((v for k, v in self.request_headers if k.lower() == name.lower()), None)

    def response_header(self, name: str) -> str | None:
        return next((v for k, v in self.response_headers if k.lower() == name.lower()), None)

    def json(self) -> Any:
        """The response body parsed as JSON (``None`` if it is not JSON)."""
        try:
            return json.loads(self.response_body)
        except ValueError:
            return None

    def request_text(self) -> str:
        lines = [f"{self.method} {self.url} HTTP/1.1", *(f"{k}: {v}" for k, v in self.request_headers)]
        return "\n".join(lines) + ("\n\n" + self.request_body if self.request_body else "")

    def response_text(self) -> str:
        lines = [f"HTTP/1.1 {self.status} {self.reason}", *(f"{k}: {v}" for k, v in self.response_headers)]
        return "\n".join(lines) + ("\n\n" + self.response_body if self.response_body else "")

    def __str__(self) -> str:
        return f"{self.request_text()}\n\n{self.response_text()}"

    def summary(self) -> str:
        return f"#{self.number} {self.method} {self.path} → {self.status} {self.reason}"

    @property
    def purpose(self) -> str:
        """What this exchange was for, in a few words: ``token request (authorization_code)``, ``login form``…"""
        path, method = self.path, self.method
        if path.startswith("/.well-known/"):
            return "discovery"
        if path == "/jwks.json":
            return "public keys (JWKS)"
        if path == "/authorize":
            return (
                "login form sent"
                if method == "POST" and "request_id=" in self.request_body
                else "authorization request"
            )
        if path == "/token":
            grant = _form_value(self.request_body, "grant_type") or "?"
            return f"token request ({grant.rsplit(':', 1)[-1]})"
        if path == "/device_authorization":
            return "device authorization request"
        if path == "/device":
            return "user answers on the device page" if method == "POST" else "device verification page"
        if path == "/revoke":
            return "revocation"
        if path == "/introspect":
            return "introspection"
        if path == "/userinfo":
            return "userinfo"
        if path.startswith("/api/"):
            return f"API call: {method} {path}"
        return f"{method} {path}"

    @property
    def role(self) -> str:
        """Who sent the request: the user's ``browser`` (login and device pages) or the ``client`` app."""
        return "browser" if self.path in ("/authorize", "/device") else "client"


def _form_value(body: str, name: str) -> str | None:
    for pair in body.split("&"):
        key, _, value = pair.partition("=")
        if key == name:
            return unquote_plus(value)
    return None


def _mask_header(name: str, value: str) -> str:
    if name.lower() == "authorization" and value[:6].lower() == "basic ":
        return "Basic " + MASK
    if name.lower() == "cookie":
        return MASK
    return value


def _mask_set_cookie(name: str, value: str) -> str:
    """A session cookie is a secret too: keep its name and attributes, mask its value."""
    if name.lower() != "set-cookie":
        return value
    cookie, sep, attributes = value.partition(";")
    cookie_name, _, cookie_value = cookie.partition("=")
    return f"{cookie_name}={MASK if cookie_value else ''}{sep}{attributes}"


def _mask_query(text: str) -> str:
    """Mask the values of secret fields in a query string or form body, leaving the rest as sent."""
    return _SECRET_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}={MASK}", text) if text else text


def _mask_body(content_type: str, body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    if content_type.startswith("application/x-www-form-urlencoded"):
        return _mask_query(text)
    return text


class _BodyError(Exception):
    def __init__(self, status: str, description: str) -> None:
        self.status, self.description = status, description


def _read_body(environ: dict[str, Any], cap: int) -> bytes:
    """Read the whole body, never more than ``cap`` bytes, never trusting Content-Length blindly."""
    stream = environ["wsgi.input"]
    length_text = environ.get("CONTENT_LENGTH") or ""
    if length_text:
        if not length_text.isdigit():
            raise _BodyError("400 Bad Request", "Content-Length is not a number.")
        length = int(length_text)
        if length > cap:
            raise _BodyError("413 Content Too Large", f"The body is {length} bytes; this server accepts at most {cap}.")
        try:
            body = stream.read(length)
        except (TimeoutError, OSError):
            raise _BodyError("400 Bad Request", "The body is shorter than its Content-Length says.") from None
        if len(body) != length:
            raise _BodyError("400 Bad Request", "The body is shorter than its Content-Length says.")
        return body
    if environ.get("wsgi.input_terminated"):  # chunked: read at most cap + 1 to notice an oversized body
        body = stream.read(cap + 1)
        if len(body) > cap:
            raise _BodyError("413 Content Too Large", f"The body is over {cap} bytes.")
        return body
    return b""


class Recorder:
    """WSGI middleware that records exchanges in order and bounds request bodies."""

    def __init__(self, app: Callable, clock_now: Callable[[], int], *, max_body_bytes: int) -> None:
        self.app = app
        self._now = clock_now
        self._cap = max_body_bytes
        self._lock = threading.Lock()
        self._exchanges: list[Exchange] = []

    @property
    def exchanges(self) -> list[Exchange]:
        with self._lock:
            return list(self._exchanges)

    def clear(self) -> None:
        with self._lock:
            self._exchanges.clear()

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        arrived = self._now()
        try:
            body = _read_body(environ, self._cap)
        except _BodyError as err:
            payload = json.dumps({"error": "invalid_request", "error_description": err.description}).encode()
            headers = [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(payload))),
                ("Connection", "close"),
            ]
            self._record(environ, arrived, b"", err.status, headers, payload)
            start_response(err.status, headers)
            return [payload]
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        chunks = list(self.app(environ, capture))
        self._record(environ, arrived, body, captured["status"], captured["headers"], b"".join(chunks))
        return chunks

    def _record(
        self, environ: dict[str, Any], arrived: int, body: bytes, status: str, headers: list, payload: bytes
    ) -> None:
        request_headers = [
            (key[5:].replace("_", "-").title(), _mask_header(key[5:], str(value)))
            for key, value in environ.items()
            if key.startswith("HTTP_")
        ]
        if environ.get("CONTENT_TYPE"):
            request_headers.append(("Content-Type", environ["CONTENT_TYPE"]))
        if body:
            request_headers.append(("Content-Length", str(len(body))))
        code, _, reason = status.partition(" ")
        with self._lock:
            self._exchanges.append(
                Exchange(
                    number=len(self._exchanges) + 1,
                    time=arrived,
                    method=environ.get("REQUEST_METHOD", ""),
                    path=environ.get("PATH_INFO", ""),
                    query=_mask_query(environ.get("QUERY_STRING", "")),
                    request_headers=tuple(request_headers),
                    request_body=_mask_body(environ.get("CONTENT_TYPE", ""), body),
                    status=int(code),
                    reason=reason,
                    response_headers=tuple((k, _mask_set_cookie(k, v)) for k, v in headers),
                    response_body=payload.decode("utf-8", "replace"),
                )
            )
