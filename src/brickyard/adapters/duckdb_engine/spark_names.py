"""Result column names as Spark gives them to DataFrame expressions.

sqlframe names an unaliased function ``sum__x__`` (a BigQuery-safe rule) and leaves
arithmetic unnamed; Spark names both after their SQL: ``sum(x)``, ``count(1)``,
``(a + 1)``, ``CASE WHEN (a > 1) THEN x END``. ``spark_named`` gives a column its Spark name
when the user did not name it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlglot import exp

_SQLFRAME_ALIAS = re.compile(r"^\w+__\w*__$")  # sqlframe's automatic name for a function
_WRAPPED = (exp.Binary, exp.Not, exp.Is, exp.Neg, exp.In, exp.Between)


def spark_named(column: Any) -> Any:
    """``column`` aliased with the name Spark would give it, or unchanged when named."""
    expression = column.expression
    if isinstance(expression, exp.Alias):
        if not (_SQLFRAME_ALIAS.match(expression.alias) and isinstance(expression.this, exp.Func)):
            return column  # the user's name
        expression = expression.this
    if isinstance(expression, (exp.Column, exp.Star, exp.Window)):
        return column  # plain columns keep their names; windows are named by sqlframe
    if isinstance(expression, exp.Cast) and isinstance(expression.this, exp.Column):
        name = expression.this.name  # Spark: a cast column keeps the column's name
    else:
        name = spark_name(expression)
    return type(column)(exp.alias_(expression.copy(), name, quoted=True))


def spark_name(expression: exp.Expr) -> str:
    """The text Spark shows for ``expression``: string literals bare, binaries in parens."""
    shown = expression.copy()
    for node in list(shown.walk()):
        if isinstance(node, exp.Alias):
            node.replace(exp.var(node.alias))
        elif isinstance(node, exp.Column) or (isinstance(node, exp.Literal) and node.is_string):
            node.replace(exp.var(node.name))
        elif isinstance(node, exp.Null):
            node.replace(exp.var("NULL"))
        elif isinstance(node, exp.Boolean):
            node.replace(exp.var("true" if node.this else "false"))
        elif isinstance(node, exp.Star) and isinstance(node.parent, exp.Count):
            node.replace(exp.Literal.number(1))
    for node in list(shown.walk()):
        if isinstance(node, exp.Round) and node.args.get("decimals") is None:
            node.set("decimals", exp.Literal.number(0))  # Spark shows round(x) as round(x, 0)
    for node in list(shown.find_all(*_WRAPPED)):
        if not isinstance(node.parent, exp.Paren):
            node.replace(exp.Paren(this=node.copy()))
    if isinstance(shown, _WRAPPED):  # the root has no parent to be replaced in
        shown = exp.Paren(this=shown)
    elif isinstance(shown, exp.Paren) and not isinstance(expression, _WRAPPED):
        shown = shown.this
    return shown.sql(dialect="spark", normalize_functions="lower").replace(
        "(distinct ", "(DISTINCT "
    )
