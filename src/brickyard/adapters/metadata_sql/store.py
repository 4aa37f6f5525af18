"""MetadataStore on SQLAlchemy Core: one short transaction per call."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Engine, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from brickyard.adapters.metadata_sql.engine import make_engine, migrate
from brickyard.adapters.metadata_sql.models import (
    api_tokens,
    catalogs,
    schemas,
    table_columns,
    table_tags,
    tables,
)
from brickyard.domain.catalog import (
    CatalogInfo,
    ColumnInfo,
    SchemaInfo,
    SearchHit,
    TableInfo,
    TokenInfo,
)
from brickyard.domain.errors import AlreadyExistsError, NotFoundError, StorageError
from brickyard.domain.names import SchemaRef, TableRef

T = TypeVar("T")


def _db_errors_translated(cls: type[T]) -> type[T]:
    """Every public method raises Brickyard errors only, never raw SQLAlchemy ones."""
    for name, method in list(vars(cls).items()):
        if callable(method) and not name.startswith("_"):
            setattr(cls, name, _translating(method))
    return cls


def _translating(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except SQLAlchemyError as exc:
            transient = isinstance(exc, OperationalError)
            detail = getattr(exc, "orig", None) or exc
            hint = "retry" if transient else "check metadata.url and the database's health"
            raise StorageError(
                f"the metadata database failed ({detail}); {hint}", transient=transient
            ) from exc

    return wrapper


@_db_errors_translated
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
        return _catalog(row._mapping) if row else None

    def list_catalogs(
        self, after: str | None = None, limit: int | None = None
    ) -> list[CatalogInfo]:
        query = select(catalogs).order_by(catalogs.c.name)
        if after is not None:
            query = query.where(catalogs.c.name > after)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [_catalog(r._mapping) for r in conn.execute(query)]

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
        query = _schema_select().where(
            and_(catalogs.c.name == ref.catalog, schemas.c.name == ref.schema)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return _schema(row._mapping) if row else None

    def list_schemas(
        self, catalog: str, after: str | None = None, limit: int | None = None
    ) -> list[SchemaInfo]:
        query = _schema_select().where(catalogs.c.name == catalog).order_by(schemas.c.name)
        if after is not None:
            query = query.where(schemas.c.name > after)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [_schema(r._mapping) for r in conn.execute(query)]

    def update_schema(self, ref: SchemaRef, *, comment: str | None, updated_at: int) -> None:
        with self._begin() as conn:
            schema_id = _schema_id(conn, ref)
            conn.execute(
                update(schemas)
                .where(schemas.c.id == schema_id)
                .values(comment=comment, updated_at=updated_at)
            )

    def delete_schema(self, ref: SchemaRef) -> None:
        with self._begin() as conn:
            schema_id = _schema_id(conn, ref)
            conn.execute(delete(schemas).where(schemas.c.id == schema_id))

    # -- tables ---------------------------------------------------------------------------
    def create_table(self, info: TableInfo) -> None:
        with self._begin() as conn:
            schema_id = _schema_id(conn, info.ref.schema_ref)
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
            _write_columns(conn, info.id, info.columns)
            _write_tags(conn, info.id, info.tags)

    def get_table(self, ref: TableRef) -> TableInfo | None:
        query = _table_select().where(
            and_(
                catalogs.c.name == ref.catalog,
                schemas.c.name == ref.schema,
                tables.c.name == ref.name,
            )
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
            if row is None:
                return None
            found = self._attach_details(conn, [row], tables.c.id == row.id)
        return found[0]

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
        query = _table_select().where(in_schema).order_by(tables.c.name)
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
            .select_from(tables.join(schemas).join(catalogs))
            .where(and_(catalogs.c.name == schema.catalog, schemas.c.name == schema.schema))
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def table_full_names(self) -> list[str]:
        query = select(catalogs.c.name, schemas.c.name, tables.c.name).select_from(
            tables.join(schemas).join(catalogs)
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
            table_id = _table_id(conn, ref)
            values: dict[str, Any] = {"updated_at": updated_at}
            if set_comment:
                values["comment"] = comment
            if partition_by is not None:
                values["partition_by"] = json.dumps(list(partition_by))
            conn.execute(update(tables).where(tables.c.id == table_id).values(**values))
            if columns is not None:
                conn.execute(delete(table_columns).where(table_columns.c.table_id == table_id))
                _write_columns(conn, table_id, columns)
            if tags is not None:
                conn.execute(delete(table_tags).where(table_tags.c.table_id == table_id))
                _write_tags(conn, table_id, tags)

    def delete_table(self, ref: TableRef) -> None:
        with self._begin() as conn:
            table_id = _table_id(conn, ref)
            conn.execute(delete(tables).where(tables.c.id == table_id))

    # -- search ---------------------------------------------------------------------------
    def search(self, text: str, limit: int) -> list[SearchHit]:
        pattern = (
            "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )

        def like(column: Any) -> Any:
            return func.lower(column).like(pattern, escape="\\")

        hits: list[SearchHit] = []
        row: Any
        with self.engine.connect() as conn:
            for row in conn.execute(
                select(catalogs.c.name, catalogs.c.comment)
                .where(or_(like(catalogs.c.name), like(catalogs.c.comment)))
                .order_by(catalogs.c.name)
                .limit(limit)
            ):
                hits.append(_hit(row.name, "catalog", text, name=row.name, comment=row.comment))
            for row in conn.execute(
                select(catalogs.c.name.label("cat"), schemas.c.name, schemas.c.comment)
                .select_from(schemas.join(catalogs))
                .where(or_(like(schemas.c.name), like(schemas.c.comment)))
                .order_by(catalogs.c.name, schemas.c.name)
                .limit(limit)
            ):
                hits.append(
                    _hit(
                        f"{row.cat}.{row.name}", "schema", text, name=row.name, comment=row.comment
                    )
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
                .select_from(tables.join(schemas).join(catalogs))
                .where(or_(like(tables.c.name), like(tables.c.comment), tables.c.id.in_(tagged)))
                .order_by(catalogs.c.name, schemas.c.name, tables.c.name)
                .limit(limit)
            ).all()
            tags_by_table = _tags_for(conn, [r.id for r in table_rows])
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
        return _token(row._mapping) if row else None

    def list_tokens(self) -> list[TokenInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(api_tokens).order_by(api_tokens.c.created_at))
            return [_token(r._mapping) for r in rows]

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
        return _Transaction(self.engine)

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
        joined = tables.join(schemas).join(catalogs)
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
                _partitions(partition_by),
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


class _Transaction:
    """``engine.begin()`` that turns lock time-outs into a retryable StorageError."""

    def __init__(self, engine: Engine) -> None:
        self._context = engine.begin()

    def __enter__(self) -> Any:
        return self._context.__enter__()

    def __exit__(self, *exc: Any) -> Any:
        try:
            return self._context.__exit__(*exc)
        except OperationalError as error:
            raise StorageError(
                f"the metadata database is busy or unreachable ({error.orig}); retry",
                transient=True,
            ) from error


@lru_cache(maxsize=1024)
def _partitions(stored: str) -> tuple[str, ...]:
    return tuple(json.loads(stored))


def _schema_select() -> Any:
    return select(
        schemas.c.id,
        schemas.c.name,
        schemas.c.comment,
        schemas.c.owner,
        schemas.c.created_at,
        schemas.c.updated_at,
        schemas.c.properties,
        catalogs.c.name.label("catalog_name"),
    ).select_from(schemas.join(catalogs))


def _table_select() -> Any:
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
    ).select_from(tables.join(schemas).join(catalogs))


def _schema_id(conn: Any, ref: SchemaRef) -> str:
    schema_id = conn.execute(
        select(schemas.c.id)
        .select_from(schemas.join(catalogs))
        .where(and_(catalogs.c.name == ref.catalog, schemas.c.name == ref.schema))
    ).scalar()
    if schema_id is None:
        raise NotFoundError(f"schema '{ref.full_name}' does not exist")
    return str(schema_id)


def _table_id(conn: Any, ref: TableRef) -> str:
    table_id = conn.execute(
        select(tables.c.id)
        .select_from(tables.join(schemas).join(catalogs))
        .where(
            and_(
                catalogs.c.name == ref.catalog,
                schemas.c.name == ref.schema,
                tables.c.name == ref.name,
            )
        )
    ).scalar()
    if table_id is None:
        raise NotFoundError(f"table '{ref.full_name}' does not exist")
    return str(table_id)


def _write_columns(conn: Any, table_id: str, columns: Sequence[ColumnInfo]) -> None:
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


def _write_tags(conn: Any, table_id: str, tags: dict[str, str]) -> None:
    if tags:
        conn.execute(
            insert(table_tags),
            [{"table_id": table_id, "key": k, "value": v} for k, v in sorted(tags.items())],
        )


def _tags_for(conn: Any, table_ids: list[str]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    if table_ids:
        for t in conn.execute(select(table_tags).where(table_tags.c.table_id.in_(table_ids))):
            found.setdefault(t.table_id, {})[t.key] = t.value
    return found


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


def _catalog(r: Any) -> CatalogInfo:
    return CatalogInfo(
        r["name"],
        r["comment"],
        r["owner"],
        r["created_at"],
        r["updated_at"],
        r["id"],
        json.loads(r["properties"]),
    )


def _schema(r: Any) -> SchemaInfo:
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


def _token(r: Any) -> TokenInfo:
    return TokenInfo(
        r["id"],
        r["user_name"],
        r["comment"],
        r["created_at"],
        r["expires_at"],
        r["revoked_at"],
        r["last_used_at"],
    )
