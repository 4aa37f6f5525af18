"""MetadataStore on SQLAlchemy Core: one short transaction per call."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from brickyard.adapters.metadata_sql.engine import make_engine, migrate
from brickyard.adapters.metadata_sql.models import (
    api_tokens,
    catalogs,
    schemas,
    table_columns,
    table_tags,
    tables,
)
from brickyard.adapters.metadata_sql.rows import (
    TABLES_IN_SCHEMAS,
    catalog_of,
    find_schema_id,
    find_table_id,
    is_table,
    partitions,
    schema_of,
    schema_select,
    table_select,
    token_of,
    write_columns,
    write_tags,
)
from brickyard.adapters.metadata_sql.search import search_catalog
from brickyard.adapters.metadata_sql.transactions import Transaction, db_errors_translated
from brickyard.domain.catalog import (
    CatalogInfo,
    ColumnInfo,
    SchemaInfo,
    SearchHit,
    TableInfo,
    TokenInfo,
)
from brickyard.domain.errors import AlreadyExistsError, NotFoundError
from brickyard.domain.names import SchemaRef, TableRef


@db_errors_translated
class SqlMetadataStore:
    """The workspace's catalog objects and tokens in a SQL database."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        migrate(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- catalogs -------------------------------------------------------------------------
    def create_catalog(self, info: CatalogInfo) -> None:
        row = {
            "id": info.id,
            "name": info.name,
            "properties": json.dumps(info.properties),
            "comment": info.comment,
            "owner": info.owner,
            "created_at": info.created_at,
            "updated_at": info.updated_at,
        }
        self._insert(catalogs, row, f"catalog '{info.name}' already exists")

    def get_catalog(self, name: str) -> CatalogInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(catalogs).where(catalogs.c.name == name)).first()
        return catalog_of(row._mapping) if row else None

    def list_catalogs(
        self, after: str | None = None, limit: int | None = None
    ) -> list[CatalogInfo]:
        query = select(catalogs).order_by(catalogs.c.name)
        if after is not None:
            query = query.where(catalogs.c.name > after)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [catalog_of(r._mapping) for r in conn.execute(query)]

    def update_catalog(self, name: str, *, comment: str | None, updated_at: int) -> None:
        with self._begin() as conn:
            conn.execute(
                update(catalogs)
                .where(catalogs.c.name == name)
                .values(comment=comment, updated_at=updated_at)
            )

    def delete_catalog(self, name: str) -> None:
        with self._begin() as conn:
            conn.execute(delete(catalogs).where(catalogs.c.name == name))

    # -- schemas --------------------------------------------------------------------------
    def create_schema(self, info: SchemaInfo) -> None:
        with self._begin() as conn:
            catalog_id = conn.execute(
                select(catalogs.c.id).where(catalogs.c.name == info.catalog_name)
            ).scalar()
            if catalog_id is None:
                raise NotFoundError(f"catalog '{info.catalog_name}' does not exist")
            try:
                conn.execute(
                    insert(schemas).values(
                        id=info.id,
                        properties=json.dumps(info.properties),
                        catalog_id=catalog_id,
                        name=info.name,
                        comment=info.comment,
                        owner=info.owner,
                        created_at=info.created_at,
                        updated_at=info.updated_at,
                    )
                )
            except IntegrityError:
                raise AlreadyExistsError(f"schema '{info.full_name}' already exists") from None

    def get_schema(self, ref: SchemaRef) -> SchemaInfo | None:
        query = schema_select().where(
            and_(catalogs.c.name == ref.catalog, schemas.c.name == ref.schema)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return schema_of(row._mapping) if row else None

    def list_schemas(
        self, catalog: str, after: str | None = None, limit: int | None = None
    ) -> list[SchemaInfo]:
        query = schema_select().where(catalogs.c.name == catalog).order_by(schemas.c.name)
        if after is not None:
            query = query.where(schemas.c.name > after)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [schema_of(r._mapping) for r in conn.execute(query)]

    def update_schema(self, ref: SchemaRef, *, comment: str | None, updated_at: int) -> None:
        with self._begin() as conn:
            schema_id = find_schema_id(conn, ref)
            conn.execute(
                update(schemas)
                .where(schemas.c.id == schema_id)
                .values(comment=comment, updated_at=updated_at)
            )

    def delete_schema(self, ref: SchemaRef) -> None:
        with self._begin() as conn:
            schema_id = find_schema_id(conn, ref)
            conn.execute(delete(schemas).where(schemas.c.id == schema_id))

    # -- tables ---------------------------------------------------------------------------
    def create_table(self, info: TableInfo) -> None:
        with self._begin() as conn:
            schema_id = find_schema_id(conn, info.ref.schema_ref)
            try:
                conn.execute(
                    insert(tables).values(
                        id=info.id,
                        schema_id=schema_id,
                        name=info.name,
                        storage_location=info.storage_location,
                        partition_by=json.dumps(list(info.partition_by)),
                        comment=info.comment,
                        owner=info.owner,
                        created_at=info.created_at,
                        updated_at=info.updated_at,
                    )
                )
            except IntegrityError:
                raise AlreadyExistsError(f"table '{info.full_name}' already exists") from None
            write_columns(conn, info.id, info.columns)
            write_tags(conn, info.id, info.tags)

    def get_table(self, ref: TableRef) -> TableInfo | None:
        query = table_select().where(is_table(ref))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
            if row is None:
                return None
            found = self._attach_details(conn, [row], tables.c.id == row.id)
        return found[0]

    def table_address(self, ref: TableRef) -> tuple[str, str] | None:
        """Just (id, storage location): what every read needs, in one indexed query."""
        query = (
            select(tables.c.id, tables.c.storage_location)
            .select_from(TABLES_IN_SCHEMAS)
            .where(is_table(ref))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else (str(row[0]), str(row[1]))

    def list_tables(
        self,
        schema: SchemaRef,
        after: str | None = None,
        limit: int | None = None,
        with_columns: bool = True,
    ) -> list[TableInfo]:
        in_schema = and_(catalogs.c.name == schema.catalog, schemas.c.name == schema.schema)
        if after is not None:
            in_schema = and_(in_schema, tables.c.name > after)
        query = table_select().where(in_schema).order_by(tables.c.name)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
            if not rows:
                return []
            # Columns and tags of exactly this page: the same schema and name range.
            page = and_(in_schema, tables.c.name <= rows[-1].name)
            return self._attach_details(conn, rows, page, with_columns)

    def count_tables(self, schema: SchemaRef) -> int:
        query = (
            select(func.count())
            .select_from(TABLES_IN_SCHEMAS)
            .where(and_(catalogs.c.name == schema.catalog, schemas.c.name == schema.schema))
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def table_full_names(self) -> list[str]:
        query = select(catalogs.c.name, schemas.c.name, tables.c.name).select_from(
            TABLES_IN_SCHEMAS
        )
        with self.engine.connect() as conn:
            return [f"{c}.{s}.{t}" for c, s, t in conn.execute(query)]

    def update_table(
        self,
        ref: TableRef,
        *,
        updated_at: int,
        columns: Sequence[ColumnInfo] | None = None,
        partition_by: Sequence[str] | None = None,
        comment: str | None = None,
        set_comment: bool = False,
        tags: dict[str, str] | None = None,
    ) -> None:
        with self._begin() as conn:
            table_id = find_table_id(conn, ref)
            values: dict[str, Any] = {"updated_at": updated_at}
            if set_comment:
                values["comment"] = comment
            if partition_by is not None:
                values["partition_by"] = json.dumps(list(partition_by))
            conn.execute(update(tables).where(tables.c.id == table_id).values(**values))
            if columns is not None:
                conn.execute(delete(table_columns).where(table_columns.c.table_id == table_id))
                write_columns(conn, table_id, columns)
            if tags is not None:
                conn.execute(delete(table_tags).where(table_tags.c.table_id == table_id))
                write_tags(conn, table_id, tags)

    def delete_table(self, ref: TableRef) -> None:
        with self._begin() as conn:
            table_id = find_table_id(conn, ref)
            conn.execute(delete(tables).where(tables.c.id == table_id))

    # -- search ---------------------------------------------------------------------------
    def search(self, text: str, limit: int) -> list[SearchHit]:
        return search_catalog(self.engine, text, limit)

    # -- tokens ---------------------------------------------------------------------------
    def create_token(self, info: TokenInfo, secret_hash: str) -> None:
        row = {
            "id": info.id,
            "user_name": info.user,
            "secret_hash": secret_hash,
            "comment": info.comment,
            "created_at": info.created_at,
            "expires_at": info.expires_at,
            "revoked_at": None,
            "last_used_at": None,
        }
        self._insert(api_tokens, row, "a token with this secret exists already")

    def find_token(self, secret_hash: str) -> TokenInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(api_tokens).where(api_tokens.c.secret_hash == secret_hash)
            ).first()
        return token_of(row._mapping) if row else None

    def list_tokens(self) -> list[TokenInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(api_tokens).order_by(api_tokens.c.created_at))
            return [token_of(r._mapping) for r in rows]

    def revoke_token(self, token_id: str, revoked_at: int) -> bool:
        with self._begin() as conn:
            result = conn.execute(
                update(api_tokens)
                .where(and_(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None)))
                .values(revoked_at=revoked_at)
            )
            return bool(result.rowcount)

    def touch_token(self, token_id: str, used_at: int) -> None:
        with self._begin() as conn:
            conn.execute(
                update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=used_at)
            )

    # -- helpers --------------------------------------------------------------------------
    def _begin(self) -> Any:
        return Transaction(self.engine)

    def _insert(self, table: Any, row: dict[str, Any], conflict: str) -> None:
        with self._begin() as conn:
            try:
                conn.execute(insert(table).values(**row))
            except IntegrityError:
                raise AlreadyExistsError(conflict) from None

    def _attach_details(
        self, conn: Any, rows: Sequence[Any], page: Any, with_columns: bool = True
    ) -> list[TableInfo]:
        """TableInfo for ``rows``; ``page`` selects the same tables for the detail queries."""
        joined = TABLES_IN_SCHEMAS
        columns: dict[str, list[ColumnInfo]] = {}
        column_rows = (
            []
            if not with_columns
            else conn.execute(
                select(
                    table_columns.c.table_id,
                    table_columns.c.name,
                    table_columns.c.type_text,
                    table_columns.c.type_name,
                    table_columns.c.position,
                    table_columns.c.nullable,
                    table_columns.c.comment,
                )
                .select_from(table_columns.join(joined))
                .where(page)
                .order_by(table_columns.c.table_id, table_columns.c.position)
            ).all()
        )
        for table_id, *column in column_rows:
            columns.setdefault(table_id, []).append(ColumnInfo(*column))
        tags: dict[str, dict[str, str]] = {}
        for table_id, key, value in conn.execute(
            select(table_tags.c.table_id, table_tags.c.key, table_tags.c.value)
            .select_from(table_tags.join(joined))
            .where(page)
        ).all():
            tags.setdefault(table_id, {})[key] = value
        return [
            TableInfo(
                catalog_name,
                schema_name,
                name,
                table_id,
                location,
                tuple(columns.get(table_id, ())),
                partitions(partition_by),
                comment,
                tags.get(table_id, {}),
                owner,
                created_at,
                updated_at,
            )
            for (
                table_id,
                name,
                location,
                partition_by,
                comment,
                owner,
                created_at,
                updated_at,
                catalog_name,
                schema_name,
            ) in rows
        ]
