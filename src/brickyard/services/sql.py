"""Running SQL statements for API callers: one engine session, one statement at a time."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from brickyard.domain.errors import BrickyardError, InvalidInputError, NotFoundError

KEEP_RESULTS = 200  # finished statements kept for GET /statements/{id}
MAX_ROWS = 100_000  # rows returned inline; more are cut and the result says "truncated"


@dataclass
class StatementResult:
    statement_id: str
    state: str  # SUCCEEDED | FAILED
    table: pa.Table | None = None
    truncated: bool = False
    total_rows: int = 0
    error: tuple[str, str] | None = None  # (error_code, message)
    extra: dict[str, Any] = field(default_factory=dict)


class SqlService:
    """Executes Spark SQL on the workspace's DuckDB session (created on first use)."""

    def __init__(self, home: Any) -> None:
        self.home = home
        self._lock = threading.Lock()
        self._session: Any = None
        self._results: OrderedDict[str, StatementResult] = OrderedDict()

    def execute(
        self,
        statement: str,
        catalog: str | None = None,
        schema: str | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> StatementResult:
        statement_id = str(uuid.uuid4())
        with self._lock:  # the engine session is not thread-safe
            result = self._run(statement_id, statement, catalog, schema, parameters)
            self._results[statement_id] = result
            while len(self._results) > KEEP_RESULTS:
                self._results.popitem(last=False)
        return result

    def get(self, statement_id: str) -> StatementResult:
        found = self._results.get(statement_id)
        if found is None:
            raise NotFoundError(f"statement '{statement_id}' is unknown (or too old to be kept)")
        return found

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.stop()
                self._session = None

    def _run(
        self,
        statement_id: str,
        statement: str,
        catalog: str | None,
        schema: str | None,
        parameters: dict[str, Any] | None,
    ) -> StatementResult:
        try:
            session = self._engine()
            names = session.ws.catalog
            saved = (names.current_catalog, names.current_schema)
            try:
                if catalog:
                    names.use(catalog=catalog)
                if schema:
                    names.use(schema=f"{names.current_catalog}.{schema}")
                frame = (
                    session.sql(statement, args=parameters)
                    if parameters
                    else session.sql(statement)
                )
                table = frame.toArrow()
            finally:
                names.current_catalog, names.current_schema = saved
        except BrickyardError as exc:
            from brickyard.api.errors import status_for

            return StatementResult(statement_id, "FAILED", error=(status_for(exc)[1], exc.message))
        except Exception as exc:  # an engine error (binder, conversion...): the statement failed
            return StatementResult(statement_id, "FAILED", error=("BAD_REQUEST", str(exc)))
        total = table.num_rows
        return StatementResult(
            statement_id, "SUCCEEDED", table.slice(0, MAX_ROWS), total > MAX_ROWS, total
        )

    def _engine(self) -> Any:
        if self._session is None:
            from brickyard.compute import spark

            session = spark(engine="duckdb", home=self.home)
            config = session.ws.config
            temp = str(config.get("engine.duckdb.temp_directory"))
            # API callers reach tables through the catalog, files only in the warehouse.
            session.restrict_file_access(
                [config.warehouse, temp if temp.startswith("/") else str(config.home / temp)]
            )
            self._session = session
        return self._session


def parameter_values(parameters: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """Databricks' ``[{name, value, type}]`` -> named values for ``:name`` markers."""
    if not parameters:
        return None
    values: dict[str, Any] = {}
    for parameter in parameters:
        name, value = parameter.get("name"), parameter.get("value")
        if not name:
            raise InvalidInputError("each parameter needs a name")
        kind = str(parameter.get("type") or "STRING").upper()
        if value is not None and kind in {
            "INT",
            "INTEGER",
            "BIGINT",
            "SMALLINT",
            "TINYINT",
            "LONG",
        }:
            value = int(value)
        elif value is not None and kind in {"DOUBLE", "FLOAT", "DECIMAL"}:
            value = float(value)
        elif value is not None and kind == "BOOLEAN":
            value = str(value).lower() == "true"
        values[str(name)] = value
    return values
