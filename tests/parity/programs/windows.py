"""Window functions: ranking, lag/lead, running sums with frames, partitions with ties."""

from __future__ import annotations

from typing import Any

from pyspark.sql import Window
from pyspark.sql import functions as F  # noqa: N812

from tests.parity.registry import program


def scores(spark: Any) -> Any:
    return spark.createDataFrame(
        [
            ("a", 1, 10.0),
            ("a", 2, 20.0),
            ("a", 3, 20.0),
            ("a", 4, None),
            ("b", 1, 5.0),
            ("b", 2, 1.0),
            (None, 1, 7.0),
        ],
        "grp STRING, seq INT, val DOUBLE",
    )


@program()
def ranking(spark: Any, schema: str) -> Any:
    w = Window.partitionBy("grp").orderBy(F.col("val").desc())
    return scores(spark).select(
        "grp",
        "seq",
        "val",
        F.row_number().over(Window.partitionBy("grp").orderBy("seq")).alias("rn"),
        F.rank().over(w).alias("rk"),
        F.dense_rank().over(w).alias("drk"),
        F.percent_rank().over(w).alias("prk"),
        F.ntile(2).over(Window.partitionBy("grp").orderBy("seq")).alias("tile"),
    )


@program()
def lag_lead(spark: Any, schema: str) -> Any:
    w = Window.partitionBy("grp").orderBy("seq")
    return scores(spark).select(
        "grp",
        "seq",
        F.lag("val").over(w).alias("prev"),
        F.lead("val", 1, -1.0).over(w).alias("next"),
        F.lag("seq", 2).over(w).alias("prev2"),
    )


@program()
def running_sums_with_frames(spark: Any, schema: str) -> Any:
    ordered = Window.partitionBy("grp").orderBy("seq")
    return scores(spark).select(
        "grp",
        "seq",
        F.sum("val").over(ordered.rowsBetween(Window.unboundedPreceding, Window.currentRow)).alias("running"),
        F.sum("val").over(ordered.rowsBetween(-1, 1)).alias("moving"),
        F.avg("val").over(Window.partitionBy("grp")).alias("grp_avg"),
        F.count("val").over(ordered).alias("count_so_far"),
        F.max("val").over(ordered.rangeBetween(Window.unboundedPreceding, 0)).alias("max_so_far"),
        F.first("val").over(ordered).alias("first_val"),
    )


@program(ordered=True)
def top_per_group(spark: Any, schema: str) -> Any:
    w = Window.partitionBy("grp").orderBy(F.col("val").desc_nulls_last(), "seq")
    return (
        scores(spark)
        .withColumn("rn", F.row_number().over(w))
        .where(F.col("rn") == 1)
        .drop("rn")
        .orderBy(F.col("grp").asc_nulls_first())
    )
