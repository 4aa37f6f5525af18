"""Search over catalog names, comments, tags and column names (SQL LIKE)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, or_, select

from brickyard.adapters.metadata_sql.models import (
    catalogs,
    schemas,
    table_columns,
    table_tags,
    tables,
)
from brickyard.adapters.metadata_sql.rows import SCHEMAS_IN_CATALOGS, TABLES_IN_SCHEMAS, tags_for
from brickyard.domain.catalog import SearchHit


def search_catalog(engine: Engine, text: str, limit: int) -> list[SearchHit]:
    """Hits whose name, comment or tags contain ``text`` (case-insensitive), in name order."""
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    def like(column: Any) -> Any:
        return func.lower(column).like(pattern, escape="\\")

    hits: list[SearchHit] = []
    row: Any
    with engine.connect() as conn:
        for row in conn.execute(
            select(catalogs.c.name, catalogs.c.comment)
            .where(or_(like(catalogs.c.name), like(catalogs.c.comment)))
            .order_by(catalogs.c.name)
            .limit(limit)
        ):
            hits.append(_hit(row.name, "catalog", text, name=row.name, comment=row.comment))
        for row in conn.execute(
            select(catalogs.c.name.label("cat"), schemas.c.name, schemas.c.comment)
            .select_from(SCHEMAS_IN_CATALOGS)
            .where(or_(like(schemas.c.name), like(schemas.c.comment)))
            .order_by(catalogs.c.name, schemas.c.name)
            .limit(limit)
        ):
            hits.append(
                _hit(f"{row.cat}.{row.name}", "schema", text, name=row.name, comment=row.comment)
            )
        tagged = (
            select(table_tags.c.table_id)
            .where(or_(like(table_tags.c.key), like(table_tags.c.value)))
            .scalar_subquery()
        )
        table_rows = conn.execute(
            select(
                catalogs.c.name.label("cat"),
                schemas.c.name.label("sch"),
                tables.c.id,
                tables.c.name,
                tables.c.comment,
            )
            .select_from(TABLES_IN_SCHEMAS)
            .where(or_(like(tables.c.name), like(tables.c.comment), tables.c.id.in_(tagged)))
            .order_by(catalogs.c.name, schemas.c.name, tables.c.name)
            .limit(limit)
        ).all()
        tags_by_table = tags_for(conn, [r.id for r in table_rows])
        for row in table_rows:
            full = f"{row.cat}.{row.sch}.{row.name}"
            hits.append(
                _hit(
                    full,
                    "table",
                    text,
                    name=row.name,
                    comment=row.comment,
                    tags=tags_by_table.get(row.id, {}),
                )
            )
        for row in conn.execute(
            select(
                catalogs.c.name.label("cat"),
                schemas.c.name.label("sch"),
                tables.c.name.label("tbl"),
                table_columns.c.name,
                table_columns.c.comment,
            )
            .select_from(table_columns.join(tables).join(schemas).join(catalogs))
            .where(or_(like(table_columns.c.name), like(table_columns.c.comment)))
            .order_by(catalogs.c.name, schemas.c.name, tables.c.name, table_columns.c.position)
            .limit(limit)
        ):
            full = f"{row.cat}.{row.sch}.{row.tbl}.{row.name}"
            hits.append(_hit(full, "column", text, name=row.name, comment=row.comment))
    return hits[:limit]


def _hit(
    full_name: str,
    kind: Any,
    text: str,
    *,
    name: str,
    comment: str | None,
    tags: dict[str, str] | None = None,
) -> SearchHit:
    needle = text.lower()
    if needle in name.lower():
        return SearchHit(full_name, kind, "name", name)
    if comment and needle in comment.lower():
        return SearchHit(full_name, kind, "comment", comment)
    for key, value in (tags or {}).items():
        if needle in key.lower() or needle in value.lower():
            return SearchHit(full_name, kind, "tag", f"{key}={value}")
    return SearchHit(full_name, kind, "name", name)
