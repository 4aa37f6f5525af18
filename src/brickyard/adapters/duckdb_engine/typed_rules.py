"""Spark's typing rules that depend on argument types: casts to integers and decimals.

DuckDB rounds a fractional value cast to an integer (``CAST(-3.7 AS INT)`` is -4); Spark
truncates (-3), and casts a timestamp to its seconds since the epoch. DuckDB types decimal sums as ``DECIMAL(38, s)`` and decimal averages and
divisions as DOUBLE; Spark gives ``sum`` ``DECIMAL(p + 10, s)``, ``avg``
``DECIMAL(p + 4, s + 4)``, ``a * b`` ``DECIMAL(p1 + p2 + 1, s1 + s2)`` and ``a / b``
``DECIMAL(p1 - s1 + s2 + max(6, s1 + p2 + 1), max(6, s1 + p2 + 1))``, bounded to 38 digits
as Spark bounds them. These rules need the argument types, so the query is typed by
sqlglot (qualified against the session's schema) only when it holds such an expression.

Averages and divisions are computed by DuckDB in double precision, then rounded to Spark's
type: exact up to about 15 significant digits (see docs/compute.md).
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

_INTEGRAL = {
    exp.DataType.Type.TINYINT,
    exp.DataType.Type.SMALLINT,
    exp.DataType.Type.INT,
    exp.DataType.Type.BIGINT,
}
_FRACTIONAL = {exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT, exp.DataType.Type.DECIMAL}
_TIMESTAMPS = {
    exp.DataType.Type.TIMESTAMP,
    exp.DataType.Type.TIMESTAMPTZ,
    exp.DataType.Type.TIMESTAMPLTZ,
    exp.DataType.Type.TIMESTAMPNTZ,
}
MAX_PRECISION = 38


_TEXT = {exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT}


def needs_types(query: exp.Expr) -> bool:
    """Whether the query holds a cast to an integer or decimal arithmetic to type."""
    for node in query.walk():
        if isinstance(node, exp.Cast) and node.to.this in _INTEGRAL | _TEXT:
            if not isinstance(node.this, exp.Literal):
                return True
        elif isinstance(node, (exp.Sum, exp.Avg, exp.Mul, exp.Div)):
            return True
    return False


def apply_typed_rules(query: exp.Expr, schema: Any) -> exp.Expr:
    """The query with Spark's truncating casts and decimal result types."""
    if not needs_types(query):
        return query
    try:
        typed = qualify(
            query.copy(),
            schema=schema,
            dialect="spark",
            quote_identifiers=False,
            validate_qualify_columns=False,
            identify=False,
        )
        typed = annotate_types(typed, schema=schema, dialect="spark")
    except Exception:  # sqlglot cannot type this query: DuckDB's own types stand
        return query
    # Innermost first, so an outer rule sees the Spark type of its rewritten arguments.
    for node in reversed(list(typed.walk())):
        replacement = _rule(node)
        if replacement is not None:
            node.replace(replacement)
    return typed


def _rule(node: exp.Expr) -> exp.Expr | None:
    if isinstance(node, exp.Cast) and node.to.this in _TEXT and _kind(node.this) in _TIMESTAMPS:
        # Spark writes the session's wall clock without an offset: '2024-05-01 08:00:00'.
        wall_clock = exp.Cast(this=node.this.copy(), to=exp.DataType.build("timestamp"))
        node.set("this", wall_clock)
        return None
    if isinstance(node, exp.Cast) and node.to.this in _INTEGRAL:
        source = node.this
        kind = _kind(source)
        if kind in _FRACTIONAL and not isinstance(source, exp.Literal):
            node.set("this", exp.Anonymous(this="trunc", expressions=[source.copy()]))
        elif kind in _TIMESTAMPS:  # Spark: whole seconds since the epoch
            seconds = exp.Anonymous(this="epoch", expressions=[source.copy()])
            node.set("this", exp.Floor(this=seconds))
        return None
    if isinstance(node, exp.Sum):
        arg = _decimal(node.this)
        return None if arg is None else _as_decimal(node, _bounded(arg[0] + 10, arg[1]))
    if isinstance(node, exp.Avg):
        arg = _decimal(node.this)
        return None if arg is None else _as_decimal(node, _bounded(arg[0] + 4, arg[1] + 4))
    if isinstance(node, (exp.Mul, exp.Div)):
        left, right = _decimal(node.left), _decimal(node.right)
        if left is None or right is None:
            return None
        (p1, s1), (p2, s2) = left, right
        if isinstance(node, exp.Mul):
            return _as_decimal(node, _bounded(p1 + p2 + 1, s1 + s2))
        scale = max(6, s1 + p2 + 1)
        return _as_decimal(node, _bounded(p1 - s1 + s2 + scale, scale))
    return None


def _kind(node: exp.Expr) -> Any:
    dtype = node.type
    return dtype.this if isinstance(dtype, exp.DataType) else None


def _decimal(node: exp.Expr) -> tuple[int, int] | None:
    """(precision, scale) of a decimal-typed expression, else None."""
    dtype = node.type
    if isinstance(node, exp.Cast):
        dtype = node.to
    if not isinstance(dtype, exp.DataType) or dtype.this != exp.DataType.Type.DECIMAL:
        return None
    params = [p.this.this for p in dtype.expressions if isinstance(p, exp.DataTypeParam)]
    if len(params) != 2:
        return None
    return int(params[0]), int(params[1])


def _bounded(precision: int, scale: int) -> tuple[int, int]:
    """Spark's bound: past 38 digits, keep the integer digits and at least 6 decimals."""
    if precision <= MAX_PRECISION:
        return precision, scale
    integer_digits = precision - scale
    min_scale = min(scale, 6)
    scale = max(MAX_PRECISION - integer_digits, min_scale)
    return MAX_PRECISION, scale


def _as_decimal(node: exp.Expr, type_: tuple[int, int]) -> exp.Expr:
    precision, scale = type_
    to = exp.DataType.build(f"DECIMAL({precision}, {scale})")
    cast = exp.Cast(this=node.copy(), to=to)
    cast.type = to
    return cast
