"""Joins of every kind, with NULL keys (which never match)."""

from __future__ import annotations

from typing import Any

from pyspark.sql import functions as F  # noqa: N812

from tests.parity.registry import program


def left_right(spark: Any) -> tuple[Any, Any]:
    left = spark.createDataFrame(
        [(1, "a"), (2, "b"), (None, "n1"), (4, "d"), (4, "d2")], "k INT, lv STRING"
    )
    right = spark.createDataFrame(
        [(1, 10.0), (3, 30.0), (None, 0.0), (4, 40.0)], "k INT, rv DOUBLE"
    )
    return left, right


@program()
def join_inner_left_right_full(spark: Any, schema: str) -> Any:
    left, right = left_right(spark)
    parts = []
    for how in ("inner", "left", "right", "full"):
        joined = left.join(right, left.k == right.k, how)
        parts.append(
            joined.select(F.lit(how).alias("how"), left.k.alias("lk"), "lv", right.k.alias("rk"), "rv")
        )
    out = parts[0]
    for part in parts[1:]:
        out = out.unionByName(part)
    return out


@program()
def join_using_column(spark: Any, schema: str) -> Any:
    left, right = left_right(spark)
    return left.join(right, "k", "full_outer")


@program()
def join_semi_anti(spark: Any, schema: str) -> Any:
    left, right = left_right(spark)
    semi = left.join(right, "k", "left_semi").withColumn("how", F.lit("semi"))
    anti = left.join(right, "k", "left_anti").withColumn("how", F.lit("anti"))
    return semi.unionByName(anti)


@program()
def join_cross_and_null_safe(spark: Any, schema: str) -> Any:
    left, right = left_right(spark)
    cross = left.select("lv").crossJoin(right.select("rv")).agg(F.count("*").alias("pairs"))
    null_safe = left.join(right, left.k.eqNullSafe(right.k)).agg(F.count("*").alias("pairs"))
    return cross.crossJoin(null_safe.withColumnRenamed("pairs", "null_safe_pairs"))


@program()
def join_on_expression_with_aliases(spark: Any, schema: str) -> Any:
    left, right = left_right(spark)
    a = left.alias("a")
    b = right.alias("b")
    return a.join(b, (F.col("a.k") <= F.col("b.k")) & (F.col("b.rv") > 5), "left").select(
        "a.k", "a.lv", F.col("b.k").alias("bk"), "b.rv"
    )
