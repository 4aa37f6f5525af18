"""``createDataFrame`` data -> an Arrow table with Spark's column names and types.

sqlframe builds a SQL VALUES list (slow for big frames, and its DDL parser breaks on
``DECIMAL(10,2)``); Brickyard hands DuckDB the data as Arrow instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from brickyard.arrow.data import to_reader
from brickyard.arrow.types import parse_ddl, parse_type
from brickyard.domain.errors import InvalidInputError


def to_arrow_frame(data: Any, schema: Any = None) -> pa.Table:
    """Rows, dicts, pandas, polars or Arrow, with an optional StructType, DDL or name list."""
    target = _schema_of(schema)
    names = list(schema) if isinstance(schema, (list, tuple)) else None
    if _is_tabular(data):
        table = to_reader(data).read_all()
        if names:
            table = table.rename_columns(names)
        return _conform(table, target) if target is not None else table
    rows = list(data)
    if target is not None:
        return pa.Table.from_pylist([_as_dict(row, target.names) for row in rows], schema=target)
    if not rows:
        raise InvalidInputError("createDataFrame of no rows needs a schema")
    if names is None and isinstance(rows[0], dict):
        return pa.Table.from_pylist([dict(r) for r in rows])
    if names is None and hasattr(rows[0], "__fields__"):
        names = list(rows[0].__fields__)
    width = len(rows[0])
    names = names or [f"_{i + 1}" for i in range(width)]  # Spark's names for bare tuples
    if len(names) != width:
        raise InvalidInputError(f"the schema names {len(names)} columns but the rows have {width}")
    columns = list(zip(*[tuple(r) for r in rows], strict=True))
    return pa.table({name: pa.array(list(col)) for name, col in zip(names, columns, strict=True)})


def _schema_of(schema: Any) -> pa.Schema | None:
    if schema is None or isinstance(schema, (list, tuple)):
        return None
    if isinstance(schema, pa.Schema):
        return schema
    if isinstance(schema, dict):  # {name: type text}, as sqlframe's spark.range passes it
        return pa.schema([pa.field(name, parse_type(str(kind))) for name, kind in schema.items()])
    if isinstance(schema, str):
        text = schema.strip()
        if text.lower().startswith("struct<"):
            return pa.schema(list(parse_type(text)))
        return parse_ddl(text, catalog_names=False)
    if hasattr(schema, "simpleString"):  # a StructType (PySpark's or sqlframe's)
        return pa.schema(list(parse_type(schema.simpleString().replace(", ", ","))))
    raise InvalidInputError(
        f"cannot use {type(schema).__name__} as a schema; pass a StructType, a DDL string "
        "such as 'id INT, name STRING', a list of column names or a {name: type} dict"
    )


def _is_tabular(data: Any) -> bool:
    module = type(data).__module__.split(".")[0]
    return module in {"pandas", "polars", "pyarrow"} or hasattr(data, "__arrow_c_stream__")


def _as_dict(row: Any, names: Sequence[str]) -> dict[str, Any]:
    if isinstance(row, dict):
        return row
    if hasattr(row, "asDict"):
        return dict(row.asDict())
    values = tuple(row)
    if len(values) != len(names):
        raise InvalidInputError(
            f"a row has {len(values)} values but the schema has {len(names)} columns: {values!r}"
        )
    return dict(zip(names, values, strict=True))


def _conform(table: pa.Table, target: pa.Schema) -> pa.Table:
    if table.column_names != target.names:
        table = table.rename_columns(target.names) if table.num_columns == len(target) else table
    try:
        return table.cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
        raise InvalidInputError(f"the data does not fit the schema {target}: {exc}") from exc
