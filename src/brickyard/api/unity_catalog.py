"""Unity Catalog REST API: catalogs, schemas and tables (list/get/create/update/delete)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

import pyarrow as pa
from fastapi import APIRouter, Query, Request, Response

from brickyard.api.responses import json_response
from brickyard.api.uc_schemas import (
    CatalogOut,
    CreateCatalogIn,
    CreateSchemaIn,
    CreateTableIn,
    ListCatalogsOut,
    ListSchemasOut,
    ListTablesOut,
    SchemaOut,
    TableOut,
    UpdateCatalogIn,
    UpdateSchemaIn,
    UpdateTableIn,
    table_dict,
)
from brickyard.arrow.types import parse_type
from brickyard.domain.catalog import HistoryEntry
from brickyard.domain.errors import BrickyardError, InvalidInputError
from brickyard.services.catalog import CatalogService

router = APIRouter(prefix="/api/2.1/unity-catalog", tags=["unity-catalog"])

DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 50_000
_TOKEN_PREFIX = "after:"
MaxResults = Annotated[
    int | None, Query(description="Page size; 0 or absent means the server's default.")
]
PageToken = Annotated[str | None, Query(description="next_page_token of the previous page.")]


def _catalog(request: Request) -> CatalogService:
    service: CatalogService = request.app.state.workspace.catalog
    user = getattr(request.state, "user", None)  # set by AccessControl from the token
    return service.for_user(user) if user else service


# -- catalogs --------------------------------------------------------------------------------
@router.get("/catalogs", response_model=ListCatalogsOut, response_model_exclude_none=True)
def list_catalogs(
    request: Request, max_results: MaxResults = None, page_token: PageToken = None
) -> ListCatalogsOut:
    size = _page_size(max_results)
    found = _catalog(request).list_catalogs(_after(page_token), size + 1)
    page, token = _paginate(found, size, lambda c: c.name)
    return ListCatalogsOut(catalogs=[CatalogOut.of(c) for c in page], next_page_token=token)


@router.post("/catalogs", response_model=CatalogOut, response_model_exclude_none=True)
def create_catalog(request: Request, body: CreateCatalogIn) -> CatalogOut:
    return CatalogOut.of(
        _catalog(request).create_catalog(body.name, body.comment, properties=body.properties)
    )


@router.get("/catalogs/{name}", response_model=CatalogOut, response_model_exclude_none=True)
def get_catalog(request: Request, name: str) -> CatalogOut:
    return CatalogOut.of(_catalog(request).get_catalog(name))


@router.patch("/catalogs/{name}", response_model=CatalogOut, response_model_exclude_none=True)
def update_catalog(request: Request, name: str, body: UpdateCatalogIn) -> CatalogOut:
    return CatalogOut.of(_catalog(request).update_catalog(name, body.comment))


@router.delete("/catalogs/{name}")
def delete_catalog(request: Request, name: str, force: bool = False) -> dict[str, object]:
    _catalog(request).drop_catalog(name, force=force)
    return {}


# -- schemas ---------------------------------------------------------------------------------
@router.get("/schemas", response_model=ListSchemasOut, response_model_exclude_none=True)
def list_schemas(
    request: Request,
    catalog_name: str,
    max_results: MaxResults = None,
    page_token: PageToken = None,
) -> ListSchemasOut:
    size = _page_size(max_results)
    found = _catalog(request).list_schemas(catalog_name, _after(page_token), size + 1)
    page, token = _paginate(found, size, lambda s: s.name)
    return ListSchemasOut(schemas=[SchemaOut.of(s) for s in page], next_page_token=token)


@router.post("/schemas", response_model=SchemaOut, response_model_exclude_none=True)
def create_schema(request: Request, body: CreateSchemaIn) -> SchemaOut:
    catalog = _catalog(request)
    full_name = f"{body.catalog_name}.{body.name}"
    return SchemaOut.of(catalog.create_schema(full_name, body.comment, properties=body.properties))


@router.get("/schemas/{full_name}", response_model=SchemaOut, response_model_exclude_none=True)
def get_schema(request: Request, full_name: str) -> SchemaOut:
    return SchemaOut.of(_catalog(request).get_schema(_two_parts(full_name)))


@router.patch("/schemas/{full_name}", response_model=SchemaOut, response_model_exclude_none=True)
def update_schema(request: Request, full_name: str, body: UpdateSchemaIn) -> SchemaOut:
    return SchemaOut.of(_catalog(request).update_schema(_two_parts(full_name), body.comment))


@router.delete("/schemas/{full_name}")
def delete_schema(request: Request, full_name: str, force: bool = False) -> dict[str, object]:
    _catalog(request).drop_schema(_two_parts(full_name), force=force)
    return {}


# -- tables ----------------------------------------------------------------------------------
# A bounded page of indexed rows, answered on the event loop (see api/jobs.py: runs/get).
@router.get("/tables", response_model=ListTablesOut, response_model_exclude_none=True)
async def list_tables(
    request: Request,
    catalog_name: str,
    schema_name: str,
    max_results: MaxResults = None,
    page_token: PageToken = None,
    omit_columns: Annotated[bool, Query(description="Leave out each table's columns.")] = False,
    omit_properties: Annotated[
        bool, Query(description="Leave out each table's properties.")
    ] = False,
) -> Response:
    size = _page_size(max_results)
    found = _catalog(request).list_tables(
        f"{catalog_name}.{schema_name}", _after(page_token), size + 1, not omit_columns
    )
    page, token = _paginate(found, size, lambda t: t.name)
    body: dict[str, object] = {
        "tables": [table_dict(t, omit_columns, omit_properties) for t in page]
    }
    if token:
        body["next_page_token"] = token
    # Plain dicts serialised once in Rust: big pages skip a Pydantic model per table and column.
    return json_response(body)


@router.post("/tables", response_model=TableOut, response_model_exclude_none=True)
def create_table(request: Request, body: CreateTableIn) -> Response:
    if body.table_type.upper() != "MANAGED":
        raise InvalidInputError(
            f"table_type {body.table_type} is not supported; Brickyard manages its tables: use MANAGED"
        )
    if body.data_source_format.upper() != "DELTA":
        raise InvalidInputError(
            f"data_source_format {body.data_source_format} is not supported; use DELTA"
        )
    if body.storage_location:
        raise InvalidInputError(
            "storage_location is chosen by Brickyard for managed tables; omit it"
        )
    if not body.columns:
        raise InvalidInputError("columns is empty: a table needs at least one column")
    ordered = sorted(body.columns, key=lambda c: c.position if c.position is not None else 0)
    fields = []
    for column in ordered:
        text = column.type_text or _text_of_type_name(column.type_name, column)
        metadata = {"comment": column.comment} if column.comment else None
        fields.append(pa.field(column.name, parse_type(text), column.nullable, metadata))
    partitions = [
        c.name
        for c in sorted(
            (c for c in body.columns if c.partition_index is not None),
            key=lambda c: c.partition_index or 0,
        )
    ]
    catalog = _catalog(request)
    table = catalog.create_table(
        f"{body.catalog_name}.{body.schema_name}.{body.name}",
        pa.schema(fields),
        comment=body.comment,
        partition_by=partitions,
        tags=body.properties,
    )
    return json_response(table_dict(table.info))


@router.get("/tables/{full_name}", response_model=TableOut, response_model_exclude_none=True)
def get_table(request: Request, full_name: str) -> Response:
    info = _catalog(request).table_info(_three_parts(full_name))
    return json_response(table_dict(info))


@router.delete("/tables/{full_name}")
def delete_table(request: Request, full_name: str) -> dict[str, object]:
    _catalog(request).drop_table(_three_parts(full_name))
    return {}


@router.patch("/tables/{full_name}", response_model=TableOut, response_model_exclude_none=True)
def update_table(request: Request, full_name: str, body: UpdateTableIn) -> Response:
    """Brickyard addition: set the comment (``null`` clears it) and/or replace the tags."""
    table = _catalog(request).table(_three_parts(full_name))
    if "comment" in body.model_fields_set:
        table.set_comment(body.comment or None)
    if body.properties is not None:
        table.set_tags(body.properties)
    return json_response(table_dict(table.info))


# -- Brickyard additions: search, details, history, lineage -----------------------------------
@router.get("/search")
def search(
    request: Request,
    q: Annotated[str, Query(description="Text to find in names, comments, tags and columns.")],
    max_results: MaxResults = None,
) -> dict[str, object]:
    limit = min(max_results or 50, 1000)
    hits = _catalog(request).search(q, limit)
    return {
        "results": [
            {"full_name": h.full_name, "kind": h.kind, "matched": h.matched, "text": h.text}
            for h in hits
        ]
    }


@router.get("/tables/{full_name}/details")
def table_details(request: Request, full_name: str) -> dict[str, object]:
    """Size, files and rows of the current version (from the Delta log)."""
    d = _catalog(request).table(_three_parts(full_name)).describe()
    return {
        "full_name": d.full_name,
        "version": d.version,
        "size_in_bytes": d.bytes,
        "num_files": d.files,
        "num_rows": d.rows,
        "storage_location": d.storage_location,
        "partition_by": list(d.partition_by),
        "created_at": d.created_at,
        "updated_at": d.updated_at,
    }


@router.get("/tables/{full_name}/history")
def table_history(
    request: Request, full_name: str, max_results: MaxResults = None
) -> dict[str, object]:
    """The table's commits, newest first, with rows added/removed and the job that wrote it."""
    table = _catalog(request).table(_three_parts(full_name))
    limit = _page_size(max_results)
    jobs = table.commit_jobs(limit)
    return {"versions": [_version_dict(e, jobs.get(e.version)) for e in table.history(limit)]}


@router.get("/tables/{full_name}/lineage")
def table_lineage(request: Request, full_name: str) -> dict[str, object]:
    """The job tasks that wrote the table, the job tasks that read it, and the MLflow runs
    (with their tasks) that used it as an input."""
    table = _catalog(request).table(_three_parts(full_name))
    writers: dict[tuple[str, ...], dict[str, Any]] = {}
    commits = {e.version: e for e in table.history()}
    for version, keys in sorted(table.commit_jobs().items(), reverse=True):
        writer = _task_of(keys)
        found = writers.setdefault(tuple(map(str, writer.values())), {**writer, "versions": []})
        found["versions"].append(version)
        found.setdefault(
            "last_written_at", commits[version].timestamp if version in commits else None
        )
    body: dict[str, object] = {}
    try:
        runs = _mlflow_runs_reading(request, table.full_name)
    except BrickyardError as exc:  # MLflow failed to load: the writers are still worth showing
        runs, body["mlflow_error"] = [], exc.message
    # Readers: the tries that read it (recorded with every try), and the job tasks of MLflow
    # runs that logged it as an input (runs of tries from before that record, too).
    readers: dict[tuple[str, ...], dict[str, Any]] = {}

    def reader(task: dict[str, str | None]) -> dict[str, Any]:
        return readers.setdefault(
            tuple(map(str, task.values())), {**task, "versions": [], "mlflow_run_ids": []}
        )

    for read in request.app.state.workspace.job_store.table_readers(table.full_name):
        found = reader(
            {
                "job": read.job,
                "run_id": str(read.run_id),
                "task": read.task_id,
                "try": str(read.try_number),
            }
        )
        if read.version not in found["versions"]:
            found["versions"].append(read.version)
        found.setdefault("last_read_at", read.read_at)
    for run in runs:
        if run["task"] is not None:
            reader(run["task"])["mlflow_run_ids"].append(run["run_id"])
    return {
        "writers": list(writers.values()),
        "readers": list(readers.values()),
        "mlflow_runs": runs,
        **body,
    }


def _version_dict(entry: HistoryEntry, job: dict[str, str] | None) -> dict[str, object]:
    m = entry.metrics
    return {
        "version": entry.version,
        "timestamp": entry.timestamp,
        "operation": entry.operation,
        "user": entry.user,
        "parameters": entry.parameters,
        "metrics": m,
        "rows_added": _metric(m, "num_added_rows", "num_target_rows_inserted", "numOutputRows"),
        "rows_removed": _metric(m, "num_deleted_rows", "num_target_rows_deleted", "numDeletedRows"),
        "rows_updated": _metric(m, "num_updated_rows", "num_target_rows_updated"),
        "job": _task_of(job) if job else None,
    }


def _metric(metrics: dict[str, object], *names: str) -> int | None:
    """The first of ``names`` that the commit recorded (delta-rs names each operation's own)."""
    for name in names:
        value = metrics.get(name)
        if isinstance(value, int | str) and str(value).isdigit():
            return int(value)
    return None


def _task_of(keys: dict[str, str]) -> dict[str, str | None]:
    return {
        "job": keys.get("brickyard.job"),
        "run_id": keys.get("brickyard.run_id"),
        "task": keys.get("brickyard.task"),
        "try": keys.get("brickyard.try"),
    }


def _mlflow_runs_reading(request: Request, full_name: str) -> list[dict[str, Any]]:
    """MLflow runs with the table as a dataset input (logged by ``brickyard.ml.lineage``)."""
    stores = request.app.state.workspace.ml_stores
    if stores.sqlite_path is not None and not stores.sqlite_path.exists():
        return []  # no MLflow run was ever logged: don't load MLflow for nothing
    request.app.state.mlflow.load()  # MLflow is imported once, by one thread (it is heavy)
    from mlflow import MlflowClient
    from mlflow.entities import ViewType

    client = MlflowClient(tracking_uri=stores.backend_uri)
    experiments = [e.experiment_id for e in client.search_experiments(ViewType.ALL)]
    if not experiments:
        return []
    found = client.search_runs(
        experiments,
        filter_string=f"dataset.name = '{full_name}'",  # a validated name: no quotes in it
        run_view_type=ViewType.ALL,
        max_results=200,
        order_by=["attributes.start_time DESC"],
    )
    runs = []
    for run in found:
        tags = run.data.tags
        versions = sorted(
            {
                d.dataset.digest
                for d in (run.inputs.dataset_inputs if run.inputs else [])
                if d.dataset.name == full_name and d.dataset.digest
            }
        )
        runs.append(
            {
                "run_id": run.info.run_id,
                "run_name": run.info.run_name,
                "experiment_id": run.info.experiment_id,
                "status": run.info.status,
                "start_time": run.info.start_time,
                "versions": versions,
                "url": f"/mlflow/#/runs/{run.info.run_id}",
                "task": _task_of(tags) if tags.get("brickyard.task") else None,
            }
        )
    return runs


# -- helpers ---------------------------------------------------------------------------------
def _page_size(max_results: int | None) -> int:
    if max_results is None or max_results == 0:
        return DEFAULT_PAGE_SIZE  # the official SDK always sends 0: it means "server default"
    if max_results < 0:
        raise InvalidInputError(f"max_results must be 0 or positive, got {max_results}")
    return min(max_results, MAX_PAGE_SIZE)


def _after(token: str | None) -> str | None:
    """The last name of the previous page, from an opaque ``next_page_token``."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        decoded = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    if not decoded.startswith(_TOKEN_PREFIX):
        raise InvalidInputError(
            "page_token is not valid: pass the next_page_token of the previous page unchanged"
        )
    return decoded[len(_TOKEN_PREFIX) :]


def _paginate(items: list, size: int, key) -> tuple[list, str | None]:  # type: ignore[no-untyped-def,type-arg]
    if len(items) <= size:
        return items, None
    page = items[:size]
    last = _TOKEN_PREFIX + key(page[-1])
    return page, base64.urlsafe_b64encode(last.encode()).decode().rstrip("=")


def _two_parts(full_name: str) -> str:
    if full_name.count(".") != 1:
        raise InvalidInputError(f"'{full_name}' is not a full schema name: write catalog.schema")
    return full_name


def _three_parts(full_name: str) -> str:
    if full_name.count(".") != 2:
        raise InvalidInputError(
            f"'{full_name}' is not a full table name: write catalog.schema.table"
        )
    return full_name


def _text_of_type_name(type_name: str | None, column: object) -> str:
    names = {
        "LONG": "bigint",
        "INT": "int",
        "SHORT": "smallint",
        "BYTE": "tinyint",
        "FLOAT": "float",
        "DOUBLE": "double",
        "STRING": "string",
        "BOOLEAN": "boolean",
        "DATE": "date",
        "TIMESTAMP": "timestamp",
        "TIMESTAMP_NTZ": "timestamp_ntz",
        "BINARY": "binary",
    }
    if type_name is None:
        raise InvalidInputError("each column needs type_text (e.g. 'bigint') or type_name")
    upper = type_name.upper()
    if upper == "DECIMAL":
        precision = getattr(column, "type_precision", None) or 10
        scale = getattr(column, "type_scale", None) or 0
        return f"decimal({precision},{scale})"
    if upper not in names:
        raise InvalidInputError(f"type_name {type_name} needs a type_text (e.g. 'array<string>')")
    return names[upper]
