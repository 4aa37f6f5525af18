"""The Spark engine on real Apache Spark: local mode and Spark Connect.

One engine per process, and the pytest process may already hold the DuckDB engine: Spark runs
in a child process (``spark_steps.py``) that performs every step once per mode and writes its
results as JSON; the tests assert on them. Catalog checks here go through
``brickyard.connect(home).catalog`` (delta-rs), never through Spark.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pytest
from deltalake import DeltaTable

import brickyard
from tests.compute import spark_connect_server, spark_steps

pytestmark = pytest.mark.slow

STEPS = Path(__file__).with_name("spark_steps.py")
ROOT = Path(__file__).resolve().parents[2]
STEP_TIMEOUT_S = 150
STEP_NAMES = list(spark_steps.STEPS)


@dataclass
class SparkRun:
    """One child process's results; ``process`` still waits to be told to start an append."""

    home: Path
    results: dict[str, dict[str, Any]]
    process: subprocess.Popen[str]
    stderr: Path

    def step(self, name: str) -> dict[str, Any]:
        return self.results[name]

    def value(self, name: str) -> Any:
        result = self.results[name]
        assert "error" not in result, f"{name} failed: {result['error']}"
        return result["value"]


def start_steps(home: Path, folder: Path, env: dict[str, str], steps: list[str] | None) -> SparkRun:
    out, stderr = folder / "results.json", folder / "stderr.txt"
    command = [sys.executable, str(STEPS), "--home", str(home), "--out", str(out), "--then-append"]
    if steps is not None:
        command += ["--steps", *steps]
    with stderr.open("w") as err:
        # Its own process group: a kill takes the Python driver and Spark's JVM together.
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            start_new_session=True,
        )
    assert process.stdout is not None
    line = read_line(process.stdout, STEP_TIMEOUT_S)
    assert line == "results written", f"the Spark steps failed:\n{stderr.read_text()[-4000:]}"
    return SparkRun(home, json.loads(out.read_text()), process, stderr)


def read_line(stream: IO[str], timeout_s: float) -> str:
    import selectors

    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout_s):
            return "(timed out)"
    return stream.readline().strip()


def end(run: SparkRun) -> None:
    if run.process.poll() is None:
        assert run.process.stdin is not None
        run.process.stdin.close()  # no append asked for: the script ends on its own
        try:
            run.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(run.process.pid, signal.SIGKILL)
            run.process.wait()


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRICKYARD_")}
    return {**env, "TZ": "UTC", "PYSPARK_PYTHON": sys.executable, **extra}


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkRun]:
    folder = tmp_path_factory.mktemp("spark-local")
    env = child_env(
        BRICKYARD_ENGINE_SPARK_MASTER="local[2]",
        BRICKYARD_ENGINE_SPARK_DRIVER_MEMORY="1g",
        BRICKYARD_ENGINE_SPARK_SHUFFLE_PARTITIONS="2",
    )
    run = start_steps(folder / "home", folder, env, None)
    yield run
    end(run)


@pytest.fixture(scope="module")
def connect(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkRun]:
    folder = tmp_path_factory.mktemp("spark-connect")
    server = spark_connect_server.start(folder / "server")
    try:
        home = folder / "home"
        brickyard.connect(home).close()  # a fresh home; its brickyard.toml names the server
        config = home / "brickyard.toml"
        text = config.read_text()
        assert 'remote = ""' in text
        config.write_text(text.replace('remote = ""', f'remote = "{server.url}"'))
        steps = [s for s in STEP_NAMES if s != "rdd_and_spark_context"]  # no RDDs on Connect
        run = start_steps(home, folder, child_env(), steps)
        end(run)
        yield run
    finally:
        spark_connect_server.stop(server)


@pytest.fixture(params=["local", "connect"])
def run(request: pytest.FixtureRequest) -> SparkRun:
    spark_run: SparkRun = request.getfixturevalue(request.param)
    return spark_run


def history(run: SparkRun, name: str) -> list[str]:
    """The table's operations, oldest first, read through the catalog (delta-rs)."""
    with_catalog = brickyard.connect(run.home)
    try:
        return [h.operation for h in reversed(with_catalog.catalog.table(name).history())]
    finally:
        with_catalog.close()


ACCOUNTS = [[1, "ann", "10.50", "DE"], [2, "bob", "20.00", "FR"], [3, "cid", None, "DE"]]


# -- reads and names ---------------------------------------------------------------------------
def test_save_as_table_then_spark_table(run: SparkRun) -> None:
    assert run.value("create_schema_and_save") == ACCOUNTS
    assert run.step("create_schema_and_save")["versions"] == {"main.sp.accounts": 1}


def test_sql_joins_three_and_two_part_names(run: SparkRun) -> None:
    assert run.value("sql_join_three_and_two_part") == [[1, "DE"], [2, "FR"], [3, "DE"], [3, "DE"]]


def test_catalog_api_and_use(run: SparkRun) -> None:
    assert run.value("catalog_api") == {
        "current": ["main", "sp"],
        "tables": ["accounts", "parts"],
        "one_part": 3,
        "exists": True,
    }
    assert run.value("use_schema") == [[3]]


def test_more_reads(run: SparkRun) -> None:
    assert run.value("more_reads") == {
        "args": [[2]],
        "cte": [[3]],
        "plain": [[2]],
        "describe": [["id"], ["owner"], ["balance"], ["country"]],
        "delta_path": 3,
        "read_table": 3,
    }


def test_temp_view_shadows_a_one_part_table_name(run: SparkRun) -> None:
    assert run.value("temp_view_shadows_table") == {"table": [[42]], "sql": [[42]], "qualified": 3}


def test_types_round_trip_through_spark_and_delta_rs(run: SparkRun) -> None:
    found = run.value("types_round_trip")
    assert "datetime.datetime(2024, 3, 1, 12, 30, 0, 123456)" in found["spark"][0]
    assert "arr=[1, 2], st=Row(a=1, b='x'), m={'k': 1.5}" in found["spark"][1]
    assert "datetime.datetime(2024, 3, 1, 12, 30, 0, 123456, tzinfo=" in found["delta_rs"][1]
    assert run.step("types_round_trip")["versions"] == {"main.sp.kinds": 2}


# -- saveAsTable and insertInto ----------------------------------------------------------------
def test_save_modes_each_one_version(run: SparkRun) -> None:
    assert run.value("save_append") == 4
    assert run.value("save_overwrite") == 3
    assert "AlreadyExistsError" in run.step("save_errorifexists")["error"]
    assert run.value("save_ignore") == 3
    versions = {
        s: run.step(s)["versions"]["main.sp.accounts"]
        for s in ("save_append", "save_overwrite", "save_errorifexists", "save_ignore")
    }
    assert versions == {
        "save_append": 1,
        "save_overwrite": 1,
        "save_errorifexists": 0,
        "save_ignore": 0,
    }


def test_partitioned_table_takes_appends_without_partition_by(run: SparkRun) -> None:
    """Regression: an append without .partitionBy wrote the partition column inside the
    files, so the Delta log had no partition value and the column read back as NULL."""
    found = run.value("save_partitioned")
    assert found["columns"] == ["id", "owner", "balance", "country"]
    assert found["rows"] == [*ACCOUNTS, [3, "cid", None, "DE"]]
    assert run.step("save_partitioned")["versions"] == {"main.sp.parts": 2}
    ws = brickyard.connect(run.home)
    try:
        assert ws.catalog.table_info("main.sp.parts").partition_by == ("country",)
        assert None not in ws.catalog.table("main.sp.parts").to_arrow()["country"].to_pylist()
    finally:
        ws.close()


def test_partition_by_other_columns_than_the_table_is_an_error(run: SparkRun) -> None:
    result = run.step("partition_mismatch")
    assert "InvalidInputError" in result["error"]
    assert "partitioned by ['country']" in result["error"]
    assert result["versions"] == {"main.sp.parts": 0}


def test_insert_into_by_position(run: SparkRun) -> None:
    assert run.value("insert_into") == [[9, "zed", "1.50", "IT"]]
    assert run.step("insert_into")["versions"] == {"main.sp.parts": 1}


def test_column_names_match_in_any_case(run: SparkRun) -> None:
    assert run.value("names_in_other_case") == 2
    assert run.step("names_in_other_case")["versions"] == {"main.sp.accounts": 1}


def test_overwrite_from_a_query_over_the_same_table(run: SparkRun) -> None:
    assert run.value("overwrite_from_itself") == [[2], [2], [3]]
    assert run.step("overwrite_from_itself")["versions"] == {"main.sp.accounts": 1}


def test_empty_frames_are_written(run: SparkRun) -> None:
    assert run.value("empty_frame") == 0
    assert run.step("empty_frame")["versions"] == {"main.sp.empty": 2}


# -- SQL statements ----------------------------------------------------------------------------
def test_ctas_insert_and_create_or_replace(run: SparkRun) -> None:
    assert run.value("ctas") == [[2, "bob"]]
    assert run.value("insert_values") == [[2, "bob"], [7, "gus"]]
    assert run.value("insert_select") == [[2, "bob"], [7, "gus"], [101, "ANN"]]
    assert run.value("create_or_replace_columns") == {"columns": ["id", "note"], "count": 0}
    for name in ("ctas", "insert_values", "insert_select", "create_or_replace_columns"):
        assert run.step(name)["versions"] == {"main.sp.rich": 1}, name


def test_ctas_and_insert_select_commit_the_files_spark_wrote(run: SparkRun) -> None:
    found = run.value("ctas_partitioned_and_insert")
    assert found["inserted"] == [[1, 1]]
    assert found["rows"] == [[1, "ann", "DE"], [2, "bob", "FR"], [3, "cid", "DE"], [5, "eve", "NL"]]
    assert run.step("ctas_partitioned_and_insert")["versions"] == {"main.sp.by_country": 2}
    ws = brickyard.connect(run.home)
    try:
        location = ws.catalog.table_location("main.sp.by_country")
        assert ws.catalog.table_info("main.sp.by_country").partition_by == ("country",)
    finally:
        ws.close()
    actions = pa.table(DeltaTable(location).get_add_actions(flatten=True)).to_pydict()
    assert sorted(actions["partition.country"]) == ["DE", "DE", "FR", "NL"]
    # Staged files carry their exact row count and no min/max stats: delta-rs did not write
    # them (it would have), Spark did.
    assert all(v is None for k in actions if k.startswith("min.") for v in actions[k])
    assert sum(actions["num_records"]) == 4


def test_merge_delete_update_and_history(run: SparkRun) -> None:
    assert run.value("merge_into") == [
        [1, "ann", "10.50", "DE"],
        [2, "bob", "99.00", "FR"],
        [3, "cid", None, "DE"],
        [4, "dee", "1.00", "ES"],
    ]
    assert run.value("delete_rows") == [[1], [2], [4]]
    assert run.value("update_rows") == [["2.00"]]
    for name in ("save_target", "merge_into", "delete_rows", "update_rows"):
        assert run.step(name)["versions"] == {"main.sp.target": 1}, name
    described = run.value("describe_history")
    assert described["columns"][:4] == ["version", "timestamp", "userName", "operation"]
    assert described["rows"] == [[3, "UPDATE"], [2, "DELETE"], [1, "MERGE"], [0, "CREATE TABLE"]]
    assert history(run, "main.sp.target") == ["CREATE TABLE", "MERGE", "DELETE", "UPDATE"]


def test_time_travel(run: SparkRun) -> None:
    assert run.value("time_travel") == {"sql": [[3]], "option": 4, "latest": 3}


def test_drop_table_and_create_again(run: SparkRun) -> None:
    assert run.value("drop_table") is False
    # Regression: the snapshot view of the dropped table (same name, version 0) was reused.
    assert run.value("drop_and_recreate") == {"first": [[1]], "second": [[2]], "sql": [[2]]}


def test_stop_then_start_again(run: SparkRun) -> None:
    """Regression: brickyard.spark() after spark.stop() returned the stopped session."""
    assert run.value("stop_and_start_again") == {"new_session": True, "count": 3}


# -- bad input -----------------------------------------------------------------------------------
def test_failing_query_inside_ctas_creates_nothing(run: SparkRun) -> None:
    found = run.value("failing_ctas")
    assert "USER_RAISED_EXCEPTION" in found["error"]
    assert "boom" in found["error"]
    assert found["staging"] == []  # Spark's half-written files are gone too
    assert run.step("failing_ctas")["versions"] == {"main.sp.bad": None}
    assert not list((run.home / "warehouse" / "main" / "sp").glob("bad-*"))


def test_other_engine_in_the_spark_process_is_an_error(run: SparkRun) -> None:
    error = run.step("other_engine")["error"]
    assert "ConfigError" in error
    assert "one engine per process" in error


def test_rdd_and_spark_context_on_local_spark(local: SparkRun) -> None:
    assert local.value("rdd_and_spark_context") == {"rdd": [10, 20, 30], "context": 10}


def test_write_killed_midway_leaves_the_previous_version(local: SparkRun) -> None:
    assert local.value("big_table") == 10
    ws = brickyard.connect(local.home)
    try:
        table = ws.catalog.table("main.sp.big")
        before = (table.version, table.to_arrow().num_rows)
        staging = local.home / "warehouse" / "_staging"
        already = set(staging.iterdir()) if staging.exists() else set()
        assert local.process.stdin is not None
        assert local.process.stdout is not None
        local.process.stdin.write("append\n")
        local.process.stdin.flush()
        assert read_line(local.process.stdout, 30) == "appending"
        written = wait_for_part_files(staging, already, timeout_s=60)
        os.killpg(local.process.pid, signal.SIGKILL)  # the Python driver and Spark's JVM
        local.process.wait(timeout=30)
        assert written, f"Spark wrote nothing to kill:\n{local.stderr.read_text()[-3000:]}"
        assert local.process.returncode == -signal.SIGKILL
        assert (table.version, table.to_arrow().num_rows) == before
        table.append({"id": [11], "x": [22], "s": ["11"]})  # and it still takes writes
        assert (table.version, table.to_arrow().num_rows) == (before[0] + 1, before[1] + 1)
    finally:
        ws.close()


def wait_for_part_files(staging: Path, already: set[Path], timeout_s: float) -> bool:
    """True once Spark has data files in a new staging folder (midway through the write)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        new = set(staging.iterdir()) - already if staging.exists() else set()
        if any(p.is_file() and p.name.startswith("part-") for f in new for p in f.rglob("*")):
            return True
        time.sleep(0.1)
    return False
