"""API tokens: created once (the secret is shown once), stored hashed, listed, revoked."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from brickyard.domain.catalog import TokenInfo
from brickyard.domain.errors import AuthError, InvalidInputError, NotFoundError
from brickyard.domain.names import validate_part
from brickyard.ports import Clock, MetadataStore

TOKEN_PREFIX = "byk_"
_DAY_MS = 86_400_000


def hash_secret(secret: str) -> str:
    # Tokens are 256-bit random, so a fast hash is enough (no password stretching needed).
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenService:
    def __init__(self, store: MetadataStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def create(
        self, user: str, comment: str | None = None, lifetime_days: int | None = None
    ) -> tuple[str, TokenInfo]:
        """Make a token for ``user``; returns (secret, record). The secret is not kept."""
        user = validate_part(user, "user name")
        if lifetime_days is not None and lifetime_days <= 0:
            raise InvalidInputError("lifetime_days must be a positive number of days")
        now = self.clock.now_ms()
        expires = now + lifetime_days * _DAY_MS if lifetime_days else None
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        info = TokenInfo(str(uuid.uuid4()), user, comment, now, expires, None, None)
        self.store.create_token(info, hash_secret(secret))
        return secret, info

    def list(self) -> list[TokenInfo]:
        return self.store.list_tokens()

    def revoke(self, token_id: str) -> None:
        if not self.store.revoke_token(token_id, self.clock.now_ms()):
            known = [t.id for t in self.store.list_tokens() if t.revoked_at is None]
            raise NotFoundError(
                f"no active token with id '{token_id}'; active token ids: {known or 'none'}"
            )

    def authenticate(self, secret: str) -> TokenInfo:
        """The token's record if ``secret`` is a valid, unrevoked, unexpired token."""
        info = self.store.find_token(hash_secret(secret))
        now = self.clock.now_ms()
        if info is None or not info.is_active(now):
            raise AuthError(
                "invalid, expired or revoked token; create one with "
                "`brickyard tokens create --user NAME`"
            )
        if info.last_used_at is None or now - info.last_used_at > 60_000:
            self.store.touch_token(info.id, now)  # at most once a minute: keep reads cheap
        return info
