"""The metadata store on a real PostgreSQL server (started by the tests, see servers.py)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

import brickyard
from brickyard.adapters.metadata_sql import engine as engine_module
from brickyard.adapters.metadata_sql.models import metadata
from brickyard.config import load_config
from brickyard.home import init_home
from brickyard.workspace import Workspace
from tests.integration import servers

pytestmark = pytest.mark.postgres

postgres_server = servers.postgres_server
fresh_postgres_url = servers.fresh_postgres_url

HEAD = ScriptDirectory(str(engine_module.MIGRATIONS)).get_current_head()


def _connect(home: Path, url: str) -> Workspace:
    """Open a workspace whose brickyard.toml points the metadata at ``url``."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "brickyard.toml").write_text(f'[metadata]\nurl = "{url}"\n', encoding="utf-8")
    return brickyard.connect(home)


def _sql(url: str, query: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(query))]
    finally:
        engine.dispose()


@pytest.fixture
def pg_ws(tmp_path: Path, fresh_postgres_url: str) -> Iterator[Workspace]:
    with _connect(tmp_path / "home", fresh_postgres_url) as workspace:
        yield workspace


def test_workspace_on_postgres_creates_lists_searches_writes_and_drops_objects(
    pg_ws: Workspace, fresh_postgres_url: str
) -> None:
    cat = pg_ws.catalog
    assert pg_ws.config.metadata_url == fresh_postgres_url
    assert not (pg_ws.home / "metadata.db").exists()  # nothing went to the SQLite default
    cat.create_catalog("sales", comment="Revenue data")
    cat.create_schema("sales.raw", comment="Landing zone")
    orders = cat.create_table(
        "sales.raw.orders",
        pa.table({"order_id": [1, 2], "amount": [9.5, 20.0]}),
        comment="Web shop orders",
        tags={"team": "finance"},
    )
    cat.create_table("sales.raw.refunds", "refund_id BIGINT, reason STRING")
    with pytest.raises(brickyard.AlreadyExistsError):  # unique constraint, seen through PG
        cat.create_catalog("sales")
    with pytest.raises(brickyard.AlreadyExistsError):
        cat.create_schema("sales.raw")
    assert cat.create_schema("sales.raw", if_not_exists=True).comment == "Landing zone"

    assert [c.name for c in cat.list_catalogs()] == ["main", "sales"]
    assert [c.name for c in cat.list_catalogs(after="main", limit=1)] == ["sales"]
    assert [s.name for s in cat.list_schemas("sales")] == ["raw"]
    assert [t.name for t in cat.list_tables("sales.raw")] == ["orders", "refunds"]
    assert [t.name for t in cat.list_tables("sales.raw", after="orders")] == ["refunds"]
    hits = {(h.full_name, h.kind, h.matched) for h in cat.search("ORDER")}
    assert ("sales.raw.orders", "table", "name") in hits
    assert ("sales.raw.orders.order_id", "column", "name") in hits
    assert {(h.full_name, h.matched) for h in cat.search("financ")} == {("sales.raw.orders", "tag")}
    assert [h.full_name for h in cat.search("landing")] == ["sales.raw"]
    assert cat.search("100%_") == []  # LIKE wildcards are escaped on PostgreSQL too

    orders.append(pa.table({"order_id": [3], "amount": [1.0], "coupon": ["X"]}), merge_schema=True)
    orders.set_comment("All orders")
    orders.set_tags({"team": "growth", "pii": "no"})
    info = cat.table_info("sales.raw.orders")
    assert [c.name for c in info.columns] == ["order_id", "amount", "coupon"]
    assert (info.comment, info.tags) == ("All orders", {"pii": "no", "team": "growth"})
    assert orders.describe().rows == 3
    stored = _sql(fresh_postgres_url, "SELECT name, comment FROM tables ORDER BY name")
    assert stored == [("orders", "All orders"), ("refunds", None)]

    cat.drop_table("sales.raw.orders")
    assert [t.name for t in cat.list_tables("sales.raw")] == ["refunds"]
    with pytest.raises(brickyard.NotFoundError, match="sales.raw.refunds"):  # close match
        cat.table("sales.raw.refund")
    with pytest.raises(brickyard.InvalidInputError, match="not empty"):
        cat.drop_schema("sales.raw")
    cat.drop_catalog("sales", force=True)
    assert [c.name for c in cat.list_catalogs()] == ["main"]
    assert _sql(fresh_postgres_url, "SELECT count(*) FROM table_columns") == [(0,)]


def test_tokens_are_created_authenticated_and_revoked_on_postgres(pg_ws: Workspace) -> None:
    secret, token = pg_ws.tokens.create("alice", comment="ci", lifetime_days=1)
    other_secret, _ = pg_ws.tokens.create("bob")

    assert pg_ws.tokens.authenticate(secret).user == "alice"
    assert pg_ws.tokens.authenticate(secret).last_used_at is not None
    assert {t.user for t in pg_ws.tokens.list()} == {"alice", "bob"}
    pg_ws.tokens.revoke(token.id)
    with pytest.raises(brickyard.AuthError):
        pg_ws.tokens.authenticate(secret)
    with pytest.raises(brickyard.NotFoundError, match="no active token"):
        pg_ws.tokens.revoke(token.id)
    with pytest.raises(brickyard.AuthError):
        pg_ws.tokens.authenticate("byk_not-a-real-token")
    assert pg_ws.tokens.authenticate(other_secret).user == "bob"


def test_first_connect_migrates_an_empty_database_to_a_schema_matching_the_models(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    assert _sql(fresh_postgres_url, "SELECT to_regclass('alembic_version')") == [(None,)]

    _connect(tmp_path / "home", fresh_postgres_url).close()

    assert _sql(fresh_postgres_url, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    engine = create_engine(fresh_postgres_url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_connecting_again_keeps_the_data_and_the_migration_state(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    with _connect(tmp_path / "a", fresh_postgres_url) as first:
        first.catalog.create_catalog("kept")
        first.catalog.create_table("t", pa.table({"x": [1]}))

    for home in ("a", "b"):  # the same home again, and a second home sharing the database
        with _connect(tmp_path / home, fresh_postgres_url) as again:
            assert [c.name for c in again.catalog.list_catalogs()] == ["kept", "main"]
            assert [s.name for s in again.catalog.list_schemas("main")] == ["default"]
            assert [t.name for t in again.catalog.list_tables()] == ["t"]
    assert _sql(fresh_postgres_url, "SELECT version_num FROM alembic_version") == [(HEAD,)]


STARTER = """
import json, pathlib, sys, time
import brickyard
home, go = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
(home.parent / (home.name + ".ready")).touch()
while not go.exists():
    time.sleep(0.005)
with brickyard.connect(home) as ws:
    print(json.dumps([c.name for c in ws.catalog.list_catalogs()]))
"""


def test_processes_starting_together_on_a_fresh_database_all_succeed(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    """The pg_advisory_lock in migrate() serialises the DDL; main.default is created once."""
    starters = 3
    go = tmp_path / "go"
    env = {**os.environ, "BRICKYARD_METADATA_URL": fresh_postgres_url}
    procs = []
    for n in range(starters):
        home = tmp_path / f"home{n}"
        cmd = [sys.executable, "-c", STARTER, str(home), str(go)]
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("*.ready"))) < starters and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()  # all imported: release them at once into connect() and its migrations

    results = [proc.communicate(timeout=120) for proc in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err.decode()
        assert json.loads(out) == ["main"]
    assert _sql(fresh_postgres_url, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert _sql(fresh_postgres_url, "SELECT count(*) FROM catalogs") == [(1,)]
    assert _sql(fresh_postgres_url, "SELECT count(*) FROM schemas") == [(1,)]


def test_unreachable_postgres_url_raises_storage_error_naming_metadata_url(
    tmp_path: Path,
) -> None:
    url = f"postgresql+psycopg://brickyard:s3cret@127.0.0.1:{servers.free_port()}/nowhere"
    init_home(tmp_path)

    with pytest.raises(brickyard.StorageError) as raised:
        Workspace(load_config(tmp_path, environ={"BRICKYARD_METADATA_URL": url}))

    message = str(raised.value)
    assert "metadata.url" in message
    assert "BRICKYARD_METADATA_URL" in message
    assert "127.0.0.1" in message
    assert "s3cret" not in message  # the password is masked
    assert raised.value.transient


def test_a_server_that_never_answers_fails_after_the_connect_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "_PG_CONNECT_TIMEOUT_S", 2)
    with socket.socket() as silent:  # accepts TCP connections, never speaks PostgreSQL
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"postgresql+psycopg://brickyard@127.0.0.1:{silent.getsockname()[1]}/db"
        started = time.monotonic()
        with pytest.raises(brickyard.StorageError, match=r"timeout expired.*metadata\.url"):
            _connect(tmp_path / "home", url)
        assert time.monotonic() - started < 30


def test_a_postgres_url_with_a_missing_driver_raises_config_error(tmp_path: Path) -> None:
    with pytest.raises(brickyard.ConfigError, match=r"metadata\.url.*postgresql\+psycopg://"):
        _connect(tmp_path / "home", "postgresql+nosuchdriver://brickyard:pw@127.0.0.1/db")
