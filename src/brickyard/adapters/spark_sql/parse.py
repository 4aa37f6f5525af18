"""Parsing Spark SQL with sqlglot; a syntax error names its line and column."""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from brickyard.domain.errors import InvalidInputError


def parse_spark_sql(text: str) -> exp.Expr:
    """One Spark SQL statement as a sqlglot tree."""
    try:
        return sqlglot.parse_one(text, read="spark")
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        raise InvalidInputError(
            f"SQL syntax error at line {first.get('line', '?')}, column {first.get('col', '?')}: "
            f"{first.get('description', exc)}"
        ) from exc
