"""Spark's answers from DuckDB: result types and column names as Spark gives them."""

from __future__ import annotations

import pyarrow as pa
from sqlglot import exp


def spark_semantics(expression: exp.Expr) -> exp.Expr:
    """Rewrite what DuckDB would type differently from Spark.

    ``date_add``/``date_sub``/``add_months`` are dates in Spark; DuckDB's ``date + INTERVAL``
    is a timestamp, so the result is cast back to DATE.
    """

    def fix(node: exp.Expr) -> exp.Expr:
        if isinstance(node, (exp.TsOrDsAdd, exp.AddMonths)) and not isinstance(
            node.parent, exp.Cast
        ):
            return exp.Cast(this=node, to=exp.DataType.build("date"))
        return node

    _name_projections(expression)
    return expression.transform(fix)


def _name_projections(expression: exp.Expr) -> None:
    """Name unnamed result columns as Spark does (``(1 + 1)``, ``upper(a)``, ``count(1)``)."""
    select = expression if isinstance(expression, exp.Select) else None
    if select is None:
        return
    named: list[exp.Expr] = []
    for projection in select.expressions:
        if isinstance(projection, (exp.Alias, exp.Column, exp.Star)):
            named.append(projection)
            continue
        named.append(exp.alias_(projection, spark_column_name(projection), quoted=True))
    select.set("expressions", named)


def spark_column_name(node: exp.Expr) -> str:
    shown = node.copy()
    for literal in list(shown.find_all(exp.Literal)):
        if literal.is_string:  # Spark shows upper('a') as upper(a)
            literal.replace(exp.var(literal.name))
    for null in list(shown.find_all(exp.Null)):
        null.replace(exp.var("NULL"))
    for star in list(shown.find_all(exp.Star)):
        if isinstance(star.parent, exp.Count):
            star.replace(exp.Literal.number(1))
    text = shown.sql(dialect="spark", normalize_functions="lower")
    return f"({text})" if isinstance(node, exp.Binary) else text


def spark_types(data: pa.Table) -> pa.Table:
    """DuckDB answers integer sums as HUGEINT (Arrow decimal(38,0)); Spark answers bigint."""
    fields = []
    for field in data.schema:
        if field.type == pa.decimal128(38, 0):
            try:
                data.column(field.name).cast(pa.int64(), safe=True)
                field = field.with_type(pa.int64())
            except (pa.ArrowInvalid, OverflowError):
                pass  # does not fit a bigint: keep the exact decimal
        fields.append(field)
    schema = pa.schema(fields)
    return data if schema == data.schema else data.cast(schema)
