"""``BrickyardDataFrame``: sqlframe's DuckDB DataFrame plus the PySpark methods it lacks."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from sqlframe.base import types
from sqlframe.base.column import Column
from sqlframe.base.functions import col
from sqlframe.base.util import sqlglot_to_spark
from sqlframe.duckdb import DuckDBDataFrame, DuckDBGroupedData
from sqlglot import exp

from brickyard.adapters.duckdb_engine.errors import spark_errors
from brickyard.adapters.duckdb_engine.results import pandas_of, rows_of
from brickyard.adapters.duckdb_engine.spark_names import spark_named
from brickyard.adapters.duckdb_engine.spark_only import needs_spark
from brickyard.arrow.types import type_text


class BrickyardGroupedData(DuckDBGroupedData):
    """``groupBy(...).agg(...)``: unnamed aggregates are named as Spark names them."""

    def agg(self, *exprs: Any) -> Any:
        named = [spark_named(e) if isinstance(e, Column) else e for e in exprs]
        df = super().agg(*named)
        columns = [e for e in named if isinstance(e, Column)]
        df._update_display_name_mapping(columns, columns)  # ``alias("N")`` stays ``N``
        return df


class BrickyardDataFrame(DuckDBDataFrame):
    """sqlframe's DataFrame plus the PySpark methods it lacks."""

    _group_data = BrickyardGroupedData

    def select(self, *cols: Any, **kwargs: Any) -> Any:
        """Columns named as Spark names them: ``a.k`` is ``k``, ``sum(x)`` is ``sum(x)``."""
        flat = [c for item in cols for c in (item if isinstance(item, list) else [item])]
        return super().select(*[_spark_column(c) for c in flat], **kwargs)

    # sqlframe calls the undecorated select for its own projections (joins...): keep it.
    select.__wrapped__ = DuckDBDataFrame.select.__wrapped__  # type: ignore[attr-defined]

    @property
    def rdd(self) -> Any:
        raise needs_spark("DataFrame.rdd")

    @property
    def sparkSession(self) -> Any:
        return self.session

    @property
    def schema(self) -> Any:
        """The result's Spark schema, from the types DuckDB binds (nothing is computed)."""
        arrow = self._arrow_schema()
        return types.StructType(
            [types.StructField(field.name, spark_data_type(field.type), True) for field in arrow]
        )

    @property
    def dtypes(self) -> list[tuple[str, str]]:
        return [(f.name, f.dataType.simpleString()) for f in self.schema.fields]

    def toArrow(self, batch_size: int | None = None) -> Any:
        """The rows as an Arrow table (or a batch reader), with Spark's types."""
        direct = self.__dict__.get("_direct")
        with spark_errors():
            if direct is not None:
                return (
                    direct.to_arrow_table()
                    if batch_size is None
                    else direct.fetch_record_batch(batch_size)
                )
            if batch_size is not None:
                return super().toArrow(batch_size)
            return super().toArrow()

    def collect(self) -> list[Any]:
        if self.__dict__.get("_direct") is not None:
            return rows_of(self.toArrow(), self.session.time_zone)
        return super().collect()  # type: ignore[no-any-return]

    def count(self) -> int:
        direct = self.__dict__.get("_direct")
        if direct is not None:
            with spark_errors():
                return int(direct.aggregate("count(*)").fetchall()[0][0])
        return super().count()  # type: ignore[no-any-return]

    @property
    def columns(self) -> list[str]:
        if self.__dict__.get("_direct") is not None:
            return list(self._direct.columns)
        return super().columns  # type: ignore[no-any-return]

    def toPandas(self) -> Any:
        """A pandas frame as PySpark makes it: decimals as Decimal, naive local timestamps."""
        return pandas_of(self.toArrow(), self.session.time_zone)

    def selectExpr(self, *exprs: str | list[str]) -> Any:
        from sqlframe.duckdb import functions

        flat = [e for item in exprs for e in ([item] if isinstance(item, str) else item)]
        return self.select(*[functions.expr(e) for e in flat])

    def _arrow_schema(self) -> pa.Schema:
        direct = self.__dict__.get("_direct")
        if direct is not None:
            return direct.limit(0).to_arrow_table().schema  # type: ignore[no-any-return]
        expressions = self._get_expressions(optimize=False)
        for statement in expressions[:-1]:  # cached frames and the like come first
            self.session._execute(self.session._to_sql(statement))
        text = self.session._to_sql(expressions[-1])
        empty = self.session._conn.sql(text).limit(0).to_arrow_table()
        return empty.schema


class DirectFrame(BrickyardDataFrame):
    """``spark.sql``'s answer: one DuckDB query, run as written when it is collected.

    sqlframe's DataFrame (its expression, CTEs...) is built only when a DataFrame method is
    chained on: most ``spark.sql(...)`` results are just collected, and building costs tens
    of milliseconds per query.
    """

    @classmethod
    def of(cls, session: Any, relation: Any, build: Any) -> DirectFrame:
        frame = cls.__new__(cls)
        frame.__dict__.update(session=session, _direct=relation, _build=build)
        return frame

    def __getattr__(self, name: str) -> Any:
        if self._built_now() and not name.startswith("__"):
            return getattr(self, name)
        return super().__getattr__(name)

    def copy(self, **kwargs: Any) -> Any:
        self._built_now()  # sqlframe copies the instance's attributes
        return super().copy(**kwargs)

    def _built_now(self) -> bool:
        """Build sqlframe's DataFrame if it is not built yet; whether it was built now."""
        state = self.__dict__
        if "_build" not in state or "expression" in state:
            return False
        state.update(state["_build"]().__dict__)
        return True


def keep_case(df: Any, names: list[str]) -> Any:
    """sqlframe folds names to lower case inside; Spark shows them as written."""
    for name in names:
        if name != name.lower():  # keyed as sqlframe writes the folded name (quoted if odd)
            df.display_name_mapping[name.lower()] = name
            df.display_name_mapping[f"`{name.lower()}`"] = name
    return df


def _spark_column(column: Any) -> Any:
    if isinstance(column, str) and "." in column and "`" not in column and column != "*":
        if not column.endswith(".*"):  # a qualified column or a struct field: its last name
            return col(column).alias(column.rsplit(".", 1)[1])
        return column
    return spark_named(column) if isinstance(column, Column) else column


def spark_data_type(dtype: pa.DataType) -> Any:
    """sqlframe's ``DataType`` for an Arrow type, through its Spark type text."""
    return sqlglot_to_spark(exp.DataType.build(type_text(dtype), dialect="spark"))
