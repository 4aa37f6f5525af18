"""Users and sessions in the metadata DB: argon2 hashes, password rules, sessions that end."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from brickyard.adapters.metadata_sql.users_store import SqlUserStore
from brickyard.api.auth import user_service
from brickyard.domain.errors import (
    AlreadyExistsError,
    AuthError,
    InvalidInputError,
    InvalidNameError,
    NotFoundError,
)
from brickyard.services.permissions import Role
from brickyard.services.users import UserService
from brickyard.workspace import Workspace


def test_users_are_created_once_with_a_valid_name_role_and_password(ws: Workspace) -> None:
    users = user_service(ws)
    made = users.create("Alice", "ADMIN", "long-enough")
    assert (made.name, made.role, made.disabled, made.has_password) == (
        "alice",
        Role.ADMIN,
        False,
        True,
    )
    with pytest.raises(AlreadyExistsError, match="user 'alice' already exists"):
        users.create("alice", "user", "long-enough")
    with pytest.raises(InvalidInputError, match="at least 8 characters"):
        users.create("bob", "user", "short")
    with pytest.raises(InvalidInputError, match="unknown role 'root'; roles: admin, user"):
        users.create("bob", "root", "long-enough")
    with pytest.raises(InvalidNameError, match="invalid user name"):
        users.create("bob/../x", "user", "long-enough")
    tokens_only = users.create("svc")
    assert not tokens_only.has_password
    with pytest.raises(AuthError, match="invalid user name or password"):
        users.login("svc", "")
    with pytest.raises(NotFoundError, match="no user 'zed'; users: alice, svc"):
        users.set_password("zed", "long-enough")
    assert [u.name for u in users.list()] == ["alice", "svc"]


def test_a_new_password_ends_the_users_sessions(ws: Workspace) -> None:
    users = user_service(ws)
    users.create("alice", "user", "first-password")
    secret, session = users.login("alice", "first-password")
    assert users.session(secret).principal.name == "alice"
    assert users.session(secret).csrf_token == session.csrf_token
    users.set_password("alice", "second-password")
    with pytest.raises(AuthError, match="log in again"):
        users.session(secret)
    with pytest.raises(AuthError):
        users.login("alice", "first-password")
    users.login("ALICE", "second-password")


def test_a_weaker_hash_is_upgraded_at_login(ws: Workspace) -> None:
    store = SqlUserStore(ws.store.engine)
    weak = UserService(
        store, ws.clock, ws.tokens, hasher=PasswordHasher(time_cost=1, memory_cost=8192)
    )
    weak.create("alice", "user", "the-password")
    before = store.get_user("alice")
    assert before is not None
    assert before.password_hash is not None
    user_service(ws).login("alice", "the-password")
    after = store.get_user("alice")
    assert after is not None
    assert after.password_hash != before.password_hash
    assert after.password_hash is not None
    assert "m=65536" in after.password_hash


def test_a_token_session_never_outlives_its_token(ws: Workspace) -> None:
    users = UserService(SqlUserStore(ws.store.engine), ws.clock, ws.tokens, session_hours=48)
    secret, token = ws.tokens.create("carol", lifetime_days=1)
    _, session = users.login_with_token(secret)
    assert session.expires_at == token.expires_at
    assert session.principal.role == Role.USER  # no user record named carol


def test_session_hours_must_be_positive(ws: Workspace) -> None:
    with pytest.raises(InvalidInputError, match="session_hours"):
        UserService(SqlUserStore(ws.store.engine), ws.clock, ws.tokens, session_hours=0)
