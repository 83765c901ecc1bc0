"""Logins: the login pages waiting for an answer, the consents users gave, login sessions (single sign-on), and
authorization codes, waiting and redeemed.

An authorization code is single-use (RFC 6749 §4.1.2): :meth:`LoginStore.take_code` consumes it in one step under
the store's lock, so two concurrent redemptions give exactly one success, and a redeemed code is remembered with the
grant it started, so that its reuse can revoke that grant (:meth:`~LoginStore.code_came_back`,
:meth:`~LoginStore.link_code_once`). Codes, login pages' request ids and session cookies are kept as SHA-256 hashes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from tokenlab.provider.records import CAME_BACK, AuthorizationCode, LoginSession, LoginTransaction
from tokenlab.provider.store import limits
from tokenlab.provider.store.limits import digest

__all__ = ["LoginStore"]


@dataclass
class LoginStore:
    """Login pages by digest of their request id (oldest first), consents by (sub, client_id), sessions by digest of
    the cookie, codes by digest, and redeemed codes (digest -> the grant they started, and when they would have
    expired)."""

    lock: threading.RLock = field(repr=False)
    tidy: Callable[[], None] = field(repr=False)  # the store forgets what expired (callers hold the lock)
    pages: OrderedDict[str, LoginTransaction] = field(default_factory=OrderedDict)
    consents: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)  # (sub, client_id) -> scopes
    sessions: dict[str, LoginSession] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    used_codes: dict[str, str] = field(default_factory=dict)  # digest -> grant id issued from it
    used_code_expiry: dict[str, int] = field(default_factory=dict)  # digest -> when that code would have expired

    # --- login pages waiting for an answer (RFC 6749 §4.1.1–4.1.2, §10.12) --------

    def open_page(self, request_id: str, transaction: LoginTransaction, now: int) -> None:
        """Keep a login page's checked request; at most :data:`~tokenlab.provider.store.limits.MAX_LOGIN_PAGES`,
        the oldest going first."""
        with self.lock:
            for key in [k for k, t in self.pages.items() if now >= t.pending.expires_at]:
                del self.pages[key]
            while len(self.pages) >= limits.MAX_LOGIN_PAGES:
                self.pages.popitem(last=False)
            self.pages[digest(request_id)] = transaction

    def page(self, request_id: str, now: int, *, take: bool = False) -> LoginTransaction | None:
        """The unexpired login page behind a ``request_id``; ``take=True`` ends it in the same step, so a page
        submitted twice (or from two tabs) is answered once."""
        key = digest(request_id)
        with self.lock:
            transaction = self.pages.get(key)
            if transaction is None or now >= transaction.pending.expires_at:
                self.pages.pop(key, None)
                return None
            if take:
                del self.pages[key]
            return transaction

    def consented(self, sub: str, client_id: str) -> frozenset[str]:
        """The scopes ``sub`` has granted ``client_id`` so far (OIDC Core §3.1.2.4)."""
        with self.lock:
            return self.consents.get((sub, client_id), frozenset())

    def add_consent(self, sub: str, client_id: str, scope: str) -> None:
        with self.lock:
            self.consents[(sub, client_id)] = self.consented(sub, client_id) | set(scope.split())

    # --- login sessions (single sign-on) --------------------------------------

    def start_session(self, session_id: str, sub: str, auth_time: int, expires_at: int) -> None:
        with self.lock:
            self.tidy()
            self.sessions[digest(session_id)] = LoginSession(sub, auth_time, expires_at)

    def session(self, session_id: str, now: int) -> LoginSession | None:
        """The live session behind a cookie value, or ``None`` (unknown, ended or expired)."""
        if not session_id:
            return None
        with self.lock:
            session = self.sessions.get(digest(session_id))
            return session if session is not None and now < session.expires_at else None

    def end_session(self, session_id: str) -> LoginSession | None:
        with self.lock:
            return self.sessions.pop(digest(session_id), None)

    # --- authorization codes (RFC 6749 §4.1.2) -----------------------------

    def add_code(self, code: str, record: AuthorizationCode) -> None:
        with self.lock:
            self.tidy()
            self.codes[digest(code)] = record

    def codes_waiting(self) -> list[AuthorizationCode]:
        """The codes issued and not redeemed yet, oldest first (records only: the codes themselves are not kept)."""
        with self.lock:
            return list(self.codes.values())

    def take_code(self, code: str) -> tuple[AuthorizationCode | None, str | None]:
        """Consume a code atomically: ``(record, None)`` the first time; ``(None, grant_id)`` on reuse
        (the caller revokes that grant, RFC 6749 §4.1.2); ``(None, None)`` for an unknown code."""
        key = digest(code)
        with self.lock:
            record = self.codes.pop(key, None)
            if record is not None:
                self.used_codes[key] = ""
                self.used_code_expiry[key] = record.expires_at
                return record, None
            return None, self.used_codes.get(key)

    def code_came_back(self, code: str) -> str | None:
        """A redeemed code is presented again: the grant its first redemption started, for the caller to revoke
        (RFC 6749 §4.1.2). If that redemption has not linked its grant yet, the code is marked instead, and
        :meth:`link_code_once` tells the first redemption to revoke its own grant: no interleaving escapes."""
        key = digest(code)
        with self.lock:
            grant_id = self.used_codes.get(key)
            if grant_id in ("", CAME_BACK):
                self.used_codes[key] = CAME_BACK
                return None
            return grant_id

    def link_code_once(self, code: str, grant_id: str) -> bool:
        """Remember which grant a redeemed code started, so that its reuse can revoke it; ``False`` if the code came
        back while its first redemption ran (the caller then revokes that grant itself)."""
        key = digest(code)
        with self.lock:
            came_back = self.used_codes.get(key) == CAME_BACK
            self.used_codes[key] = grant_id
            return not came_back

    # --- forgetting -------------------------------------------------------------

    def prune(self, now: int, gone: int) -> None:
        """Forget codes that expired by ``gone``, and login pages and sessions that expired by ``now``."""
        with self.lock:
            for key in [k for k, t in self.pages.items() if t.pending.expires_at <= now]:
                del self.pages[key]
            for key in [k for k, r in self.codes.items() if r.expires_at <= gone]:
                del self.codes[key]
            for key in [k for k, r in self.sessions.items() if r.expires_at <= now]:
                del self.sessions[key]

    def forget_redeemed(self, gone: int, grant_known: Callable[[str], bool]) -> None:
        """Forget redeemed codes that expired by ``gone`` and whose grant is gone (or was never linked): a code
        whose grant lives is remembered as long, so that a late replay still revokes it."""
        with self.lock:
            for key in [k for k, exp in self.used_code_expiry.items() if exp <= gone]:
                if not grant_known(self.used_codes.get(key, "")):
                    self.used_codes.pop(key, None)
                    del self.used_code_expiry[key]
