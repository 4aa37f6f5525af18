"""Reading and writing rows of the metadata tables (SQLAlchemy Core helpers)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, insert, select

from brickyard.adapters.metadata_sql.models import (
    catalogs,
    schemas,
    table_columns,
    table_tags,
    tables,
)
from brickyard.domain.catalog import CatalogInfo, ColumnInfo, SchemaInfo, TokenInfo
from brickyard.domain.errors import NotFoundError
from brickyard.domain.names import SchemaRef, TableRef

# Joins built once: building one works out its ON clause from the foreign keys, a cost that
# showed in every listing request's profile.
SCHEMAS_IN_CATALOGS = schemas.join(catalogs)
TABLES_IN_SCHEMAS = tables.join(schemas).join(catalogs)


@lru_cache(maxsize=1024)
def partitions(stored: str) -> tuple[str, ...]:
    return tuple(json.loads(stored))


def schema_select() -> Any:
    return select(
        schemas.c.id,
        schemas.c.name,
        schemas.c.comment,
        schemas.c.owner,
        schemas.c.created_at,
        schemas.c.updated_at,
        schemas.c.properties,
        catalogs.c.name.label("catalog_name"),
    ).select_from(SCHEMAS_IN_CATALOGS)


def table_select() -> Any:
    # Column order is what _attach_details unpacks (tuples: far cheaper than Row attributes).
    return select(
        tables.c.id,
        tables.c.name,
        tables.c.storage_location,
        tables.c.partition_by,
        tables.c.comment,
        tables.c.owner,
        tables.c.created_at,
        tables.c.updated_at,
        catalogs.c.name.label("catalog_name"),
        schemas.c.name.label("schema_name"),
    ).select_from(TABLES_IN_SCHEMAS)


def find_schema_id(conn: Any, ref: SchemaRef) -> str:
    schema_id = conn.execute(
        select(schemas.c.id)
        .select_from(SCHEMAS_IN_CATALOGS)
        .where(and_(catalogs.c.name == ref.catalog, schemas.c.name == ref.schema))
    ).scalar()
    if schema_id is None:
        raise NotFoundError(f"schema '{ref.full_name}' does not exist")
    return str(schema_id)


def is_table(ref: TableRef) -> Any:
    """The WHERE condition selecting ``ref`` from tables joined to schemas and catalogs."""
    return and_(
        catalogs.c.name == ref.catalog,
        schemas.c.name == ref.schema,
        tables.c.name == ref.name,
    )


def find_table_id(conn: Any, ref: TableRef) -> str:
    table_id = conn.execute(
        select(tables.c.id).select_from(TABLES_IN_SCHEMAS).where(is_table(ref))
    ).scalar()
    if table_id is None:
        raise NotFoundError(f"table '{ref.full_name}' does not exist")
    return str(table_id)


def write_columns(conn: Any, table_id: str, columns: Sequence[ColumnInfo]) -> None:
    if columns:
        conn.execute(
            insert(table_columns),
            [
                {
                    "table_id": table_id,
                    "position": c.position,
                    "name": c.name,
                    "type_text": c.type_text,
                    "type_name": c.type_name,
                    "nullable": c.nullable,
                    "comment": c.comment,
                }
                for c in columns
            ],
        )


def write_tags(conn: Any, table_id: str, tags: dict[str, str]) -> None:
    if tags:
        conn.execute(
            insert(table_tags),
            [{"table_id": table_id, "key": k, "value": v} for k, v in sorted(tags.items())],
        )


def tags_for(conn: Any, table_ids: list[str]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    if table_ids:
        for t in conn.execute(select(table_tags).where(table_tags.c.table_id.in_(table_ids))):
            found.setdefault(t.table_id, {})[t.key] = t.value
    return found


def catalog_of(r: Any) -> CatalogInfo:
    return CatalogInfo(
        r["name"],
        r["comment"],
        r["owner"],
        r["created_at"],
        r["updated_at"],
        r["id"],
        json.loads(r["properties"]),
    )


def schema_of(r: Any) -> SchemaInfo:
    return SchemaInfo(
        r["catalog_name"],
        r["name"],
        r["comment"],
        r["owner"],
        r["created_at"],
        r["updated_at"],
        r["id"],
        json.loads(r["properties"]),
    )


def token_of(r: Any) -> TokenInfo:
    return TokenInfo(
        r["id"],
        r["user_name"],
        r["comment"],
        r["created_at"],
        r["expires_at"],
        r["revoked_at"],
        r["last_used_at"],
    )
