"""Every HTTP exchange with the provider, in order, with secrets masked.

The recorder is WSGI middleware: it sees each request and response as bytes,
exactly as they crossed the loopback socket. It also bounds what the provider
reads (SECURITY.md H2): a body over the cap, or one shorter than its
``Content-Length`` says, is refused before any endpoint sees it.

Recorded exchanges feed the flow inspector and the sequence diagrams, say what
they were (``exchange.kind``, :mod:`tokenlab.provider.exchange_kinds`), and
print as raw HTTP (``print(op.exchanges[-1])``). Secrets are masked by what
the application parses, however the client spelled them
(:mod:`tokenlab.provider.masking`): passwords, client secrets and credentials
hidden, codes, refresh tokens, verifiers and API keys shown as ``iJod…6Hrw``;
JWTs are kept whole so a learner can decode them.

Memory is bounded: the recorder keeps the last :data:`CAPACITY` exchanges (a
ring: the oldest goes first; ``number`` keeps counting, so ``#N`` always names
one exchange) and at most :data:`RECORDED_BODY_CHARS` characters of each body.
``clear()`` forgets them all.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tokenlab.provider.exchange_kinds import ExchangeKind, classify
from tokenlab.provider.masking import MASK, Found, mask_body, mask_header, mask_location, mask_pairs, mask_set_cookie

__all__ = ["CAPACITY", "MASK", "RECORDED_BODY_CHARS", "Exchange", "Recorder"]

#: How many exchanges a recorder keeps: the last 1000 (a lesson makes fewer than 100).
CAPACITY = 1000
#: How much of each body is kept; the rest is replaced by a note saying how much was left out.
RECORDED_BODY_CHARS = 8 * 1024
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() also accepts '²' and '١' (RFC 9110 §8.6: 1*DIGIT)


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

    def form(self) -> dict[str, list[str]]:
        """The request's form fields (``{}`` unless the body is ``application/x-www-form-urlencoded``), as masked."""
        content_type = (self.request_header("Content-Type") or "").lower()
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return {}
        return parse_qs(self.request_body, keep_blank_values=True)

    def redirect_query(self) -> dict[str, list[str]]:
        """The query of a 302/303 answer's ``Location`` (``{}`` if the answer is no such redirect)."""
        if self.status not in (302, 303):
            return {}
        return parse_qs(urlsplit(self.response_header("Location") or "").query, keep_blank_values=True)

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

    @cached_property
    def kind(self) -> ExchangeKind:
        """What this exchange was: label, detail, section, sender and receiver (:mod:`.exchange_kinds`)."""
        return classify(self)


def _bounded(text: str) -> str:
    if len(text) <= RECORDED_BODY_CHARS:
        return text
    return f"{text[:RECORDED_BODY_CHARS]}… ({len(text) - RECORDED_BODY_CHARS} more characters not recorded)"


class _BodyError(Exception):
    def __init__(self, status: str, description: str) -> None:
        self.status, self.description = status, description


def _read_body(environ: dict[str, Any], cap: int) -> bytes:
    """Read the whole body, never more than ``cap`` bytes, never trusting Content-Length blindly."""
    stream = environ["wsgi.input"]
    length_text = environ.get("CONTENT_LENGTH") or ""
    if length_text:
        if not _DIGITS.fullmatch(length_text):
            raise _BodyError(
                "400 Bad Request", "Content-Length must be ASCII digits only (RFC 9110 section 8.6: 1*DIGIT)."
            )
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
    """WSGI middleware that records exchanges in order (the last ``capacity`` of them) and bounds request bodies."""

    def __init__(
        self, app: Callable, clock_now: Callable[[], int], *, max_body_bytes: int, capacity: int = CAPACITY
    ) -> None:
        self.app = app
        self._now = clock_now
        self._cap = max_body_bytes
        self._lock = threading.Lock()
        self._exchanges: deque[Exchange] = deque(maxlen=capacity)
        self._count = 0

    @property
    def capacity(self) -> int:
        """How many exchanges are kept: older ones are forgotten, oldest first."""
        return self._exchanges.maxlen or 0

    @property
    def recorded(self) -> int:
        """How many exchanges were recorded in all, forgotten ones included: the number of the latest."""
        with self._lock:
            return self._count

    @property
    def exchanges(self) -> list[Exchange]:
        """The exchanges kept, oldest first."""
        with self._lock:
            return list(self._exchanges)

    def clear(self) -> None:
        """Forget every exchange kept so far; numbering goes on from where it was."""
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
        found = Found()
        request_headers = [
            (key[5:].replace("_", "-").title(), mask_header(key[5:], str(value), found))
            for key, value in environ.items()
            if key.startswith("HTTP_")
        ]
        content_type = environ.get("CONTENT_TYPE") or ""
        if content_type:
            request_headers.append(("Content-Type", content_type))
        if body:
            request_headers.append(("Content-Length", str(len(body))))
        query = mask_pairs(environ.get("QUERY_STRING", ""), found)
        request_body = mask_body(content_type, body, found)
        response_type = next((str(v) for k, v in headers if k.lower() == "content-type"), "")
        response_headers = [(k, _mask_response_header(k, str(v), found)) for k, v in headers]
        response_body = mask_body(response_type, payload, found)
        scrub = found.scrub  # a secret met in one place is masked wherever else the exchange repeats it
        code, _, reason = status.partition(" ")
        with self._lock:
            self._count += 1
            self._exchanges.append(
                Exchange(
                    number=self._count,
                    time=arrived,
                    method=environ.get("REQUEST_METHOD", ""),
                    path=scrub(environ.get("PATH_INFO", "")),
                    query=scrub(query),
                    request_headers=tuple((k, scrub(v)) for k, v in request_headers),
                    request_body=_bounded(scrub(request_body)),
                    status=int(code),
                    reason=reason,
                    response_headers=tuple((k, scrub(v)) for k, v in response_headers),
                    response_body=_bounded(scrub(response_body)),
                )
            )


def _mask_response_header(name: str, value: str, found: Found) -> str:
    lowered = name.lower()
    if lowered == "set-cookie":
        return mask_set_cookie(value, found)
    if lowered == "location":
        return mask_location(value, found)
    return mask_header(name, value, found)
