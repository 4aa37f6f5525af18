"""``BrickyardSession``: sqlframe's DuckDB session bound to a workspace catalog.

sqlframe maps the PySpark DataFrame API onto DuckDB; Brickyard adds the catalog as the
namespace (table references read Delta snapshots), routes catalog DDL/DML to the catalog
service (one Delta commit per write), and keeps Spark's result types (decimals stay Decimal).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import duckdb
import pyarrow as pa
from sqlframe.base.types import Row
from sqlframe.duckdb import (
    DuckDBSession,
)
from sqlglot import exp

from brickyard.adapters.duckdb_engine.dataframe import (
    BrickyardDataFrame,
    DirectFrame,
    keep_case,
)
from brickyard.adapters.duckdb_engine.errors import spark_errors
from brickyard.adapters.duckdb_engine.frames import to_arrow_frame
from brickyard.adapters.duckdb_engine.readwriter import BrickyardReader, BrickyardWriter
from brickyard.adapters.duckdb_engine.results import rows_of
from brickyard.adapters.duckdb_engine.semantics import (
    spark_result_types,
    spark_semantics,
)
from brickyard.adapters.duckdb_engine.snapshots import SnapshotViews
from brickyard.adapters.duckdb_engine.spark_only import RuntimeConfig, needs_spark
from brickyard.adapters.duckdb_engine.type_names import use_spark_type_names
from brickyard.adapters.duckdb_engine.typed_rules import apply_typed_rules
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
        use_spark_type_names()
        self.ws = ws  # set only once the session can work: sqlframe re-enters on this flag
        super().__init__(connection, **kwargs)
        self.views = SnapshotViews(connection, ws.catalog)
        self._parsed: OrderedDict[str, exp.Expr] = OrderedDict()
        self._plans: OrderedDict[Any, str] = OrderedDict()
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

    def restrict_file_access(self, folders: list[str]) -> None:
        """From now on DuckDB reads and writes files only under ``folders`` (for statements
        sent by API callers, who must not read the server's own files with ``read_csv``).
        Catalog tables keep working: their snapshots are files of the warehouse, or Arrow
        datasets. Irreversible for this session."""
        if getattr(self, "_files_restricted", False):
            return  # DuckDB refuses to change it once external access is off
        self._files_restricted = True
        allowed = [f.rstrip("/") + "/" for f in folders if "://" not in f]
        quoted = ", ".join("'" + f.replace("'", "''") + "'" for f in allowed)
        self._conn.execute(f"SET allowed_directories = [{quoted}]")
        self._conn.execute("SET enable_external_access = false")

    def stop(self) -> None:
        """End the session and close its workspace; brickyard.spark() makes a new one."""
        super().stop()
        if BrickyardSession._active is self:
            BrickyardSession._active = None
            self.ws.close()

    # -- SQL ------------------------------------------------------------------------------
    def _sql(self, sqlQuery: Any, dialect: Any = None, qualify: bool = True) -> Any:
        with spark_errors():
            return self._run_sql(sqlQuery, dialect, qualify)

    def _run_sql(self, sqlQuery: Any, dialect: Any, qualify: bool) -> Any:
        expression = self._parse(sqlQuery) if isinstance(sqlQuery, str) else sqlQuery
        result = run_statement(self, expression)
        if result is not None:
            return self.dataframe_from_arrow(result)
        views = self.views.rewrite(expression, set(self.temp_views))
        for name, columns in views:
            self.catalog.add_table(name, columns)
        # The same text over the same table versions gives the same DuckDB SQL: keep it.
        plan_key = (
            (sqlQuery, tuple(name for name, _ in views)) if isinstance(sqlQuery, str) else None
        )
        expression = spark_semantics(expression)
        if isinstance(expression, exp.SetOperation):  # sqlframe takes a SELECT at the top
            expression = exp.select("*").from_(
                exp.Subquery(this=expression, alias=exp.to_identifier("__by_set"))
            )
        names = _written_names(expression)

        def build() -> Any:
            df = super(BrickyardSession, self)._sql(expression, dialect=dialect, qualify=qualify)
            return keep_case(df, names) if names else df

        if self._reads_temp_views(expression):  # sqlframe inlines those DataFrames
            return build()
        # Analysed now (a bad name fails here, as in Spark); run as written when nothing is
        # chained on, else sqlframe builds its DataFrame then.
        return DirectFrame.of(self, self._direct_relation(expression, plan_key), build)

    def _reads_temp_views(self, expression: exp.Expr) -> bool:
        views = {name.lower() for name in self.temp_views}
        return bool(views) and any(
            len(table.parts) == 1 and table.name.lower() in views
            for table in expression.find_all(exp.Table)
        )

    def _direct_relation(self, expression: exp.Expr, plan_key: Any = None) -> Any:
        """The DuckDB relation of a Spark query, with Spark's result types (bound, not run)."""
        if plan_key is not None and (planned := self._plans.get(plan_key)) is not None:
            self._plans.move_to_end(plan_key)
            return self._conn.sql(planned)
        query = spark_result_types(apply_typed_rules(expression.copy(), self.catalog._schema))
        text = query.sql(dialect=duckdb_dialect())
        relation = self._conn.sql(text)
        if query.find(exp.Sum):  # typed sums are cast already; an untyped one may not be
            wrapped = _without_hugeints(relation, text)
            if wrapped is not None:
                text, relation = wrapped, self._conn.sql(wrapped)
        if plan_key is not None:
            self._plans[plan_key] = text
            if len(self._plans) > _PLAN_CACHE_SIZE:
                self._plans.popitem(last=False)
        return relation

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
        """Run a query (part of a statement) on DuckDB; Arrow out, Spark types kept.

        It goes through the DataFrame path, so temp views and catalog tables both resolve.
        """
        select = query.copy()
        if not isinstance(select, exp.Select):  # VALUES, UNION...: sqlframe takes a SELECT
            select = exp.select("*").from_(exp.Subquery(this=select, alias=exp.to_identifier("v")))
        try:
            return self._sql(select).toArrow()  # type: ignore[no-any-return]
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
        select = exp.Select().from_(exp.to_table(name)).select(*[_column(c) for c in columns])
        return keep_case(self._create_df(select), list(columns))

    def _parse(self, text: str) -> exp.Expr:
        """The statement's tree (a fresh copy: the rewrite changes it); parsed once per text."""
        parsed = self._parsed.get(text)
        if parsed is None:
            parsed = parse_spark_sql(text)
            self._parsed[text] = parsed
            if len(self._parsed) > _PLAN_CACHE_SIZE:
                self._parsed.popitem(last=False)
        return parsed.copy()

    # -- results: Spark's types, not sqlframe's floats --------------------------------------
    def _to_sql(self, sql: Any, **kwargs: Any) -> str:
        """DuckDB SQL for sqlframe's expression, answering with Spark's result types."""
        if isinstance(sql, exp.Query):
            query = apply_typed_rules(sql.copy(), self.catalog._schema)
            text = super()._to_sql(spark_result_types(query), **kwargs)
            return self._bigint_sums(sql, text)
        return str(super()._to_sql(sql, **kwargs))

    def _bigint_sums(self, query: exp.Expr, text: str) -> str:
        """Integer sums are HUGEINT in DuckDB and bigint in Spark (which fails on overflow)."""
        if not query.find(exp.Sum):
            return text
        return _without_hugeints(self._conn.sql(text), text) or text

    def _collect(
        self,
        expressions: Any,
        *,
        quote_identifiers: bool = True,
        skip_normalization: bool = False,
        skip_rows: bool = False,
    ) -> list[Row]:
        """Rows through Arrow, so maps, structs, decimals and timestamps keep their types."""
        statements = expressions if isinstance(expressions, list) else [expressions]
        texts = [
            (
                statement.sql(dialect=self.execution_dialect)
                if skip_normalization
                else self._to_sql(statement, quote_identifiers=quote_identifiers)
            )
            if isinstance(statement, exp.Expr)
            else statement
            for statement in statements
        ]
        with spark_errors():
            for text in texts[:-1]:
                self._execute(text)
            if skip_rows:
                self._execute(texts[-1])
                return []
            result = self._cur.sql(texts[-1])  # None for a statement that returns no rows
            return [] if result is None else rows_of(result.to_arrow_table(), self.time_zone)

    @property
    def time_zone(self) -> str:
        """The session time zone (``spark.sql.session.timeZone``), which DuckDB runs in."""
        return str(self._conn.sql("SELECT current_setting('TimeZone')").fetchall()[0][0])


def _without_hugeints(relation: Any, text: str) -> str | None:
    """``text`` with its HUGEINT result columns cast to BIGINT; None when it has none."""
    if "HUGEINT" not in {str(t) for t in relation.types}:
        return None
    projections = [
        f"CAST({quoted(name)} AS BIGINT) AS {quoted(name)}"
        if str(kind) == "HUGEINT"
        else quoted(name)
        for name, kind in zip(relation.columns, relation.types, strict=True)
    ]
    return f"SELECT {', '.join(projections)} FROM ({text}) AS __by_sums"


_PLAN_CACHE_SIZE = 256


def duckdb_dialect() -> Any:
    """The dialect sqlframe writes DuckDB SQL in (lambdas in DuckDB 2's syntax)."""
    from sqlframe.duckdb.session import _DuckDBV2

    return _DuckDBV2(version=duckdb.__version__)


def _written_names(expression: exp.Expr) -> list[str]:
    """A SELECT's output names as written (``MyCol``), when every projection is named."""
    if not isinstance(expression, exp.Select) or expression.is_star:
        return []
    names = [p.alias_or_name for p in expression.expressions]
    return names if all(names) and any(n != n.lower() for n in names) else []


def _column(name: str) -> exp.Column:
    """sqlframe matches columns by their lower-case written form: quote only odd names."""
    plain = _PLAIN_NAME.fullmatch(name.lower())
    return exp.column(name.lower() if plain else name, quoted=not plain)


_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
