"""Pydantic models of the Unity Catalog REST API (open-source shapes), at the edge only."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field

from brickyard.arrow.types import parse_type, spark_json_type
from brickyard.domain.catalog import CatalogInfo, ColumnInfo, SchemaInfo, TableInfo
from brickyard.domain.errors import BrickyardError


class _Securable(BaseModel):
    """Fields every Unity Catalog object (catalog, schema, table) reports."""

    name: str
    comment: str | None = None
    properties: dict[str, str] = Field(default_factory=dict)
    owner: str | None = None
    created_at: int | None = None
    created_by: str | None = None
    updated_at: int | None = None
    updated_by: str | None = None


def _securable_fields(info: CatalogInfo | SchemaInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "comment": info.comment,
        "properties": dict(info.properties),
        "owner": info.owner,
        "created_at": info.created_at,
        "created_by": info.owner,
        "updated_at": info.updated_at,
    }


class CatalogOut(_Securable):
    id: str | None = None

    @classmethod
    def of(cls, c: CatalogInfo) -> CatalogOut:
        return cls(**_securable_fields(c), id=c.id)


class ListCatalogsOut(BaseModel):
    catalogs: list[CatalogOut]
    next_page_token: str | None = None


class CreateCatalogIn(BaseModel):
    name: str
    comment: str | None = None
    properties: dict[str, str] | None = None


class UpdateCatalogIn(BaseModel):
    comment: str | None = None


class SchemaOut(_Securable):
    catalog_name: str
    full_name: str
    schema_id: str | None = None

    @classmethod
    def of(cls, s: SchemaInfo) -> SchemaOut:
        return cls(
            **_securable_fields(s),
            catalog_name=s.catalog_name,
            full_name=s.full_name,
            schema_id=s.id,
        )


class ListSchemasOut(BaseModel):
    schemas: list[SchemaOut]
    next_page_token: str | None = None


class CreateSchemaIn(BaseModel):
    name: str
    catalog_name: str
    comment: str | None = None
    properties: dict[str, str] | None = None


class UpdateSchemaIn(BaseModel):
    comment: str | None = None


class ColumnOut(BaseModel):
    name: str
    type_text: str
    type_name: str
    type_json: str | None = None
    type_precision: int | None = None
    type_scale: int | None = None
    position: int
    nullable: bool
    comment: str | None = None
    partition_index: int | None = None


class ColumnIn(BaseModel):
    name: str
    type_text: str | None = None
    type_name: str | None = None
    type_precision: int | None = None
    type_scale: int | None = None
    position: int | None = None
    nullable: bool = True
    comment: str | None = None
    partition_index: int | None = None


class TableOut(_Securable):
    """The documented shape of a table; responses are built by ``table_dict`` (faster)."""

    catalog_name: str
    schema_name: str
    full_name: str
    table_type: str
    data_source_format: str
    columns: list[ColumnOut] = Field(default_factory=list)
    storage_location: str
    table_id: str


class ListTablesOut(BaseModel):
    tables: list[TableOut]
    next_page_token: str | None = None


class CreateTableIn(BaseModel):
    name: str
    catalog_name: str
    schema_name: str
    table_type: str = "MANAGED"
    data_source_format: str = "DELTA"
    columns: list[ColumnIn] = Field(default_factory=list)
    storage_location: str | None = None
    comment: str | None = None
    properties: dict[str, str] | None = None


class UpdateTableIn(BaseModel):
    """Brickyard's table update: the comment (null clears it) and/or all the tags at once."""

    comment: str | None = None
    properties: dict[str, str] | None = None


def table_dict(
    t: TableInfo, omit_columns: bool = False, omit_properties: bool = False
) -> dict[str, Any]:
    """TableOut as a plain dict (None fields left out): the fast path for big listings."""
    body: dict[str, Any] = {
        "name": t.name,
        "catalog_name": t.catalog_name,
        "schema_name": t.schema_name,
        "full_name": t.full_name,
        "table_type": t.table_type,
        "data_source_format": t.data_source_format,
        "storage_location": t.storage_location,
        "owner": t.owner,
        "created_at": t.created_at,
        "created_by": t.owner,
        "updated_at": t.updated_at,
        "table_id": t.id,
    }
    if t.comment is not None:
        body["comment"] = t.comment
    if not omit_properties:
        body["properties"] = dict(t.tags)
    if not omit_columns:
        body["columns"] = [_column_dict(c, t.partition_by) for c in t.columns]
    return body


def _column_dict(c: ColumnInfo, partition_by: tuple[str, ...]) -> dict[str, Any]:
    column: dict[str, Any] = {
        "name": c.name,
        "type_text": c.type_text,
        "type_name": c.type_name,
        "type_json": _type_json(c.name, c.type_name, c.type_text, c.nullable),
        "position": c.position,
        "nullable": c.nullable,
    }
    if c.type_name == "DECIMAL" and "(" in c.type_text:
        precision, scale = c.type_text[c.type_text.index("(") + 1 : -1].split(",")
        column["type_precision"], column["type_scale"] = int(precision), int(scale)
    if c.comment is not None:
        column["comment"] = c.comment
    if c.name in partition_by:
        column["partition_index"] = partition_by.index(c.name)
    return column


@lru_cache(maxsize=4096)
def _type_json(name: str, type_name: str, type_text: str, nullable: bool) -> str:
    try:
        spark_type = spark_json_type(parse_type(type_text))
    except BrickyardError:  # a type text from a newer Brickyard: say what we know
        spark_type = type_text
    return json.dumps({"name": name, "type": spark_type, "nullable": nullable, "metadata": {}})
