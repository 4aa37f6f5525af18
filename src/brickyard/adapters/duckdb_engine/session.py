"""``BrickyardSession``: sqlframe's DuckDB session bound to a workspace catalog.

sqlframe maps the PySpark DataFrame API onto DuckDB; Brickyard adds the catalog as the
namespace (table references read Delta snapshots), routes catalog DDL/DML to the catalog
service (one Delta commit per write), and keeps Spark's result types (decimals stay Decimal).
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, cast

import duckdb
import pyarrow as pa
import sqlglot
from sqlframe.base.types import Row
from sqlframe.duckdb import (
    DuckDBDataFrame,
    DuckDBDataFrameReader,
    DuckDBDataFrameWriter,
    DuckDBSession,
)
from sqlglot import exp
from sqlglot.errors import ParseError

from brickyard.adapters.duckdb_engine.frames import to_arrow_frame
from brickyard.adapters.duckdb_engine.snapshots import SnapshotViews
from brickyard.adapters.duckdb_engine.spark_only import RuntimeConfig, needs_spark
from brickyard.adapters.duckdb_engine.statements import run_statement
from brickyard.adapters.duckdb_engine.udf import UDFRegistration
from brickyard.domain.errors import AlreadyExistsError, ConfigError, InvalidInputError

if TYPE_CHECKING:
    from brickyard.workspace import Workspace


def _forget_half_made_session() -> None:
    """sqlframe keeps the instance made by ``__new__`` as its singleton; drop a failed one."""
    from sqlframe.base.session import _BaseSession

    _BaseSession._instance = None


def duckdb_settings(ws: Workspace) -> dict[str, Any]:
    """DuckDB's settings from ``[engine.duckdb]``: memory cap, spill folder, threads."""
    temp = str(ws.config.get("engine.duckdb.temp_directory"))
    settings: dict[str, Any] = {
        "autoinstall_known_extensions": False,  # no downloads: fail at once, offline
        "memory_limit": str(ws.config.get("engine.duckdb.memory_limit")),
        "temp_directory": str(ws.home / temp) if "://" not in temp else temp,
    }
    threads = int(ws.config.get("engine.duckdb.threads"))
    if threads > 0:
        settings["threads"] = threads
    return settings


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


class BrickyardDataFrame(DuckDBDataFrame):
    """sqlframe's DataFrame plus the PySpark methods it lacks."""

    @property
    def rdd(self) -> Any:
        raise needs_spark("DataFrame.rdd")

    @property
    def sparkSession(self) -> Any:
        return self.session

    def selectExpr(self, *exprs: str | list[str]) -> Any:
        from sqlframe.duckdb import functions

        flat = [e for item in exprs for e in ([item] if isinstance(item, str) else item)]
        return self.select(*[functions.expr(e) for e in flat])


class BrickyardReader(DuckDBDataFrameReader):
    def table(self, tableName: str) -> Any:
        session = cast(BrickyardSession, self.session)
        if df := session.temp_views.get(tableName):
            return df
        ref = session.ws.catalog.resolve_table(tableName)
        version = self.state_options.get("versionAsOf")
        timestamp = self.state_options.get("timestampAsOf")
        name, columns = session.views.view(
            ref,
            int(str(version)) if version is not None else None,
            datetime.fromisoformat(str(timestamp)) if timestamp is not None else None,
        )
        return session.table_from_view(name, columns)


class BrickyardWriter(DuckDBDataFrameWriter):
    """``saveAsTable``/``insertInto`` write through the catalog: one Delta commit each."""

    _partition_by: ClassVar[tuple[str, ...]] = ()

    def partitionBy(self, *cols: str | list[str]) -> BrickyardWriter:
        flat: list[str] = []
        for col in cols:
            flat.extend([col] if isinstance(col, str) else col)
        copied = self.copy()
        copied._partition_by = tuple(flat)  # type: ignore[misc]
        return copied

    def saveAsTable(
        self, name: str, format: str | None = None, mode: str | None = None, **options: Any
    ) -> BrickyardWriter:
        if format not in (None, "delta"):
            raise InvalidInputError(f"tables are Delta tables; format '{format}' is not supported")
        mode = (mode or self._mode or "errorifexists").lower()
        catalog = cast(BrickyardSession, self._session).ws.catalog
        data = spark_types(self._df.toArrow())
        if not catalog.table_exists(name):
            catalog.create_table(name, data, partition_by=list(self._partition_by))
        elif mode in ("error", "errorifexists", "default"):
            raise AlreadyExistsError(
                f"table '{catalog.resolve_table(name).full_name}' already exists; use "
                ".mode('append') or .mode('overwrite')"
            )
        elif mode == "append":
            catalog.table(name).append(data)
        elif mode == "overwrite":
            overwrite_schema = str(self.state_options.get("overwriteSchema", "false")).lower()
            catalog.table(name).overwrite(data, overwrite_schema=overwrite_schema == "true")
        elif mode != "ignore":
            raise InvalidInputError(
                f"unknown save mode '{mode}'; use append, overwrite, errorifexists or ignore"
            )
        return self

    def insertInto(self, tableName: str, overwrite: bool | None = None) -> BrickyardWriter:
        table = cast(BrickyardSession, self._session).ws.catalog.table(tableName)
        data = spark_types(self._df.toArrow())
        if not self._by_name and data.num_columns == len(table.schema.names):
            data = data.rename_columns(table.schema.names)  # by position, as Spark does
        if overwrite:
            table.overwrite(data)
        else:
            table.append(data)
        return self


class BrickyardSession(DuckDBSession):  # type: ignore[misc]
    """The PySpark ``SparkSession`` API on DuckDB over one Brickyard workspace."""

    _df = BrickyardDataFrame
    _udf_registration = UDFRegistration  # type: ignore[assignment]
    _reader = BrickyardReader
    _writer = BrickyardWriter
    _active: ClassVar[BrickyardSession | None] = None
    _frames: ClassVar[int] = 0  # names of Arrow data registered in DuckDB

    class Builder(DuckDBSession.Builder):  # type: ignore[misc]
        @cached_property
        def session(self) -> BrickyardSession:
            if BrickyardSession._active is None:
                raise InvalidInputError("no Brickyard session yet: call brickyard.spark() first")
            return BrickyardSession._active

    builder = Builder()

    def __init__(self, ws: Workspace | None = None, conn: Any = None, **kwargs: Any) -> None:
        if hasattr(self, "ws"):  # sqlframe re-enters __init__ to reach the active session
            return
        if ws is None:
            _forget_half_made_session()
            raise InvalidInputError("a Brickyard session needs a workspace: use brickyard.spark()")
        try:
            connection = conn or duckdb.connect(config=duckdb_settings(ws))
        except duckdb.Error as exc:
            _forget_half_made_session()
            raise ConfigError(
                f"the [engine.duckdb] settings are not valid: {exc}; fix them in brickyard.toml"
            ) from exc
        self.ws = ws  # set only once the session can work: sqlframe re-enters on this flag
        super().__init__(connection, **kwargs)
        self.views = SnapshotViews(connection, ws.catalog)
        BrickyardSession._active = self

    @cached_property
    def conf(self) -> RuntimeConfig:  # type: ignore[override]
        return RuntimeConfig(self)

    @property
    def sparkContext(self) -> Any:
        raise needs_spark("SparkContext (spark.sparkContext)")

    @property
    def readStream(self) -> Any:
        raise needs_spark("Structured Streaming (spark.readStream)")

    @classmethod
    def getActiveSession(cls) -> BrickyardSession | None:  # type: ignore[override]
        return cls._active

    @classmethod
    def active(cls) -> BrickyardSession:
        if cls._active is None:
            raise InvalidInputError("no active Brickyard session: call brickyard.spark() first")
        return cls._active

    def stop(self) -> None:
        """End the session and close its workspace; brickyard.spark() makes a new one."""
        super().stop()
        if BrickyardSession._active is self:
            BrickyardSession._active = None
            self.ws.close()

    # -- SQL ------------------------------------------------------------------------------
    def _sql(self, sqlQuery: Any, dialect: Any = None, qualify: bool = True) -> Any:
        expression = self._parse(sqlQuery) if isinstance(sqlQuery, str) else sqlQuery
        result = run_statement(self, expression)
        if result is not None:
            return self.dataframe_from_arrow(result)
        for name, columns in self.views.rewrite(expression, set(self.temp_views)):
            self.catalog.add_table(name, columns)
        return super()._sql(spark_semantics(expression), dialect=dialect, qualify=qualify)

    def createDataFrame(
        self,
        data: Any,
        schema: Any = None,
        samplingRatio: Any = None,
        verifySchema: Any = None,
    ) -> Any:
        """Rows, dicts, pandas, polars or Arrow; schema as StructType, DDL or column names."""
        return self.dataframe_from_arrow(to_arrow_frame(data, schema))

    def query_arrow(self, query: exp.Expr) -> pa.Table:
        """Run a query (part of a statement) on DuckDB; Arrow out, Spark types kept."""
        query = query.copy()
        self.views.rewrite(query, set(self.temp_views))
        query = spark_semantics(query)
        try:
            return spark_types(self._conn.sql(query.sql(dialect="duckdb")).to_arrow_table())
        except duckdb.Error as exc:
            raise InvalidInputError(f"the query failed: {exc}") from exc

    def dataframe_from_arrow(self, data: pa.Table) -> Any:
        BrickyardSession._frames += 1
        name = f"__by_frame_{BrickyardSession._frames}"
        self._conn.register(name, data)
        from brickyard.arrow.types import type_text

        return self.table_from_view(name, {f.name: type_text(f.type) for f in data.schema})

    def table_from_view(self, name: str, columns: dict[str, str]) -> Any:
        self.catalog.add_table(name, columns)
        select = (
            exp.Select()
            .from_(exp.to_table(name))
            .select(*[exp.column(c, quoted=True) for c in columns])
        )
        return self._create_df(select)

    def _parse(self, text: str) -> exp.Expr:
        try:
            return sqlglot.parse_one(text, read="spark")
        except ParseError as exc:
            first = exc.errors[0] if exc.errors else {}
            raise InvalidInputError(
                f"SQL syntax error at line {first.get('line', '?')}, column {first.get('col', '?')}: "
                f"{first.get('description', exc)}"
            ) from exc

    # -- results: Spark's types, not sqlframe's floats --------------------------------------
    @classmethod
    def _to_row(cls, columns: list[str], values: Any) -> Row:
        row = tuple.__new__(Row, [cls._to_value(v) for v in values])
        row.__fields__ = columns
        return row
