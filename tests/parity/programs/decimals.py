"""DECIMAL arithmetic: result precision and scale as Spark types them, exact values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pyspark.sql import functions as F  # noqa: N812

from tests.parity.registry import program


def prices(spark: Any) -> Any:
    return spark.createDataFrame(
        [
            ("a", Decimal("10.25"), Decimal("3.00"), 2),
            ("a", Decimal("0.10"), Decimal("0.20"), 3),
            ("b", Decimal("99999999.99"), Decimal("1.01"), 1),
            ("b", None, Decimal("2.50"), None),
        ],
        "k STRING, price DECIMAL(10,2), rate DECIMAL(10,2), n INT",
    )


@program()
def decimal_arithmetic(spark: Any, schema: str) -> Any:
    df = prices(spark)
    return df.select(
        "k",
        (F.col("price") + F.col("rate")).alias("plus"),
        (F.col("price") - F.col("rate")).alias("minus"),
        (F.col("price") * F.col("rate")).alias("times"),
        (F.col("price") * F.col("n")).alias("times_int"),
        F.round(F.col("price") / F.col("rate"), 4).alias("ratio"),
        F.round("price", 1).alias("r1"),
        F.bround("price", 1).alias("b1"),
        F.col("price").cast("decimal(12,4)").alias("widened"),
        F.col("price").cast("double").alias("as_double"),
    )


@program()
def decimal_aggregates(spark: Any, schema: str) -> Any:
    return prices(spark).groupBy("k").agg(
        F.sum("price").alias("total"),
        F.avg("rate").alias("avg_rate"),
        F.max("price").alias("top"),
        F.sum(F.col("price") * F.col("n")).alias("weighted"),
    )


@program()
def decimal_division_type(spark: Any, schema: str) -> Any:
    return prices(spark).select("k", (F.col("price") / F.col("rate")).alias("ratio"))


@program()
def decimal_literals_sql(spark: Any, schema: str) -> Any:
    return spark.sql(
        "SELECT 1.5 AS a, CAST(2.25 AS DECIMAL(5,2)) * 2 AS b, 0.1 + 0.2 AS c, "
        "CAST(10 AS DECIMAL(10,2)) / 3 AS d, round(2.5) AS e, round(-2.5) AS f"
    )
