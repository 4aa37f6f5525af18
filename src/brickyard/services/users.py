"""Users, their roles and passwords, and the browser sessions they log in with.

Passwords are hashed with argon2id (``argon2-cffi``). A session is a random 256-bit id (the
cookie) stored only as its SHA-256, as API tokens are, with its own CSRF token; it ends
``[server] session_hours`` after login, when the user is disabled or changes password, and
when the API token it was opened with is revoked or expires. A token whose user has no user
record acts with role ``user``.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from brickyard.domain.errors import AuthError, InvalidInputError, NotFoundError
from brickyard.domain.names import validate_part
from brickyard.ports import Clock
from brickyard.services.permissions import Principal, Role
from brickyard.services.tokens import TokenService, hash_secret

MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 takes any length; a megabyte "password" is a denial of service
_HOUR_MS = 3_600_000
_TOUCH_EVERY_MS = 60_000
BAD_LOGIN = "invalid user name or password"


@dataclass(frozen=True)
class UserInfo:
    name: str
    role: Role
    disabled: bool
    has_password: bool
    created_at: int
    updated_at: int


@dataclass(frozen=True)
class UserRecord:
    info: UserInfo
    password_hash: str | None


@dataclass(frozen=True)
class SessionRecord:
    """A stored session, with what it depends on (its user's record, its token's state)."""

    id_hash: str
    user: str
    csrf_token: str
    token_id: str | None
    created_at: int
    expires_at: int
    last_seen_at: int
    user_record: UserInfo | None = None
    token_active: bool = True


@dataclass(frozen=True)
class ActiveSession:
    """A valid session: who it acts as and the CSRF token its state-changing requests carry."""

    principal: Principal
    csrf_token: str
    expires_at: int


class UserStore(Protocol):
    def create_user(self, name: str, role: Role, password_hash: str | None, now: int) -> UserInfo:
        """Raises AlreadyExistsError when the name is taken."""
        ...

    def get_user(self, name: str) -> UserRecord | None: ...
    def list_users(self) -> list[UserInfo]: ...
    def update_user(
        self, name: str, now: int, *, password_hash: str | None = None, disabled: bool | None = None
    ) -> bool: ...
    def create_session(self, session: SessionRecord) -> None: ...
    def find_session(self, id_hash: str) -> SessionRecord | None: ...
    def touch_session(self, id_hash: str, now: int) -> None: ...
    def delete_session(self, id_hash: str) -> None: ...
    def delete_sessions(
        self, user: str | None = None, expired_before: int | None = None
    ) -> int: ...


class UserService:
    def __init__(
        self,
        store: UserStore,
        clock: Clock,
        tokens: TokenService,
        session_hours: float = 12,
        hasher: PasswordHasher | None = None,
    ) -> None:
        if session_hours <= 0:
            raise InvalidInputError("[server] session_hours must be a positive number of hours")
        self.store = store
        self.clock = clock
        self.tokens = tokens
        self.session_ms = int(session_hours * _HOUR_MS)
        self.hasher = hasher or PasswordHasher()
        self._decoy: str | None = None

    # -- users ---------------------------------------------------------------------------
    def create(
        self, name: str, role: Role | str = Role.USER, password: str | None = None
    ) -> UserInfo:
        """A new user; without a password it can only log in with API tokens."""
        name = validate_part(name, "user name")
        role = Role.parse(role) if isinstance(role, str) else role
        digest = self.hasher.hash(_checked(password)) if password is not None else None
        return self.store.create_user(name, role, digest, self.clock.now_ms())

    def list(self) -> list[UserInfo]:
        return self.store.list_users()

    def get(self, name: str) -> UserInfo:
        record = self.store.get_user(name.lower())
        if record is None:
            raise NotFoundError(f"no user '{name}'; users: {', '.join(self._names()) or 'none'}")
        return record.info

    def set_password(self, name: str, password: str) -> None:
        """Change ``name``'s password; their open sessions end."""
        user = self.get(name)
        digest = self.hasher.hash(_checked(password))
        self.store.update_user(user.name, self.clock.now_ms(), password_hash=digest)
        self.store.delete_sessions(user=user.name)

    def disable(self, name: str) -> None:
        """``name`` can no longer log in or use API tokens; their open sessions end."""
        user = self.get(name)
        self.store.update_user(user.name, self.clock.now_ms(), disabled=True)
        self.store.delete_sessions(user=user.name)

    def enable(self, name: str) -> None:
        """``name`` can log in again."""
        user = self.get(name)
        self.store.update_user(user.name, self.clock.now_ms(), disabled=False)

    def principal(self, name: str) -> Principal:
        """Who ``name`` (a user or an API token's user) acts as; AuthError when disabled."""
        record = self.store.get_user(name)
        return _principal(name, record.info if record else None)

    # -- sessions ------------------------------------------------------------------------
    def login(self, name: str, password: str) -> tuple[str, ActiveSession]:
        """A new session for ``name``: (the cookie's secret, the session)."""
        if len(password) > MAX_PASSWORD:
            raise AuthError(BAD_LOGIN)  # never hash a huge input
        record = self.store.get_user(name.strip().lower()) if name.strip() else None
        if record is None or record.password_hash is None:
            self._verify(self._decoy_hash(), password)  # same time as a wrong password
            raise AuthError(BAD_LOGIN)
        if not self._verify(record.password_hash, password):
            raise AuthError(BAD_LOGIN)
        if self.hasher.check_needs_rehash(record.password_hash):
            digest = self.hasher.hash(password)
            self.store.update_user(record.info.name, self.clock.now_ms(), password_hash=digest)
        principal = _principal(record.info.name, record.info)
        return self._open(principal, None, None)

    def login_with_token(self, secret: str) -> tuple[str, ActiveSession]:
        """A new session for an API token's user; it ends when the token does."""
        token = self.tokens.authenticate(secret.strip())
        return self._open(self.principal(token.user), token.id, token.expires_at)

    def session(self, secret: str) -> ActiveSession:
        """The session whose cookie secret is ``secret``; AuthError when it is not valid."""
        now = self.clock.now_ms()
        found = self.store.find_session(hash_secret(secret))
        if found is None or found.expires_at <= now:
            raise AuthError("your session has expired or is not valid: log in again")
        if not found.token_active:
            raise AuthError("the API token this session was opened with was revoked or expired")
        principal = _principal(found.user, found.user_record)
        if now - found.last_seen_at > _TOUCH_EVERY_MS:
            self.store.touch_session(found.id_hash, now)  # at most once a minute
        return ActiveSession(principal, found.csrf_token, found.expires_at)

    def logout(self, secret: str) -> None:
        self.store.delete_session(hash_secret(secret))

    def _open(
        self, principal: Principal, token_id: str | None, token_expires: int | None
    ) -> tuple[str, ActiveSession]:
        now = self.clock.now_ms()
        self.store.delete_sessions(expired_before=now)  # housekeeping, one indexed delete
        expires = now + self.session_ms
        if token_expires is not None:
            expires = min(expires, token_expires)  # never outlives its token
        secret = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        record = SessionRecord(
            hash_secret(secret), principal.name, csrf, token_id, now, expires, now
        )
        self.store.create_session(record)
        return secret, ActiveSession(principal, csrf, expires)

    def _verify(self, digest: str, password: str) -> bool:
        try:
            return bool(self.hasher.verify(digest, password))
        except (VerificationError, InvalidHashError):
            return False

    def _decoy_hash(self) -> str:
        if self._decoy is None:
            self._decoy = self.hasher.hash(secrets.token_urlsafe(16))
        return self._decoy

    def _names(self) -> Sequence[str]:
        return [u.name for u in self.store.list_users()]


def _principal(name: str, user: UserInfo | None) -> Principal:
    if user is None:
        return Principal(name, Role.USER)
    if user.disabled:
        raise AuthError(f"user '{name}' is disabled")
    return Principal(user.name, user.role)


def _checked(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInputError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidInputError(f"a password has at most {MAX_PASSWORD} characters")
    return password
