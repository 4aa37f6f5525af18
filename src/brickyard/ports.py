"""The ports the services depend on. Adapters implement them; the domain owns them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

import pyarrow as pa

from brickyard.domain.catalog import (
    CatalogInfo,
    ColumnInfo,
    HistoryEntry,
    SchemaInfo,
    SearchHit,
    TableInfo,
    TokenInfo,
)
from brickyard.domain.merge import MergeClause
from brickyard.domain.names import SchemaRef, TableRef

WriteMode = Literal["append", "overwrite"]


@dataclass(frozen=True)
class TableFacts:
    """What ``describe()`` needs of the current snapshot, read in one pass."""

    schema: pa.Schema
    version: int
    rows: int
    files: int
    bytes: int
    last_commit_ms: int


@dataclass(frozen=True)
class StagedFile:
    """A Parquet file an engine wrote, ``path`` relative to the staging folder."""

    path: str
    size: int
    modification_time_ms: int
    num_records: int
    partition_values: dict[str, str | None]


@dataclass(frozen=True)
class StagedFiles:
    """Parquet files written by an engine (Spark) into a staging folder, to be committed.

    Committing moves them into the table's folder and adds them to the Delta log in one
    transaction; files that were never committed are not part of any version.
    """

    root: str
    schema: pa.Schema
    files: tuple[StagedFile, ...]


class Clock(Protocol):
    def now_ms(self) -> int:
        """Current time as epoch milliseconds."""
        ...


class MetadataStore(Protocol):
    """Catalog objects and tokens, stored transactionally (SQLAlchemy adapter)."""

    def create_catalog(self, info: CatalogInfo) -> None: ...
    def get_catalog(self, name: str) -> CatalogInfo | None: ...
    def list_catalogs(
        self, after: str | None = None, limit: int | None = None
    ) -> list[CatalogInfo]: ...
    def update_catalog(self, name: str, *, comment: str | None, updated_at: int) -> None: ...
    def delete_catalog(self, name: str) -> None: ...

    def create_schema(self, info: SchemaInfo) -> None: ...
    def get_schema(self, ref: SchemaRef) -> SchemaInfo | None: ...
    def list_schemas(
        self, catalog: str, after: str | None = None, limit: int | None = None
    ) -> list[SchemaInfo]: ...
    def update_schema(self, ref: SchemaRef, *, comment: str | None, updated_at: int) -> None: ...
    def delete_schema(self, ref: SchemaRef) -> None: ...

    def create_table(self, info: TableInfo) -> None: ...
    def get_table(self, ref: TableRef) -> TableInfo | None: ...
    def table_address(self, ref: TableRef) -> tuple[str, str] | None: ...
    def list_tables(
        self,
        schema: SchemaRef,
        after: str | None = None,
        limit: int | None = None,
        with_columns: bool = True,
    ) -> list[TableInfo]: ...
    def count_tables(self, schema: SchemaRef) -> int: ...
    def table_full_names(self) -> list[str]: ...
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
    ) -> None: ...
    def delete_table(self, ref: TableRef) -> None: ...

    def search(self, text: str, limit: int) -> list[SearchHit]: ...

    def create_token(self, info: TokenInfo, secret_hash: str) -> None: ...
    def find_token(self, secret_hash: str) -> TokenInfo | None: ...
    def list_tokens(self) -> list[TokenInfo]: ...
    def revoke_token(self, token_id: str, revoked_at: int) -> bool: ...
    def touch_token(self, token_id: str, used_at: int) -> None: ...


class TableStorage(Protocol):
    """Table data and versions (Delta Lake adapter). The Delta log is the truth for data."""

    def location_for(self, ref: TableRef, table_id: str) -> str: ...
    def create(
        self,
        location: str,
        schema: pa.Schema,
        data: pa.RecordBatchReader | StagedFiles | None,
        partition_by: Sequence[str],
        description: str | None,
    ) -> None: ...
    def write(
        self,
        location: str,
        data: pa.RecordBatchReader | StagedFiles,
        mode: WriteMode,
        overwrite_schema: bool = False,
        merge_schema: bool = False,
    ) -> pa.Schema: ...
    def merge(
        self, location: str, data: pa.RecordBatchReader, on: Sequence[str]
    ) -> dict[str, Any]: ...
    def merge_when(
        self,
        location: str,
        data: pa.RecordBatchReader,
        predicate: str,
        clauses: Sequence[MergeClause],
        source_alias: str = "s",
        target_alias: str = "t",
    ) -> dict[str, Any]: ...
    def update(
        self, location: str, assignments: dict[str, str], predicate: str | None
    ) -> dict[str, Any]: ...
    def delete(self, location: str, predicate: str | None) -> dict[str, Any]: ...
    def read(
        self,
        location: str,
        version: int | None = None,
        timestamp: datetime | None = None,
        columns: Sequence[str] | None = None,
        filter: Any = None,
    ) -> pa.Table: ...
    def head(self, location: str, n: int, version: int | None = None) -> pa.Table: ...
    def schema(self, location: str) -> pa.Schema: ...
    def partition_columns(self, location: str) -> list[str]: ...
    def version(self, location: str) -> int: ...
    def history(self, location: str, limit: int | None = None) -> list[HistoryEntry]: ...
    def facts(self, location: str) -> TableFacts: ...
    def drop(self, location: str) -> None: ...
