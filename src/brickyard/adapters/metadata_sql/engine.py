"""Building the SQLAlchemy engine and applying Alembic migrations on start."""

from __future__ import annotations

import fcntl
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError
from sqlalchemy.pool import NullPool

from brickyard.domain.errors import ConfigError, StorageError

MIGRATIONS = Path(__file__).parent / "migrations"
_PG_MIGRATION_LOCK = 72_410_001  # arbitrary app-wide advisory lock id
_PG_CONNECT_TIMEOUT_S = (
    10  # unless the URL sets ?connect_timeout=; libpq's default is to wait forever
)


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite in WAL mode with a busy timeout, or PostgreSQL."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            f"metadata.url '{url}' is not a database URL; use sqlite:///path or "
            "postgresql+psycopg://user@host/db"
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        try:
            return create_engine(
                url,
                pool_pre_ping=True,
                pool_size=5,
                max_overflow=10,
                connect_args=_pg_connect_args(parsed),
            )
        except (ArgumentError, ImportError) as exc:  # unknown or uninstalled driver
            raise ConfigError(
                f"metadata.url '{parsed.render_as_string(hide_password=True)}' names the "
                f"PostgreSQL driver '{parsed.get_driver_name()}', which is not available "
                f"({exc}); use postgresql+psycopg://user@host/db"
            ) from exc
    raise ConfigError(
        f"metadata.url backend '{parsed.get_backend_name()}' is not supported; "
        "use sqlite:///path or postgresql+psycopg://user@host/db"
    )


def _pg_connect_args(url: URL) -> dict[str, Any]:
    """Give up on a server that accepts but never answers (libpq would wait forever)."""
    return {} if "connect_timeout" in url.query else {"connect_timeout": _PG_CONNECT_TIMEOUT_S}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable with WAL, far fewer fsyncs
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe when several processes start at once.

    A database already at the newest revision is checked with one query; Alembic (a slow
    import) is loaded only when there is something to migrate.
    """
    head = head_revision()
    try:
        if _current_revision(engine) == head:
            return
        from alembic import command
        from alembic.config import Config as AlembicConfig
        from alembic.runtime.migration import MigrationContext

        with _migration_lock(engine), engine.begin() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            if current == head:
                return
            cfg = AlembicConfig()
            cfg.set_main_option("script_location", str(MIGRATIONS))
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise StorageError(
            f"cannot reach the metadata database {engine.url.render_as_string(hide_password=True)}: "
            f"{exc.orig}; check metadata.url in brickyard.toml (or BRICKYARD_METADATA_URL)",
            transient=True,
        ) from exc


def head_revision() -> str:
    """The newest migration: the one no other migration builds on."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text()
        if found := re.search(r'^revision\s*=\s*"([^"]+)"', source, re.M):
            revisions.add(found.group(1))
        if found := re.search(r'^down_revision\s*=\s*"([^"]+)"', source, re.M):
            parents.add(found.group(1))
    heads = sorted(revisions - parents)
    if len(heads) != 1:
        raise StorageError(f"the metadata migrations have {len(heads)} heads: {heads}")
    return heads[0]


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        try:
            row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
        except (OperationalError, ProgrammingError):  # a new database: no version table yet
            connection.rollback()
            return None
    return None if row is None else str(row[0])


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            yield
            return
        with open(f"{database}.migrate.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return
    engine_for_lock = create_engine(
        engine.url, poolclass=NullPool, connect_args=_pg_connect_args(engine.url)
    )
    with engine_for_lock.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
            connection.commit()
    engine_for_lock.dispose()
