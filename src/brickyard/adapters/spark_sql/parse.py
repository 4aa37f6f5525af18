"""Parsing Spark SQL with sqlglot; a syntax error names its line and column."""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from brickyard.adapters.spark_sql.errors import SqlSyntaxError


def parse_spark_sql(text: str) -> exp.Expr:
    """One Spark SQL statement as a sqlglot tree."""
    try:
        return sqlglot.parse_one(text, read="spark")
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        line, column = first.get("line"), first.get("col")
        raise SqlSyntaxError(
            f"SQL syntax error at line {line or '?'}, column {column or '?'}: "
            f"{first.get('description', exc)}{_pointer(text, line, column)}"
        ) from exc


def _pointer(text: str, line: int | None, column: int | None) -> str:
    """The offending line with a caret under the column, as Spark shows it."""
    lines = text.splitlines()
    if not line or not column or line > len(lines):
        return ""
    return f"\n{lines[line - 1]}\n{' ' * max(column - 1, 0)}^"
