"""Unity Catalog REST API: catalogs, schemas and tables (list/get/create/update/delete)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

import pyarrow as pa
from fastapi import APIRouter, Query, Request, Response
from pydantic_core import to_json

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
    table_dict,
)
from brickyard.arrow.types import parse_type
from brickyard.domain.errors import InvalidInputError
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
@router.get("/tables", response_model=ListTablesOut, response_model_exclude_none=True)
def list_tables(
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
    return Response(to_json(body), media_type="application/json")


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
    return Response(to_json(table_dict(table.info)), media_type="application/json")


@router.get("/tables/{full_name}", response_model=TableOut, response_model_exclude_none=True)
def get_table(request: Request, full_name: str) -> Response:
    info = _catalog(request).table_info(_three_parts(full_name))
    return Response(to_json(table_dict(info)), media_type="application/json")


@router.delete("/tables/{full_name}")
def delete_table(request: Request, full_name: str) -> dict[str, object]:
    _catalog(request).drop_table(_three_parts(full_name))
    return {}


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
