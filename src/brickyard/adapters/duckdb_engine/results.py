"""Query results as PySpark gives them: ``Row``s, dicts for maps, naive local timestamps.

DuckDB answers through Arrow, whose types say exactly what each value is: a struct becomes
a ``Row``, a map a ``dict`` (sqlframe's row path cannot tell the two apart: both arrive as
dicts), a decimal stays a ``Decimal``, and a timestamp with a time zone becomes the naive
wall-clock time of the session time zone, as Spark shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
from sqlframe.base.types import Row

Convert = Callable[[Any], Any]


def rows_of(table: pa.Table, time_zone: str) -> list[Row]:
    """Every row of ``table`` as a PySpark ``Row`` (columns in order, duplicates kept)."""
    zone = ZoneInfo(time_zone)
    columns = []
    for field, column in zip(table.schema, table.columns, strict=True):
        convert = _converter(field.type, zone)
        columns.append([convert(v) for v in column.to_pylist()])
    names = list(table.schema.names)
    rows = []
    for values in zip(*columns, strict=True) if columns else [()] * table.num_rows:
        rows.append(make_row(names, values))
    return rows


def make_row(names: list[str], values: Any) -> Row:
    row = tuple.__new__(Row, values)
    row.__fields__ = names
    return row


def _converter(dtype: pa.DataType, zone: ZoneInfo) -> Convert:
    """A function turning one ``to_pylist`` value of ``dtype`` into PySpark's value."""
    if pa.types.is_struct(dtype):
        names = [dtype.field(i).name for i in range(dtype.num_fields)]
        parts = [_converter(dtype.field(i).type, zone) for i in range(dtype.num_fields)]

        def struct(value: Any) -> Any:
            if value is None:
                return None
            return make_row(names, [f(value[n]) for n, f in zip(names, parts, strict=True)])

        return struct
    if pa.types.is_map(dtype):
        key, item = _converter(dtype.key_type, zone), _converter(dtype.item_type, zone)
        return lambda value: None if value is None else {key(k): item(v) for k, v in value}
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        element = _converter(dtype.value_type, zone)
        return lambda value: None if value is None else [element(v) for v in value]
    if pa.types.is_timestamp(dtype) and dtype.tz is not None:
        return lambda value: None if value is None else _wall_clock(value, zone)
    return _same


def _same(value: Any) -> Any:
    return value


def _wall_clock(value: datetime, zone: ZoneInfo) -> datetime:
    return value.astimezone(zone).replace(tzinfo=None)


def pandas_of(table: pa.Table, time_zone: str) -> Any:
    """``toPandas()``: decimals as ``Decimal`` objects, timestamps naive in the session zone."""
    fields = []
    for field in table.schema:
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            field = field.with_type(pa.timestamp(field.type.unit, tz=time_zone))
        fields.append(field)
    frame = table.cast(pa.schema(fields)).to_pandas(maps_as_pydicts="strict")
    for index, field in enumerate(fields):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            frame.isetitem(index, frame.iloc[:, index].dt.tz_localize(None))
    return frame
