"""Everything the provider remembers: codes, grants, tokens, device codes, revocations.

Thread-safe: one lock guards all of it, and every single-use thing (an
authorization code, a refresh token, a device code) is checked and consumed
in one step under that lock, so two concurrent redemptions give exactly one
success (RFC 6749 §4.1.2, §10.5; RFC 9700 §4.14.2). Secrets are kept only as
SHA-256 hashes: a dump of the store leaks no usable token.

A *grant* is one client's authorization from one user (or, for client
credentials, from itself). Every token issued under it belongs to its family;
revoking the grant kills them all (RFC 9700 §4.14.2, RFC 7009 §2.1).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass, field, replace

__all__ = [
    "AccessRecord",
    "AuthorizationCode",
    "DeviceAuthorization",
    "Grant",
    "RefreshRecord",
    "Store",
    "digest",
    "new_secret",
]


def digest(secret: str) -> str:
    """The SHA-256 of a token or code: what the store keeps instead of the secret itself."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def new_secret(nbytes: int = 32) -> str:
    """A fresh random secret: 256 bits by default, base64url (RFC 6749 §10.10, RFC 6819 §5.1.4.2.2)."""
    return secrets.token_urlsafe(nbytes)


@dataclass
class Grant:
    grant_id: str
    client_id: str
    sub: str | None
    scope: str
    auth_time: int
    created: int
    revoked: bool = False
    revoked_reason: str = ""


@dataclass(frozen=True)
class AuthorizationCode:
    client_id: str
    redirect_uri: str
    redirect_uri_given: bool
    scope: str
    sub: str
    auth_time: int
    expires_at: int
    code_challenge: str | None
    code_challenge_method: str | None
    nonce: str | None


@dataclass
class AccessRecord:
    jti: str
    grant_id: str
    client_id: str
    sub: str | None
    scope: str
    issued_at: int
    expires_at: int
    audience: str
    token_format: str  # "jwt" or "opaque"


@dataclass
class RefreshRecord:
    grant_id: str
    client_id: str
    scope: str
    issued_at: int
    expires_at: int  # absolute end of the grant's refresh tokens
    idle_expires_at: int
    used: bool = False


@dataclass
class DeviceAuthorization:
    client_id: str
    scope: str
    user_code: str
    expires_at: int
    interval: int
    last_poll: int | None = None
    status: str = "pending"  # pending, approved, denied, used
    sub: str | None = None
    auth_time: int | None = None


@dataclass
class Store:
    """The provider's memory. Methods that change state take the lock; callers never do."""

    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    grants: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)  # by digest
    used_codes: dict[str, str] = field(default_factory=dict)  # digest -> grant id issued from it
    access: dict[str, AccessRecord] = field(default_factory=dict)  # by jti
    opaque: dict[str, str] = field(default_factory=dict)  # digest of an opaque access token -> jti
    refresh: dict[str, RefreshRecord] = field(default_factory=dict)  # by digest
    revoked_jtis: dict[str, int] = field(default_factory=dict)  # jti -> exp: denylist entries die with the token
    devices: dict[str, DeviceAuthorization] = field(default_factory=dict)  # by digest of the device code
    user_codes: dict[str, str] = field(default_factory=dict)  # user code -> digest of the device code
    failed_user_codes: dict[str, list[int]] = field(default_factory=dict)  # throttle key -> times of failures

    # --- grants ------------------------------------------------------------

    def new_grant(self, client_id: str, sub: str | None, scope: str, auth_time: int, now: int) -> Grant:
        grant = Grant(new_secret(12), client_id, sub, scope, auth_time, now)
        with self.lock:
            self.grants[grant.grant_id] = grant
        return grant

    def revoke_grant(self, grant_id: str, reason: str) -> None:
        """Revoke a grant and every token of its family (RFC 7009 §2.1, RFC 9700 §4.14.2)."""
        with self.lock:
            grant = self.grants.get(grant_id)
            if grant is None or grant.revoked:
                return
            grant.revoked, grant.revoked_reason = True, reason
            for record in self.access.values():
                if record.grant_id == grant_id:
                    self.revoked_jtis[record.jti] = record.expires_at
            for record in self.refresh.values():
                if record.grant_id == grant_id:
                    record.used = True

    def grant_alive(self, grant_id: str) -> bool:
        with self.lock:
            grant = self.grants.get(grant_id)
            return grant is not None and not grant.revoked

    # --- authorization codes (RFC 6749 §4.1.2) -----------------------------

    def add_code(self, code: str, record: AuthorizationCode) -> None:
        with self.lock:
            self.codes[digest(code)] = record

    def take_code(self, code: str) -> tuple[AuthorizationCode | None, str | None]:
        """Consume a code atomically: ``(record, None)`` the first time; ``(None, grant_id)`` on reuse
        (the caller revokes that grant, RFC 6749 §4.1.2); ``(None, None)`` for an unknown code."""
        key = digest(code)
        with self.lock:
            record = self.codes.pop(key, None)
            if record is not None:
                self.used_codes[key] = ""
                return record, None
            return None, self.used_codes.get(key)

    def link_code(self, code: str, grant_id: str) -> None:
        """Remember which grant a redeemed code started, so its reuse can revoke it."""
        with self.lock:
            self.used_codes[digest(code)] = grant_id

    # --- access tokens -----------------------------------------------------

    def add_access(self, record: AccessRecord, opaque_token: str | None = None) -> None:
        with self.lock:
            if record.jti in self.access:
                raise RuntimeError("jti collision")  # 128 random bits: never expected
            self.access[record.jti] = record
            if opaque_token is not None:
                self.opaque[digest(opaque_token)] = record.jti

    def access_by_opaque(self, token: str) -> AccessRecord | None:
        with self.lock:
            jti = self.opaque.get(digest(token))
            return self.access.get(jti) if jti else None

    def access_active(self, jti: str, now: int) -> AccessRecord | None:
        """The record of a live access token: known, unexpired, not revoked, its grant alive."""
        with self.lock:
            record = self.access.get(jti)
            if record is None or now >= record.expires_at or jti in self.revoked_jtis:
                return None
            grant = self.grants.get(record.grant_id)
            if grant is None or grant.revoked:
                return None
            return record

    def revoke_access(self, jti: str) -> None:
        with self.lock:
            record = self.access.get(jti)
            if record is not None:
                self.revoked_jtis[jti] = record.expires_at

    def forget_expired(self, now: int) -> None:
        """Denylist entries expire with their tokens: after ``exp`` the signature check alone rejects them."""
        with self.lock:
            for jti in [j for j, exp in self.revoked_jtis.items() if exp <= now]:
                del self.revoked_jtis[jti]

    # --- refresh tokens (RFC 6749 §6, RFC 9700 §4.14) ----------------------

    def add_refresh(self, token: str, record: RefreshRecord) -> None:
        with self.lock:
            self.refresh[digest(token)] = record

    def use_refresh(self, token: str) -> tuple[RefreshRecord | None, bool]:
        """Mark a refresh token used, atomically. Returns ``(record, first_use)``; a second use of
        the same token returns ``first_use=False`` so the caller can revoke the grant (reuse detection)."""
        with self.lock:
            record = self.refresh.get(digest(token))
            if record is None:
                return None, False
            first = not record.used
            record.used = True
            return replace(record), first

    def revoke_refresh(self, token: str) -> RefreshRecord | None:
        with self.lock:
            record = self.refresh.get(digest(token))
            if record is not None:
                record.used = True
            return record

    # --- device authorization (RFC 8628) -----------------------------------

    def add_device(self, device_code: str, record: DeviceAuthorization) -> None:
        with self.lock:
            key = digest(device_code)
            self.devices[key] = record
            self.user_codes[record.user_code] = key

    def device(self, device_code: str) -> DeviceAuthorization | None:
        with self.lock:
            return self.devices.get(digest(device_code))

    def device_by_user_code(self, user_code: str) -> DeviceAuthorization | None:
        with self.lock:
            key = self.user_codes.get(user_code)
            return self.devices.get(key) if key else None
