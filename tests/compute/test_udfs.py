"""Python UDFs on DuckDB: udf, @udf, pandas_udf and spark.udf.register (usable from SQL)."""

from __future__ import annotations

from typing import Any

import pytest

from brickyard import InvalidInputError


def test_udf_forms_with_spark_names_and_null_inputs(spark: Any) -> None:
    from pyspark.sql import functions as F  # noqa: N812
    from pyspark.sql import types as T  # noqa: N812
    from pyspark.sql.functions import pandas_udf, udf

    df = spark.createDataFrame([(1, "a"), (2, None), (3, "ccc")], "id INT, s STRING")
    plus = F.udf(lambda x: x + 100, T.LongType())

    @udf(returnType=T.IntegerType())
    def slen(s: str | None) -> int:
        return -1 if s is None else len(s)  # Spark passes None for NULL

    @pandas_udf("double")
    def half(x: Any) -> Any:
        return x / 2

    out = df.select("id", plus("id"), slen(F.col("s")), half("id")).orderBy("id")
    assert out.columns == ["id", "<lambda>(id)", "slen(s)", "half(id)"]
    assert [tuple(r) for r in out.collect()] == [
        (1, 101, 1, 0.5),
        (2, 102, -1, 1.0),
        (3, 103, 3, 1.5),
    ]


def test_registered_udfs_work_in_sql_on_catalog_tables(spark: Any) -> None:
    from pyspark.sql import types as T  # noqa: N812

    spark.udf.register("doubled", lambda q: q * 2, T.LongType())
    total = spark.sql(
        "SELECT sum(doubled(quantity)) AS t, sum(quantity) AS q FROM orders"
    ).collect()[0]
    assert total.t == 2 * total.q
    spark.udf.register("doubled", lambda q: q * 3, "bigint")  # registering again replaces it
    again = spark.sql("SELECT sum(doubled(quantity)) AS t FROM orders").collect()[0]
    assert again.t == 3 * total.q


def test_udf_errors_are_explained(spark: Any) -> None:
    with pytest.raises(InvalidInputError, match="needs a function"):
        spark.udf.register("bad", 42)
    with pytest.raises(InvalidInputError, match="unknown UDF return type"):
        spark.udf.register("bad", lambda x: x, "not a type at all")
