"""Managed Delta tables in an S3 warehouse (moto's S3 server, started by the tests)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

import brickyard
from brickyard.config import load_config
from brickyard.home import init_home
from brickyard.workspace import Workspace
from tests.integration import servers

pytestmark = pytest.mark.s3

s3_server = servers.s3_server


@pytest.fixture
def prefix() -> str:
    """A warehouse prefix of its own, so tests sharing the bucket never see each other."""
    return f"wh-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def s3_ws(tmp_path: Path, s3_server: servers.S3Server, prefix: str) -> Iterator[Workspace]:
    """A workspace whose brickyard.toml puts the warehouse on S3."""
    home = tmp_path / "home"
    home.mkdir()
    options = "\n".join(f'{key} = "{value}"' for key, value in s3_server.options.items())
    (home / "brickyard.toml").write_text(
        f'[storage]\nwarehouse = "s3://{s3_server.bucket}/{prefix}/"\n\n'
        f"[storage.options]\n{options}\n",
        encoding="utf-8",
    )
    with brickyard.connect(home) as workspace:
        yield workspace


def _key_prefix(location: str, s3: servers.S3Server) -> str:
    bucket_root = f"s3://{s3.bucket}/"
    assert location.startswith(bucket_root)
    return location[len(bucket_root) :] + "/"


def test_table_is_created_under_the_s3_warehouse_prefix(
    s3_ws: Workspace, s3_server: servers.S3Server, prefix: str, tmp_path: Path
) -> None:
    table = s3_ws.catalog.create_table(
        "events",
        pa.table({"id": [1, 2, 3], "day": ["mon", "mon", "tue"]}),
        partition_by="day",
        comment="clicks",
    )

    location = table.info.storage_location
    assert location.startswith(f"s3://{s3_server.bucket}/{prefix}/main/default/events-")
    keys = s3_server.keys(_key_prefix(location, s3_server))
    assert f"{_key_prefix(location, s3_server)}_delta_log/00000000000000000000.json" in keys
    assert {k.split("/")[-2] for k in keys if k.endswith(".parquet")} == {"day=mon", "day=tue"}
    assert not any((tmp_path / "home").rglob("*.parquet"))  # nothing landed on local disk
    assert table.to_arrow().sort_by("id").column("id").to_pylist() == [1, 2, 3]
    assert [c.name for c in table.info.columns] == ["id", "day"]


def test_append_merge_delete_time_travel_and_history_work_on_s3(s3_ws: Workspace) -> None:
    table = s3_ws.catalog.create_table(
        "main.default.customers", pa.table({"id": [1, 2], "name": ["ann", "bob"]})
    )

    table.append(pa.table({"id": [3], "name": ["cy"]}))
    assert table.to_arrow(filter=[("name", "=", "cy")]).column("id").to_pylist() == [3]
    metrics = table.merge(pa.table({"id": [2, 4], "name": ["BOB", "dee"]}), on="id")
    deleted = table.delete("id = 1")

    assert metrics["num_target_rows_updated"] == 1
    assert metrics["num_target_rows_inserted"] == 1
    assert deleted["num_deleted_rows"] == 1
    assert table.version == 3
    assert table.to_arrow().sort_by("id").to_pydict() == {
        "id": [2, 3, 4],
        "name": ["BOB", "cy", "dee"],
    }
    assert table.to_arrow(version=0).sort_by("id").to_pydict() == {
        "id": [1, 2],
        "name": ["ann", "bob"],
    }
    assert table.to_arrow(version=1).num_rows == 3
    assert sorted(table.to_arrow(filter="id > 2").column("id").to_pylist()) == [3, 4]
    history = table.history()
    assert [h.version for h in history] == [3, 2, 1, 0]
    assert [h.operation for h in history] == ["DELETE", "MERGE", "WRITE", "WRITE"]
    assert table.history(limit=1)[0].version == 3


def test_describe_counts_the_rows_files_and_bytes_stored_in_s3(
    s3_ws: Workspace, s3_server: servers.S3Server
) -> None:
    table = s3_ws.catalog.create_table("metrics", pa.table({"v": list(range(10))}))
    table.append(pa.table({"v": list(range(10, 15))}))

    description = table.describe()

    objects = s3_server.client().list_objects_v2(
        Bucket=s3_server.bucket, Prefix=_key_prefix(table.info.storage_location, s3_server)
    )["Contents"]
    parquet = [o for o in objects if o["Key"].endswith(".parquet")]
    assert description.rows == 15
    assert description.files == len(parquet) == 2
    assert description.bytes == sum(o["Size"] for o in parquet)
    assert description.version == 1
    assert description.storage_location == table.info.storage_location


def test_drop_table_deletes_every_object_under_the_table_prefix(
    s3_ws: Workspace, s3_server: servers.S3Server, prefix: str
) -> None:
    doomed = s3_ws.catalog.create_table(
        "doomed", pa.table({"id": [1, 2], "part": ["a", "b"]}), partition_by="part"
    )
    doomed.append(pa.table({"id": [3], "part": ["c"]}))
    doomed.delete("id = 1")
    kept = s3_ws.catalog.create_table("kept", pa.table({"id": [1]}))
    doomed_prefix = _key_prefix(doomed.info.storage_location, s3_server)
    assert len(s3_server.keys(doomed_prefix)) == 6  # 3 commits, 3 partition files
    before = set(s3_server.keys(f"{prefix}/"))

    s3_ws.catalog.drop_table("doomed")

    assert s3_server.keys(doomed_prefix) == []
    after = set(s3_server.keys(f"{prefix}/"))
    assert after == {k for k in before if not k.startswith(doomed_prefix)}  # nothing else added
    assert [t.name for t in s3_ws.catalog.list_tables()] == ["kept"]
    assert kept.to_arrow().num_rows == 1
    with pytest.raises(brickyard.NotFoundError):
        doomed.to_arrow()


def test_env_overrides_put_the_warehouse_on_s3(
    tmp_path: Path, s3_server: servers.S3Server, prefix: str
) -> None:
    home = tmp_path / "home"
    env = {"BRICKYARD_STORAGE_WAREHOUSE": f"s3://{s3_server.bucket}/{prefix}"}
    env |= {f"BRICKYARD_STORAGE_OPTIONS_{k.upper()}": v for k, v in s3_server.options.items()}
    init_home(home)

    with Workspace(load_config(home, environ=env)) as ws:
        table = ws.catalog.create_table("from_env", pa.table({"x": [1.5]}))
        assert table.info.storage_location.startswith(
            f"s3://{s3_server.bucket}/{prefix}/main/default/from_env-"
        )
        assert table.to_arrow().column("x").to_pylist() == [1.5]
    assert s3_server.keys(f"{prefix}/main/default/from_env-")


def test_a_table_whose_s3_objects_were_deleted_reports_missing_data_and_can_be_dropped(
    s3_ws: Workspace, s3_server: servers.S3Server
) -> None:
    table = s3_ws.catalog.create_table("fragile", pa.table({"id": [1]}))
    client = s3_server.client()
    for key in s3_server.keys(_key_prefix(table.info.storage_location, s3_server)):
        client.delete_object(Bucket=s3_server.bucket, Key=key)

    with pytest.raises(brickyard.NotFoundError, match="data is missing"):
        table.to_arrow()
    s3_ws.catalog.drop_table("fragile")  # dropping what is already gone still cleans the catalog
    assert s3_ws.catalog.list_tables() == []


def test_concurrent_appends_to_one_s3_table_lose_no_rows(
    s3_ws: Workspace, s3_server: servers.S3Server
) -> None:
    """Each commit is a conditional put, so racing writers retry instead of overwriting."""
    s3_ws.catalog.create_table("counter", pa.table({"writer": [-1], "n": [0]}))
    writers, appends = 4, 3
    barrier = threading.Barrier(writers)
    committed: list[tuple[int, int]] = []
    conflicts: list[brickyard.ConcurrentWriteError] = []

    def write(writer: int) -> None:
        with Workspace(s3_ws.config) as ws:  # one workspace per writer, like separate processes
            table = ws.catalog.table("counter")
            barrier.wait()
            for n in range(appends):
                try:
                    table.append(pa.table({"writer": [writer], "n": [n]}))
                    committed.append((writer, n))
                except brickyard.ConcurrentWriteError as exc:  # allowed: retryable by contract
                    conflicts.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    table = s3_ws.catalog.table("counter")
    rows = table.to_arrow().to_pylist()
    assert len(committed) + len(conflicts) == writers * appends
    assert sorted((r["writer"], r["n"]) for r in rows if r["writer"] >= 0) == sorted(committed)
    assert table.version == len(committed)  # one log entry per successful append, none lost
    log = [
        k
        for k in s3_server.keys(_key_prefix(table.info.storage_location, s3_server))
        if "/_delta_log/" in k and k.endswith(".json")
    ]
    assert len(log) == len(committed) + 1


def test_spark_on_duckdb_reads_and_writes_s3_tables_without_extensions(s3_ws: Workspace) -> None:
    """No httpfs here: snapshots are read through delta-rs/pyarrow and handed to DuckDB."""
    s3_ws.catalog.create_table(
        "main.default.events",
        pa.table({"id": pa.array([1, 2, 3], pa.int64()), "kind": ["a", "b", "a"]}),
    )
    spark = brickyard.spark(home=s3_ws.home)
    try:
        counts = spark.sql(
            "SELECT kind, count(*) AS n FROM main.default.events GROUP BY kind ORDER BY kind"
        ).collect()
        assert [(r.kind, r.n) for r in counts] == [("a", 2), ("b", 1)]
        spark.table("events").where("kind = 'a'").write.saveAsTable("main.default.only_a")
        spark.sql("INSERT INTO main.default.only_a VALUES (9, 'a')")
        assert spark.table("main.default.only_a").count() == 3
        assert spark.sql("SELECT count(*) AS n FROM only_a VERSION AS OF 0").collect()[0].n == 2
        location = s3_ws.catalog.table_location("main.default.only_a")
        assert location.startswith("s3://")
    finally:
        spark.stop()


def test_spark_reads_files_and_delta_paths_on_s3(
    s3_ws: Workspace, s3_server: servers.S3Server, prefix: str
) -> None:
    import io

    import pyarrow.parquet as pq

    root = f"s3://{s3_server.bucket}"
    buffer = io.BytesIO()
    pq.write_table(pa.table({"id": [1, 2], "v": [0.5, 1.5]}), buffer)
    client = s3_server.client()
    client.put_object(
        Bucket=s3_server.bucket, Key=f"{prefix}/files/data.parquet", Body=buffer.getvalue()
    )
    client.put_object(
        Bucket=s3_server.bucket, Key=f"{prefix}/files/people.csv", Body=b"id,name\n1,ada\n2,alan\n"
    )
    table = s3_ws.catalog.create_table("main.default.t", pa.table({"k": [1, 2, 3]}))
    table.append(pa.table({"k": [4]}))
    spark = brickyard.spark(home=s3_ws.home)
    try:
        parquet = spark.read.parquet(f"{root}/{prefix}/files/data.parquet")
        assert sorted(r.v for r in parquet.collect()) == [0.5, 1.5]
        typed = spark.read.csv(f"{root}/{prefix}/files/people.csv", header=True, inferSchema=True)
        assert typed.dtypes == [("id", "bigint"), ("name", "string")]
        raw = spark.read.csv(f"{root}/{prefix}/files/people.csv")
        assert raw.columns == ["_c0", "_c1"]
        assert raw.dtypes == [("_c0", "string"), ("_c1", "string")]
        location = s3_ws.catalog.table_location("main.default.t")
        assert spark.read.format("delta").load(location).count() == 4
        old = spark.read.format("delta").option("versionAsOf", 0).load(location)
        assert old.count() == 3
    finally:
        spark.stop()
