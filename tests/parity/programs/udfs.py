"""Python UDFs: F.udf with return types, @udf, spark.udf.register from SQL, pandas_udf."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pyspark.sql import functions as F  # noqa: N812
from pyspark.sql import types as T  # noqa: N812
from pyspark.sql.functions import pandas_udf, udf

from tests.parity.registry import program


def people(spark: Any) -> Any:
    return spark.createDataFrame(
        [(1, "ann", 31), (2, "bob", None), (3, None, 45)], "id INT, name STRING, age INT"
    )


@program()
def udf_return_types(spark: Any, schema: str) -> Any:
    shout = F.udf(lambda s: None if s is None else s.upper() + "!", T.StringType())
    double = F.udf(lambda n: None if n is None else n * 2, T.LongType())
    ratio = F.udf(lambda n: None if n is None else n / 4, T.DoubleType())
    words = F.udf(lambda s: [] if s is None else list(s), T.ArrayType(T.StringType()))
    return people(spark).select(
        "id",
        shout("name").alias("shout"),
        double(F.col("age")).alias("double_age"),
        ratio("age").alias("quarter_age"),
        words("name").alias("letters"),
    )


@program()
def udf_decorator_default_name(spark: Any, schema: str) -> Any:
    @udf(returnType=T.IntegerType())
    def name_length(s: str | None) -> int:
        return -1 if s is None else len(s)

    @udf
    def describe(n: int | None) -> str:
        return "unknown" if n is None else f"age {n}"

    return people(spark).select("id", name_length("name"), describe("age"))


@program()
def udf_registered_for_sql(spark: Any, schema: str) -> Any:
    spark.udf.register("plus_one", lambda n: None if n is None else n + 1, T.IntegerType())
    people(spark).createOrReplaceTempView("people")
    return spark.sql("SELECT id, plus_one(age) AS next_age, plus_one(id) + 1 AS id2 FROM people")


@program()
def pandas_udf_series(spark: Any, schema: str) -> Any:
    @pandas_udf("double")
    def centred(v: pd.Series) -> pd.Series:
        return v.astype("float64") - 30.0

    @pandas_udf(T.StringType())
    def tag(s: pd.Series) -> pd.Series:
        return s.fillna("?").str.upper()

    return people(spark).select("id", centred("age").alias("c"), tag("name").alias("t"))


@program()
def udf_in_filter_and_groupby(spark: Any, schema: str) -> Any:
    bucket = F.udf(lambda n: "none" if n is None else ("old" if n > 40 else "young"), "string")
    df = people(spark).withColumn("bucket", bucket("age"))
    return df.where(F.col("bucket") != "none").groupBy("bucket").agg(F.count("*").alias("n"))
