"""select / filter / withColumn / groupBy / agg, with NULLs in keys and values."""

from __future__ import annotations

from typing import Any

from pyspark.sql import functions as F  # noqa: N812

from tests.parity.registry import program


def sales(spark: Any) -> Any:
    return spark.createDataFrame(
        [
            ("east", "apple", 3, 1.25),
            ("east", "pear", None, 2.5),
            ("west", "apple", 7, None),
            ("west", "apple", 1, 0.75),
            (None, "fig", 2, 4.0),
            (None, None, None, None),
            ("north", "kiwi", 5, 1.0),
        ],
        "region STRING, fruit STRING, qty INT, price DOUBLE",
    )


@program()
def group_agg_with_nulls(spark: Any, schema: str) -> Any:
    return (
        sales(spark)
        .groupBy("region")
        .agg(
            F.count("*").alias("n"),
            F.count("qty").alias("n_qty"),
            F.countDistinct("fruit").alias("fruits"),
            F.sum("qty").alias("qty"),
            F.avg("price").alias("avg_price"),
            F.min("fruit").alias("first_fruit"),
            F.max("qty").alias("max_qty"),
        )
    )


@program()
def collect_list_sorted_and_first(spark: Any, schema: str) -> Any:
    return (
        sales(spark)
        .groupBy("region")
        .agg(
            F.sort_array(F.collect_list("fruit")).alias("fruits"),
            F.sort_array(F.collect_set("fruit")).alias("distinct_fruits"),
            F.first("qty", ignorenulls=True).alias("any_qty"),
            F.sum(F.col("qty") * F.col("price")).alias("revenue"),
        )
        .where(F.col("region").isNotNull())
    )


@program(ordered=True)
def filter_with_column_order(spark: Any, schema: str) -> Any:
    df = sales(spark)
    return (
        df.filter((F.col("qty") > 1) | F.col("price").isNull())
        .withColumn("total", F.col("qty") * F.col("price"))
        .withColumn("band", F.when(F.col("qty") >= 5, "big").when(F.col("qty") >= 2, "mid").otherwise("small"))
        .withColumn("safe_qty", F.coalesce(F.col("qty"), F.lit(0)))
        .select("region", "fruit", "qty", "total", "band", "safe_qty")
        .orderBy(F.col("region").asc_nulls_last(), F.col("fruit").desc_nulls_first(), "qty")
    )


@program()
def global_aggregates(spark: Any, schema: str) -> Any:
    return sales(spark).agg(
        F.count(F.lit(1)).alias("rows"),
        F.sum("qty").alias("qty"),
        F.avg("qty").alias("avg_qty"),
        F.stddev("qty").alias("sd"),
        F.variance("price").alias("var"),
        F.approx_count_distinct("region").alias("regions"),
    )


@program()
def unnamed_aggregate_columns(spark: Any, schema: str) -> Any:
    return sales(spark).groupBy("fruit").agg(F.count("*"), F.sum("qty"), F.max("price"))


@program()
def distinct_union_dropna(spark: Any, schema: str) -> Any:
    df = sales(spark).select("region", "fruit")
    extra = spark.createDataFrame([("south", "lime"), ("east", "apple")], "region STRING, fruit STRING")
    return df.union(extra).distinct().dropna(how="all").fillna("?", subset=["fruit"])
