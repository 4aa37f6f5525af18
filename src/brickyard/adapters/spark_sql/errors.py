"""PySpark's error classes, and the Brickyard errors that are also PySpark errors.

PySpark programs catch ``pyspark.errors.AnalysisException`` around a bad table or column. In
a DuckDB process ``pyspark.errors`` is Brickyard's (see ``duckdb_engine/pyspark_shim.py``) and
its classes are the ones below, so a Brickyard error raised for a bad query is both::

    PySparkException                         (pyspark.errors names, same methods)
    ├── AnalysisException
    │   ├── ParseException
    │   │   └── SqlSyntaxError             + InvalidInputError: line and column
    │   ├── UnresolvedTableError           + NotFoundError: close names suggested
    │   ├── UnresolvedColumnError          + NotFoundError: close names suggested
    │   └── QueryTypeError                 + InvalidInputError: names both types
    ├── PySparkNotImplementedError (NotImplementedError)
    │   └── SparkOnlyError                 + InvalidInputError: how to switch engine
    └── ... the other pyspark.errors names (IllegalArgumentException, PySparkValueError...)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from brickyard.domain.errors import InvalidInputError, NotFoundError


class PySparkException(Exception):  # noqa: N818 (PySpark's name)
    """Root of PySpark's errors: a message, an error class and its parameters."""

    def __init__(
        self,
        message: str | None = None,
        errorClass: str | None = None,  # noqa: N803 (PySpark's keyword names)
        messageParameters: dict[str, str] | None = None,  # noqa: N803
        contexts: list[object] | None = None,
    ) -> None:
        super().__init__(message or "")
        self._message = message or ""
        self._error_class = errorClass
        self._parameters = dict(messageParameters or {})

    def getCondition(self) -> str | None:  # noqa: N802 (PySpark's API)
        return self._error_class

    def getErrorClass(self) -> str | None:  # noqa: N802
        return self._error_class

    def getMessageParameters(self) -> dict[str, str]:  # noqa: N802
        return dict(self._parameters)

    def getSqlState(self) -> str | None:  # noqa: N802
        return None

    def getMessage(self) -> str:  # noqa: N802
        return self._message

    def getQueryContext(self) -> list[object]:  # noqa: N802
        return []


class AnalysisException(PySparkException):
    """The query names something that does not exist, or mixes types."""


class ParseException(AnalysisException):
    """The SQL text does not parse."""


class TempTableAlreadyExistsException(AnalysisException):
    pass


class IllegalArgumentException(PySparkException):
    pass


class NumberFormatException(IllegalArgumentException):
    pass


class ArithmeticException(PySparkException):
    pass


class ArrayIndexOutOfBoundsException(PySparkException):
    pass


class DateTimeException(PySparkException):
    pass


class SparkRuntimeException(PySparkException):
    pass


class SparkUpgradeException(PySparkException):
    pass


class SparkNoSuchElementException(PySparkException):
    pass


class UnsupportedOperationException(PySparkException):
    pass


class PythonException(PySparkException):
    pass


class QueryExecutionException(PySparkException):
    pass


class StreamingQueryException(PySparkException):
    pass


class UnknownException(PySparkException):
    pass


class PySparkValueError(PySparkException, ValueError):
    pass


class PySparkTypeError(PySparkException, TypeError):
    pass


class PySparkIndexError(PySparkException, IndexError):
    pass


class PySparkKeyError(PySparkException, KeyError):
    pass


class PySparkAttributeError(PySparkException, AttributeError):
    pass


class PySparkRuntimeError(PySparkException, RuntimeError):
    pass


class PySparkAssertionError(PySparkException, AssertionError):
    pass


class PySparkNotImplementedError(PySparkException, NotImplementedError):
    pass


class PySparkImportError(PySparkException, ImportError):
    pass


# -- Brickyard errors that are PySpark errors too ------------------------------------------


class SqlSyntaxError(InvalidInputError, ParseException):
    """A SQL syntax error, at a line and column."""

    def __init__(self, message: str) -> None:
        InvalidInputError.__init__(self, message)
        self._message, self._error_class, self._parameters = message, "PARSE_SYNTAX_ERROR", {}


class UnresolvedTableError(NotFoundError, AnalysisException):
    """A query reads a table or view that does not exist."""

    def __init__(self, message: str) -> None:
        NotFoundError.__init__(self, message)
        self._message, self._error_class, self._parameters = message, "TABLE_OR_VIEW_NOT_FOUND", {}


class UnresolvedColumnError(NotFoundError, AnalysisException):
    """A query names a column that is not there; the message lists close names."""

    def __init__(self, name: str, candidates: Iterable[str]) -> None:
        close = suggest(name, candidates)
        hint = (
            f" Did you mean one of the following? [{', '.join(f'`{c}`' for c in close)}]"
            if close
            else ""
        )
        message = f"[UNRESOLVED_COLUMN] a column with name `{name}` cannot be resolved.{hint}"
        NotFoundError.__init__(self, message)
        self._message, self._error_class = message, "UNRESOLVED_COLUMN.WITH_SUGGESTION"
        self._parameters = {"objectName": f"`{name}`", "proposal": ", ".join(close)}
        self.name = name
        self.suggestions = close


class QueryTypeError(InvalidInputError, AnalysisException):
    """An operation got a value of a type it cannot take; the message names both types."""

    def __init__(self, message: str) -> None:
        InvalidInputError.__init__(self, message)
        self._message, self._error_class, self._parameters = message, "DATATYPE_MISMATCH", {}


class SparkOnlyError(InvalidInputError, PySparkNotImplementedError):
    """An API that exists only on Apache Spark, called on another engine."""

    def __init__(self, message: str) -> None:
        InvalidInputError.__init__(self, message)
        self._message, self._error_class, self._parameters = message, "NOT_IMPLEMENTED", {}


def suggest(name: str, candidates: Iterable[str], limit: int = 5) -> list[str]:
    """The candidates closest to ``name`` (case-insensitive), best first."""
    pool = list(dict.fromkeys(candidates))
    by_lower = {c.lower(): c for c in pool}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=limit, cutoff=0.5)
    return [by_lower[c] for c in close] or pool[:limit]
