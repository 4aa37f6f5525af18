"""The catalog behind a real ``SparkSession``: SQL, tables and writes through Brickyard.

Spark keeps its own parser, optimizer and execution. Brickyard steps in where Spark would
look up a table name: catalog DDL/DML goes to the catalog service (one Delta commit per
write), and table references in queries are pointed at temp views over Delta snapshots.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlglot import exp

from brickyard.adapters.spark_engine.tables import SnapshotFrames
from brickyard.adapters.spark_engine.types import spark_schema
from brickyard.adapters.spark_engine.writer import conform, stage
from brickyard.adapters.spark_sql.parse import parse_spark_sql
from brickyard.adapters.spark_sql.references import catalog_references
from brickyard.adapters.spark_sql.statements import run_statement
from brickyard.domain.errors import InvalidInputError, SchemaMismatchError
from brickyard.ports import StagedFiles

if TYPE_CHECKING:
    from brickyard.workspace import Workspace


class SparkCatalogEngine:
    """Brickyard's catalog for one Spark session; also the ``StatementHost`` of statements.

    ``spark_sql``, ``spark_table``, ``spark_read`` and ``spark_catalog`` are Spark's own
    methods, kept aside before Brickyard's replace them on the session class.
    """

    def __init__(self, ws: Workspace, session: Any, originals: dict[str, Any]) -> None:
        self.ws = ws
        self.session = session
        self.originals = originals
        self.frames = SnapshotFrames(ws, session, self.spark_read, self.spark_table)

    # -- Spark's own methods ---------------------------------------------------------------
    def spark_sql(self, text: str, args: Any = None, **kwargs: Any) -> Any:
        return self.originals["sql"](self.session, text, args, **kwargs)

    def spark_table(self, name: str) -> Any:
        # Through Spark's own reader: Connect's session.table() calls self.read.table(),
        # which is Brickyard's reader on the patched class (and would call back here).
        return self.spark_read().table(name)

    def spark_read(self) -> Any:
        return getter(self.originals["read"])(self.session)

    def spark_catalog(self) -> Any:
        return getter(self.originals["catalog"])(self.session)

    def spark_write(self, df: Any) -> Any:
        return getter(self.originals["write"])(df)

    def is_temp_view(self, name: str) -> bool:
        return bool(self.spark_catalog().tableExists(name))

    # -- what the session does through the catalog ----------------------------------------
    def sql(self, text: str, args: Any = None, **kwargs: Any) -> Any:
        try:
            statement = parse_spark_sql(text)
        except InvalidInputError:
            return self.spark_sql(text, args, **kwargs)  # Spark reports its own syntax errors
        result = run_statement(self, statement)
        if result is not None:
            # With its schema: Spark Connect infers none from a statement's empty result.
            return self.session.createDataFrame(result, spark_schema(result.schema))
        if not self._point_at_snapshots(statement):
            return self.spark_sql(text, args, **kwargs)  # nothing of ours: Spark's text as is
        return self.spark_sql(statement.sql(dialect="spark"), args, **kwargs)

    def table(self, name: str, version: int | None = None, timestamp: Any = None) -> Any:
        if "." not in name and version is None and timestamp is None and self.is_temp_view(name):
            return self.spark_table(name)
        ref = self.ws.catalog.resolve_table(name)
        return self.frames.frame(ref, version, timestamp)

    def query_arrow(self, query: exp.Expr) -> pa.Table:
        """A query inside a statement (CTAS, INSERT ... SELECT, MERGE source) as Arrow."""
        return self.query_frame(query).toArrow()  # type: ignore[no-any-return]

    def stage_query(
        self, query: exp.Expr, target: pa.Schema | None, partition_by: list[str]
    ) -> StagedFiles | pa.Table:
        """CTAS and INSERT ... SELECT: Spark writes the rows as Parquet, ready to commit."""
        frame = self.query_frame(query)
        if target is not None:  # INSERT: by position, cast to the table's types
            if len(frame.columns) != len(target.names):
                raise SchemaMismatchError(
                    f"INSERT: the query has {len(frame.columns)} columns and the table has "
                    f"{len(target.names)} ({', '.join(target.names)})"
                )
            frame = conform(frame.toDF(*target.names), target, "the INSERT target")
        return stage(self, frame, partition_by)

    def query_frame(self, query: exp.Expr) -> Any:
        query = query.copy()
        self._point_at_snapshots(query)
        return self.spark_sql(query.sql(dialect="spark"))

    def _point_at_snapshots(self, statement: exp.Expr) -> bool:
        single = {
            t.name
            for t in statement.find_all(exp.Table)
            if t.name and not t.args.get("db") and not isinstance(t.this, exp.Func)
        }
        temp_views = {name for name in single if self.is_temp_view(name)}
        references = catalog_references(statement, self.ws.catalog, temp_views)
        for reference in references:
            reference.point_at(
                self.frames.view(reference.ref, reference.version, reference.timestamp)
            )
        return bool(references)


def getter(member: Any) -> Any:
    """The function behind a class's property or cached_property."""
    return member.fget if isinstance(member, property) else member.func
