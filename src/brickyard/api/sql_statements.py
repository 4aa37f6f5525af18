"""Databricks SQL Statement Execution API shapes: statements and warehouses (one per engine)."""

from __future__ import annotations

from functools import partial
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from pydantic import BaseModel

from brickyard.arrow.types import type_name, type_text
from brickyard.domain.errors import InvalidInputError
from brickyard.services.sql import SqlService, StatementResult, parameter_values

router = APIRouter(prefix="/api/2.0/sql", tags=["sql"])

WAREHOUSES = [
    {
        "id": "duckdb",
        "name": "duckdb (embedded)",
        "state": "RUNNING",
        "cluster_size": "embedded",
        "warehouse_type": "PRO",
        "num_clusters": 1,
    },
    {
        "id": "spark",
        "name": "spark",
        "state": "STOPPED",
        "cluster_size": "local",
        "warehouse_type": "PRO",
        "num_clusters": 0,
    },
]


class StatementParameter(BaseModel):
    name: str
    value: str | None = None
    type: str | None = None


class ExecuteStatementIn(BaseModel):
    statement: str
    warehouse_id: str | None = None
    catalog: str | None = None
    schema_: str | None = None
    parameters: list[StatementParameter] | None = None
    wait_timeout: str | None = None
    on_wait_timeout: str | None = None
    format: str = "JSON_ARRAY"
    disposition: str = "INLINE"
    row_limit: int | None = None

    model_config = {"populate_by_name": True, "alias_generator": lambda n: n.rstrip("_")}


def _service(request: Request) -> SqlService:
    service: SqlService = request.app.state.sql
    return service


@router.get("/warehouses")
def list_warehouses() -> dict[str, Any]:
    return {"warehouses": WAREHOUSES}


@router.post("/statements")
async def execute_statement(request: Request, body: ExecuteStatementIn) -> dict[str, Any]:
    if body.format.upper() != "JSON_ARRAY" or body.disposition.upper() != "INLINE":
        raise InvalidInputError("only format JSON_ARRAY with disposition INLINE is supported")
    if body.warehouse_id not in (None, "", "duckdb"):
        if body.warehouse_id == "spark":
            raise InvalidInputError(
                "the spark warehouse is stopped: the server runs statements on duckdb, whose "
                "file access it confines to the warehouse (Spark SQL could read any file the "
                "server can); run Spark SQL with `brickyard sql --engine spark` or "
                "brickyard.spark(engine='spark')"
            )
        raise InvalidInputError(
            f"unknown warehouse_id '{body.warehouse_id}'; GET /api/2.0/sql/warehouses lists them"
        )
    parameters = parameter_values([p.model_dump() for p in body.parameters or []])
    run = partial(_service(request).execute, body.statement, body.catalog, body.schema_, parameters)
    # In the server's pool for queries (see api/app.py: limit_threads), not the shared one.
    limiter = getattr(request.app.state, "query_threads", None)
    result = await anyio.to_thread.run_sync(run, limiter=limiter)
    return _response(result, body.row_limit)


@router.get("/statements/{statement_id}")
def get_statement(request: Request, statement_id: str) -> dict[str, Any]:
    return _response(_service(request).get(statement_id), None)


def _response(result: StatementResult, row_limit: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {"statement_id": result.statement_id, "status": {"state": result.state}}
    if result.error is not None:
        code, message = result.error
        body["status"]["error"] = {"error_code": code, "message": message}
        return body
    table = result.table
    assert table is not None
    truncated = result.truncated
    if row_limit is not None and row_limit < table.num_rows:
        table, truncated = table.slice(0, row_limit), True
    columns = [
        {
            "name": f.name,
            "type_text": type_text(f.type).upper(),
            "type_name": type_name(type_text(f.type)),
            "position": i,
        }
        for i, f in enumerate(table.schema)
    ]
    rows = [[_text(v) for v in row.values()] for row in table.to_pylist()]
    body["manifest"] = {
        "format": "JSON_ARRAY",
        "schema": {"column_count": len(columns), "columns": columns},
        "total_row_count": result.total_rows,
        "truncated": truncated,
    }
    body["result"] = {"row_count": len(rows), "data_array": rows}
    return body


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, default=str)
    return str(value)
