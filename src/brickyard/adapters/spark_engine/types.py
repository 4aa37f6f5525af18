"""Arrow <-> Spark schemas for the tables Spark reads and writes."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from brickyard.arrow.types import spark_json_type


def spark_schema(schema: pa.Schema) -> Any:
    """The ``StructType`` of an Arrow schema (every column nullable, as Delta tables are)."""
    from pyspark.sql.types import StructType

    return StructType.fromJson(
        {
            "type": "struct",
            "fields": [
                {"name": f.name, "type": spark_json_type(f.type), "nullable": True, "metadata": {}}
                for f in schema
            ],
        }
    )


def arrow_schema(struct: Any) -> pa.Schema:
    """The Arrow schema a Delta table takes for a Spark ``StructType``; all fields nullable."""
    from pyspark.sql.pandas.types import to_arrow_schema

    return pa.schema([_nullable(f) for f in to_arrow_schema(struct, timezone="UTC")])


def _nullable(field: pa.Field) -> pa.Field:
    return field.with_type(_nullable_type(field.type)).with_nullable(True)


def _nullable_type(dtype: pa.DataType) -> pa.DataType:
    if pa.types.is_struct(dtype):
        return pa.struct([_nullable(dtype.field(i)) for i in range(dtype.num_fields)])
    if pa.types.is_map(dtype):
        return pa.map_(dtype.key_type, _nullable_type(dtype.item_type))
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return pa.list_(_nullable(dtype.value_field))
    return dtype
