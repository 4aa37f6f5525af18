"""A handle on one managed table: reads, writes, time travel, history and description."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from brickyard.arrow.data import to_reader
from brickyard.arrow.types import columns_of
from brickyard.domain.catalog import HistoryEntry, TableDescription, TableInfo, validate_tags
from brickyard.domain.errors import BrickyardError, InvalidInputError
from brickyard.domain.merge import MergeClause
from brickyard.domain.names import TableRef
from brickyard.ports import StagedFiles

if TYPE_CHECKING:
    from brickyard.services.catalog import CatalogService

log = logging.getLogger(__name__)


class Table:
    """A catalog table. Every call re-reads the catalog, so a dropped table fails clearly."""

    def __init__(self, catalog: CatalogService, ref: TableRef) -> None:
        self._catalog = catalog
        self.ref = ref

    def __repr__(self) -> str:
        return f"Table('{self.ref.full_name}')"

    @property
    def full_name(self) -> str:
        return self.ref.full_name

    @property
    def info(self) -> TableInfo:
        return self._catalog.table_info(self.ref)

    @property
    def location(self) -> str:
        return self._catalog.table_location(self.ref)

    @property
    def schema(self) -> pa.Schema:
        return self._catalog.storage.schema(self.location)

    @property
    def version(self) -> int:
        return self._catalog.storage.version(self.location)

    # -- reads ----------------------------------------------------------------------------
    def to_arrow(
        self,
        version: int | None = None,
        timestamp: datetime | str | None = None,
        columns: Sequence[str] | None = None,
        filter: Any = None,
    ) -> pa.Table:
        """The table's rows, optionally as of a version or timestamp (time travel).

        ``filter`` is a ``pyarrow.compute`` expression, DNF tuples ``[("id", ">", 3)]`` or a SQL
        predicate string; files whose statistics rule the filter out are not read.
        """
        if version is not None and timestamp is not None:
            raise InvalidInputError("pass either version or timestamp, not both")
        return self._catalog.storage.read(
            self.location,
            version=version,
            timestamp=_timestamp(timestamp),
            columns=columns,
            filter=filter,
        )

    def head(self, n: int = 10, version: int | None = None) -> pa.Table:
        """The first ``n`` rows (as of ``version``), without reading the whole table."""
        if n < 0:
            raise InvalidInputError(f"n must be 0 or more, got {n}")
        return self._catalog.storage.head(self.location, n, version)

    def to_pandas(self, **kwargs: Any) -> Any:
        return self.to_arrow(**kwargs).to_pandas()

    def history(self, limit: int | None = None) -> list[HistoryEntry]:
        """Commits, newest first."""
        return self._catalog.storage.history(self.location, limit)

    def commit_jobs(self, limit: int | None = None) -> dict[int, dict[str, str]]:
        """Version -> the job run, task and try that wrote it (``brickyard.*`` commit keys);
        versions written outside a job task are absent."""
        read = getattr(self._catalog.storage, "commit_jobs", None)  # storages that record them
        return dict(read(self.location, limit)) if read is not None else {}

    def describe(self) -> TableDescription:
        info = self.info
        facts = self._catalog.storage.facts(info.storage_location)
        columns = tuple(columns_of(facts.schema, {c.name: c.comment for c in info.columns}))
        if columns != info.columns:  # a schema change whose catalog refresh failed earlier
            self._sync(info, facts.schema)
        return TableDescription(
            full_name=info.full_name,
            columns=columns,
            rows=facts.rows,
            files=facts.files,
            bytes=facts.bytes,
            version=facts.version,
            created_at=info.created_at,
            updated_at=max(info.updated_at, facts.last_commit_ms),
            comment=info.comment,
            tags=dict(info.tags),
            partition_by=info.partition_by,
            storage_location=info.storage_location,
            table_id=info.id,
        )

    # -- writes (each one Delta commit; the catalog follows the new schema) ----------------
    def append(self, data: Any, merge_schema: bool = False) -> None:
        """Add rows. The data's schema must match, unless ``merge_schema`` adds new columns."""
        info = self.info
        schema = self._catalog.storage.write(
            info.storage_location, _rows(data), "append", merge_schema=merge_schema
        )
        self._sync(info, schema)

    def overwrite(self, data: Any, overwrite_schema: bool = False) -> None:
        """Replace all rows; ``overwrite_schema=True`` also replaces the schema (evolution)."""
        info = self.info
        schema = self._catalog.storage.write(
            info.storage_location, _rows(data), "overwrite", overwrite_schema=overwrite_schema
        )
        self._sync(info, schema)

    def merge(self, data: Any, on: Sequence[str] | str) -> dict[str, Any]:
        """Upsert: rows whose ``on`` key matches are updated, the others inserted."""
        keys = [on] if isinstance(on, str) else list(on)
        info = self.info
        metrics = self._catalog.storage.merge(info.storage_location, to_reader(data), keys)
        self._sync(info)
        return metrics

    def merge_when(
        self,
        data: Any,
        condition: str,
        clauses: Sequence[MergeClause],
        source_alias: str = "s",
        target_alias: str = "t",
    ) -> dict[str, Any]:
        """SQL MERGE semantics: ``condition`` joins target and source; clauses say what to do."""
        info = self.info
        metrics = self._catalog.storage.merge_when(
            info.storage_location, to_reader(data), condition, clauses, source_alias, target_alias
        )
        self._sync(info)
        return metrics

    def update(self, assignments: dict[str, str], where: str | None = None) -> dict[str, Any]:
        """Set columns to SQL expressions (``{"price": "price * 1.1"}``) where ``where`` holds."""
        info = self.info
        metrics = self._catalog.storage.update(info.storage_location, assignments, where)
        self._sync(info)
        return metrics

    def delete(self, predicate: str | None = None) -> dict[str, Any]:
        """Delete the rows matching a SQL predicate (all rows when None)."""
        if predicate is not None and not predicate.strip():
            raise InvalidInputError("the delete predicate is empty; pass None to delete all rows")
        info = self.info
        metrics = self._catalog.storage.delete(info.storage_location, predicate)
        self._sync(info)
        return metrics

    def set_comment(self, comment: str | None) -> None:
        self._catalog.store.update_table(
            self.ref, updated_at=self._catalog.clock.now_ms(), comment=comment, set_comment=True
        )

    def set_tags(self, tags: dict[str, str]) -> None:
        """Replace the table's tags (keys follow the naming rule; values are free text)."""
        clean = validate_tags(tags)
        self._catalog.store.update_table(
            self.ref, updated_at=self._catalog.clock.now_ms(), tags=clean
        )

    def _sync(self, info: TableInfo, schema: pa.Schema | None = None) -> None:
        """After a commit: touch ``updated_at`` and follow a changed schema in the catalog.

        The commit has landed by now, so a failure here must not report the write as failed:
        the catalog's cached columns are refreshed again by the next ``describe()``.
        """
        columns = None
        if schema is not None:
            found = columns_of(schema, {c.name: c.comment for c in info.columns})
            columns = found if tuple(found) != info.columns else None
        try:
            self._catalog.store.update_table(
                self.ref, updated_at=self._catalog.clock.now_ms(), columns=columns
            )
        except BrickyardError as exc:
            log.warning("%s: committed, but the catalog entry was not refreshed: %s", self, exc)


def _rows(data: Any) -> pa.RecordBatchReader | StagedFiles:
    """Files an engine staged are committed as they are; anything else streams as Arrow."""
    return data if isinstance(data, StagedFiles) else to_reader(data)


def _timestamp(value: datetime | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"cannot read the timestamp {value!r}; use ISO 8601 such as '2026-01-31 12:00:00+00:00'"
        ) from None
