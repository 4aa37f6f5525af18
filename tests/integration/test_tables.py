"""Delta tables through the catalog: writes, reads, time travel, history, describe."""

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from brickyard import (
    BrickyardError,
    InvalidInputError,
    InvalidNameError,
    NotFoundError,
    SchemaMismatchError,
    StorageError,
)
from brickyard.workspace import Workspace

ROWS = pa.table({"id": [1, 2, 3], "name": ["a", "b", "c"]})


def rows_of(table: pa.Table) -> list[dict[str, object]]:
    return sorted(table.to_pylist(), key=lambda r: str(r["id"]))


@pytest.mark.parametrize(
    "data",
    [
        ROWS,
        ROWS.to_reader(),
        ROWS.to_batches()[0],
        pd.DataFrame({"id": [1, 2, 3], "name": ["a", "b", "c"]}),
        pl.DataFrame({"id": [1, 2, 3], "name": ["a", "b", "c"]}),
        [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "c"}],
    ],
    ids=["arrow", "reader", "batch", "pandas", "polars", "rows"],
)
def test_create_table_takes_anything_arrow_can_take(ws: Workspace, data: object) -> None:
    table = ws.catalog.create_table("main.default.people", data, comment="people")
    assert table.version == 0
    assert rows_of(table.to_arrow()) == rows_of(ROWS)
    assert [c.type_text for c in table.info.columns] == ["bigint", "string"]


def test_create_table_from_a_schema_or_ddl_is_empty(ws: Workspace) -> None:
    t1 = ws.catalog.create_table("t1", pa.schema([("id", pa.int64())]))
    t2 = ws.catalog.create_table("t2", "id BIGINT, price DECIMAL(10,2) COMMENT 'in EUR'")
    assert t1.to_arrow().num_rows == 0
    assert [(c.name, c.type_text, c.comment) for c in t2.info.columns] == [
        ("id", "bigint", None),
        ("price", "decimal(10,2)", "in EUR"),
    ]


def test_tables_live_under_warehouse_catalog_schema_name_id(ws: Workspace) -> None:
    table = ws.catalog.create_table("main.default.t", ROWS)
    location = Path(table.info.storage_location)
    assert location.parent == Path(ws.config.warehouse) / "main" / "default"
    assert location.name.startswith("t-")
    assert (location / "_delta_log").is_dir()


def test_append_overwrite_merge_delete_and_history(ws: Workspace) -> None:
    table = ws.catalog.create_table("t", ROWS)
    table.append(pa.table({"id": [4], "name": ["d"]}))
    table.merge(pa.table({"id": [4, 5], "name": ["D", "e"]}), on=["id"])
    table.delete("id <= 2")
    assert rows_of(table.to_arrow()) == [
        {"id": 3, "name": "c"},
        {"id": 4, "name": "D"},
        {"id": 5, "name": "e"},
    ]
    table.overwrite(pa.table({"id": [9], "name": ["z"]}))
    assert table.to_arrow().to_pylist() == [{"id": 9, "name": "z"}]
    operations = [(h.version, h.operation) for h in table.history()]
    assert operations == [(4, "WRITE"), (3, "DELETE"), (2, "MERGE"), (1, "WRITE"), (0, "WRITE")]
    assert table.history(limit=1)[0].version == 4
    assert {h.user for h in table.history()} == {ws.user}  # who made each version


def test_append_with_the_wrong_schema_writes_nothing_and_shows_both(ws: Workspace) -> None:
    table = ws.catalog.create_table("t", ROWS)
    with pytest.raises(SchemaMismatchError) as error:
        table.append(pa.table({"id": ["x"], "extra": [1.0]}))
    message = str(error.value)
    assert "table schema: id int64, name string" in message
    assert "data schema:  id string, extra double" in message
    assert "overwrite_schema=True" in message
    assert table.version == 0
    assert table.to_arrow().num_rows == 3


def test_compatible_types_are_widened_on_append(ws: Workspace) -> None:
    table = ws.catalog.create_table("t", ROWS)
    table.append(pa.table({"name": ["d"], "id": pa.array([4], pa.int32())}))
    assert table.to_arrow().num_rows == 4


def test_overwrite_schema_evolves_the_table_and_the_catalog(ws: Workspace) -> None:
    table = ws.catalog.create_table("t", ROWS)
    with pytest.raises(SchemaMismatchError):
        table.overwrite(pa.table({"x": [1.5]}))
    table.overwrite(pa.table({"x": [1.5]}), overwrite_schema=True)
    assert table.schema.names == ["x"]
    assert [c.name for c in ws.catalog.table_info("t").columns] == ["x"]
    assert ws.catalog.search("x")[0].full_name in {"main.default.t.x"}


def test_merge_schema_adds_columns_on_append(ws: Workspace) -> None:
    table = ws.catalog.create_table("t", ROWS)
    table.append(pa.table({"id": [4], "name": ["d"], "score": [0.5]}), merge_schema=True)
    assert table.schema.names == ["id", "name", "score"]
    assert [c.name for c in table.info.columns] == ["id", "name", "score"]


def test_merge_on_a_missing_key_column_is_refused(ws: Workspace) -> None:
    table = ws.catalog.create_table("t", ROWS)
    with pytest.raises(
        InvalidInputError, match=r"merge key column 'key' is missing from the table and the data"
    ):
        table.merge(ROWS, on="key")
    with pytest.raises(InvalidInputError, match="missing from the data"):
        table.merge(pa.table({"name": ["x"]}), on="id")
    assert table.version == 0


def test_bad_delete_predicate_is_explained_and_changes_nothing(ws: Workspace) -> None:
    table = ws.catalog.create_table("t", ROWS)
    with pytest.raises(InvalidInputError, match="cannot apply the predicate 'nope = 1'"):
        table.delete("nope = 1")
    assert table.version == 0
    table.delete()
    assert table.to_arrow().num_rows == 0


def test_time_travel_by_version_and_timestamp(ws: Workspace) -> None:
    table = ws.catalog.create_table("t", ROWS)
    time.sleep(0.02)
    between = dt.datetime.now(dt.UTC)
    time.sleep(0.02)
    table.append(pa.table({"id": [4], "name": ["d"]}))
    assert table.to_arrow(version=0).num_rows == 3
    assert table.to_arrow(timestamp=between).num_rows == 3
    assert table.to_arrow(timestamp=between.isoformat()).num_rows == 3
    assert table.to_arrow().num_rows == 4
    with pytest.raises(
        InvalidInputError, match="version 7 does not exist; the table has versions 0 to 1"
    ):
        table.to_arrow(version=7)
    with pytest.raises(InvalidInputError, match="did not exist at 2000-01-01"):
        table.to_arrow(timestamp="2000-01-01T00:00:00+00:00")
    with pytest.raises(InvalidInputError, match="ISO 8601"):
        table.to_arrow(timestamp="yesterday")


def test_columns_and_filters_in_every_form(ws: Workspace) -> None:
    table = ws.catalog.create_table(
        "t", pa.table({"id": list(range(100)), "v": [i % 7 for i in range(100)]})
    )
    assert table.to_arrow(columns=["v"]).column_names == ["v"]
    assert table.to_arrow(filter=pc.field("id") >= 90).num_rows == 10
    assert table.to_arrow(filter=[("id", ">=", 90)]).num_rows == 10
    assert table.to_arrow(filter="id >= 90 AND v = 6", columns=["id"]).to_pylist() == [
        {"id": 90},
        {"id": 97},
    ]
    with pytest.raises(InvalidInputError, match=r"unknown column\(s\) \['nope'\]"):
        table.to_arrow(columns=["nope"])
    with pytest.raises(InvalidInputError, match="cannot apply the filter"):
        table.to_arrow(filter="id >>> 3")


def test_filters_prune_files_by_statistics(ws: Workspace) -> None:
    table = ws.catalog.create_table("t", pa.table({"id": list(range(10))}))
    for start in range(10, 100, 10):
        table.append(pa.table({"id": list(range(start, start + 10))}))
    # Remove the data file of ids 0-9 behind Delta's back: a read that opens it fails, so a
    # filtered read that succeeds proves that file was pruned by its statistics.
    first = table.to_arrow(filter=pc.field("id") < 10)
    assert first.num_rows == 10
    files = sorted(
        Path(table.info.storage_location).glob("*.parquet"), key=lambda p: p.stat().st_mtime
    )
    files[0].unlink()
    with pytest.raises(Exception, match=r"(?i)not found|no such file"):
        table.to_arrow()
    assert table.to_arrow(filter=pc.field("id") >= 95).num_rows == 5
    assert table.to_arrow(filter=[("id", ">=", 95)]).num_rows == 5
    assert table.to_arrow(filter="id >= 95").num_rows == 5


def test_partitioned_tables(ws: Workspace) -> None:
    data = pa.table({"id": [1, 2, 3], "region": ["EU", "US", "EU"]})
    table = ws.catalog.create_table("t", data, partition_by="region")
    assert table.describe().partition_by == ("region",)
    assert table.to_arrow(filter=pc.field("region") == "EU").num_rows == 2
    with pytest.raises(InvalidInputError, match="partition column"):
        ws.catalog.create_table("t2", data, partition_by=["nope"])
    assert ws.catalog.list_tables("main.default")[-1].name == "t"


def test_describe_comment_and_tags(ws: Workspace) -> None:
    table = ws.catalog.create_table("t", ROWS, comment="first")
    table.append(ROWS)
    table.set_comment("second")
    table.set_tags({"Owner": "data-team", "tier": "gold"})
    d = table.describe()
    assert (d.rows, d.files, d.version) == (6, 2, 1)
    assert d.bytes > 0
    assert d.comment == "second"
    assert d.tags == {"owner": "data-team", "tier": "gold"}
    assert d.created_at <= d.updated_at
    assert [c.name for c in d.columns] == ["id", "name"]


def test_a_missing_table_lists_close_matches(ws: Workspace) -> None:
    ws.catalog.create_table("orders", ROWS)
    ws.catalog.create_table("customers", ROWS)
    with pytest.raises(
        NotFoundError,
        match=r"'main.default.ordrs' does not exist; did you mean: main.default.orders\?",
    ):
        ws.catalog.table("ordrs")


def test_a_dropped_table_is_gone_everywhere(ws: Workspace) -> None:
    table = ws.catalog.create_table("t", ROWS)
    location = Path(table.info.storage_location)
    ws.catalog.drop_table("t")
    assert not location.exists()
    with pytest.raises(NotFoundError, match="'main.default.t' does not exist"):
        table.to_arrow()
    with pytest.raises(NotFoundError):
        table.append(ROWS)
    with pytest.raises(NotFoundError):
        ws.catalog.drop_table("t")
    ws.catalog.drop_table("t", if_exists=True)
    recreated = ws.catalog.create_table("t", pa.table({"other": [1.0]}))
    assert recreated.to_arrow().column_names == ["other"]


def _nothing_written(ws: Workspace) -> bool:
    return ws.catalog.list_tables() == [] and not list(Path(ws.config.warehouse).rglob("*.parquet"))


def test_a_failed_create_leaves_neither_data_nor_catalog_entry(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InvalidNameError, match="invalid column name 'bad name'"):
        ws.catalog.create_table("t", pa.table({"bad name": [1]}))
    with pytest.raises(InvalidInputError):
        ws.catalog.create_table("t", object())
    with pytest.raises(InvalidNameError, match="invalid tag key"):
        ws.catalog.create_table("t", ROWS, tags={"bad key!": "x"})

    def failing_batches() -> Iterator[pa.RecordBatch]:
        yield from ROWS.to_batches()
        raise ValueError("the source broke mid-stream")

    broken = pa.RecordBatchReader.from_batches(ROWS.schema, failing_batches())
    with pytest.raises(BrickyardError):
        ws.catalog.create_table("t", broken)
    assert _nothing_written(ws)

    def refuse(info: object) -> None:
        raise StorageError("metadata DB unavailable", transient=True)

    monkeypatch.setattr(ws.store, "create_table", refuse)
    with pytest.raises(StorageError, match="metadata DB unavailable"):
        ws.catalog.create_table("t", ROWS)
    monkeypatch.undo()
    assert _nothing_written(ws)
    assert not list(Path(ws.config.warehouse).rglob("_delta_log"))


def test_column_and_partition_names_can_not_become_paths(ws: Workspace) -> None:
    for name in ("a/b", "../x", ".hidden", "tab\there", 'quote"d'):
        with pytest.raises(InvalidNameError):
            ws.catalog.create_table("t", pa.table({name: [1]}))
    with pytest.raises(InvalidNameError, match="partition columns name folders"):
        ws.catalog.create_table("t", pa.table({"Region-Code": ["x"]}), partition_by="Region-Code")
    with pytest.raises(InvalidNameError, match="may not contain spaces"):
        ws.catalog.create_table("t", pa.table({"Order ID": [1]}))
    assert _nothing_written(ws)


def test_dotted_tag_keys_like_delta_properties_are_accepted(ws: Workspace) -> None:
    table = ws.catalog.create_table("t", ROWS, tags={"delta.appendOnly": "true"})
    assert table.describe().tags == {"delta.appendonly": "true"}
    with pytest.raises(InvalidInputError, match="the limit is 1000"):
        table.set_tags({"k": "x" * 1001})


def test_filters_work_on_files_written_by_merge_and_delete(ws: Workspace) -> None:
    table = ws.catalog.create_table("t", ROWS)
    table.merge(pa.table({"id": [3, 4], "name": ["cy", "d"]}), on="id")
    table.delete("id = 1")
    assert table.to_arrow(filter=[("name", "=", "cy")]).to_pylist() == [{"id": 3, "name": "cy"}]
    assert table.to_arrow(filter=pc.field("name") == "d", columns=["id"]).to_pylist() == [{"id": 4}]


def test_sql_filters_return_the_tables_own_types(ws: Workspace) -> None:
    table = ws.catalog.create_table("t", ROWS)
    result = table.to_arrow(filter="id > 1")
    assert result.schema == table.schema
    assert result.sort_by("id").column("name").to_pylist() == ["b", "c"]


def test_a_failed_data_delete_is_reported_not_hidden(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    location = Path(ws.catalog.create_table("t", ROWS).info.storage_location)

    def refuse(path: object) -> None:  # a permission failure (CI runs as root, which has none)
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("brickyard.adapters.delta_storage.shutil.rmtree", refuse)
    with pytest.raises(StorageError, match="dropped from the catalog, but could not delete"):
        ws.catalog.drop_table("t")
    assert ws.catalog.list_tables() == []
    assert location.exists()  # the files left behind are where the message says


def test_a_committed_write_is_not_reported_failed_when_the_catalog_refresh_fails(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = ws.catalog.create_table("t", ROWS)

    def busy(*args: object, **kwargs: object) -> None:
        raise StorageError("the metadata database is busy", transient=True)

    monkeypatch.setattr(ws.store, "update_table", busy)
    table.append(pa.table({"id": [4], "name": ["d"], "x": [1.0]}), merge_schema=True)
    monkeypatch.undo()
    assert table.version == 1  # the rows landed and the call said so
    assert [c.name for c in table.info.columns] == ["id", "name"]  # cache stale for now
    assert [c.name for c in table.describe().columns] == ["id", "name", "x"]
    assert [c.name for c in table.info.columns] == ["id", "name", "x"]  # healed


@pytest.mark.parametrize(
    ("table_type", "data"),
    [
        (pa.float32(), pa.array([1e300], pa.float64())),
        (pa.int8(), pa.array([300], pa.int64())),
        (pa.int64(), pa.array([1.5], pa.float64())),
        (pa.timestamp("us", tz="UTC"), pa.array([0], pa.timestamp("us"))),
        (pa.int64(), pa.array(["a"]).dictionary_encode()),
    ],
    ids=[
        "double-to-float",
        "bigint-to-tinyint",
        "double-to-bigint",
        "naive-to-utc",
        "dict-str-to-int",
    ],
)
def test_lossy_appends_are_refused_before_writing(
    ws: Workspace, table_type: pa.DataType, data: pa.Array
) -> None:
    table = ws.catalog.create_table("t", pa.schema([("x", table_type)]))
    with pytest.raises(SchemaMismatchError, match="table schema: x"):
        table.append(pa.table({"x": data}))
    assert table.version == 0


def test_values_that_do_not_fit_a_widened_type_are_refused(ws: Workspace) -> None:
    table = ws.catalog.create_table("t", pa.schema([("ts", pa.timestamp("us", tz="UTC"))]))
    precise = pa.array([1_000_000_001], pa.timestamp("ns", tz="UTC"))  # sub-microsecond
    with pytest.raises(InvalidInputError, match="do not fit the table's timestamp"):
        table.append(pa.table({"ts": precise}))
    assert table.version == 0
    assert table.to_arrow().num_rows == 0


def test_merge_with_duplicate_keys_is_explained(ws: Workspace) -> None:
    table = ws.catalog.create_table("t", ROWS)
    with pytest.raises(InvalidInputError, match="several rows with the same merge key"):
        table.merge(pa.table({"id": [1, 1], "name": ["x", "y"]}), on="id")
    assert table.version == 0


def test_overwrite_schema_must_keep_partition_columns(ws: Workspace) -> None:
    table = ws.catalog.create_table(
        "t", pa.table({"id": [1], "region": ["EU"]}), partition_by="region"
    )
    with pytest.raises(InvalidInputError, match=r"partitioned by \['region'\]"):
        table.overwrite(pa.table({"id": [2]}), overwrite_schema=True)
    table.overwrite(pa.table({"id": [2], "region": ["US"], "x": [1.0]}), overwrite_schema=True)
    assert table.to_arrow().column_names == ["id", "region", "x"]


@pytest.mark.parametrize(
    "predicate",
    [
        "false UNION ALL SELECT 42",
        "id > 0 LIMIT 1",
        "id > 0; DROP TABLE t",
        "id > 0) OR (1=1",
        "id > 0 -- comment",
        "id IN (SELECT 1)",
        "name = 'unclosed",
    ],
)
def test_filter_strings_must_be_one_condition(ws: Workspace, predicate: str) -> None:
    table = ws.catalog.create_table("t", ROWS)
    with pytest.raises(InvalidInputError, match="filter"):
        table.to_arrow(filter=predicate)


def test_words_inside_string_literals_are_fine_in_filters(ws: Workspace) -> None:
    table = ws.catalog.create_table("t", pa.table({"id": [1, 2], "name": ["select; --", "b"]}))
    assert table.to_arrow(filter="name = 'select; --'", columns=["id"]).to_pylist() == [{"id": 1}]


def test_staged_files_of_killed_writes_are_removed_after_a_day(ws: Workspace) -> None:
    import os

    from brickyard.adapters.delta_storage import STAGING_MAX_AGE_S

    storage = ws.catalog.storage
    first = storage.staging_folder()  # type: ignore[attr-defined]
    abandoned, recent = first.parent / "abandoned", first.parent / "recent"
    for folder in (abandoned, recent):
        (folder / "part=1").mkdir(parents=True)
        (folder / "part=1" / "f.parquet").write_bytes(b"x")
    old = time.time() - STAGING_MAX_AGE_S - 60
    os.utime(abandoned, (old, old))
    storage.staging_folder()  # type: ignore[attr-defined]
    assert not abandoned.exists()
    assert recent.exists()
