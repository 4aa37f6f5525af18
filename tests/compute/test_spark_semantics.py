"""The DuckDB engine answers as Spark does: names, types and values (bugs fixed, one each)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from brickyard.domain.errors import InvalidInputError


def test_column_names_keep_their_case(spark: Any) -> None:
    from pyspark.sql import functions as F  # noqa: N812

    df = spark.createDataFrame([(1, "x")], "Id INT, `Full Name` STRING")
    assert df.columns == ["Id", "Full Name"]
    assert df.collect()[0].Id == 1
    assert df.groupBy("Id").agg(F.count("*").alias("N")).columns == ["Id", "N"]
    assert spark.sql("SELECT 1 AS MyCol, count(DISTINCT 1)").columns == [
        "MyCol",
        "count(DISTINCT 1)",
    ]
    df.createOrReplaceTempView("People")
    assert spark.sql("SELECT Id FROM people").collect()[0].Id == 1


def test_joins_on_names_and_qualified_columns(spark: Any) -> None:
    from pyspark.sql import functions as F  # noqa: N812

    left = spark.createDataFrame([(1, "a"), (2, "b")], "k INT, lv STRING")
    right = spark.createDataFrame([(1, 10.0), (3, 30.0)], "k INT, rv DOUBLE")
    full = left.join(right, "k", "full_outer")
    assert full.columns == ["k", "lv", "rv"]
    assert sorted(r.k for r in full.collect()) == [1, 2, 3]
    assert left.join(right, "k", "left_semi").columns == ["k", "lv"]
    a, b = left.alias("a"), right.alias("b")
    picked = a.join(b, F.col("a.k") == F.col("b.k")).select("a.k", "b.rv")
    assert picked.columns == ["k", "rv"]


def test_result_types_are_sparks(spark: Any) -> None:
    from pyspark.sql import functions as F  # noqa: N812

    df = spark.createDataFrame(
        [(1, -3.7, Decimal("10.25"), dt.date(2024, 1, 31), [1, 2], {"k": 1})],
        "n INT, x DOUBLE, price DECIMAL(10,2), d DATE, a ARRAY<INT>, m MAP<STRING,INT>",
    )
    out = df.select(
        F.year("d").alias("y"),
        F.length(F.lit("abc")).alias("len"),
        F.col("x").cast("int").alias("truncated"),
        F.size("m").alias("entries"),
        "m",
    )
    assert out.dtypes == [
        ("y", "int"),
        ("len", "int"),
        ("truncated", "int"),
        ("entries", "int"),
        ("m", "map<string,int>"),
    ]
    assert out.collect()[0].asDict() == {
        "y": 2024,
        "len": 3,
        "truncated": -3,
        "entries": 1,
        "m": {"k": 1},
    }
    sums = df.agg(F.sum("n").alias("s"), F.sum("price").alias("p"), F.avg("price").alias("a"))
    assert sums.dtypes == [("s", "bigint"), ("p", "decimal(20,2)"), ("a", "decimal(14,6)")]
    assert sums.collect()[0].a == Decimal("10.250000")
    arithmetic = spark.sql(
        "SELECT CAST(1.25 AS DECIMAL(10,2)) * CAST(2 AS DECIMAL(10,2)) AS m, 0.1 + 0.2 AS a, "
        "round(CAST(7 AS DECIMAL(10,2)) / CAST(3 AS DECIMAL(10,2)), 4) AS r"
    )
    assert arithmetic.dtypes == [
        ("m", "decimal(21,4)"),
        ("a", "decimal(2,1)"),
        ("r", "decimal(15,4)"),
    ]
    assert arithmetic.collect()[0].asDict() == {
        "m": Decimal("2.5000"),
        "a": Decimal("0.3"),
        "r": Decimal("2.3333"),
    }


def test_to_pandas_keeps_decimals_and_local_timestamps(spark: Any) -> None:
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    df = spark.sql("SELECT CAST(1.25 AS DECIMAL(10,2)) AS p, TIMESTAMP'2024-01-01 10:00:00' AS t")
    frame = df.toPandas()
    assert frame["p"][0] == Decimal("1.25")
    assert frame["t"][0].to_pydatetime() == dt.datetime(2024, 1, 1, 10, 0)
    assert df.collect()[0].t == dt.datetime(2024, 1, 1, 10, 0)


def test_functions_sqlframe_lacks_on_duckdb(spark: Any) -> None:
    from pyspark.sql import functions as F  # noqa: N812

    df = spark.createDataFrame(
        [(2.5, "a.b.c", [1, 2]), (-3.5, None, [])], "x DOUBLE, s STRING, a ARRAY<INT>"
    )
    rows = df.select(
        F.bround("x").alias("b"),
        F.substring_index("s", ".", 2).alias("head"),
        F.initcap(F.lit("  hello  world")).alias("title"),
    ).collect()
    assert [(r.b, r.head, r.title) for r in rows] == [
        (2.0, "a.b", "  Hello  World"),
        (-4.0, None, "  Hello  World"),
    ]
    exploded = df.select(F.explode_outer("a").alias("e")).collect()
    assert sorted((r.e is None, r.e) for r in exploded) == [(False, 1), (False, 2), (True, None)]


def test_insert_casts_numbers_to_the_column_type_or_fails_whole(spark: Any) -> None:
    spark.sql("CREATE TABLE main.default.acct (id INT, balance DECIMAL(10,2))")
    spark.sql("INSERT INTO main.default.acct VALUES (1, 1.25)")
    spark.sql("INSERT INTO acct SELECT id + 10, balance * 2 FROM acct")  # DECIMAL(12,2) rows
    rows = sorted(spark.table("acct").collect())
    assert [(r.id, r.balance) for r in rows] == [(1, Decimal("1.25")), (11, Decimal("2.50"))]
    with pytest.raises(InvalidInputError, match="does not fit"):
        spark.sql("INSERT INTO acct SELECT 99, balance * 100000000 FROM acct")
    assert spark.table("acct").count() == 2


def test_delta_paths_read_without_the_delta_extension(spark: Any) -> None:
    import brickyard

    spark.sql("CREATE TABLE main.default.dpath AS SELECT 1 AS x")
    spark.sql("INSERT INTO main.default.dpath VALUES (2)")
    with brickyard.connect(spark.ws.home) as ws:
        location = ws.catalog.table_location("main.default.dpath")
    assert sorted(r.x for r in spark.read.format("delta").load(location).collect()) == [1, 2]
    assert spark.read.format("delta").option("versionAsOf", 0).load(location).count() == 1
    assert spark.read.load(location, format="delta").count() == 2


def test_a_repeated_query_sees_each_new_version(spark: Any) -> None:
    spark.sql("CREATE TABLE main.default.counted AS SELECT 1 AS x")
    query = "SELECT count(*) AS n, sum(x) AS s FROM counted"
    assert spark.sql(query).collect()[0].n == 1
    spark.sql("INSERT INTO counted VALUES (5)")
    again = spark.sql(query).collect()[0]  # same text: planned once, read at the new version
    assert (again.n, again.s) == (2, 6)
    spark.sql("USE main.default")
    assert spark.sql("SELECT count(*) AS n FROM counted VERSION AS OF 0").collect()[0].n == 1
