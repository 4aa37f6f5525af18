"""createDataFrame takes rows, dicts, pandas, Arrow, and StructType, DDL or name schemas."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from brickyard import InvalidInputError


def test_ddl_schema_with_decimals_and_nested_types(spark: Any) -> None:
    df = spark.createDataFrame(
        [(1, "a", Decimal("9.99"), ["x", "y"])],
        "id INT, name STRING, price DECIMAL(10,2), tags ARRAY<STRING>",
    )
    assert df.columns == ["id", "name", "price", "tags"]
    row = df.collect()[0]
    assert (row.id, row.name, row.price, list(row.tags)) == (1, "a", Decimal("9.99"), ["x", "y"])


def test_struct_type_schema_and_row_objects(spark: Any) -> None:
    from pyspark.sql import Row
    from pyspark.sql import types as T  # noqa: N812

    schema = T.StructType([T.StructField("id", T.LongType()), T.StructField("day", T.DateType())])
    df = spark.createDataFrame([Row(id=1, day=dt.date(2026, 1, 2))], schema)
    assert df.collect()[0].day == dt.date(2026, 1, 2)
    plain = spark.createDataFrame([Row(a=1, b="x"), Row(a=2, b="y")])
    assert plain.columns == ["a", "b"]
    assert plain.count() == 2


def test_names_only_tuples_and_dicts(spark: Any) -> None:
    assert spark.createDataFrame([(1, "a")], ["id", "name"]).columns == ["id", "name"]
    assert spark.createDataFrame([(1, "a")]).columns == ["_1", "_2"]  # Spark's names
    dicts = spark.createDataFrame([{"k": 1, "v": 2.5}])
    assert dicts.collect()[0].v == 2.5


def test_pandas_and_arrow_frames_are_fast_and_typed(spark: Any) -> None:
    frame = pd.DataFrame({"id": range(200_000), "x": [0.5] * 200_000})
    df = spark.createDataFrame(frame)
    assert df.count() == 200_000
    summed = spark.createDataFrame(pa.table({"a": [1, 2]})).selectExpr("sum(a) AS s")
    assert summed.collect()[0].s == 3
    df.write.saveAsTable("from_pandas")
    columns = spark.ws.catalog.table_info("from_pandas").columns
    assert [c.type_text for c in columns] == ["bigint", "double"]


def test_rows_that_do_not_fit_the_schema_are_explained(spark: Any) -> None:
    with pytest.raises(InvalidInputError, match="2 values but the schema has 3 columns"):
        spark.createDataFrame([(1, "a")], "id INT, name STRING, extra INT")
    with pytest.raises(InvalidInputError, match="unknown type"):
        spark.createDataFrame([(1,)], "id INTEGR")
