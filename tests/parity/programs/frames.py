"""createDataFrame from rows, dicts, Row objects and pandas, with StructType and DDL schemas."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd
from pyspark.sql import Row
from pyspark.sql import types as T  # noqa: N812

from tests.parity.registry import program


@program()
def rows_with_struct_type(spark: Any, schema: str) -> Any:
    fields = T.StructType(
        [
            T.StructField("id", T.IntegerType(), False),
            T.StructField("name", T.StringType()),
            T.StructField("score", T.DoubleType()),
            T.StructField("big", T.LongType()),
            T.StructField("ok", T.BooleanType()),
            T.StructField("day", T.DateType()),
            T.StructField("price", T.DecimalType(10, 2)),
        ]
    )
    rows = [
        (1, "ann", 1.5, 10_000_000_000, True, dt.date(2024, 1, 31), Decimal("19.99")),
        (2, None, None, None, None, None, None),
        (3, "cé", -0.25, -1, False, dt.date(1999, 12, 31), Decimal("-0.01")),
    ]
    return spark.createDataFrame(rows, fields)


@program()
def dicts_inferred(spark: Any, schema: str) -> Any:
    return spark.createDataFrame(
        [{"a": 1, "b": "x", "c": 2.5}, {"a": 2, "b": None, "c": None}, {"a": None, "b": "z", "c": 0.0}]
    )


@program()
def row_objects(spark: Any, schema: str) -> Any:
    return spark.createDataFrame([Row(k="a", v=1), Row(k="b", v=2), Row(k="a", v=None)])


@program()
def tuples_with_names(spark: Any, schema: str) -> Any:
    return spark.createDataFrame([(1, "one"), (2, "two")], ["n", "word"])


@program()
def ddl_schema(spark: Any, schema: str) -> Any:
    return spark.createDataFrame(
        [(1, "a", Decimal("1.10"), dt.datetime(2024, 3, 1, 12, 30, 0))],
        "id INT, tag STRING, amount DECIMAL(12,3), at TIMESTAMP",
    )


@program()
def pandas_frame(spark: Any, schema: str) -> Any:
    pdf = pd.DataFrame({"x": [1, 2, 3], "y": [0.5, None, 2.0], "s": ["a", "b", None]})
    return spark.createDataFrame(pdf)


@program()
def nested_schema(spark: Any, schema: str) -> Any:
    fields = T.StructType(
        [
            T.StructField("id", T.IntegerType()),
            T.StructField("tags", T.ArrayType(T.StringType())),
            T.StructField("attrs", T.MapType(T.StringType(), T.IntegerType())),
            T.StructField(
                "point",
                T.StructType([T.StructField("x", T.DoubleType()), T.StructField("y", T.DoubleType())]),
            ),
        ]
    )
    rows = [
        (1, ["a", "b"], {"k": 1}, (1.0, 2.0)),
        (2, [], {}, None),
        (3, None, None, (None, 3.5)),
    ]
    return spark.createDataFrame(rows, fields)


@program(ordered=True)
def range_and_limit(spark: Any, schema: str) -> Any:
    return spark.range(0, 20, 3).withColumnRenamed("id", "n").orderBy("n").limit(5)
