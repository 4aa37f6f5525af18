"""Catalogs, schemas, listing, search and the workspace home, on a real SQLite + Delta home."""

from pathlib import Path

import pyarrow as pa
import pytest

import brickyard
from brickyard import AlreadyExistsError, InvalidInputError, InvalidNameError, NotFoundError
from brickyard.adapters.metadata_sql.engine import head_revision
from brickyard.workspace import Workspace


def test_connect_initialises_a_missing_home_with_main_default(tmp_path: Path) -> None:
    home = tmp_path / "new"
    with brickyard.connect(home) as ws:
        assert [c.name for c in ws.catalog.list_catalogs()] == ["main"]
        assert [s.full_name for s in ws.catalog.list_schemas("main")] == ["main.default"]
        assert ws.catalog.list_tables("main.default") == []
    for item in ("brickyard.toml", "metadata.db", "warehouse", "jobs", "logs"):
        assert (home / item).exists(), item


def test_connect_initialises_an_empty_existing_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with brickyard.connect(tmp_path / "empty") as ws:
        assert ws.catalog.get_schema("main.default").full_name == "main.default"


def test_connect_twice_keeps_existing_objects(home: Path) -> None:
    with brickyard.connect(home) as ws:
        ws.catalog.create_catalog("sales")
    with brickyard.connect(home) as ws:
        assert [c.name for c in ws.catalog.list_catalogs()] == ["main", "sales"]


def test_home_comes_from_the_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRICKYARD_HOME", str(tmp_path / "envhome"))
    with brickyard.connect() as ws:
        assert ws.home == (tmp_path / "envhome").resolve()


def test_catalogs_and_schemas_are_created_listed_and_case_insensitive(ws: Workspace) -> None:
    info = ws.catalog.create_catalog("Sales", comment="money")
    assert info.name == "sales"
    ws.catalog.create_schema("SALES.Europe")
    ws.catalog.create_schema("sales.asia")
    assert [s.name for s in ws.catalog.list_schemas("sales")] == ["asia", "europe"]
    assert ws.catalog.get_catalog("SALES").comment == "money"


def test_duplicates_are_refused(ws: Workspace) -> None:
    ws.catalog.create_catalog("c")
    with pytest.raises(AlreadyExistsError, match="catalog 'c' already exists"):
        ws.catalog.create_catalog("c")
    ws.catalog.create_schema("c.s")
    with pytest.raises(AlreadyExistsError, match="schema 'c.s' already exists"):
        ws.catalog.create_schema("c.s")
    assert ws.catalog.create_schema("c.s", if_not_exists=True).full_name == "c.s"


def test_schema_in_a_missing_catalog_is_refused_with_close_matches(ws: Workspace) -> None:
    ws.catalog.create_catalog("analytics")
    with pytest.raises(
        NotFoundError, match=r"catalog 'analytic' does not exist; did you mean: analytics"
    ):
        ws.catalog.create_schema("analytic.s")


@pytest.mark.parametrize("name", ["bad name", "../x", "a/b", "x" * 256, "select", "9lives"])
def test_invalid_names_are_refused_everywhere(ws: Workspace, name: str) -> None:
    with pytest.raises(InvalidNameError):
        ws.catalog.create_catalog(name)
    with pytest.raises(InvalidNameError):
        ws.catalog.create_table(f"main.default.{name}", pa.table({"a": [1]}))
    assert ws.catalog.list_tables("main.default") == []


def test_dropping_non_empty_schema_needs_force(ws: Workspace) -> None:
    ws.catalog.create_schema("main.tmp")
    table = ws.catalog.create_table("main.tmp.t", pa.table({"a": [1]}))
    location = Path(table.info.storage_location)
    with pytest.raises(InvalidInputError, match="not empty"):
        ws.catalog.drop_schema("main.tmp")
    ws.catalog.drop_schema("main.tmp", force=True)
    assert not location.exists()
    with pytest.raises(NotFoundError):
        ws.catalog.get_schema("main.tmp")


def test_search_matches_names_comments_tags_and_columns(ws: Workspace) -> None:
    ws.catalog.create_catalog("finance", comment="ledger data")
    ws.catalog.create_table(
        "main.default.invoices",
        pa.table({"invoice_id": [1], "amount": [2.0]}),
        comment="Issued invoices",
        tags={"domain": "billing"},
    )
    ws.catalog.create_table(
        "main.default.payments", pa.table({"paid": [1]}), comment="invoice payments"
    )

    def hits(text: str) -> set[tuple[str, str, str]]:
        return {(h.full_name, h.kind, h.matched) for h in ws.catalog.search(text)}

    assert ("main.default.invoices", "table", "name") in hits("invoice")
    assert ("main.default.invoices.invoice_id", "column", "name") in hits("invoice")
    assert ("main.default.payments", "table", "comment") in hits("invoice")
    assert hits("billing") == {("main.default.invoices", "table", "tag")}
    assert hits("LEDGER") == {("finance", "catalog", "comment")}
    assert hits("amount") == {("main.default.invoices.amount", "column", "name")}
    assert hits("100%_sure") == set()  # LIKE wildcards in the text are literal
    with pytest.raises(InvalidInputError):
        ws.catalog.search("  ")


def test_short_table_names_resolve_against_the_current_schema(ws: Workspace) -> None:
    ws.catalog.create_catalog("c")
    ws.catalog.create_schema("c.s")
    ws.catalog.use(schema="c.s")
    table = ws.catalog.create_table("t", pa.table({"a": [1]}))
    assert table.full_name == "c.s.t"
    assert ws.catalog.table("s.t").full_name == "c.s.t"


def test_sqlite_metadata_runs_in_wal_mode(ws: Workspace) -> None:
    with ws.store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head_revision()


def test_dropping_a_catalog_whose_default_schema_has_tables_needs_force(ws: Workspace) -> None:
    ws.catalog.create_catalog("sales")
    ws.catalog.create_schema("sales.default")
    ws.catalog.create_table("sales.default.orders", pa.table({"a": [1]}))
    with pytest.raises(InvalidInputError, match="not empty"):
        ws.catalog.drop_catalog("sales")
    assert ws.catalog.table("sales.default.orders").to_arrow().num_rows == 1
    ws.catalog.drop_catalog("sales", force=True)
    assert [c.name for c in ws.catalog.list_catalogs()] == ["main"]


def test_an_empty_catalog_name_is_an_error_not_the_default(ws: Workspace) -> None:
    with pytest.raises(InvalidNameError, match="required"):
        ws.catalog.list_schemas("")
    with pytest.raises(InvalidNameError):
        ws.catalog.list_tables("")


def test_a_non_empty_folder_without_config_is_not_taken_over(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text("print('mine')\n")
    with pytest.raises(brickyard.ConfigError, match="only in a missing or empty folder"):
        brickyard.connect(project)
    assert sorted(p.name for p in project.iterdir()) == ["app.py"]


def test_a_home_path_with_url_characters_stays_that_path(tmp_path: Path) -> None:
    home = tmp_path / "we%41rd?home@x"
    with brickyard.connect(home) as ws:
        ws.catalog.create_catalog("c")
    assert (home / "metadata.db").exists()
    assert not (tmp_path / "weArd").exists()


def test_database_failures_surface_as_brickyard_errors(ws: Workspace) -> None:
    ws.catalog.create_table("t", pa.table({"a": [1]}))
    with ws.store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE table_tags")  # a damaged metadata DB
    with pytest.raises(brickyard.StorageError, match="the metadata database failed"):
        ws.catalog.list_tables("main.default")
