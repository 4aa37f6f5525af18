"""Pydantic models of the Unity Catalog REST API (open-source shapes), at the edge only."""

from __future__ import annotations

from pydantic import BaseModel, Field

from brickyard.domain.catalog import CatalogInfo, ColumnInfo, SchemaInfo, TableInfo


class CatalogOut(BaseModel):
    name: str
    comment: str | None = None
    properties: dict[str, str] = Field(default_factory=dict)
    owner: str | None = None
    created_at: int | None = None
    created_by: str | None = None
    updated_at: int | None = None
    updated_by: str | None = None
    id: str | None = None

    @classmethod
    def of(cls, c: CatalogInfo) -> CatalogOut:
        return cls(
            name=c.name,
            comment=c.comment,
            owner=c.owner,
            created_at=c.created_at,
            created_by=c.owner,
            updated_at=c.updated_at,
            id=c.id,
        )


class ListCatalogsOut(BaseModel):
    catalogs: list[CatalogOut]
    next_page_token: str | None = None


class CreateCatalogIn(BaseModel):
    name: str
    comment: str | None = None
    properties: dict[str, str] | None = None


class UpdateCatalogIn(BaseModel):
    comment: str | None = None


class SchemaOut(BaseModel):
    name: str
    catalog_name: str
    full_name: str
    comment: str | None = None
    properties: dict[str, str] = Field(default_factory=dict)
    owner: str | None = None
    created_at: int | None = None
    created_by: str | None = None
    updated_at: int | None = None
    updated_by: str | None = None
    schema_id: str | None = None

    @classmethod
    def of(cls, s: SchemaInfo) -> SchemaOut:
        return cls(
            name=s.name,
            catalog_name=s.catalog_name,
            full_name=s.full_name,
            comment=s.comment,
            owner=s.owner,
            created_at=s.created_at,
            created_by=s.owner,
            updated_at=s.updated_at,
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

    @classmethod
    def of(cls, c: ColumnInfo, partition_by: tuple[str, ...]) -> ColumnOut:
        precision = scale = None
        if c.type_name == "DECIMAL" and "(" in c.type_text:
            p, s = c.type_text[c.type_text.index("(") + 1 : -1].split(",")
            precision, scale = int(p), int(s)
        return cls(
            name=c.name,
            type_text=c.type_text,
            type_name=c.type_name,
            type_json=_type_json(c),
            type_precision=precision,
            type_scale=scale,
            position=c.position,
            nullable=c.nullable,
            comment=c.comment,
            partition_index=partition_by.index(c.name) if c.name in partition_by else None,
        )


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


class TableOut(BaseModel):
    name: str
    catalog_name: str
    schema_name: str
    full_name: str
    table_type: str
    data_source_format: str
    columns: list[ColumnOut]
    storage_location: str
    comment: str | None = None
    properties: dict[str, str] = Field(default_factory=dict)
    owner: str | None = None
    created_at: int | None = None
    created_by: str | None = None
    updated_at: int | None = None
    updated_by: str | None = None
    table_id: str

    @classmethod
    def of(cls, t: TableInfo) -> TableOut:
        return cls(
            name=t.name,
            catalog_name=t.catalog_name,
            schema_name=t.schema_name,
            full_name=t.full_name,
            table_type=t.table_type,
            data_source_format=t.data_source_format,
            columns=[ColumnOut.of(c, t.partition_by) for c in t.columns],
            storage_location=t.storage_location,
            comment=t.comment,
            properties=dict(t.tags),
            owner=t.owner,
            created_at=t.created_at,
            created_by=t.owner,
            updated_at=t.updated_at,
            table_id=t.id,
        )


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


def _type_json(c: ColumnInfo) -> str:
    import json

    simple = {"LONG": "long", "INT": "integer", "SHORT": "short", "BYTE": "byte"}
    return json.dumps(
        {
            "name": c.name,
            "type": simple.get(c.type_name, c.type_text),
            "nullable": c.nullable,
            "metadata": {},
        }
    )
