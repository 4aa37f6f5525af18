"""Catalog objects as the domain sees them: catalogs, schemas, tables, columns, history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from brickyard.domain.errors import InvalidInputError
from brickyard.domain.names import SchemaRef, TableRef, validate_tag_key

SearchKind = Literal["catalog", "schema", "table", "column"]


@dataclass(frozen=True)
class CatalogInfo:
    name: str
    comment: str | None
    owner: str
    created_at: int  # epoch milliseconds, as Unity Catalog reports times
    updated_at: int
    id: str
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SchemaInfo:
    catalog_name: str
    name: str
    comment: str | None
    owner: str
    created_at: int
    updated_at: int
    id: str
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.catalog_name}.{self.name}"

    @property
    def ref(self) -> SchemaRef:
        return SchemaRef(self.catalog_name, self.name)


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type_text: str  # Spark SQL type text: "bigint", "decimal(10,2)", "array<string>"
    type_name: str  # Unity Catalog type name: "LONG", "DECIMAL", "ARRAY"
    position: int
    nullable: bool
    comment: str | None = None


@dataclass(frozen=True)
class TableInfo:
    catalog_name: str
    schema_name: str
    name: str
    id: str
    storage_location: str
    columns: tuple[ColumnInfo, ...]
    partition_by: tuple[str, ...]
    comment: str | None
    tags: dict[str, str] = field(default_factory=dict)
    owner: str = ""
    created_at: int = 0
    updated_at: int = 0
    table_type: str = "MANAGED"
    data_source_format: str = "DELTA"

    @property
    def ref(self) -> TableRef:
        return TableRef(self.catalog_name, self.schema_name, self.name)

    @property
    def full_name(self) -> str:
        return f"{self.catalog_name}.{self.schema_name}.{self.name}"


@dataclass(frozen=True)
class HistoryEntry:
    """One commit of a table's Delta log."""

    version: int
    timestamp: int  # epoch ms
    operation: str
    parameters: dict[str, object]
    metrics: dict[str, object]
    user: str | None = None


@dataclass(frozen=True)
class TableDescription:
    """What ``Table.describe()`` returns: the table's facts in one place."""

    full_name: str
    columns: tuple[ColumnInfo, ...]
    rows: int
    files: int
    bytes: int
    version: int
    created_at: int
    updated_at: int
    comment: str | None
    tags: dict[str, str]
    partition_by: tuple[str, ...]
    storage_location: str
    table_id: str


@dataclass(frozen=True)
class SearchHit:
    """A search result: the object, its kind, and what matched (``name``, ``comment``, ...)."""

    full_name: str
    kind: SearchKind
    matched: str
    text: str


@dataclass(frozen=True)
class TokenInfo:
    """An API token's record; the secret itself is never stored, only its hash."""

    id: str
    user: str
    comment: str | None
    created_at: int
    expires_at: int | None
    revoked_at: int | None
    last_used_at: int | None

    def is_active(self, now_ms: int) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or now_ms < self.expires_at


MAX_TAG_VALUE = 1000


def validate_tags(tags: dict[str, str]) -> dict[str, str]:
    """Tags (Unity Catalog "properties") with checked keys and values of at most 1,000 chars."""
    clean = {}
    for key, value in tags.items():
        text = str(value)
        if len(text) > MAX_TAG_VALUE:
            raise InvalidInputError(
                f"tag '{key}' has a value of {len(text)} characters; the limit is {MAX_TAG_VALUE}"
            )
        clean[validate_tag_key(key)] = text
    return clean
