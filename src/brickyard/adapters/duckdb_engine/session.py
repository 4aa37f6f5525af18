"""``BrickyardSession``: sqlframe's DuckDB session bound to a workspace catalog.

sqlframe maps the PySpark DataFrame API onto DuckDB; Brickyard adds the catalog as the
namespace (table references read Delta snapshots), routes catalog DDL/DML to the catalog
service (one Delta commit per write), and keeps Spark's result types (decimals stay Decimal).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import duckdb
import pyarrow as pa
from sqlframe.base.types import Row
from sqlframe.duckdb import (
    DuckDBSession,
)
from sqlglot import exp

from brickyard.adapters.duckdb_engine.dataframe import BrickyardDataFrame
from brickyard.adapters.duckdb_engine.frames import to_arrow_frame
from brickyard.adapters.duckdb_engine.readwriter import BrickyardReader, BrickyardWriter
from brickyard.adapters.duckdb_engine.semantics import spark_semantics, spark_types
from brickyard.adapters.duckdb_engine.snapshots import SnapshotViews
from brickyard.adapters.duckdb_engine.spark_only import RuntimeConfig, needs_spark
from brickyard.adapters.duckdb_engine.udf import UDFRegistration
from brickyard.adapters.spark_sql.parse import parse_spark_sql
from brickyard.adapters.spark_sql.statements import run_statement
from brickyard.domain.errors import ConfigError, InvalidInputError

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
        return parse_spark_sql(text)

    # -- results: Spark's types, not sqlframe's floats --------------------------------------
    @classmethod
    def _to_row(cls, columns: list[str], values: Any) -> Row:
        row = tuple.__new__(Row, [cls._to_value(v) for v in values])
        row.__fields__ = columns
        return row
