"""DuckDB's errors as the PySpark errors a Spark program catches, with close names.

A bad column is an ``AnalysisException`` (``UnresolvedColumnError``) listing the close
names DuckDB saw; a function given the wrong types is a ``QueryTypeError`` naming them;
anything else DuckDB refuses is an ``InvalidInputError`` saying the query failed and why.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from brickyard.adapters.spark_sql.errors import (
    QueryTypeError,
    UnresolvedColumnError,
    UnresolvedTableError,
)
from brickyard.domain.errors import BrickyardError, InvalidInputError, NotFoundError

_COLUMN = re.compile(r'Referenced column "([^"]+)" not found')
_CANDIDATES = re.compile(r"Candidate bindings: (.+)")
_TYPES = re.compile(r"No function matches|Cannot compare|Cannot mix|Could not convert|cast", re.I)


@contextmanager
def spark_errors() -> Iterator[None]:
    """Run DuckDB work; its errors leave as the matching Spark/Brickyard errors."""
    try:
        yield
    except NotFoundError as exc:  # a catalog table that is not there
        if isinstance(exc, UnresolvedTableError):
            raise
        raise UnresolvedTableError(str(exc)) from exc
    except BrickyardError:
        raise
    except duckdb.Error as exc:
        raise spark_error(exc) from exc


def spark_error(exc: duckdb.Error) -> Exception:
    message = str(exc)
    if isinstance(exc, duckdb.BinderException) and (column := _COLUMN.search(message)):
        found = _CANDIDATES.search(message)
        candidates = re.findall(r'"([^"]+)"', found.group(1)) if found else []
        # DuckDB qualifies candidates (t.name); Spark programs name the column alone.
        return UnresolvedColumnError(column.group(1), [c.rsplit(".", 1)[-1] for c in candidates])
    if isinstance(exc, duckdb.CatalogException) and "does not exist" in message:
        return UnresolvedTableError(f"[TABLE_OR_VIEW_NOT_FOUND] {_first_line(message)}")
    if isinstance(exc, duckdb.BinderException) and _TYPES.search(message):
        return QueryTypeError(f"[DATATYPE_MISMATCH] {_tidy(message)}")
    return InvalidInputError(f"the query failed: {_tidy(message)}")


def _first_line(message: str) -> str:
    return message.splitlines()[0] if message else message


def _tidy(message: str) -> str:
    return " ".join(line.strip() for line in message.splitlines() if line.strip())
