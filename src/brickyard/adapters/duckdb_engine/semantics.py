"""Spark's answers from DuckDB: result types and column names as Spark gives them."""

from __future__ import annotations

from sqlglot import exp

from brickyard.adapters.duckdb_engine.spark_names import spark_name


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


# Spark answers these as INT where DuckDB answers BIGINT.
_INT_RESULTS: tuple[type[exp.Expr], ...] = (
    exp.Year,
    exp.Month,
    exp.Day,
    exp.DayOfMonth,
    exp.DayOfWeek,
    exp.DayOfYear,
    exp.WeekOfYear,
    exp.Quarter,
    exp.Hour,
    exp.Minute,
    exp.Second,
    exp.Length,
    exp.StrPosition,
    exp.ArraySize,
    exp.DateDiff,
    exp.Ascii,
    exp.Levenshtein,
    exp.BitLength,
)
_INT_WINDOWS: tuple[type[exp.Expr], ...] = (exp.RowNumber, exp.Rank, exp.DenseRank, exp.Ntile)
# The same functions when sqlframe builds them by name (``exp.Anonymous``).
_INT_NAMES = {
    "year",
    "month",
    "day",
    "dayofmonth",
    "dayofweek",
    "dayofyear",
    "weekofyear",
    "quarter",
    "hour",
    "minute",
    "second",
    "length",
    "char_length",
    "character_length",
    "instr",
    "locate",
    "size",
    "cardinality",
    "datediff",
    "ascii",
    "levenshtein",
    "bit_length",
    "octet_length",
    "find_in_set",
}
_INT_WINDOW_NAMES = {"row_number", "rank", "dense_rank", "ntile"}


def _is_window_function(node: exp.Expr) -> bool:
    if isinstance(node, exp.Anonymous):
        return node.name.lower() in _INT_WINDOW_NAMES
    return isinstance(node, _INT_WINDOWS)


def _is_int_function(node: exp.Expr) -> bool:
    if isinstance(node, exp.Anonymous):
        return node.name.lower() in _INT_NAMES | _INT_WINDOW_NAMES
    return isinstance(node, (*_INT_RESULTS, *_INT_WINDOWS))


_TYPE = exp.DataType.Type


def spark_result_types(query: exp.Expr) -> exp.Expr:
    """Cast what DuckDB types wider than Spark to Spark's type (``year(d)`` is an INT)."""
    for parsed in list(query.find_all(exp.StrToTime)):  # to_timestamp: an instant
        _cast_in_place(parsed, exp.DataType(this=_TYPE.TIMESTAMPTZ))
    for division in list(query.find_all(exp.IntDiv)):  # ``a div b`` is a bigint
        _cast_in_place(division, exp.DataType(this=_TYPE.BIGINT))
    for node in [n for n in query.walk() if _is_int_function(n)]:
        target = node
        if _is_window_function(node):
            if not isinstance(node.parent, exp.Window):
                continue
            target = node.parent
        if isinstance(target.parent, exp.Select):  # an unnamed projection keeps its name
            name = target.sql(dialect="duckdb")
            cast = _cast_in_place(target, exp.DataType(this=_TYPE.INT))
            if cast is not None:
                cast.replace(exp.alias_(cast.copy(), name, quoted=True))
        else:
            _cast_in_place(target, exp.DataType(this=_TYPE.INT))
    return query


def _cast_in_place(node: exp.Expr, to: exp.DataType) -> exp.Cast | None:
    """``node`` becomes ``CAST(node AS to)`` where it stands, unless already cast."""
    if isinstance(node.parent, exp.Cast):
        return None
    cast = exp.Cast(to=to)
    node.replace(cast)
    cast.set("this", node)
    return cast


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
        named.append(exp.alias_(projection, spark_name(projection), quoted=True))
    select.set("expressions", named)
