"""The HTTP sessions the course's clients use: headers that depend on nothing installed, and cleanup.

:func:`new_session` is a ``requests.Session`` that says ``User-Agent:
tokenlab-course`` and ``Accept-Encoding: gzip, deflate`` whatever ``requests``
version or optional packages are installed, so what a lesson prints of the
wire is the same on every machine. :func:`session_or_new` lends a verb the
caller's session or a fresh one it closes afterwards (requests' ``api.py``
does the same with ``with sessions.Session() as session``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import requests

__all__ = ["TIMEOUT", "USER_AGENT", "new_session", "session_or_new"]

TIMEOUT = 10
"""Seconds any single request of the course's clients waits before giving up."""
USER_AGENT = "tokenlab-course"
"""The ``User-Agent`` of every session :func:`new_session` makes: fixed, with no library version in it."""


def new_session() -> requests.Session:
    """A ``requests.Session`` whose default headers depend on nothing installed: ``User-Agent: tokenlab-course``
    instead of ``python-requests/<version>``, and ``Accept-Encoding: gzip, deflate`` (``requests`` adds ``br`` or
    ``zstd`` when those packages are present). Use it wherever a lesson prints what crossed the wire."""
    session = requests.Session()
    session.headers.update({"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"})
    return session


@contextlib.contextmanager
def session_or_new(session: requests.Session | None) -> Iterator[requests.Session]:
    """``session`` itself, or a fresh :func:`new_session` that is closed when the block ends."""
    if session is not None:
        yield session
    else:
        with new_session() as own:
            yield own
