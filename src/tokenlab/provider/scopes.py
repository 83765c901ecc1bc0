"""Scopes (RFC 6749 §3.3): what a client asks for, and what it may have.

A scope is a space-separated list of scope tokens, each made of printable
ASCII without space, double quote or backslash. The server grants at most what
the client is registered for (or, on refresh, what the user first granted,
RFC 6749 §6); asking for more is ``invalid_scope``.
"""

from __future__ import annotations

import re

from tokenlab.errors import InvalidScopeError

__all__ = ["require_allowed_scope"]

_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")


def require_allowed_scope(requested: str | None, allowed: str, *, what: str = "this client") -> str:
    """The scope to grant: ``requested`` if it is within ``allowed``, all of ``allowed`` if absent (RFC 6749 §3.3);
    anything else raises :class:`~tokenlab.errors.InvalidScopeError`."""
    if not requested:  # RFC 6749 §3.1: a parameter sent without a value is treated as omitted
        return allowed
    tokens = requested.split(" ")
    if not all(_SCOPE_TOKEN.fullmatch(t) for t in tokens):
        raise InvalidScopeError(
            "A scope is a space-separated list of tokens without quotes or backslashes (RFC 6749 §3.3)."
        )
    extra = sorted(set(tokens) - set(allowed.split()))
    if extra:
        raise InvalidScopeError(f"{' '.join(extra)} is more than {what} may have ({allowed}).")
    return " ".join(dict.fromkeys(tokens))
