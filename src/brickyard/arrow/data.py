"""Turning what users hand us (Arrow, pandas, polars, rows) into an Arrow stream."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from brickyard.domain.errors import InvalidInputError

ACCEPTED = (
    "a pyarrow Table, RecordBatch or RecordBatchReader, a pandas or polars DataFrame, "
    "any object with __arrow_c_stream__, a list of dicts or a dict of lists"
)


def to_reader(data: Any) -> pa.RecordBatchReader:
    """An Arrow stream over ``data``; raises InvalidInputError for anything Arrow can't take."""
    if isinstance(data, pa.RecordBatchReader):
        return data
    if isinstance(data, pa.Table):
        return data.to_reader()
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data]).to_reader()
    module = type(data).__module__.split(".")[0]
    try:
        if module == "pandas":
            return pa.Table.from_pandas(data, preserve_index=False).to_reader()
        if module == "polars" and hasattr(data, "to_arrow"):
            return data.to_arrow().to_reader()
        if hasattr(data, "__arrow_c_stream__"):
            return pa.RecordBatchReader.from_stream(data)
        if isinstance(data, list) and all(isinstance(row, dict) for row in data):
            if not data:
                raise InvalidInputError("the data is an empty list: there is no schema to take")
            return pa.Table.from_pylist(data).to_reader()
        if isinstance(data, dict):
            return pa.table(data).to_reader()
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InvalidInputError(f"cannot convert the data to Arrow: {exc}") from exc
    raise InvalidInputError(f"cannot take data of type {type(data).__name__}; pass {ACCEPTED}")
