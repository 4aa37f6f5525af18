"""Does incoming data fit a table's schema? Only lossless widening is allowed, then a safe cast.

One rule for every write path: the check names every problem and shows both schemas before
anything is written, and the cast (``safe=True``) refuses values that would change on the way
(an overflow, a truncated timestamp), so no row is silently altered.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from brickyard.domain.errors import InvalidInputError, SchemaMismatchError

_INT_DIGITS = {8: 3, 16: 5, 32: 10, 64: 20}


def check_fits(target: pa.Schema, incoming: pa.Schema) -> None:
    """Raise SchemaMismatchError (showing both schemas) unless ``incoming`` fits ``target``."""
    problems = []
    missing = [n for n in target.names if n not in incoming.names]
    extra = [n for n in incoming.names if n not in target.names]
    if missing:
        problems.append(f"missing column(s) {missing}")
    if extra:
        problems.append(f"unexpected column(s) {extra}")
    for field in incoming:
        if field.name in target.names:
            wanted = target.field(field.name).type
            if not widens(field.type, wanted):
                problems.append(f"column '{field.name}' is {field.type}, the table has {wanted}")
    if problems:
        raise SchemaMismatchError(
            "the data does not match the table's schema: "
            + "; ".join(problems)
            + f"\n  table schema: {_describe(target)}\n  data schema:  {_describe(incoming)}"
            + "\nNothing was written. To replace the table with the new schema use "
            "overwrite(data, overwrite_schema=True); to add new columns use "
            "append(data, merge_schema=True)."
        )


def widens(source: pa.DataType, target: pa.DataType) -> bool:
    """True when every ``source`` value has an exact ``target`` value."""
    if source == target or pa.types.is_null(source):
        return True
    if pa.types.is_dictionary(source):
        return widens(source.value_type, target)
    if pa.types.is_integer(source):
        return _int_widens(source, target)
    if pa.types.is_floating(source):
        return bool(pa.types.is_floating(target) and target.bit_width >= source.bit_width)
    if pa.types.is_decimal(source) and pa.types.is_decimal(target):
        return bool(
            target.scale >= source.scale
            and target.precision - target.scale >= source.precision - source.scale
        )
    if pa.types.is_timestamp(source) and pa.types.is_timestamp(target):
        return (source.tz is None) == (target.tz is None)  # the safe cast checks the unit
    if pa.types.is_date(source) and pa.types.is_date(target):
        return True
    families = (
        {"string", "large_string", "string_view"},
        {"binary", "large_binary", "binary_view"},
    )
    if any(str(source) in f and str(target) in f for f in families):
        return True
    nested = (pa.types.is_list, pa.types.is_large_list, pa.types.is_struct, pa.types.is_map)
    return any(kind(source) and kind(target) for kind in nested)  # the safe cast decides


def _int_widens(source: pa.DataType, target: pa.DataType) -> bool:
    if pa.types.is_integer(target):
        if pa.types.is_signed_integer(source) and pa.types.is_unsigned_integer(target):
            return False
        if pa.types.is_unsigned_integer(source) and pa.types.is_signed_integer(target):
            return bool(target.bit_width > source.bit_width)
        return bool(target.bit_width >= source.bit_width)
    if pa.types.is_floating(target):  # doubles hold 53-bit, floats 24-bit integers exactly
        return bool(source.bit_width <= (32 if target.bit_width == 64 else 16))
    if pa.types.is_decimal(target):
        return bool(target.precision - target.scale >= _INT_DIGITS[source.bit_width])
    return False


class ConformedStream:
    """``data`` cast to ``target`` batch by batch; keeps the error a producer swallowed.

    delta-rs reads the stream through the Arrow C interface and reports a failing batch as an
    opaque error: the original one stays in ``error`` so the caller can raise it instead.
    """

    def __init__(self, data: pa.RecordBatchReader, target: pa.Schema) -> None:
        self.schema = pa.schema([target.field(name) for name in target.names])
        self.error: BaseException | None = None
        self.reader = pa.RecordBatchReader.from_batches(self.schema, self._batches(data))

    def _batches(self, data: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
        try:
            for batch in data:
                arrays = []
                for field in self.schema:
                    column = batch.column(field.name)
                    try:
                        arrays.append(column.cast(field.type, safe=True))
                    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                        raise InvalidInputError(
                            f"column '{field.name}' ({column.type}) has values that do not fit "
                            f"the table's {field.type}: {exc}. Nothing was written."
                        ) from exc
                yield pa.RecordBatch.from_arrays(arrays, schema=self.schema)
        except BaseException as exc:
            self.error = exc
            raise


def _describe(schema: pa.Schema) -> str:
    return ", ".join(f"{f.name} {f.type}" for f in schema)


def store_assignment(data: pa.Table, target: pa.Schema) -> pa.Table:
    """SQL ``INSERT``'s rule (Spark's ANSI store assignment): numbers take the column's type.

    ``balance * 2`` is a wider decimal than the ``balance`` column it goes back into; Spark
    casts it, failing on a value that does not fit. Other mismatches are left for
    ``check_fits`` to report.
    """
    columns = []
    for field, column in zip(data.schema, data.columns, strict=True):
        wanted = target.field(field.name).type if field.name in target.names else None
        if wanted is not None and wanted != field.type and _numeric(field.type, wanted):
            try:
                column = column.cast(wanted, safe=True)
            except (pa.ArrowInvalid, OverflowError) as exc:
                raise InvalidInputError(
                    f"a value of column '{field.name}' does not fit the table's type {wanted}: "
                    f"{exc}; nothing was written"
                ) from exc
        columns.append(column)
    return pa.Table.from_arrays(columns, names=data.schema.names)


def _numeric(source: pa.DataType, target: pa.DataType) -> bool:
    def number(dtype: pa.DataType) -> bool:
        return bool(
            pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_decimal(dtype)
        )

    return number(source) and number(target)
