"""Python UDFs on DuckDB: ``F.udf``, ``@F.udf``, ``pandas_udf`` and ``spark.udf.register``.

Each UDF becomes a DuckDB Python function (``create_function``) on the session's connection:
row-at-a-time for ``udf``, Arrow batches for ``pandas_udf``. Spark calls UDFs with None for
NULL inputs, so the functions are registered with ``null_handling="special"``.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
from collections.abc import Callable
from typing import Any

import duckdb
import pyarrow as pa
from sqlglot import exp

from brickyard.domain.errors import InvalidInputError

_ids = itertools.count(1)


class UserDefinedFunction:
    """A Python function usable in DataFrame expressions (and in SQL once registered)."""

    def __init__(
        self,
        func: Callable[..., Any],
        returnType: Any = "string",
        vectorized: bool = False,
        name: str | None = None,
    ) -> None:
        if not callable(func):
            raise InvalidInputError(f"a UDF needs a function, got {type(func).__name__}")
        self.func = func
        self.returnType = returnType if returnType is not None else "string"
        self.vectorized = vectorized
        self.name = name or f"__by_udf_{next(_ids)}"
        self._registered_on: set[int] = set()
        functools.update_wrapper(self, func)

    def register_on(self, conn: Any) -> str:
        """Create the DuckDB function on ``conn`` once; returns its SQL name."""
        if id(conn) in self._registered_on:
            return self.name
        function = _arrow_adapter(self.func) if self.vectorized else self.func
        conn.create_function(
            self.name,
            _without_annotations(function, self.func),
            None,  # ANY parameters with the function's arity, as Spark UDFs declare no input types
            conn.dtype(duckdb_type(self.returnType)),
            type="arrow" if self.vectorized else "native",
            null_handling="special",
        )
        self._registered_on.add(id(conn))
        return self.name

    def __call__(self, *cols: Any) -> Any:
        from sqlframe.base.column import Column
        from sqlframe.duckdb import functions

        from brickyard.adapters.duckdb_engine.session import BrickyardSession

        name = self.register_on(BrickyardSession.active()._conn)
        args = [functions.col(c) if isinstance(c, str) else c for c in cols]
        call = Column(exp.Anonymous(this=name, expressions=[a.column_expression for a in args]))
        label = (
            f"{getattr(self.func, '__name__', 'udf')}({', '.join(a.alias_or_name for a in args)})"
        )
        return call.alias(label)


def udf(f: Any = None, returnType: Any = "string") -> Any:
    """``udf(fn, T.LongType())``, ``@udf`` or ``@udf(returnType=...)``, as in PySpark."""
    if f is None or not callable(f):
        declared = f if f is not None else returnType
        return lambda fn: UserDefinedFunction(fn, declared)
    return UserDefinedFunction(f, returnType)


def pandas_udf(f: Any = None, returnType: Any = None, functionType: Any = None) -> Any:
    """Vectorized UDF: pandas Series in, pandas Series out (Arrow batches underneath)."""
    if f is None or not callable(f):
        declared = f if f is not None else returnType
        return lambda fn: UserDefinedFunction(fn, declared, vectorized=True)
    return UserDefinedFunction(f, returnType, vectorized=True)


class UDFRegistration:
    """``spark.udf``: ``register(name, f, returnType)`` makes ``f`` callable from SQL too."""

    def __init__(self, sparkSession: Any) -> None:
        self.session = sparkSession

    def register(self, name: str, f: Any, returnType: Any = None) -> UserDefinedFunction:
        if isinstance(f, UserDefinedFunction):
            registered = UserDefinedFunction(f.func, returnType or f.returnType, f.vectorized, name)
        else:
            registered = UserDefinedFunction(f, returnType or "string", name=name)
        conn = self.session._conn
        with contextlib.suppress(duckdb.Error):  # a new registration replaces one, as in Spark
            conn.remove_function(name)
        registered.register_on(conn)
        return registered


def duckdb_type(return_type: Any) -> str:
    """DuckDB type text of a Spark return type (a DataType or a DDL string like 'bigint')."""
    text = return_type if isinstance(return_type, str) else return_type.simpleString()
    try:
        return exp.DataType.build(text, dialect="spark").sql(dialect="duckdb")
    except Exception as exc:
        raise InvalidInputError(f"unknown UDF return type '{text}'") from exc


def _arrow_adapter(func: Callable[..., Any]) -> Callable[..., Any]:
    def on_batches(*arrays: pa.Array) -> pa.Array:
        result = func(*[a.to_pandas() for a in arrays])
        return pa.array(result)

    return on_batches


def _without_annotations(
    function: Callable[..., Any], like: Callable[..., Any]
) -> Callable[..., Any]:
    """DuckDB reads parameter count (and types, if annotated) from the signature."""
    signature = inspect.signature(like)
    plain = signature.replace(
        parameters=[
            p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()
        ],
        return_annotation=inspect.Signature.empty,
    )

    @functools.wraps(function)
    def call(*args: Any) -> Any:
        return function(*args)

    call.__signature__ = plain  # type: ignore[attr-defined]
    return call
