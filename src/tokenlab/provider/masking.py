"""What the recorder hides: every secret the provider would read, however the client spelled it.

Masking goes by meaning, not by spelling. A parameter's name is compared after
the decoding the application itself does (``client%5Fsecret`` *is*
``client_secret`` to the token endpoint, RFC 3986 §2.1), bodies are parsed by
the same Werkzeug parser as the endpoints, whatever the case of their
``Content-Type``, and a body the recorder cannot mask in place is withheld
rather than kept. Secrets found in one place (a code in a ``Location``, a
request id in the login page's HTML) are masked wherever else the exchange
repeats them.

Two kinds of secret (CWE-532: no secret in a log):

- *hidden* ones (passwords, client secrets, Basic credentials, cookies) show as ``••••••``: they live long, a person may
  reuse them, and part of one is a head start for a guesser;
- *opaque* one-time or bearer credentials (codes, refresh tokens, verifiers, device codes, opaque access tokens, API
  keys, the login page's request id) show as their first 4 and last 4 characters, ``iJod…6Hrw``, or, for an API key,
  as its type prefix and last 4, ``tl_live_…rREr``: enough to tell two apart in a flow, nothing to replay.

JSON Web Tokens stay whole (an access token in ``Authorization: Bearer``, an ID token, an ``id_token_hint``): the
lessons decode them from the recorded exchanges. tokenlab's recorder chooses to keep them because each is short-lived
and signed, and a lesson that explains a token has to show it; an opaque token has nothing to decode, so it is
masked.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus

from werkzeug.http import parse_options_header
from werkzeug.wrappers import Request

from tokenlab.shortening import shorten
from tokenlab.token_format import JWT_PATTERN

__all__ = ["MASK", "Found", "mask_body", "mask_header", "mask_pairs", "redact", "shown"]

MASK = "••••••"

#: Never shown in part (compared in lower case, after percent-decoding).
HIDDEN_NAMES = frozenset({"password", "new_password", "current_password", "client_secret", "otp", "totp"})
#: Shown as prefix…last characters, unless the value is a JWT (kept whole).
OPAQUE_NAMES = frozenset(
    {
        "code",
        "code_verifier",
        "refresh_token",
        "access_token",
        "device_code",
        "token",
        "request_id",
        "csrf_token",
        "key",
        "api_key",
        "apikey",
        "client_assertion",
        "id_token",
        "id_token_hint",
        "logout_token",
        "subject_token",
        "actor_token",
    }
)
#: Request or response headers that carry a credential, besides Authorization and Cookie (X-API-Key, X-Auth-Token…).
_SECRET_HEADER = re.compile(r"api.?key|token|secret|passw|credential|session", re.IGNORECASE)
_TYPED_PREFIX = re.compile(r"[a-z]{2,8}_[a-z]{2,8}_")  # tl_live_, tl_test_: a key's public type (not base64url noise)
_SHORTEST_PARTIAL = 16  # shorter opaque values are hidden whole: 8 shown characters would be half of them
_SHORTEST_ECHO = 6  # values shorter than this are not searched for elsewhere in the exchange (too many false hits)
WITHHELD = "(body withheld: it holds a secret the recorder could not mask in place)"


def is_jwt(value: str) -> bool:
    """Three base64url segments whose first is a JSON object with an ``alg``: a JWS in compact form."""
    if not JWT_PATTERN.fullmatch(value):
        return False
    head = value.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (binascii.Error, ValueError):
        return False
    return isinstance(header, dict) and "alg" in header


def redact(value: str) -> str:
    """An opaque secret as a recognisable stub: ``tl_live_…rREr`` for a typed key, ``iJod…6Hrw`` otherwise."""
    if len(value) < _SHORTEST_PARTIAL:
        return MASK
    typed = _TYPED_PREFIX.match(value)
    if typed and len(value) - typed.end() >= _SHORTEST_PARTIAL:
        return shorten(value, typed.end(), 4)
    return shorten(value, 4, 4)


def is_secret_name(name: str) -> bool:
    return name.lower() in HIDDEN_NAMES or name.lower() in OPAQUE_NAMES


def shown(name: str, value: str) -> str:
    """How a parameter's value appears in the record: masked by its (decoded) name; a JWT stays whole."""
    lowered = name.lower()
    if lowered in HIDDEN_NAMES:
        return MASK
    if lowered in OPAQUE_NAMES and value:
        return value if is_jwt(value) else redact(value)
    return value


class Found:
    """The secrets met so far in one exchange, to mask wherever else it repeats them."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}  # secret -> what is shown instead

    def add(self, value: str, replacement: str) -> None:
        if value != replacement and len(value) >= _SHORTEST_ECHO:
            self.values[value] = replacement

    def scrub(self, text: str) -> str:
        """Replace every secret met so far, as sent or percent-encoded, longest first."""
        if not text:
            return text
        for value in sorted(self.values, key=len, reverse=True):
            for spelled in {value, quote_plus(value, safe=""), quote(value, safe="")}:
                text = text.replace(spelled, self.values[value])
        return text


def mask_pairs(text: str, found: Found) -> str:
    """A query string or form body with each secret parameter's value masked, the rest exactly as sent.

    Names are read the way the application reads them (``urllib.parse.parse_qsl``, which Werkzeug uses): split on
    ``&``, then ``+`` and ``%XX`` decoded. So ``client%5Fsecret`` and ``pass%77ord`` are masked too."""
    if not text:
        return text
    pairs = []
    for pair in text.split("&"):
        raw_name, sep, raw_value = pair.partition("=")
        name = unquote_plus(raw_name, errors="replace")
        if sep and is_secret_name(name.strip()):
            value = unquote_plus(raw_value, errors="replace")
            replacement = shown(name.strip(), value)
            found.add(value, replacement)
            found.add(raw_value, replacement)
            pair = f"{raw_name}={replacement}"
        pairs.append(pair)
    return "&".join(pairs)


def mask_header(name: str, value: str, found: Found) -> str:
    """A header as recorded: credentials masked, JWT bearer tokens kept (lessons decode them)."""
    lowered = name.lower().replace("_", "-")
    if lowered in ("cookie",):
        return MASK
    if lowered in ("authorization", "proxy-authorization"):
        scheme, sep, credentials = value.strip().partition(" ")
        credentials = credentials.strip()
        if not sep:  # a bare credential with no scheme: an API key pasted as is
            found.add(value.strip(), redact(value.strip()))
            return redact(value.strip())
        if scheme.lower() == "basic" or not credentials:
            found.add(credentials, MASK)
            return f"{scheme} {MASK}"
        if is_jwt(credentials):
            return value
        found.add(credentials, redact(credentials))
        return f"{scheme} {redact(credentials)}"
    if _SECRET_HEADER.search(lowered) and value and not is_jwt(value.strip()):
        found.add(value.strip(), redact(value.strip()))
        return redact(value.strip())
    return value


def mask_set_cookie(value: str, found: Found) -> str:
    """A session cookie is a secret too: keep its name and attributes, mask its value."""
    cookie, sep, attributes = value.partition(";")
    cookie_name, _, cookie_value = cookie.partition("=")
    found.add(cookie_value.strip(), MASK)
    return f"{cookie_name}={MASK if cookie_value else ''}{sep}{attributes}"


def mask_location(value: str, found: Found) -> str:
    """A redirect's URL with secret parameters of its query and fragment masked (the code of RFC 6749 §4.1.2)."""
    base, hash_sign, fragment = value.partition("#")
    path, question, query = base.partition("?")
    return path + question + mask_pairs(query, found) + hash_sign + mask_pairs(fragment, found)


# --- bodies --------------------------------------------------------------------------------------------------------


def _walk_json(data: Any, found: Found) -> Any:
    """A copy of parsed JSON with the values of secret members masked, at any depth."""
    if isinstance(data, dict):
        masked = {}
        for key, value in data.items():
            if isinstance(value, str) and is_secret_name(str(key)):
                replacement = shown(str(key), value)
                found.add(value, replacement)
                masked[key] = replacement
            else:
                masked[key] = _walk_json(value, found)
        return masked
    if isinstance(data, list):
        return [_walk_json(item, found) for item in data]
    return data


def _mask_json(text: str, found: Found) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return mask_pairs(text, found)
    masked = _walk_json(data, found)
    if masked == data:
        return text
    in_place = found.scrub(text)
    try:
        if json.loads(in_place) == masked:
            return in_place  # same layout as sent
    except ValueError:
        pass
    return json.dumps(masked, separators=(",", ":"))  # escapes spelled a secret another way: re-encode it


def _parsed_form(content_type: str, body: bytes) -> Iterable[tuple[str, str]]:
    """The form fields as the endpoints see them (Werkzeug's parser: urlencoded or multipart)."""
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "SERVER_NAME": "recorder",
        "SERVER_PORT": "0",
        "wsgi.url_scheme": "http",
    }
    request = Request(environ)
    request.max_form_parts = 200
    try:
        return list(request.form.items(multi=True))
    except Exception:  # a body the endpoints cannot parse either: they refuse it, so it holds no parsed secret
        return []


class _Inputs(HTMLParser):
    """The ``<input name value>`` pairs of an HTML page (the login form's hidden request id)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            found = dict(attrs)
            self.pairs.append((found.get("name") or "", found.get("value") or ""))


def mask_body(content_type: str, body: bytes, found: Found) -> str:
    """A request or response body as recorded, its secrets masked.

    The media type is compared without case or parameters, as Werkzeug does before it parses a form (RFC 9110
    §8.3.1: the type and subtype are case-insensitive). Form-like text is masked whatever its declared type; a
    multipart form is parsed by Werkzeug's own parser; if a secret the endpoints would parse is still in the
    masked text, the body is withheld."""
    text = body.decode("utf-8", "replace")
    if not text:
        return text
    mimetype = parse_options_header(content_type)[0].lower()
    if mimetype == "application/json" or mimetype.endswith("+json") or text.lstrip()[:1] in ("{", "["):
        return _mask_json(text, found)
    if mimetype == "text/html":
        parser = _Inputs()
        parser.feed(text)
        for name, value in parser.pairs:
            if is_secret_name(name) and value:
                found.add(value, shown(name, value))
        return found.scrub(text)
    if mimetype == "multipart/form-data":
        fields = [(n, v) for n, v in _parsed_form(content_type, body) if is_secret_name(n) and v]
        if any(len(v) < _SHORTEST_ECHO for _, v in fields):
            return WITHHELD  # too short to find in the raw text without hitting something else
        for name, value in fields:
            found.add(value, shown(name, value))
        masked = found.scrub(text)
        again = _parsed_form(content_type, masked.encode())
        return WITHHELD if any(is_secret_name(n) and v in found.values for n, v in again) else masked
    return mask_pairs(text, found)
