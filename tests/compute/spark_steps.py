"""Steps on Brickyard's Spark engine, run in their own process; results written as JSON.

    python tests/compute/spark_steps.py --home H --out results.json [--steps a b ...] [--then-append]

One engine per process, and Spark takes seconds to start: the tests run this script once per
engine mode (local or Connect, from the home's config) and assert on its output. Each step's
entry is ``{"value": ...}`` or ``{"error": "Type: message"}``, plus ``"versions"``: how many
Delta versions each table touched by the step gained, read through a second workspace handle
(``brickyard.connect(home).catalog``), not through the engine.

``--then-append`` keeps the process alive after the results are written: on a line on stdin
it starts a large ``saveAsTable`` append to ``main.sp.big``, for a test to kill midway.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `brickyard` importable from src
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

import brickyard

Step = Callable[[Any], Any]
STEPS: dict[str, tuple[Step, tuple[str, ...]]] = {}


def step(*tables: str) -> Callable[[Step], Step]:
    """Register a step; ``tables`` are the tables whose new versions are counted."""

    def register(fn: Step) -> Step:
        STEPS[fn.__name__] = (fn, tables)
        return fn

    return register


def rows(df: Any) -> list[list[Any]]:
    return [[plain(v) for v in row] for row in df.collect()]


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def accounts(spark: Any) -> Any:
    return spark.createDataFrame(
        [
            (1, "ann", Decimal("10.50"), "DE"),
            (2, "bob", Decimal("20.00"), "FR"),
            (3, "cid", None, "DE"),
        ],
        "id BIGINT, owner STRING, balance DECIMAL(10,2), country STRING",
    )


# -- steps, run in this order ------------------------------------------------------------------
@step("main.sp.accounts")
def create_schema_and_save(spark: Any) -> Any:
    spark.sql("CREATE SCHEMA main.sp")
    accounts(spark).write.saveAsTable("main.sp.accounts")  # errorifexists on a new table
    return rows(spark.table("main.sp.accounts").orderBy("id"))


@step("main.sp.accounts")
def save_append(spark: Any) -> Any:
    accounts(spark).where("id = 1").write.mode("append").saveAsTable("main.sp.accounts")
    return spark.table("main.sp.accounts").count()


@step("main.sp.accounts")
def save_overwrite(spark: Any) -> Any:
    accounts(spark).write.mode("overwrite").saveAsTable("main.sp.accounts")
    return spark.table("main.sp.accounts").count()


@step("main.sp.accounts")
def save_errorifexists(spark: Any) -> Any:
    accounts(spark).write.mode("errorifexists").saveAsTable("main.sp.accounts")


@step("main.sp.accounts")
def save_ignore(spark: Any) -> Any:
    accounts(spark).write.mode("ignore").saveAsTable("main.sp.accounts")
    return spark.table("main.sp.accounts").count()


@step("main.sp.parts")
def save_partitioned(spark: Any) -> Any:
    accounts(spark).write.partitionBy("country").saveAsTable("main.sp.parts")
    accounts(spark).where("id = 3").write.mode("append").saveAsTable("main.sp.parts")
    df = spark.table("main.sp.parts")
    return {"columns": df.columns, "rows": rows(df.orderBy("id"))}


@step("main.sp.parts")
def insert_into(spark: Any) -> Any:
    # insertInto matches columns by position, whatever the names.
    spark.createDataFrame(
        [(9, "zed", 1.5, "IT")], "a INT, b STRING, c DOUBLE, d STRING"
    ).write.insertInto("main.sp.parts")
    return rows(spark.table("main.sp.parts").where("id = 9"))


@step()
def sql_join_three_and_two_part(spark: Any) -> Any:
    spark.sql("USE CATALOG main")
    return rows(
        spark.sql(
            "SELECT a.id, p.country FROM main.sp.accounts a JOIN sp.parts p ON a.id = p.id "
            "ORDER BY a.id, p.country"
        )
    )


@step()
def catalog_api(spark: Any) -> Any:
    spark.catalog.setCurrentCatalog("main")
    spark.catalog.setCurrentDatabase("sp")
    return {
        "current": [spark.catalog.currentCatalog(), spark.catalog.currentDatabase()],
        "tables": sorted(t.name for t in spark.catalog.listTables("main.sp")),
        "one_part": spark.table("accounts").count(),
        "exists": spark.catalog.tableExists("accounts"),
    }


@step()
def use_schema(spark: Any) -> Any:
    spark.sql("USE main.default")
    spark.sql("USE main.sp")
    return rows(spark.sql("SELECT count(*) FROM accounts"))


@step("main.sp.rich")
def ctas(spark: Any) -> Any:
    spark.sql("CREATE TABLE main.sp.rich AS SELECT id, owner FROM accounts WHERE balance > 15")
    return rows(spark.table("main.sp.rich"))


@step("main.sp.rich")
def insert_values(spark: Any) -> Any:
    spark.sql("INSERT INTO main.sp.rich VALUES (7, 'gus')")
    return rows(spark.table("main.sp.rich").orderBy("id"))


@step("main.sp.rich")
def insert_select(spark: Any) -> Any:
    spark.sql("INSERT INTO rich SELECT id + 100, upper(owner) FROM sp.accounts WHERE id = 1")
    return rows(spark.table("main.sp.rich").orderBy("id"))


@step("main.sp.rich")
def create_or_replace_columns(spark: Any) -> Any:
    spark.sql("CREATE OR REPLACE TABLE main.sp.rich (id BIGINT, note STRING)")
    df = spark.table("main.sp.rich")
    return {"columns": df.columns, "count": df.count()}


@step("main.sp.by_country")
def ctas_partitioned_and_insert(spark: Any) -> Any:
    # Spark writes these rows as Parquet itself: they never pass through the driver.
    spark.sql(
        "CREATE TABLE main.sp.by_country PARTITIONED BY (country) AS "
        "SELECT id, owner, country FROM main.sp.accounts"
    )
    inserted = rows(spark.sql("INSERT INTO main.sp.by_country SELECT 5, 'eve', 'NL'"))
    return {"inserted": inserted, "rows": rows(spark.table("main.sp.by_country").orderBy("id"))}


@step("main.sp.target")
def save_target(spark: Any) -> Any:
    accounts(spark).write.saveAsTable("main.sp.target")


@step("main.sp.target")
def merge_into(spark: Any) -> Any:
    spark.createDataFrame(
        [(2, "bob", Decimal("99.00"), "FR"), (4, "dee", Decimal("1.00"), "ES")],
        "id BIGINT, owner STRING, balance DECIMAL(10,2), country STRING",
    ).createOrReplaceTempView("changes")
    spark.sql(
        "MERGE INTO main.sp.target t USING changes s ON t.id = s.id "
        "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"
    )
    return rows(spark.table("main.sp.target").orderBy("id"))


@step("main.sp.target")
def delete_rows(spark: Any) -> Any:
    spark.sql("DELETE FROM main.sp.target WHERE balance IS NULL")
    return rows(spark.table("main.sp.target").select("id").orderBy("id"))


@step("main.sp.target")
def update_rows(spark: Any) -> Any:
    spark.sql("UPDATE main.sp.target SET balance = balance * 2 WHERE id = 4")
    return rows(spark.table("main.sp.target").where("id = 4").select("balance"))


@step()
def describe_history(spark: Any) -> Any:
    df = spark.sql("DESCRIBE HISTORY main.sp.target")
    return {"columns": df.columns, "rows": rows(df.select("version", "operation"))}


@step()
def time_travel(spark: Any) -> Any:
    return {
        "sql": rows(spark.sql("SELECT count(*) FROM main.sp.target VERSION AS OF 0")),
        "option": spark.read.option("versionAsOf", 1).table("main.sp.target").count(),
        "latest": spark.table("main.sp.target").count(),
    }


@step("main.sp.rich")
def drop_table(spark: Any) -> Any:
    spark.sql("DROP TABLE main.sp.rich")
    return spark.catalog.tableExists("main.sp.rich")


@step()
def rdd_and_spark_context(spark: Any) -> Any:
    return {
        "rdd": sorted(spark.table("main.sp.accounts").rdd.map(lambda r: r.id * 10).collect()),
        "context": spark.sparkContext.parallelize(range(5)).sum(),
    }


@step("main.sp.bad")
def failing_ctas(spark: Any) -> Any:
    # The query fails while Spark writes its rows (not while parsing): nothing may be left.
    try:
        spark.sql(
            "CREATE TABLE main.sp.bad AS SELECT id, raise_error('boom') AS x FROM main.sp.accounts"
        )
    except Exception as exc:
        staging = Path(os.environ["BRICKYARD_HOME"]) / "warehouse" / "_staging"
        return {"error": str(exc)[:300], "staging": [p.name for p in staging.glob("*")]}
    return {"error": None}


@step()
def other_engine(spark: Any) -> Any:
    brickyard.spark(engine="duckdb", home=os.environ["BRICKYARD_HOME"])


@step("main.sp.big")
def big_table(spark: Any) -> Any:
    spark.range(10).selectExpr("id", "id * 2 AS x", "cast(id AS STRING) AS s").write.saveAsTable(
        "main.sp.big"
    )
    return spark.table("main.sp.big").count()


@step("main.sp.kinds")
def types_round_trip(spark: Any) -> Any:
    # Timestamps must land as microseconds (delta-rs does not read Spark's default INT96).
    spark.sql(
        "SELECT 1 AS id, TIMESTAMP '2024-03-01 12:30:00.123456' AS ts, DATE '2024-03-01' AS d, "
        "array(1, 2) AS arr, named_struct('a', 1, 'b', 'x') AS st, map('k', 1.5D) AS m"
    ).write.saveAsTable("main.sp.kinds")
    spark.sql("INSERT INTO main.sp.kinds SELECT 2, ts, d, arr, st, m FROM main.sp.kinds")
    observed = brickyard.connect(os.environ["BRICKYARD_HOME"]).catalog.table("main.sp.kinds")
    return {
        "spark": [str(v) for v in spark.table("main.sp.kinds").orderBy("id").collect()],
        "delta_rs": [str(v) for v in observed.to_arrow().sort_by("id").to_pylist()],
    }


@step("main.sp.again")
def drop_and_recreate(spark: Any) -> Any:
    spark.createDataFrame([(1,)], "v INT").write.saveAsTable("main.sp.again")
    first = rows(spark.table("main.sp.again"))
    spark.sql("DROP TABLE main.sp.again")
    spark.createDataFrame([(2,)], "v INT").write.saveAsTable("main.sp.again")
    return {
        "first": first,
        "second": rows(spark.table("main.sp.again")),
        "sql": rows(spark.sql("SELECT v FROM main.sp.again")),
    }


@step()
def more_reads(spark: Any) -> Any:
    location = brickyard.connect(os.environ["BRICKYARD_HOME"]).catalog.table_location(
        "main.sp.target"
    )
    return {
        "args": rows(spark.sql("SELECT id FROM main.sp.target WHERE id = :id", args={"id": 2})),
        "cte": rows(spark.sql("WITH x AS (SELECT id FROM sp.target) SELECT count(*) FROM x")),
        "plain": rows(spark.sql("SELECT 1 + 1")),
        "describe": rows(spark.sql("DESCRIBE TABLE main.sp.target").select("col_name")),
        "delta_path": spark.read.format("delta").load(location).count(),
        "read_table": spark.read.table("main.sp.target").count(),
    }


@step("main.sp.empty")
def empty_frame(spark: Any) -> Any:
    spark.createDataFrame([], "id INT, name STRING").write.saveAsTable("main.sp.empty")
    spark.createDataFrame([], "id INT, name STRING").write.mode("append").saveAsTable(
        "main.sp.empty"
    )
    return spark.table("main.sp.empty").count()


@step()
def temp_view_shadows_table(spark: Any) -> Any:
    spark.sql("USE main.sp")
    spark.createDataFrame([(42,)], "id INT").createOrReplaceTempView("accounts")
    result = {
        "table": rows(spark.table("accounts")),
        "sql": rows(spark.sql("SELECT id FROM accounts")),
        "qualified": spark.table("main.sp.accounts").count(),
    }
    spark.catalog.dropTempView("accounts")
    return result


@step("main.sp.parts")
def partition_mismatch(spark: Any) -> Any:
    accounts(spark).write.mode("append").partitionBy("owner").saveAsTable("main.sp.parts")


@step("main.sp.accounts")
def names_in_other_case(spark: Any) -> Any:
    # Spark resolves column names case-insensitively; so does the write into a table.
    accounts(spark).where("id = 2").toDF("ID", "Owner", "BALANCE", "country").write.mode(
        "append"
    ).saveAsTable("main.sp.accounts")
    return spark.table("main.sp.accounts").where("id = 2").count()


@step("main.sp.accounts")
def overwrite_from_itself(spark: Any) -> Any:
    # Delta reads a snapshot: a table can be overwritten from a query over itself.
    spark.table("main.sp.accounts").where("id <> 1").write.mode("overwrite").saveAsTable(
        "main.sp.accounts"
    )
    return rows(spark.table("main.sp.accounts").select("id").orderBy("id"))


@step()
def stop_and_start_again(spark: Any) -> Any:
    spark.stop()
    again = brickyard.spark(engine="spark", home=os.environ["BRICKYARD_HOME"])
    return {"new_session": again is not spark, "count": again.table("main.sp.accounts").count()}


# -- running ---------------------------------------------------------------------------------
def versions(catalog: Any, names: tuple[str, ...]) -> dict[str, int | None]:
    return {n: len(catalog.table(n).history()) if catalog.table_exists(n) else None for n in names}


def run(catalog: Any, names: list[str]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name in names:
        fn, tables = STEPS[name]
        before = versions(catalog, tables)
        started = time.monotonic()
        try:
            result: dict[str, Any] = {"value": fn(session())}
        except Exception as exc:
            result = {"error": "".join(traceback.format_exception_only(type(exc), exc)).strip()}
        result["seconds"] = round(time.monotonic() - started, 2)
        after = versions(catalog, tables)
        result["versions"] = {
            n: (after[n] or 0) - (before[n] or 0) if after[n] is not None else None for n in tables
        }
        results[name] = result
    return results


def session() -> Any:
    """The live Spark session (a step may stop one and start another)."""
    return brickyard.spark(engine="spark", home=os.environ["BRICKYARD_HOME"])


def big_append(spark: Any) -> None:
    # Wide string rows: Spark spends seconds writing them, time enough to be killed midway.
    spark.range(0, 200_000_000, numPartitions=8).selectExpr(
        "id", "id * 2 AS x", "repeat(cast(id AS STRING), 8) AS s"
    ).write.mode("append").saveAsTable("main.sp.big")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--steps", nargs="*", default=list(STEPS))
    parser.add_argument("--then-append", action="store_true")
    args = parser.parse_args()
    os.environ["BRICKYARD_HOME"] = args.home
    session()
    observer = brickyard.connect(args.home)
    results = run(observer.catalog, args.steps)
    Path(args.out).write_text(json.dumps(results, indent=1, default=str))
    print("results written", flush=True)
    if args.then_append and sys.stdin.readline():
        print("appending", flush=True)
        big_append(session())
        print("appended", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
