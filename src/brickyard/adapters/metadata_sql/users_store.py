"""Users and browser sessions on SQLAlchemy Core (tables of migration ``0005``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, and_, delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from brickyard.adapters.metadata_sql.models import api_tokens, sessions, users
from brickyard.adapters.metadata_sql.transactions import Transaction, db_errors_translated
from brickyard.domain.errors import AlreadyExistsError
from brickyard.services.permissions import Role
from brickyard.services.users import SessionRecord, UserInfo, UserRecord


@db_errors_translated
class SqlUserStore:
    """The workspace's users and sessions, one short transaction per call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- users ---------------------------------------------------------------------------
    def create_user(self, name: str, role: Role, password_hash: str | None, now: int) -> UserInfo:
        try:
            with Transaction(self.engine) as conn:
                conn.execute(
                    insert(users).values(
                        name=name,
                        role=role.value,
                        password_hash=password_hash,
                        disabled=False,
                        created_at=now,
                        updated_at=now,
                    )
                )
        except IntegrityError as exc:
            raise AlreadyExistsError(f"user '{name}' already exists") from exc
        return UserInfo(name, role, False, password_hash is not None, now, now)

    def get_user(self, name: str) -> UserRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).first()
        return UserRecord(_user(row._mapping), row.password_hash) if row else None

    def list_users(self) -> list[UserInfo]:
        with self.engine.connect() as conn:
            return [_user(r._mapping) for r in conn.execute(select(users).order_by(users.c.name))]

    def update_user(
        self, name: str, now: int, *, password_hash: str | None = None, disabled: bool | None = None
    ) -> bool:
        values: dict[str, Any] = {"updated_at": now}
        if password_hash is not None:
            values["password_hash"] = password_hash
        if disabled is not None:
            values["disabled"] = disabled
        with Transaction(self.engine) as conn:
            result = conn.execute(update(users).where(users.c.name == name).values(**values))
        return bool(result.rowcount)

    # -- sessions ------------------------------------------------------------------------
    def create_session(self, session: SessionRecord) -> None:
        with Transaction(self.engine) as conn:
            conn.execute(
                insert(sessions).values(
                    id_hash=session.id_hash,
                    user_name=session.user,
                    csrf_token=session.csrf_token,
                    token_id=session.token_id,
                    created_at=session.created_at,
                    expires_at=session.expires_at,
                    last_seen_at=session.last_seen_at,
                )
            )

    def find_session(self, id_hash: str) -> SessionRecord | None:
        """The session with its user's record and its token's state, in one query."""
        query = (
            select(
                sessions,
                users.c.name.label("u_name"),
                users.c.role.label("u_role"),
                users.c.password_hash.is_not(None).label("u_has_password"),
                users.c.disabled.label("u_disabled"),
                users.c.created_at.label("u_created_at"),
                users.c.updated_at.label("u_updated_at"),
                api_tokens.c.revoked_at.label("t_revoked_at"),
                api_tokens.c.id.label("t_id"),
            )
            .select_from(
                sessions.outerjoin(users, users.c.name == sessions.c.user_name).outerjoin(
                    api_tokens, api_tokens.c.id == sessions.c.token_id
                )
            )
            .where(sessions.c.id_hash == id_hash)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        found = row._mapping
        user = None
        if found["u_name"] is not None:
            user = UserInfo(
                found["u_name"],
                Role(found["u_role"]),
                bool(found["u_disabled"]),
                bool(found["u_has_password"]),
                found["u_created_at"],
                found["u_updated_at"],
            )
        token_active = found["token_id"] is None or (
            found["t_id"] is not None and found["t_revoked_at"] is None
        )
        return SessionRecord(
            id_hash=found["id_hash"],
            user=found["user_name"],
            csrf_token=found["csrf_token"],
            token_id=found["token_id"],
            created_at=found["created_at"],
            expires_at=found["expires_at"],
            last_seen_at=found["last_seen_at"],
            user_record=user,
            token_active=token_active,
        )

    def touch_session(self, id_hash: str, now: int) -> None:
        with Transaction(self.engine) as conn:
            conn.execute(
                update(sessions).where(sessions.c.id_hash == id_hash).values(last_seen_at=now)
            )

    def delete_session(self, id_hash: str) -> None:
        with Transaction(self.engine) as conn:
            conn.execute(delete(sessions).where(sessions.c.id_hash == id_hash))

    def delete_sessions(self, user: str | None = None, expired_before: int | None = None) -> int:
        """Delete the sessions of ``user`` and/or those expired before ``expired_before``."""
        conditions = []
        if user is not None:
            conditions.append(sessions.c.user_name == user)
        if expired_before is not None:
            conditions.append(sessions.c.expires_at <= expired_before)
        if not conditions:
            return 0
        with Transaction(self.engine) as conn:
            result = conn.execute(delete(sessions).where(and_(*conditions)))
        return int(result.rowcount)


def _user(row: RowMapping) -> UserInfo:
    return UserInfo(
        name=row["name"],
        role=Role(row["role"]),
        disabled=bool(row["disabled"]),
        has_password=row["password_hash"] is not None,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
