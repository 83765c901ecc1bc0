"""Keep tokens out of logs, tracebacks and printed output: redact them, recognisably.

>>> redact("GET /orders?access_token=abc123def456 HTTP/1.1")
'GET /orders?access_token=[redacted] HTTP/1.1'
>>> redact("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz")
'Authorization: Bearer [redacted]'

What is redacted:

- every secret the scanner knows by its shape (:data:`tokenlab.scanner.RULES`: tokenlab API keys, GitHub
  tokens, JWTs, AWS key ids, Slack and Stripe keys, PEM private keys), shown as its public prefix and last
  characters (``eyJhbGci…Q0aw``), so two log lines can still be matched to the same token;
- the value of an ``Authorization``, ``Cookie`` or ``Set-Cookie`` header, and of ``X-Api-Key``-style headers;
- the value of parameters and JSON fields whose names say "secret": ``access_token``, ``refresh_token``,
  ``id_token``, ``code``, ``code_verifier``, ``client_secret``, ``password``, ``api_key``, ``token``…

OWASP's Logging Cheat Sheet lists access tokens, session ids, passwords and keys among what must never be
logged; RFC 6750 §5.3 and RFC 9700 §4.3 explain how tokens leak through URLs and logs. Redaction is the safety
net, not the plan: code should not log these values in the first place.
"""

from __future__ import annotations

import logging
import re

from tokenlab.scanner import RULES

__all__ = ["REDACTED", "RedactingFilter", "redact"]

REDACTED = "[redacted]"

_SECRET_NAMES = (
    "access_token|refresh_token|id_token|device_code|code_verifier|code|client_secret|password|passwd|"
    "api_key|apikey|secret|token|session|assertion"
)
_HEADER = re.compile(
    rb"(?im)^(?P<name>(?:proxy-)?authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token)(?P<sep>\s*:\s*)"
    rb"(?:(?P<scheme>bearer|basic|digest|token|dpop)\s+)?(?P<value>[^\r\n]+)"
)
_PARAMETER = re.compile(rb"(?i)(?P<name>(?<![A-Za-z0-9_])(?:" + _SECRET_NAMES.encode() + rb"))=(?P<value>[^&\s#\"']+)")
_JSON_FIELD = re.compile(rb'(?i)(?P<name>"(?:' + _SECRET_NAMES.encode() + rb')"\s*:\s*)"(?P<value>(?:[^"\\]|\\.)*)"')
_PYTHON_REPR = re.compile(rb"(?i)(?P<name>'(?:" + _SECRET_NAMES.encode() + rb")'\s*:\s*)'(?P<value>[^']*)'")


def _known_shapes(data: bytes) -> bytes:
    """Replace every secret the scanner knows by its shape with its public prefix, an ellipsis and its last
    characters, using the scanner's own rules (so the two never disagree about what a secret looks like)."""
    spans: list[tuple[int, int, int, int]] = []  # start, end, shown, tail
    for rule in RULES:
        for match in rule.pattern.finditer(data):
            spans.append((match.start(), match.end(), match.end("prefix") - match.start(), rule.tail))
    out, position = [], 0
    for start, end, shown, tail in sorted(spans):
        if start < position:
            continue  # overlapping matches: the first one wins
        secret = data[start:end]
        keep_tail = tail if len(secret) - shown - tail >= 8 else 0
        out += [
            data[position:start],
            secret[:shown],
            "…".encode(),
            secret[len(secret) - keep_tail :] if keep_tail else b"",
        ]
        position = end
    out.append(data[position:])
    return b"".join(out)


def redact(text: str) -> str:
    """``text`` with every token, key, password and secret-bearing header or parameter replaced."""
    if not text:
        return text
    data = text.encode("utf-8", "surrogatepass")
    data = _HEADER.sub(
        lambda m: (
            m.group("name")
            + m.group("sep")
            + ((m.group("scheme") + b" ") if m.group("scheme") else b"")
            + REDACTED.encode()
        ),
        data,
    )
    data = _JSON_FIELD.sub(lambda m: m.group("name") + b'"' + REDACTED.encode() + b'"', data)
    data = _PYTHON_REPR.sub(lambda m: m.group("name") + b"'" + REDACTED.encode() + b"'", data)
    data = _PARAMETER.sub(lambda m: m.group("name") + b"=" + REDACTED.encode(), data)
    data = _known_shapes(data)  # whatever is left that has a secret's shape
    return data.decode("utf-8", "surrogatepass")


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's message, arguments and traceback text.

    >>> import logging
    >>> log = logging.getLogger("demo")
    >>> log.addFilter(RedactingFilter())

    Attach it to a handler (``handler.addFilter(...)``) to protect everything that handler writes, whichever
    logger produced it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed %-format: keep what there is, redacted
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
