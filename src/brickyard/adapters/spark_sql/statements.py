"""Spark SQL statements that change the catalog: run through the catalog service, not DuckDB.

Every write is one Delta commit through the catalog, whichever engine produced the rows.
Queries inside statements (CTAS, INSERT ... SELECT) run on the session's engine: the
statement host (a DuckDB or Spark session) turns a query into Arrow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import pyarrow as pa
from sqlglot import exp

from brickyard.arrow.schema_fit import store_assignment
from brickyard.domain.errors import InvalidInputError, NotFoundError
from brickyard.domain.merge import MergeClause
from brickyard.ports import StagedFiles

if TYPE_CHECKING:
    from brickyard.workspace import Workspace


class StatementHost(Protocol):
    """What a statement needs of the engine session running it."""

    ws: Workspace

    def query_arrow(self, query: exp.Expr) -> pa.Table:
        """Run a query (part of a statement) on the engine; Arrow out, Spark types kept."""
        ...


@runtime_checkable
class StagingHost(StatementHost, Protocol):
    """A host whose engine writes a query's rows as Parquet itself (Spark): CTAS and
    INSERT ... SELECT commit those files, and the rows never pass through this process."""

    def stage_query(
        self, query: exp.Expr, target: pa.Schema | None, partition_by: list[str]
    ) -> StagedFiles | pa.Table:
        """The query's rows staged; by position as ``target``'s columns when given."""
        ...


STATEMENT_DONE = "result"  # the one (empty) column of a statement that returns no rows
# Built without pa.array(list): that would import pandas (0.3 s) at every start.
_OK = pa.Table.from_arrays([pa.nulls(0, pa.string())], names=[STATEMENT_DONE])


def run_statement(session: StatementHost, statement: exp.Expr) -> pa.Table | None:
    """Run ``statement`` if it is catalog DDL/DML and return its result; None for queries."""
    catalog = session.ws.catalog
    if isinstance(statement, exp.Use):
        return _use(session, statement)
    if isinstance(statement, exp.Create):
        kind = (statement.args.get("kind") or "").upper()
        if kind in {"SCHEMA", "DATABASE"}:
            name = ".".join(p.name for p in statement.this.parts)
            catalog.create_schema(name, if_not_exists=bool(statement.args.get("exists")))
            return _OK
        if kind == "TABLE":
            return _create_table(session, statement)
        return None
    if isinstance(statement, exp.Drop):
        return _drop(session, statement)
    if isinstance(statement, exp.Insert):
        return _insert(session, statement)
    if isinstance(statement, exp.Delete):
        table = catalog.table(_name(statement.this))
        where = statement.args.get("where")
        metrics = table.delete(where.this.sql(dialect="spark") if where else None)
        return pa.table({"num_affected_rows": [int(metrics.get("num_deleted_rows", 0))]})
    if isinstance(statement, exp.Update):
        table = catalog.table(_name(statement.this))
        where = statement.args.get("where")
        assignments = {e.this.name: _sql(e.expression) for e in statement.expressions}
        metrics = table.update(assignments, _sql(where.this) if where else None)
        return pa.table({"num_affected_rows": [int(metrics.get("num_updated_rows", 0))]})
    if isinstance(statement, exp.Describe):
        return _describe(session, statement)
    if isinstance(statement, exp.Merge):
        return _merge(session, statement)
    return None


def _merge(session: StatementHost, statement: exp.Merge) -> pa.Table:
    target = statement.this
    table = session.ws.catalog.table(_name(target))
    target_alias = target.alias or target.name
    using = statement.args["using"]
    source_alias = using.alias or (using.name if isinstance(using, exp.Table) else "source")
    query = using.this if isinstance(using, exp.Subquery) else exp.select("*").from_(using.copy())
    if isinstance(query, exp.Expr) and query.args.get("alias"):
        query.set("alias", None)
    source = session.query_arrow(query)
    clauses = [_clause(when) for when in statement.args["whens"].expressions]
    metrics = table.merge_when(
        source, _sql(statement.args["on"]), clauses, source_alias, target_alias
    )
    affected = sum(
        int(metrics.get(k, 0))
        for k in ("num_target_rows_updated", "num_target_rows_inserted", "num_target_rows_deleted")
    )
    return pa.table({"num_affected_rows": [affected]})


def _clause(when: exp.When) -> MergeClause:
    kind = (
        "not_matched_by_source"
        if when.args.get("source")
        else ("matched" if when.args.get("matched") else "not_matched")
    )
    condition = when.args.get("condition")
    then = when.args["then"]
    text = _sql(condition) if condition is not None else None
    if isinstance(then, exp.Update):
        stars = [e for e in then.expressions if isinstance(e, exp.Star)]
        assignments = None if stars else {e.this.name: _sql(e.expression) for e in then.expressions}
        return MergeClause(kind, "update", text, assignments)  # type: ignore[arg-type]
    if isinstance(then, exp.Insert):
        if isinstance(then.this, exp.Star):
            return MergeClause(kind, "insert", text, None)  # type: ignore[arg-type]
        columns = [c.name for c in then.this.expressions]
        values = [_sql(v) for v in then.expression.expressions]
        return MergeClause(kind, "insert", text, dict(zip(columns, values, strict=True)))  # type: ignore[arg-type]
    return MergeClause(kind, "delete", text)  # type: ignore[arg-type]


def _sql(expression: exp.Expr) -> str:
    # delta-rs evaluates MERGE expressions with DataFusion, whose SQL is PostgreSQL-like.
    return expression.sql(dialect="postgres")


def _name(table: exp.Expr) -> str:
    if isinstance(table, exp.Schema):
        table = table.this
    if not isinstance(table, exp.Table):
        raise InvalidInputError(f"expected a table name, got {table.sql(dialect='spark')}")
    return ".".join(part.name for part in table.parts)


def _use(session: StatementHost, statement: exp.Use) -> pa.Table:
    parts = [p.name for p in statement.this.parts] if statement.this else []
    kind = statement.args.get("kind")  # sqlglot: a Var (USE CATALOG c) or nothing (USE c.s)
    if kind is not None and kind.name.upper() == "CATALOG":
        session.ws.catalog.use(catalog=parts[-1])
    else:
        session.ws.catalog.use(schema=".".join(parts))
    return _OK


def _create_table(session: StatementHost, statement: exp.Create) -> pa.Table:
    catalog = session.ws.catalog
    name = _name(statement.this)
    exists = catalog.table_exists(name)
    if exists and statement.args.get("exists"):
        return _OK
    if exists and not statement.args.get("replace"):
        raise InvalidInputError(
            f"table '{catalog.resolve_table(name).full_name}' already exists; use CREATE OR "
            "REPLACE TABLE, CREATE TABLE IF NOT EXISTS or INSERT INTO"
        )
    partitions = _partitions(statement)
    comment = _comment(statement)
    if statement.expression is not None and not exists and isinstance(session, StagingHost):
        data: Any = session.stage_query(statement.expression, None, partitions)
    elif statement.expression is not None:  # CREATE TABLE ... AS SELECT
        data = session.query_arrow(statement.expression)
    elif isinstance(statement.this, exp.Schema):
        data = ", ".join(
            f"{col.name} {col.args['kind'].sql(dialect='spark')}"
            + (
                " NOT NULL"
                if any(isinstance(c.kind, exp.NotNullColumnConstraint) for c in col.constraints)
                else ""
            )
            for col in statement.this.expressions
            if isinstance(col, exp.ColumnDef)
        )
    else:
        raise InvalidInputError("CREATE TABLE needs columns or AS SELECT")
    if exists:  # CREATE OR REPLACE: a new version of the same table, as Delta does
        table = catalog.table(name)
        if isinstance(data, str):
            from brickyard.arrow.types import parse_ddl

            data = parse_ddl(data).empty_table()
        table.overwrite(data, overwrite_schema=True)
        return _OK
    catalog.create_table(name, data, comment=comment, partition_by=partitions)
    return _OK


def _partitions(statement: exp.Create) -> list[str]:
    properties = statement.args.get("properties")
    if not properties:
        return []
    for prop in properties.expressions:
        if isinstance(prop, exp.PartitionedByProperty):
            value = prop.this
            columns = value.expressions if isinstance(value, (exp.Schema, exp.Tuple)) else [value]
            return [c.name for c in columns]
    return []


def _comment(statement: exp.Create) -> str | None:
    properties = statement.args.get("properties")
    for prop in properties.expressions if properties else []:
        if isinstance(prop, exp.SchemaCommentProperty):
            return str(prop.this.name)
    return None


def _drop(session: StatementHost, statement: exp.Drop) -> pa.Table | None:
    catalog = session.ws.catalog
    kind = (statement.args.get("kind") or "").upper()
    targets = statement.args.get("tables") or [statement.this]
    name = _name(targets[0])
    if kind == "TABLE":
        catalog.drop_table(name, if_exists=bool(statement.args.get("exists")))
        return _OK
    if kind in {"SCHEMA", "DATABASE"}:
        try:
            catalog.drop_schema(name, force=bool(statement.args.get("cascade")))
        except NotFoundError:
            if not statement.args.get("exists"):
                raise
        return _OK
    return None


def _insert(session: StatementHost, statement: exp.Insert) -> pa.Table:
    target = statement.this
    table = session.ws.catalog.table(_name(target))
    if isinstance(session, StagingHost) and not isinstance(target, exp.Schema):
        staged = session.stage_query(
            statement.expression, table.schema, list(table.info.partition_by)
        )
        count = (
            sum(f.num_records for f in staged.files)
            if isinstance(staged, StagedFiles)
            else staged.num_rows
        )
        (table.overwrite if statement.args.get("overwrite") else table.append)(staged)
        return pa.table({"num_affected_rows": [count], "num_inserted_rows": [count]})
    data = session.query_arrow(statement.expression)
    names = table.schema.names
    if isinstance(target, exp.Schema):  # INSERT INTO t (a, b) SELECT ...
        listed = [c.name for c in target.expressions]
        data = data.rename_columns(listed)
    elif data.num_columns == len(names):  # by position, as Spark SQL inserts
        data = data.rename_columns(names)
    data = store_assignment(data, table.schema)
    if statement.args.get("overwrite"):
        table.overwrite(data)
    else:
        table.append(data)
    return pa.table({"num_affected_rows": [data.num_rows], "num_inserted_rows": [data.num_rows]})


def _describe(session: StatementHost, statement: exp.Describe) -> pa.Table:
    table = session.ws.catalog.table(_name(statement.this))
    style = (statement.args.get("style") or "").upper()
    if style == "HISTORY":
        entries = table.history()
        return pa.table(
            {
                "version": [h.version for h in entries],
                "timestamp": pa.array([h.timestamp for h in entries], pa.timestamp("ms", tz="UTC")),
                "userName": [h.user for h in entries],
                "operation": [h.operation for h in entries],
                "operationParameters": [
                    {str(k): str(v) for k, v in h.parameters.items()} for h in entries
                ],
            }
        )
    columns = table.info.columns
    return pa.table(
        {
            "col_name": [c.name for c in columns],
            "data_type": [c.type_text for c in columns],
            "comment": [c.comment for c in columns],
        }
    )
