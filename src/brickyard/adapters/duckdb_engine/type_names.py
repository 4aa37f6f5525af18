"""sqlframe's data types print their names as PySpark does.

PySpark writes ``decimal(10,2)``, ``map<string,int>`` and ``struct<a:int,b:string>``; sqlframe
puts a space after each comma. Programs compare ``simpleString()`` and ``printSchema`` text,
so the DuckDB engine uses Spark's spelling.
"""

from __future__ import annotations

from typing import Any

from sqlframe.base import types


def use_spark_type_names() -> None:
    types.DecimalType.simpleString = _decimal  # type: ignore[method-assign]
    types.DecimalType.jsonValue = _decimal  # type: ignore[method-assign]
    types.MapType.simpleString = _map  # type: ignore[method-assign]
    types.StructType.simpleString = _struct  # type: ignore[method-assign]


def _decimal(self: Any) -> str:
    return f"decimal({self.precision},{self.scale})"


def _map(self: Any) -> str:
    return f"map<{self.keyType.simpleString()},{self.valueType.simpleString()}>"


def _struct(self: Any) -> str:
    return f"struct<{','.join(field.simpleString() for field in self)}>"
