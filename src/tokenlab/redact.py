"""Keep tokens out of logs, tracebacks and printed output: redact them by where they sit and by their shape.

>>> redact("GET /orders?access_token=abc123def456 HTTP/1.1")
'GET /orders?access_token=[redacted] HTTP/1.1'
>>> redact(str({"Authorization": "Bearer 9f8e7d6c5b4a", "Accept": "application/json"}))
"{'Authorization': 'Bearer [redacted]', 'Accept': 'application/json'}"
>>> redact("X-Api-Key: k3y-0f-the-orders-api")
'X-Api-Key: [redacted]'

A secret is found in two ways.

**By position**, whatever it looks like (an opaque random string has no shape to recognise):

- the value of any ``Authorization`` or ``Proxy-Authorization`` header, whatever the scheme (``Bearer``,
  ``Basic``, ``DPoP``, ``Digest``, ``Token``…): the scheme is kept, the credentials go;
- the value of cookies (``Cookie``, ``Set-Cookie``), of a ``DPoP`` proof and of API-key headers
  (``X-Api-Key``, ``Api-Key``, ``X-Auth-Token``, ``Private-Token``…);
- the value of any field, parameter or header whose name says "secret": names containing ``token``,
  ``secret``, ``password``/``passwd``, ``passphrase``, ``api_key``/``apikey`` (and other ``*_key`` names of
  keys), ``session``, ``credential``, ``cookie``, ``authorization`` or ``assertion`` (so ``code_verifier``,
  ``client_assertion``, ``refresh_token``, ``accessToken``, ``X-Auth-Token``…), and the names ``code``,
  ``device_code``, ``code_verifier``, ``pwd``; but not names that only describe a token (``token_type``,
  ``token_endpoint``, ``expires_in``, ``max_tokens``…);
- in each of the places such a name and value are written: Python reprs (``{'k': 'v'}``, ``k='v'``), JSON
  (``{"k": "v"}``, also JSON escaped inside a string), forms and query strings (``k=v&…``), header lines
  (``K: v``), and the password of a URL (``postgres://user:[redacted]@host``).

**By shape**: every secret the scanner knows (:data:`tokenlab.scanner.RULES`: tokenlab API keys, GitHub
tokens, JWTs, AWS key ids, Slack and Stripe keys, PEM private keys), wherever it sits, shown as its public
prefix and last characters (``eyJhbGci…Q0aw``) so that two log lines can still be matched to the same token.
A PEM private key keeps only its BEGIN and END lines: its whole body becomes ``[redacted]``.

Every pattern is bounded (names at most 64 characters before and after the word that makes them secret, a
value ends at the end of its line), so the time taken grows with the length of the text, never faster.

OWASP's Logging Cheat Sheet (its "Data to exclude") names access tokens, session identifiers, passwords and
encryption keys among what should not be recorded in logs directly; RFC 6750 §5.3 advises against passing
bearer tokens in page URLs. Redaction is the safety net, not the plan: code should not log these values in
the first place.
"""

from __future__ import annotations

import logging
import re

from tokenlab.scanner import RULES
from tokenlab.shortening import shorten

__all__ = ["REDACTED", "RedactingFilter", "is_secret_name", "redact"]

REDACTED = "[redacted]"
_REDACTED = REDACTED.encode()

# A name is secret when it contains one of these words (any letter case, any prefix or suffix: accessToken,
# X-Auth-Token, client_secret, DB_PASSWORD)...
_WORDS = (
    rb"token|secret|passw(?:or)?d|passphrase|credential|session|sessid|cookie|authorization|assertion|dpop"
    rb"|api[-_.]?key|(?:private|secret|access|signing|encryption|master|client|license)[-_.]?key"
)
# ...or is one of these whole names...
_EXACT = rb"code|device_code|auth_code|pwd|code_verifier"
# ...unless it only describes a token: its type, where to send it, how long it lives, how many there are.
_NOT_SECRET_ENDINGS = (
    b"type",
    b"hint",
    b"endpoint",
    b"uri",
    b"url",
    b"supported",
    b"method",
    b"methods",
    b"expires_in",
    b"expires_at",
    b"lifetime",
    b"ttl",
    b"count",
    b"length",
    b"tokens",
    b"name",
)
_NAME_CHAR = rb"[A-Za-z0-9_.-]"


def _name(exact: bool) -> bytes:
    """The regex of a secret name (group ``name``); ``exact`` adds the whole names of :data:`_EXACT`."""
    contains = _NAME_CHAR + rb"{0,64}?(?:" + _WORDS + rb")" + _NAME_CHAR + rb"{0,64}"
    endings = b"".join(rb"(?<!" + ending + rb")" for ending in _NOT_SECRET_ENDINGS)
    return rb"(?P<name>(?:" + (_EXACT + rb"|" if exact else b"") + contains + rb")" + endings + rb")"


_NAME = _name(exact=True)
# A name starts at the start of a word (so each start is tried once), and the first check is the cheapest.
_START = rb"(?<![A-Za-z0-9_.-])(?=[A-Za-z0-9_.-])"

# 'name': 'value', "name": "value", \"name\": \"value\" (JSON inside a string), 'name': b'value'
_QUOTED_PAIR = re.compile(
    rb"(?i)(?P<nq>\\?['\"])"
    + _NAME
    + rb"(?P=nq)(?P<sep>[ \t]{0,32}:[ \t]{0,32}b?)(?P<vq>\\?['\"])"
    + rb"(?P<value>(?:(?!(?P=vq))(?:[^\\\r\n]|\\.))*)(?P=vq)"
)
# name=value, name='value', name="value": forms, query strings, keyword arguments, log fields
_ASSIGNMENT = re.compile(
    rb"(?i)" + _START + _NAME + rb"(?P<sep>=)(?P<value>\"(?:[^\"\\\r\n]|\\.)*\"|'(?:[^'\\\r\n]|\\.)*'|[\"']?[^\s&\"']+)"
)
# Name: value, to the end of the line: HTTP header lines, and "name: value" in a log message (not the whole
# names of _EXACT: "status code: 401" and "pwd: /home/alice" are ordinary text)
_HEADER = re.compile(
    rb"(?im)" + _START + _name(exact=False) + rb"(?P<sep>[ \t]{0,32}:[ \t]{0,32})(?P<value>[^\s](?:[^\r\n]*[^\s])?)"
)
# scheme://user:password@host
_USERINFO = re.compile(
    rb"(?i)(?P<name>\b[a-z][a-z0-9+.-]{0,30}://[^\s/:@'\"]{1,256})(?P<sep>:)(?P<value>[^\s/@'\"]{1,256})(?=@)"
)
_SCHEME = re.compile(rb"(?P<scheme>[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,31}[ \t]+)(?=\S)")
_CARRIES_SCHEME = re.compile(rb"(?i)^(?:proxy-)?authorization$")
# Text with none of these is left to the shape rules at once (the position rules cannot match it).
_MAY_HAVE_A_SECRET_NAME = re.compile(rb"(?i)" + _WORDS + rb"|" + _EXACT + rb"|://")
_IS_SECRET_NAME = re.compile(rb"(?i)^" + _NAME + rb"$")
# A PEM private key is the lines between its BEGIN and END lines, not only the BEGIN line the
# scanner reports: its body (base64, and the Proc-Type/DEK-Info headers of an encrypted one), also with its line
# breaks written as \n inside a repr or JSON string, goes to the END line or, in a cut-off text, to the first
# character no key body has.
_PEM_LABEL = rb"-----%s [A-Z ]{0,20}PRIVATE KEY(?: BLOCK)?-----"
_PEM_PRIVATE_KEY = re.compile(
    rb"(?P<begin>" + _PEM_LABEL % b"BEGIN" + rb")(?P<body>[A-Za-z0-9+/=\s\\:,.-]*?)"
    rb"(?P<end>" + _PEM_LABEL % b"END" + rb"|(?=[^A-Za-z0-9+/=\s\\:,.-])|\Z)"
)


def is_secret_name(name: str) -> bool:
    """Whether a field, parameter or header called ``name`` carries a secret.

    >>> [is_secret_name(n) for n in ("refresh_token", "X-Api-Key", "accessToken", "token_type", "scope")]
    [True, True, True, False, False]
    """
    return bool(_IS_SECRET_NAME.match(name.encode("utf-8", "surrogatepass")))


def _replace(match: re.Match[bytes]) -> bytes:
    """The match with its value replaced; an Authorization header keeps its scheme (``Bearer [redacted]``)."""
    value = match.group("value")
    quote = b""
    if match.re is _ASSIGNMENT and value[:1] in (b'"', b"'") and value[-1:] == value[:1] and len(value) > 1:
        quote, value = value[:1], value[1:-1]  # name="value": keep the quotes around the redacted value
    kept = b""
    if _CARRIES_SCHEME.match(match.group("name")):
        scheme = _SCHEME.match(value)
        if scheme:
            kept = scheme.group("scheme")
    start, end = match.span("value")
    whole_start = match.start()
    text = match.group(0)
    return text[: start - whole_start] + quote + kept + _REDACTED + quote + text[end - whole_start :]


def _without_key_body(match: re.Match[bytes]) -> bytes:
    """A PEM private key's BEGIN line, ``[redacted]`` for its body, and its END line if the text has one."""
    body = match.group("body")
    if not body.strip():
        return match.group(0)  # a BEGIN line alone: nothing of the key to hide
    before = body[: len(body) - len(body.lstrip())]
    after = body[len(body.rstrip()) :]
    return match.group("begin") + before + _REDACTED + after + match.group("end")


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
        out += [data[position:start], shorten(secret, shown, keep_tail, keep_whole_up_to=-1)]
        position = end
    out.append(data[position:])
    return b"".join(out)


def redact(text: str) -> str:
    """``text`` with every token, key, password and secret-bearing header, field or parameter replaced."""
    if not text:
        return text
    data = text.encode("utf-8", "surrogatepass")
    if _MAY_HAVE_A_SECRET_NAME.search(data):
        for pattern in (_QUOTED_PAIR, _ASSIGNMENT, _HEADER, _USERINFO):
            data = pattern.sub(_replace, data)
    data = _PEM_PRIVATE_KEY.sub(_without_key_body, data)
    data = _known_shapes(data)  # whatever is left that has a secret's shape
    return data.decode("utf-8", "surrogatepass")


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's message, arguments, traceback and stack text.

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
