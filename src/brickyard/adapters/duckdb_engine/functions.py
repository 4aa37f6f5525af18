"""PySpark functions that sqlframe does not offer on DuckDB, with Spark's semantics.

sqlframe leaves out of its DuckDB functions module every function whose generic SQL DuckDB
would not run or would answer differently. The common ones are written here in DuckDB's own
SQL, following Spark's definition (rounding mode, NULL handling, the time zone rules of
``from_utc_timestamp``...), and the activation adds them to ``pyspark.sql.functions``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlframe.base.column import Column
from sqlframe.duckdb import functions as F  # noqa: N812 (PySpark's usual name)
from sqlglot import exp

ColumnOrName = Any


def _col(value: ColumnOrName) -> Column:
    return value if isinstance(value, Column) else F.col(value)


def _sql(template: str, **columns: ColumnOrName) -> Column:
    """A column from DuckDB SQL text whose ``{name}`` slots are the given columns."""
    text = template.format(
        **{
            name: f"({_col(c).column_expression.sql(dialect='duckdb')})"
            for name, c in columns.items()
        }
    )
    return Column(exp.maybe_parse(text, dialect="duckdb"))


def _literal(value: Any) -> str:
    return exp.convert(value).sql(dialect="duckdb")


# -- math ----------------------------------------------------------------------------------
def bround(col: ColumnOrName, scale: int | None = None) -> Column:
    """Round half to even (banker's rounding), as Spark's ``bround``."""
    return _sql(f"round_even({{c}}, {int(scale or 0)})", c=col)


def pmod(dividend: ColumnOrName | float, divisor: ColumnOrName | float) -> Column:
    """The positive remainder; NULL when the divisor is 0 (Spark without ANSI errors)."""
    a = dividend if isinstance(dividend, (Column, str)) else F.lit(dividend)
    b = divisor if isinstance(divisor, (Column, str)) else F.lit(divisor)
    return _sql("((({a} % nullif({b}, 0)) + {b}) % nullif({b}, 0))", a=a, b=b)


def hypot(col1: ColumnOrName | float, col2: ColumnOrName | float) -> Column:
    a = col1 if isinstance(col1, (Column, str)) else F.lit(col1)
    b = col2 if isinstance(col2, (Column, str)) else F.lit(col2)
    return _sql("sqrt(CAST({a} AS DOUBLE) ^ 2 + CAST({b} AS DOUBLE) ^ 2)", a=a, b=b)


def negative(col: ColumnOrName) -> Column:
    return _sql("-{c}", c=col)


def positive(col: ColumnOrName) -> Column:
    return _col(col)


def format_number(col: ColumnOrName, d: int) -> Column:
    """``1,234.57``: grouped thousands, ``d`` decimals rounded half-even, as Spark."""
    places = int(d)
    if places < 0:
        return F.lit(None).cast("string")
    return _sql(
        f"format('{{{{:,.{places}f}}}}', CAST(round_even(CAST({{c}} AS DECIMAL(38, 10)), "
        f"{places}) AS DOUBLE))",
        c=col,
    )


# -- strings -------------------------------------------------------------------------------
def substring_index(str: ColumnOrName, delim: str, count: int) -> Column:
    """The part before the ``count``-th delimiter (after it, counting from the end if < 0)."""
    parts = f"string_split({{s}}, {_literal(delim)})"
    if count == 0:
        return _sql("CASE WHEN {s} IS NULL THEN NULL ELSE '' END", s=str)
    picked = f"{parts}[1:{int(count)}]" if count > 0 else f"{parts}[-{abs(int(count))}:]"
    return _sql(f"array_to_string({picked}, {_literal(delim)})", s=str)


def initcap(col: ColumnOrName) -> Column:
    """Each space-separated word with its first letter upper case, the rest lower case."""
    return _sql(
        "array_to_string(list_transform(string_split({c}, ' '), "
        "w -> upper(left(w, 1)) || lower(w[2:])), ' ')",
        c=col,
    )


def octet_length(col: ColumnOrName) -> Column:
    return _sql("CAST(strlen({c}) AS INTEGER)", c=col)


def find_in_set(str: ColumnOrName, str_array: ColumnOrName) -> Column:
    """1-based position of ``str`` in the comma-separated list, 0 when absent."""
    return _sql(
        "CASE WHEN {s} IS NULL OR {a} IS NULL THEN NULL WHEN contains({s}, ',') THEN 0 "
        "ELSE CAST(coalesce(list_position(string_split({a}, ','), {s}), 0) AS INTEGER) END",
        s=str,
        a=str_array,
    )


def ilike(str: ColumnOrName, pattern: ColumnOrName) -> Column:
    return _sql(
        "{s} ILIKE {p}", s=str, p=pattern if isinstance(pattern, Column) else F.lit(pattern)
    )


# -- dates and times -----------------------------------------------------------------------
def from_utc_timestamp(timestamp: ColumnOrName, tz: ColumnOrName) -> Column:
    """Shift an instant by the zone's offset: the UTC wall clock shown in ``tz``."""
    zone = tz if isinstance(tz, Column) else F.lit(tz)
    return _sql("timezone('UTC', timezone({z}, CAST({t} AS TIMESTAMPTZ)))", t=timestamp, z=zone)


def to_utc_timestamp(timestamp: ColumnOrName, tz: ColumnOrName) -> Column:
    """The inverse of ``from_utc_timestamp``: a wall clock in ``tz`` as the UTC instant."""
    zone = tz if isinstance(tz, Column) else F.lit(tz)
    return _sql("timezone({z}, timezone('UTC', CAST({t} AS TIMESTAMPTZ)))", t=timestamp, z=zone)


def weekday(col: ColumnOrName) -> Column:
    """0 for Monday to 6 for Sunday."""
    return _sql("CAST(isodow(CAST({c} AS DATE)) - 1 AS INTEGER)", c=col)


def timestamp_millis(col: ColumnOrName) -> Column:
    return _sql("timezone('UTC', epoch_ms(CAST({c} AS BIGINT)))", c=col)


def timestamp_micros(col: ColumnOrName) -> Column:
    return _sql("timezone('UTC', make_timestamp(CAST({c} AS BIGINT)))", c=col)


# -- collections ---------------------------------------------------------------------------
def explode_outer(col: ColumnOrName) -> Column:
    """Like ``explode``, but a NULL or empty array or map gives one row of NULL."""
    return F.explode(_sql("CASE WHEN cardinality({c}) > 0 THEN {c} ELSE [NULL] END", c=col))


def size(col: ColumnOrName) -> Column:
    """Elements of an array or entries of a map; NULL for NULL, as Spark 4 (ANSI)."""
    return _sql("CAST(cardinality({c}) AS INTEGER)", c=col)


cardinality = size


def map_contains_key(col: ColumnOrName, value: Any) -> Column:
    key = value if isinstance(value, Column) else F.lit(value)
    return _sql("map_contains({m}, {k})", m=col, k=key)


def map_concat(*cols: ColumnOrName | list[ColumnOrName]) -> Column:
    flat = [c for item in cols for c in (item if isinstance(item, list) else [item])]
    slots = {f"m{i}": c for i, c in enumerate(flat)}
    return _sql("map_concat(" + ", ".join(f"{{{name}}}" for name in slots) + ")", **slots)


def named_struct(*cols: ColumnOrName) -> Column:
    pairs = list(cols)
    names = [p.expression.name if isinstance(p, Column) else str(p) for p in pairs[0::2]]
    return F.struct(*[_col(v).alias(n) for n, v in zip(names, pairs[1::2], strict=True)])


# -- aggregates and others ------------------------------------------------------------------
def every(col: ColumnOrName) -> Column:
    return _sql("bool_and({c})", c=col)


def some(col: ColumnOrName) -> Column:
    return _sql("bool_or({c})", c=col)


def std(col: ColumnOrName) -> Column:
    return F.stddev(col)


def equal_null(col1: ColumnOrName, col2: ColumnOrName) -> Column:
    return _sql("({a} IS NOT DISTINCT FROM {b})", a=col1, b=col2)


def isnotnull(col: ColumnOrName) -> Column:
    return _col(col).isNotNull()


def broadcast(df: Any) -> Any:
    """A join hint for Spark; DuckDB picks its join strategy itself."""
    return df


def monotonically_increasing_id() -> Column:
    return _sql("CAST(row_number() OVER () - 1 AS BIGINT)")


def spark_partition_id() -> Column:
    return _sql("CAST(0 AS INTEGER)")


SPARK_FUNCTIONS: dict[str, Callable[..., Any]] = {
    name: value
    for name, value in dict(globals()).items()
    if callable(value)
    and not name.startswith("_")
    and getattr(value, "__module__", None) == __name__
    and name != "Column"
}
SPARK_FUNCTIONS["cardinality"] = cardinality
