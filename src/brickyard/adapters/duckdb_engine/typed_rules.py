"""Spark's typing rules that depend on argument types: casts, integer sums and decimals.

DuckDB rounds a fractional value cast to an integer (``CAST(-3.7 AS INT)`` is -4); Spark
truncates (-3), casts a timestamp to its seconds since the epoch, and writes a timestamp cast
to text without an offset. DuckDB types integer sums as HUGEINT (Spark: bigint), decimal sums
as ``DECIMAL(38, s)`` and decimal averages and divisions as DOUBLE; Spark gives ``sum``
``DECIMAL(p + 10, s)``, ``avg`` ``DECIMAL(p + 4, s + 4)``, ``a * b``
``DECIMAL(p1 + p2 + 1, s1 + s2)``, ``a + b`` ``DECIMAL(max(p1 - s1, p2 - s2) + s + 1, s)``
with ``s = max(s1, s2)``, and ``a / b``
``DECIMAL(p1 - s1 + s2 + max(6, s1 + p2 + 1), max(6, s1 + p2 + 1))``, bounded to 38 digits
as Spark bounds them; an integer operand counts as ``DECIMAL(10, 0)`` (bigint 20, a literal
its digits).

The Spark type of every decimal expression is worked out, but a cast is written only where
a value leaves decimal arithmetic (a result column, a comparison...) or where DuckDB would
answer a DOUBLE: ``sum(a * (1 - b))`` stays one exact DuckDB expression, cast once. The
rules need argument types, so the query is typed by sqlglot (qualified against the
session's schema) only when it holds such an expression.

Averages and divisions are computed by DuckDB in double precision, then rounded to Spark's
type: exact up to about 15 significant digits (see docs/compute.md).
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

T = exp.DataType.Type
_INTEGRAL = {T.TINYINT, T.SMALLINT, T.INT, T.BIGINT}
_FRACTIONAL = {T.DOUBLE, T.FLOAT, T.DECIMAL}
_TIMESTAMPS = {T.TIMESTAMP, T.TIMESTAMPTZ, T.TIMESTAMPLTZ, T.TIMESTAMPNTZ}
_TEXT = {T.VARCHAR, T.TEXT}
_INTEGER_AS_DECIMAL = {T.TINYINT: 3, T.SMALLINT: 5, T.INT: 10, T.BIGINT: 20}
_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div)
# Parents inside which a decimal needs no cast of its own: DuckDB keeps it exact.
_EXACT_PARENTS = (exp.Add, exp.Sub, exp.Mul, exp.Sum, exp.Neg)
MAX_PRECISION = 38

Decimal = tuple[int, int]


def needs_types(query: exp.Expr) -> bool:
    """Whether the query holds a cast, an aggregate or arithmetic whose type Spark decides."""
    for node in query.walk():
        if isinstance(node, exp.Cast) and node.to.this in _INTEGRAL | _TEXT:
            if not isinstance(node.this, exp.Literal):
                return True
        elif isinstance(node, (exp.Sum, exp.Avg, exp.Mul, exp.Div)):
            return True
    return False


def apply_typed_rules(query: exp.Expr, schema: Any) -> exp.Expr:
    """The query with Spark's casts, integer sums and decimal result types."""
    if not needs_types(query):
        return query
    try:
        typed = qualify(
            query,
            schema=schema,
            dialect="spark",
            quote_identifiers=False,
            validate_qualify_columns=False,
            identify=False,
        )
        typed = annotate_types(typed, schema=schema, dialect="spark")
    except Exception:  # sqlglot cannot type this query: DuckDB's own types stand
        return query
    decimals: dict[int, Decimal] = {}
    # Innermost first: a node's Spark type is known before its parent's is worked out.
    for node in reversed(list(typed.walk())):
        _fix_cast(node)
        spark_type = _spark_decimal(node, decimals)
        if spark_type is not None:
            decimals[id(node)] = spark_type
            if _needs_cast(node):
                _wrap(node, _decimal_type(*spark_type))
        elif isinstance(node, exp.Sum) and _kind(node.this) in _INTEGRAL:
            _wrap(node, exp.DataType(this=T.BIGINT))
    return typed


def _fix_cast(node: exp.Expr) -> None:
    if not isinstance(node, exp.Cast):
        return
    source, kind = node.this, _kind(node.this)
    if node.to.this in _TEXT and kind in _TIMESTAMPS:
        # Spark writes the session's wall clock without an offset: '2024-05-01 08:00:00'.
        node.set("this", exp.Cast(this=source, to=exp.DataType(this=T.TIMESTAMP)))
    elif node.to.this in _INTEGRAL and not isinstance(source, exp.Literal):
        if kind in _FRACTIONAL:
            node.set("this", exp.Anonymous(this="trunc", expressions=[source]))
        elif kind in _TIMESTAMPS:  # Spark: whole seconds since the epoch
            node.set("this", exp.Floor(this=exp.Anonymous(this="epoch", expressions=[source])))


def _spark_decimal(node: exp.Expr, known: dict[int, Decimal]) -> Decimal | None:
    """Spark's (precision, scale) for a decimal expression, else None."""
    if isinstance(node, exp.Sum):
        arg = _operand(node.this, known)
        return None if arg is None or arg[2] else _bounded(arg[0] + 10, arg[1])
    if isinstance(node, exp.Avg):
        arg = _operand(node.this, known)
        return None if arg is None or arg[2] else _bounded(arg[0] + 4, arg[1] + 4)
    if isinstance(node, exp.Round):
        arg = _operand(node.this, known)
        places = node.args.get("decimals")
        if arg is None or arg[2] or not (places is None or isinstance(places, exp.Literal)):
            return None
        digits = int(places.name) if places is not None else 0
        precision, scale = arg[0], arg[1]
        if digits >= scale:
            return precision, scale
        return _bounded(precision - scale + max(digits, 0) + 1, max(digits, 0))
    if isinstance(node, exp.Paren):
        inner = _operand(node.this, known)
        return None if inner is None or inner[2] else (inner[0], inner[1])
    if not isinstance(node, _ARITHMETIC):
        return None
    left, right = _operand(node.left, known), _operand(node.right, known)
    if left is None or right is None or (left[2] and right[2]):
        return None  # not decimal arithmetic: integers, doubles, dates...
    (p1, s1, _), (p2, s2, _) = left, right
    if isinstance(node, exp.Mul):
        return _bounded(p1 + p2 + 1, s1 + s2)
    if isinstance(node, exp.Div):
        scale = max(6, s1 + p2 + 1)
        return _bounded(p1 - s1 + s2 + scale, scale)
    scale = max(s1, s2)
    return _bounded(max(p1 - s1, p2 - s2) + scale + 1, scale)


def _operand(node: exp.Expr, known: dict[int, Decimal]) -> tuple[int, int, bool] | None:
    """(precision, scale, is an integer) of an arithmetic operand, if decimal or integer."""
    while isinstance(node, exp.Paren) and id(node) not in known:
        node = node.this
    if id(node) in known:
        return (*known[id(node)], False)
    decimal = _declared_decimal(node)
    if decimal is not None:
        return (*decimal, False)
    if isinstance(node, exp.Literal) and node.is_int:
        return max(len(node.name.lstrip("-")), 1), 0, True
    if isinstance(node, exp.Literal) and node.is_number and "e" not in node.name.lower():
        whole, _, fraction = node.name.lstrip("-").partition(".")
        digits = (whole + fraction).lstrip("0")
        return max(len(digits), len(fraction), 1), len(fraction), False  # 0.05: (2, 2)
    kind = _kind(node)
    if kind in _INTEGER_AS_DECIMAL:
        return _INTEGER_AS_DECIMAL[kind], 0, True
    return None


def _declared_decimal(node: exp.Expr) -> Decimal | None:
    dtype = node.to if isinstance(node, exp.Cast) else node.type
    if not isinstance(dtype, exp.DataType) or dtype.this != T.DECIMAL:
        return None
    params = [p.this.this for p in dtype.expressions if isinstance(p, exp.DataTypeParam)]
    if len(params) != 2:
        return None
    return int(params[0]), int(params[1])


def _needs_cast(node: exp.Expr) -> bool:
    if isinstance(node, exp.Paren):
        return False
    if isinstance(node, (exp.Div, exp.Avg, exp.Round)):
        return True  # DuckDB answers a DOUBLE or keeps the scale: back to Spark's decimal at once
    parent = node.parent
    while isinstance(parent, exp.Paren):  # parentheses change nothing
        parent = parent.parent
    return not isinstance(parent, _EXACT_PARENTS)


def _wrap(node: exp.Expr, to: exp.DataType) -> None:
    """Replace ``node`` by ``CAST(node AS to)`` in place (no copy of the subtree)."""
    if isinstance(node.parent, exp.Window) and node.parent.this is node:
        node = node.parent  # sum(x) OVER (...): the cast goes around the window
    cast = exp.Cast(to=to)
    node.replace(cast)
    cast.set("this", node)
    cast.type = to


def _kind(node: exp.Expr) -> Any:
    dtype = node.type
    return dtype.this if isinstance(dtype, exp.DataType) else None


def _bounded(precision: int, scale: int) -> Decimal:
    """Spark's bound: past 38 digits, keep the integer digits and at least 6 decimals."""
    if precision <= MAX_PRECISION:
        return precision, scale
    integer_digits = precision - scale
    min_scale = min(scale, 6)
    scale = max(MAX_PRECISION - integer_digits, min_scale)
    return MAX_PRECISION, scale


def _decimal_type(precision: int, scale: int) -> exp.DataType:
    return exp.DataType(
        this=T.DECIMAL,
        expressions=[
            exp.DataTypeParam(this=exp.Literal.number(precision)),
            exp.DataTypeParam(this=exp.Literal.number(scale)),
        ],
    )
