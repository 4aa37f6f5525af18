"""Spark SQL and the DataFrame API on DuckDB, with the catalog as the namespace."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

import brickyard
from brickyard import AlreadyExistsError, InvalidInputError, NotFoundError


def ws_of(spark: Any) -> brickyard.Workspace:
    return spark.ws  # type: ignore[no-any-return]


def test_catalog_tables_are_queryable_by_one_two_and_three_part_names(spark: Any) -> None:
    assert spark.sql("SELECT count(*) AS n FROM main.default.orders").collect()[0].n == 5000
    assert spark.sql("SELECT count(*) AS n FROM default.orders").collect()[0].n == 5000
    joined = spark.sql(
        "SELECT p.category, sum(o.quantity) AS q FROM orders o "
        "JOIN main.default.products p ON o.product_id = p.product_id GROUP BY p.category"
    ).collect()
    assert (
        sum(r.q for r in joined)
        == ws_of(spark).catalog.table("orders").to_arrow().column("quantity").to_numpy().sum()
    )


def test_pyspark_imports_resolve_to_the_brickyard_session(spark: Any) -> None:
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F  # noqa: N812

    assert SparkSession.builder.getOrCreate() is spark
    revenue = (
        spark.table("main.default.orders")
        .join(spark.table("products"), "product_id")
        .groupBy("category")
        .agg(F.sum(F.col("quantity") * F.col("price")).alias("revenue"))
        .orderBy("category")
        .collect()
    )
    assert len(revenue) == 6
    assert isinstance(revenue[0].revenue, Decimal)  # Spark keeps decimals, not floats


def test_ctas_insert_delete_and_time_travel_go_through_the_catalog(spark: Any) -> None:
    spark.sql("CREATE SCHEMA IF NOT EXISTS main.analytics")
    spark.sql(
        "CREATE TABLE main.analytics.by_category AS SELECT category, count(*) AS n "
        "FROM products GROUP BY category"
    )
    table = ws_of(spark).catalog.table("main.analytics.by_category")
    assert table.version == 0
    assert [c.type_text for c in table.info.columns] == ["string", "bigint"]
    spark.sql("INSERT INTO main.analytics.by_category VALUES ('extra', 1)")
    assert table.version == 1
    assert spark.table("main.analytics.by_category").count() == 7
    assert (
        spark.sql("SELECT count(*) AS n FROM main.analytics.by_category VERSION AS OF 0")
        .collect()[0]
        .n
        == 6
    )
    assert spark.read.option("versionAsOf", 0).table("main.analytics.by_category").count() == 6
    spark.sql("DELETE FROM main.analytics.by_category WHERE category = 'extra'")
    assert table.version == 2
    history = spark.sql("DESCRIBE HISTORY main.analytics.by_category").collect()
    assert [h.operation for h in history] == ["DELETE", "WRITE", "WRITE"]
    spark.sql("USE main.analytics")
    assert spark.sql("SELECT count(*) AS n FROM by_category").collect()[0].n == 6
    spark.sql("DROP TABLE main.analytics.by_category")
    with pytest.raises(NotFoundError):
        ws_of(spark).catalog.table("main.analytics.by_category")


def test_create_table_with_columns_and_insert_overwrite(spark: Any) -> None:
    spark.sql("CREATE TABLE t (id INT NOT NULL, price DECIMAL(10,2)) USING DELTA")
    info = ws_of(spark).catalog.table_info("t")
    assert [(c.name, c.type_text, c.nullable) for c in info.columns] == [
        ("id", "int", False),
        ("price", "decimal(10,2)", True),
    ]
    spark.sql("INSERT INTO t VALUES (1, 2.50), (2, 3.75)")
    spark.sql("INSERT OVERWRITE t SELECT 3, 1.00")
    rows = spark.table("t").collect()
    assert [(r.id, r.price) for r in rows] == [(3, Decimal("1.00"))]
    with pytest.raises(InvalidInputError, match="already exists"):
        spark.sql("CREATE TABLE t (id INT)")
    spark.sql("CREATE TABLE IF NOT EXISTS t (id INT)")
    spark.sql("CREATE OR REPLACE TABLE t AS SELECT 'x' AS label")
    assert spark.table("t").columns == ["label"]


def test_save_as_table_modes_and_insert_into(spark: Any) -> None:
    df = spark.createDataFrame([(1, "a"), (2, "b")], ["id", "name"])
    df.write.saveAsTable("main.default.people")
    with pytest.raises(AlreadyExistsError, match="mode"):
        df.write.saveAsTable("main.default.people")
    df.write.mode("append").saveAsTable("main.default.people")
    df.write.mode("ignore").saveAsTable("main.default.people")
    table = ws_of(spark).catalog.table("people")
    assert table.to_arrow().num_rows == 4
    df.write.mode("overwrite").saveAsTable("people")
    assert table.to_arrow().num_rows == 2
    df.write.insertInto("people")
    assert table.version == 3
    df.write.partitionBy("name").saveAsTable("people_by_name")
    assert ws_of(spark).catalog.table("people_by_name").describe().partition_by == ("name",)


def test_bad_sql_and_unknown_tables_are_explained(spark: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"SQL syntax error at line 2, column \d+"):
        spark.sql("SELECT a,\n FROM t WHERE")
    with pytest.raises(NotFoundError, match="did you mean: main.default.orders"):
        spark.sql("SELECT * FROM main.default.ordrs")


def test_a_failing_ctas_query_creates_nothing(spark: Any) -> None:
    with pytest.raises(InvalidInputError, match="(?i)out of range|overflow"):
        spark.sql("CREATE TABLE broken AS SELECT order_id * 9223372036854775807 AS v FROM orders")
    assert not ws_of(spark).catalog.table_exists("broken")


def test_tables_written_elsewhere_are_read_at_their_latest_version(spark: Any) -> None:
    ws = ws_of(spark)
    table = ws.catalog.create_table("events", pa.table({"id": [1, 2]}))
    assert spark.table("events").count() == 2
    table.append(pa.table({"id": [3]}))
    assert spark.table("events").count() == 3
    assert spark.sql("SELECT max(id) AS m FROM events").collect()[0].m == 3


def test_engine_choice_is_checked(spark: Any) -> None:
    with pytest.raises(brickyard.ConfigError, match="unknown engine 'hive'"):
        brickyard.spark(engine="hive", home=ws_of(spark).home)
    with pytest.raises(brickyard.ConfigError, match="one engine per process"):
        brickyard.spark(engine="spark", home=ws_of(spark).home)
    assert brickyard.spark(home=ws_of(spark).home) is spark  # same workspace: same session


def test_merge_into_upserts_with_star_clauses(spark: Any) -> None:
    ws = ws_of(spark)
    ws.catalog.create_table("target", pa.table({"id": [1, 2], "v": ["a", "b"]}))
    ws.catalog.create_table("changes", pa.table({"id": [2, 3], "v": ["B", "c"]}))
    spark.sql(
        "MERGE INTO main.default.target t USING changes s ON t.id = s.id "
        "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"
    )
    rows = sorted((r.id, r.v) for r in spark.table("target").collect())
    assert rows == [(1, "a"), (2, "B"), (3, "c")]
    assert ws.catalog.table("target").history(1)[0].operation == "MERGE"


def test_merge_into_with_conditions_expressions_and_deletes(spark: Any) -> None:
    ws = ws_of(spark)
    ws.catalog.create_table("stock", pa.table({"sku": [1, 2, 3], "qty": [10, 5, 7]}))
    spark.sql(
        "MERGE INTO stock AS t "
        "USING (SELECT * FROM VALUES (1, 3, false), (2, 5, true), (4, 9, false) AS m(sku, sold, gone)) AS s "
        "ON t.sku = s.sku "
        "WHEN MATCHED AND s.gone THEN DELETE "
        "WHEN MATCHED THEN UPDATE SET qty = t.qty - s.sold "
        "WHEN NOT MATCHED THEN INSERT (sku, qty) VALUES (s.sku, s.sold) "
        "WHEN NOT MATCHED BY SOURCE THEN UPDATE SET qty = 0"
    )
    rows = sorted((r.sku, r.qty) for r in spark.table("stock").collect())
    assert rows == [(1, 7), (3, 0), (4, 9)]


def test_merge_with_duplicate_source_keys_fails_and_changes_nothing(spark: Any) -> None:
    ws = ws_of(spark)
    table = ws.catalog.create_table("t", pa.table({"id": [1], "v": ["a"]}))
    with pytest.raises(InvalidInputError, match="same merge key|several rows"):
        spark.sql(
            "MERGE INTO t USING (SELECT * FROM VALUES (1, 'x'), (1, 'y') AS d(id, v)) s "
            "ON t.id = s.id WHEN MATCHED THEN UPDATE SET *"
        )
    assert table.version == 0


def test_update_sets_columns_where_the_condition_holds(spark: Any) -> None:
    ws = ws_of(spark)
    table = ws.catalog.create_table("prices", pa.table({"id": [1, 2], "price": [10.0, 20.0]}))
    result = spark.sql("UPDATE prices SET price = price * 2 WHERE id = 2").collect()
    assert result[0].num_affected_rows == 1
    assert sorted((r.id, r.price) for r in spark.table("prices").collect()) == [
        (1, 10.0),
        (2, 40.0),
    ]
    assert table.history(1)[0].operation == "UPDATE"
    with pytest.raises(InvalidInputError, match="unknown column"):
        spark.sql("UPDATE prices SET nope = 1")
    assert table.version == 1


def test_date_arithmetic_returns_dates_as_in_spark(spark: Any) -> None:
    import datetime as dt

    row = spark.sql(
        "SELECT date_add(DATE'2024-01-31', 1) AS a, date_sub(DATE'2024-03-01', 1) AS b, "
        "add_months(DATE'2024-01-31', 1) AS c"
    ).collect()[0]
    assert (row.a, row.b, row.c) == (
        dt.date(2024, 2, 1),
        dt.date(2024, 2, 29),
        dt.date(2024, 2, 29),
    )
    spark.sql("CREATE TABLE days AS SELECT date_add(DATE'2024-01-31', 1) AS d")
    assert [c.type_text for c in spark.ws.catalog.table_info("days").columns] == ["date"]


def test_unnamed_sql_columns_get_spark_names(spark: Any) -> None:
    df = spark.sql(
        "SELECT 1 + 1, upper('a'), count(*), category, max(name) FROM products GROUP BY category"
    )
    assert df.columns == ["(1 + 1)", "upper(a)", "count(1)", "category", "max(name)"]
    # As on Databricks, such names can't be Delta column names: CTAS needs aliases.
    with pytest.raises(brickyard.InvalidNameError, match="invalid column name 'count"):
        spark.sql(
            "CREATE TABLE counts AS SELECT category, count(*) FROM products GROUP BY category"
        )
    assert not spark.ws.catalog.table_exists("counts")


def test_duckdb_memory_limit_and_spill_folder_come_from_config(tmp_path: Any) -> None:
    home = tmp_path / "cfg"
    brickyard.connect(home).close()
    config = (home / "brickyard.toml").read_text()
    (home / "brickyard.toml").write_text(
        config.replace('memory_limit = "60%"', 'memory_limit = "1GB"')
    )
    session = brickyard.spark(home=home)
    try:
        ((limit, temp),) = session._conn.sql(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchall()
        assert limit in {"1.0 GiB", "953.6 MiB", "1.0 GB"}
        assert temp == str((home / "tmp" / "duckdb").resolve()) or temp.endswith("tmp/duckdb")
    finally:
        session.stop()
    (home / "brickyard.toml").write_text(
        config.replace('memory_limit = "60%"', 'memory_limit = "lots"')
    )
    with pytest.raises(brickyard.ConfigError, match=r"\[engine.duckdb\]"):
        brickyard.spark(home=home)
    (home / "brickyard.toml").write_text(config)  # fixed: a failed start leaves nothing behind
    again = brickyard.spark(home=home)
    try:
        assert again.sql("SELECT 1 AS one").collect()[0].one == 1
    finally:
        again.stop()


def test_spark_only_apis_say_so_instead_of_attribute_errors(spark: Any) -> None:
    df = spark.table("products")
    with pytest.raises(
        InvalidInputError, match=r"DataFrame.rdd exists only on Apache Spark.*engine='spark'"
    ):
        df.rdd  # noqa: B018
    with pytest.raises(InvalidInputError, match="SparkContext"):
        spark.sparkContext  # noqa: B018
    with pytest.raises(InvalidInputError, match="Structured Streaming"):
        spark.readStream  # noqa: B018


def test_runtime_config_accepts_spark_settings(spark: Any) -> None:
    spark.conf.set("spark.sql.shuffle.partitions", 8)  # ordinary programs do this
    assert spark.conf.get("spark.sql.shuffle.partitions") == "8"
    assert spark.conf.get("spark.unset.key", "fallback") == "fallback"
    spark.conf.set("spark.sql.session.timeZone", "Europe/Paris")
    assert spark.conf.get("spark.sql.session.timeZone") == "Europe/Paris"
