"""The catalog service: catalogs, schemas and managed Delta tables, with one writer path."""

from __future__ import annotations

import contextlib
import copy
import difflib
import uuid
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from brickyard.arrow.data import to_reader
from brickyard.arrow.types import columns_of, parse_ddl
from brickyard.domain.catalog import CatalogInfo, SchemaInfo, SearchHit, TableInfo, validate_tags
from brickyard.domain.errors import (
    AlreadyExistsError,
    BrickyardError,
    InvalidInputError,
    NotFoundError,
    StorageError,
)
from brickyard.domain.names import (
    SchemaRef,
    TableRef,
    parse_catalog_name,
    parse_schema_name,
    parse_table_name,
    validate_column_name,
    validate_partition_column,
)
from brickyard.ports import Clock, MetadataStore, StagedFiles, TableStorage
from brickyard.services.table import Table

DEFAULT_CATALOG = "main"
DEFAULT_SCHEMA = "default"


class CatalogService:
    """Creates, finds, lists, searches and drops catalog objects."""

    def __init__(
        self, store: MetadataStore, storage: TableStorage, clock: Clock, user: str
    ) -> None:
        self.store = store
        self.storage = storage
        self.clock = clock
        self.user = user
        self.current_catalog = DEFAULT_CATALOG
        self.current_schema = DEFAULT_SCHEMA

    def for_user(self, user: str) -> CatalogService:
        """The same catalog acting as ``user`` (owner of what it creates, author of commits)."""
        acting = copy.copy(self)
        acting.user = user
        return acting

    # -- names ----------------------------------------------------------------------------
    def resolve_table(self, name: str | TableRef) -> TableRef:
        if isinstance(name, TableRef):
            return name
        return parse_table_name(name, self.current_catalog, self.current_schema)

    def resolve_schema(self, name: str | SchemaRef) -> SchemaRef:
        if isinstance(name, SchemaRef):
            return name
        return parse_schema_name(name, self.current_catalog)

    def use(self, catalog: str | None = None, schema: str | None = None) -> None:
        """Set the current catalog and/or schema that short names resolve against."""
        if catalog is not None:
            self.get_catalog(catalog)
            self.current_catalog = parse_catalog_name(catalog)
        if schema is not None:
            ref = self.resolve_schema(schema)
            self.get_schema(ref.full_name)
            self.current_catalog, self.current_schema = ref.catalog, ref.schema

    # -- catalogs -------------------------------------------------------------------------
    def create_catalog(
        self,
        name: str,
        comment: str | None = None,
        if_not_exists: bool = False,
        properties: dict[str, str] | None = None,
    ) -> CatalogInfo:
        catalog = parse_catalog_name(name)
        props = validate_tags(properties or {})
        now = self.clock.now_ms()
        info = CatalogInfo(catalog, comment, self.user, now, now, str(uuid.uuid4()), props)
        try:
            self.store.create_catalog(info)
        except AlreadyExistsError:
            if if_not_exists:
                return self.get_catalog(catalog)
            raise
        return info

    def get_catalog(self, name: str) -> CatalogInfo:
        catalog = parse_catalog_name(name)
        info = self.store.get_catalog(catalog)
        if info is None:
            names = [c.name for c in self.store.list_catalogs()]
            raise NotFoundError(f"catalog '{catalog}' does not exist{_close(catalog, names)}")
        return info

    def list_catalogs(
        self, after: str | None = None, limit: int | None = None
    ) -> list[CatalogInfo]:
        return self.store.list_catalogs(after, limit)

    def update_catalog(self, name: str, comment: str | None) -> CatalogInfo:
        info = self.get_catalog(name)
        self.store.update_catalog(info.name, comment=comment, updated_at=self.clock.now_ms())
        return self.get_catalog(info.name)

    def drop_catalog(self, name: str, force: bool = False) -> None:
        info = self.get_catalog(name)
        schemas = self.store.list_schemas(info.name)
        holds_data = any(
            s.name != DEFAULT_SCHEMA or self.store.count_tables(s.ref) > 0 for s in schemas
        )
        if not force and holds_data:
            raise InvalidInputError(
                f"catalog '{info.name}' is not empty (schemas: {[s.name for s in schemas]}); "
                "drop its schemas and tables first or pass force=True"
            )
        for schema in schemas:
            self.drop_schema(schema.full_name, force=True)
        self.store.delete_catalog(info.name)

    # -- schemas --------------------------------------------------------------------------
    def create_schema(
        self,
        name: str,
        comment: str | None = None,
        if_not_exists: bool = False,
        properties: dict[str, str] | None = None,
    ) -> SchemaInfo:
        ref = self.resolve_schema(name)
        self.get_catalog(ref.catalog)
        props = validate_tags(properties or {})
        now = self.clock.now_ms()
        info = SchemaInfo(
            ref.catalog, ref.schema, comment, self.user, now, now, str(uuid.uuid4()), props
        )
        try:
            self.store.create_schema(info)
        except AlreadyExistsError:
            if if_not_exists:
                return self.get_schema(ref.full_name)
            raise
        return info

    def get_schema(self, name: str) -> SchemaInfo:
        ref = self.resolve_schema(name)
        info = self.store.get_schema(ref)
        if info is None:
            self.get_catalog(ref.catalog)
            names = [s.full_name for s in self.store.list_schemas(ref.catalog)]
            raise NotFoundError(
                f"schema '{ref.full_name}' does not exist{_close(ref.full_name, names)}"
            )
        return info

    def list_schemas(
        self, catalog: str | None = None, after: str | None = None, limit: int | None = None
    ) -> list[SchemaInfo]:
        info = self.get_catalog(self.current_catalog if catalog is None else catalog)
        return self.store.list_schemas(info.name, after, limit)

    def update_schema(self, name: str, comment: str | None) -> SchemaInfo:
        info = self.get_schema(name)
        self.store.update_schema(info.ref, comment=comment, updated_at=self.clock.now_ms())
        return self.get_schema(info.full_name)

    def drop_schema(self, name: str, force: bool = False) -> None:
        info = self.get_schema(name)
        tables = self.store.list_tables(info.ref)
        if tables and not force:
            raise InvalidInputError(
                f"schema '{info.full_name}' is not empty ({len(tables)} tables); "
                "drop its tables first or pass force=True"
            )
        for table in tables:
            self.drop_table(table.full_name)
        self.store.delete_schema(info.ref)

    # -- tables ---------------------------------------------------------------------------
    def create_table(
        self,
        name: str,
        data_or_schema: Any,
        comment: str | None = None,
        partition_by: Sequence[str] | str | None = None,
        tags: dict[str, str] | None = None,
    ) -> Table:
        """Create a managed Delta table from data (written as version 0) or from a schema.

        ``data_or_schema`` is data (anything Arrow takes), a ``pyarrow.Schema`` or a DDL string
        such as ``"id BIGINT, name STRING"``. A failed create leaves nothing behind.
        """
        ref = self.resolve_table(name)
        self.get_schema(ref.schema_ref.full_name)
        if self.store.get_table(ref) is not None:
            raise AlreadyExistsError(
                f"table '{ref.full_name}' already exists; use table('{ref.full_name}').overwrite(data) "
                "to replace its data or drop_table() first"
            )
        partitions = [partition_by] if isinstance(partition_by, str) else list(partition_by or [])
        data: pa.RecordBatchReader | StagedFiles | None
        if isinstance(data_or_schema, pa.Schema):
            schema, data = data_or_schema, None
        elif isinstance(data_or_schema, StagedFiles):
            schema, data = data_or_schema.schema, data_or_schema
        elif isinstance(data_or_schema, str):
            schema, data = parse_ddl(data_or_schema), None
        else:
            data = to_reader(data_or_schema)
            schema = data.schema
        _check_column_names(schema)
        for column in partitions:
            validate_partition_column(column)
        clean_tags = validate_tags(tags or {})
        table_id = uuid.uuid4().hex
        location = self.storage.location_for(ref, table_id)
        try:
            self.storage.create(location, schema, data, partitions, comment)
            stored = self.storage.schema(location)
            comments = {
                f.name: (f.metadata or {}).get(b"comment", b"").decode() or None for f in schema
            }
            now = self.clock.now_ms()
            info = TableInfo(
                catalog_name=ref.catalog,
                schema_name=ref.schema,
                name=ref.name,
                id=table_id,
                storage_location=location,
                columns=tuple(columns_of(stored, comments)),
                partition_by=tuple(partitions),
                comment=comment,
                tags=clean_tags,
                owner=self.user,
                created_at=now,
                updated_at=now,
            )
            self.store.create_table(info)
        except BaseException:
            # Half-written data or a failed catalog entry: leave nothing behind, and report
            # the original error (not a failure of this clean-up).
            with contextlib.suppress(BrickyardError):
                self.storage.drop(location)
            raise
        return Table(self, ref)

    def table(self, name: str | TableRef) -> Table:
        """A handle on an existing table; raises NotFoundError listing close matches."""
        ref = self.resolve_table(name)
        self.table_info(ref)
        return Table(self, ref)

    def table_exists(self, name: str | TableRef) -> bool:
        return self.store.get_table(self.resolve_table(name)) is not None

    def table_location(self, name: str | TableRef) -> str:
        """Where the table's data lives; raises NotFoundError like ``table_info``."""
        return self.table_address(name)[1]

    def table_address(self, name: str | TableRef) -> tuple[str, str]:
        """(table id, storage location); raises NotFoundError like ``table_info``."""
        ref = self.resolve_table(name)
        address = self.store.table_address(ref)
        if address is None:
            info = self.table_info(ref)  # raises with close matches
            return info.id, info.storage_location
        return address

    def table_info(self, name: str | TableRef) -> TableInfo:
        ref = self.resolve_table(name)
        info = self.store.get_table(ref)
        if info is None:
            raise NotFoundError(
                f"table '{ref.full_name}' does not exist"
                f"{_close(ref.full_name, self.store.table_full_names(), ref.name)}"
            )
        return info

    def list_tables(
        self,
        schema: str | None = None,
        after: str | None = None,
        limit: int | None = None,
        with_columns: bool = True,
    ) -> list[TableInfo]:
        """Tables of a schema by name; ``with_columns=False`` leaves the column lists empty."""
        default = f"{self.current_catalog}.{self.current_schema}"
        name = default if schema is None else schema
        found = self.store.list_tables(self.resolve_schema(name), after, limit, with_columns)
        if not found:
            self.get_schema(name)  # NotFoundError naming close schemas if it does not exist
        return found

    def drop_table(self, name: str, if_exists: bool = False) -> None:
        """Remove the table from the catalog, then delete its managed data."""
        try:
            info = self.table_info(name)
        except NotFoundError:
            if if_exists:
                return
            raise
        self.store.delete_table(info.ref)
        try:
            self.storage.drop(info.storage_location)
        except StorageError as exc:
            raise StorageError(
                f"table '{info.full_name}' was dropped from the catalog, but {exc.message}; "
                "delete that folder by hand"
            ) from exc

    def search(self, text: str, limit: int = 100) -> list[SearchHit]:
        """Catalogs, schemas, tables and columns whose name, comment or tags contain ``text``."""
        if not isinstance(text, str) or not text.strip():
            raise InvalidInputError("search needs some text to look for")
        return self.store.search(text.strip(), limit)


def _close(wanted: str, names: list[str], short: str | None = None) -> str:
    """'; did you mean: ...?' with the known names closest to ``wanted`` (or '')."""
    key = short or wanted
    by_last = {n: n.rsplit(".", 1)[-1] for n in names}
    scored = sorted(
        ((difflib.SequenceMatcher(None, key, last).ratio(), n) for n, last in by_last.items()),
        key=lambda pair: (-pair[0], pair[1]),
    )
    matches = [n for score, n in scored if score >= 0.7][:5]
    if not matches:
        return ""
    return "; did you mean: " + ", ".join(matches) + "?"


def _check_column_names(schema: pa.Schema) -> None:
    if len(schema) == 0:
        raise InvalidInputError("a table needs at least one column")
    seen: set[str] = set()
    for field in schema:
        name = validate_column_name(field.name)
        if name.lower() in seen:
            raise InvalidInputError(
                f"column name '{name}' appears twice (names are case-insensitive)"
            )
        seen.add(name.lower())
