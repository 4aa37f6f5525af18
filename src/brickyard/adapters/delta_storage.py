"""TableStorage on Delta Lake (delta-rs): local folders or S3-compatible object stores."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, QueryBuilder, write_deltalake
from deltalake import Schema as DeltaSchema
from deltalake.exceptions import DeltaError, TableNotFoundError
from deltalake.fs import DeltaStorageHandler
from deltalake.transaction import AddAction, RemoveAction, create_table_with_add_actions

from brickyard.adapters import delta_staged
from brickyard.adapters.delta_errors import DeltaErrors, short
from brickyard.adapters.sql_predicate import check_predicate
from brickyard.arrow.schema_fit import ConformedStream, check_fits, widens
from brickyard.domain.catalog import HistoryEntry
from brickyard.domain.errors import (
    InvalidInputError,
    NotFoundError,
    SchemaMismatchError,
    StorageError,
)
from brickyard.domain.merge import MergeClause
from brickyard.domain.names import TableRef
from brickyard.ports import StagedFiles, TableFacts, WriteMode

if TYPE_CHECKING:
    import pyarrow.dataset as pads


# Commit metadata keys -> the environment variables a job task's try runs with.
JOB_COMMIT_KEYS = {
    "brickyard.job": "BRICKYARD_JOB",
    "brickyard.run_id": "BRICKYARD_RUN_ID",
    "brickyard.task": "BRICKYARD_TASK",
    "brickyard.try": "BRICKYARD_TRY",
}


@dataclass(frozen=True)
class Snapshot:
    version: int
    files: list[str]
    schema: pa.Schema
    partition_by: list[str]
    plain_parquet: bool


class DeltaStorage:
    """Managed Delta tables under ``<warehouse>/<catalog>/<schema>/<table>-<id>/``."""

    def __init__(
        self,
        warehouse: str,
        storage_options: dict[str, str] | None = None,
        user: str | None = None,
    ) -> None:
        self.warehouse = warehouse.rstrip("/")
        self.options = dict(storage_options or {})
        self._is_local = "://" not in self.warehouse or self.warehouse.startswith("file://")
        self._user = user
        self._kept_open: dict[str, DeltaTable] = {}  # for latest_version
        self._kept_lock = threading.Lock()

    @property
    def _commit(self) -> CommitProperties:
        """Recorded in every commit, so a table's history says who made each version and,
        inside a job task's try, which job run, task and try wrote it (its lineage)."""
        metadata = {
            key: os.environ[var] for key, var in JOB_COMMIT_KEYS.items() if os.environ.get(var)
        }
        if self._user:
            metadata["userName"] = self._user
        return CommitProperties(custom_metadata=metadata or None)

    def location_for(self, ref: TableRef, table_id: str) -> str:
        # Name parts are validated identifiers, so they are safe path components.
        return f"{self.warehouse}/{ref.catalog}/{ref.schema}/{ref.name}-{table_id}"

    def staging_folder(self) -> Path:
        """A new folder for an engine to write Parquet into before it is committed."""
        if not self._is_local:
            raise InvalidInputError(
                "engines write staged files only into a local warehouse; this one is on "
                f"{self.warehouse.split('://')[0]}"
            )
        staging = _local_path(self.warehouse) / "_staging"
        staging.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(staging)
        return staging / uuid.uuid4().hex

    # -- writes ---------------------------------------------------------------------------
    def create(
        self,
        location: str,
        schema: pa.Schema,
        data: pa.RecordBatchReader | StagedFiles | None,
        partition_by: Sequence[str],
        description: str | None,
    ) -> None:
        missing = [c for c in partition_by if c not in schema.names]
        if missing:
            raise InvalidInputError(
                f"partition column(s) {missing} are not in the table's columns {schema.names}"
            )
        if isinstance(data, StagedFiles):
            self._commit_staged(location, data, "error", list(partition_by), description)
            return
        with DeltaErrors(location):
            if data is None:
                DeltaTable.create(
                    location,
                    schema,
                    partition_by=list(partition_by) or None,
                    description=description,
                    storage_options=self.options,
                    commit_properties=self._commit,
                )
            else:
                write_deltalake(
                    location,
                    data,
                    mode="error",
                    partition_by=list(partition_by) or None,
                    description=description,
                    storage_options=self.options,
                    commit_properties=self._commit,
                )

    def write(
        self,
        location: str,
        data: pa.RecordBatchReader | StagedFiles,
        mode: WriteMode,
        overwrite_schema: bool = False,
        merge_schema: bool = False,
    ) -> pa.Schema:
        """Append or overwrite in one commit; returns the table's schema after it."""
        table = self._open(location)
        target = _arrow_schema(table)
        if isinstance(data, StagedFiles):
            check_fits(target, data.schema)  # the engine wrote the table's types already
            self._commit_staged(location, data, mode, table=table)
            return target
        schema_mode: Any = None
        stream: ConformedStream | None = None
        if mode == "overwrite" and overwrite_schema:
            schema_mode = "overwrite"
            _check_partitions_kept(table, data.schema)
        elif merge_schema:
            schema_mode = "merge"
            _check_common_columns(target, data.schema)
        else:
            check_fits(target, data.schema)
            stream = ConformedStream(data, target)
        with DeltaErrors(location, source=stream):
            write_deltalake(
                table,
                stream.reader if stream else data,
                mode=mode,
                schema_mode=schema_mode,
                storage_options=self.options,
                commit_properties=self._commit,
            )
        if schema_mode is None:
            return target  # the schema cannot have changed: no need to read the log again
        return _arrow_schema(table)  # write_deltalake refreshed ``table`` in place

    def merge(self, location: str, data: pa.RecordBatchReader, on: Sequence[str]) -> dict[str, Any]:
        if not on:
            raise InvalidInputError("merge needs key columns: pass on=['id', ...]")
        table = self._open(location)
        target = _arrow_schema(table)
        for key in on:
            where = [
                n
                for n, names in (("table", target.names), ("data", data.schema.names))
                if key not in names
            ]
            if where:
                raise InvalidInputError(
                    f"merge key column '{key}' is missing from the {' and the '.join(where)}; "
                    f"table columns: {target.names}; data columns: {data.schema.names}"
                )
        check_fits(target, data.schema)
        stream = ConformedStream(data, target)
        predicate = " AND ".join(f"t.{_quote(k)} = s.{_quote(k)}" for k in on)
        with DeltaErrors(location, source=stream):
            metrics: dict[str, Any] = (
                table.merge(
                    stream.reader,
                    predicate=predicate,
                    source_alias="s",
                    target_alias="t",
                    commit_properties=self._commit,
                )
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .execute()
            )
        return metrics

    def merge_when(
        self,
        location: str,
        data: pa.RecordBatchReader,
        predicate: str,
        clauses: Sequence[MergeClause],
        source_alias: str = "s",
        target_alias: str = "t",
    ) -> dict[str, Any]:
        """A general MERGE: any ON condition and WHEN clauses, in one commit."""
        if not clauses:
            raise InvalidInputError("MERGE needs at least one WHEN clause")
        table = self._open(location)
        with DeltaErrors(location, predicate=predicate):
            merger = table.merge(
                data,
                predicate=predicate,
                source_alias=source_alias,
                target_alias=target_alias,
                commit_properties=self._commit,
            )
            for clause in clauses:
                merger = _add_clause(merger, clause)
            metrics: dict[str, Any] = merger.execute()
        return metrics

    def update(
        self, location: str, assignments: dict[str, str], predicate: str | None
    ) -> dict[str, Any]:
        """``UPDATE ... SET col = expr [WHERE predicate]`` in one commit."""
        if not assignments:
            raise InvalidInputError("UPDATE needs at least one column to set")
        table = self._open(location)
        unknown = [c for c in assignments if c not in _arrow_schema(table).names]
        if unknown:
            raise InvalidInputError(
                f"UPDATE sets unknown column(s) {unknown}; the table has {_arrow_schema(table).names}"
            )
        with DeltaErrors(location, predicate=predicate or ", ".join(assignments.values())):
            result: dict[str, Any] = table.update(
                updates=assignments, predicate=predicate, commit_properties=self._commit
            )
        return result

    def delete(self, location: str, predicate: str | None) -> dict[str, Any]:
        table = self._open(location)
        with DeltaErrors(location, predicate=predicate):
            result: dict[str, Any] = table.delete(predicate, commit_properties=self._commit)
        return result

    def drop(self, location: str) -> None:
        """Delete the table's files; a table already gone is fine, any other failure raises."""
        try:
            if self._is_local:
                path = _local_path(location)
                if path.exists():
                    shutil.rmtree(path)
                return
            # delta-rs's own object store, configured by the very options the table was written
            # with (session tokens, profiles, ... included). It deletes the keys under the
            # table's prefix and, unlike pyarrow's S3FileSystem, writes no "folder" marker
            # object for the parent prefix afterwards.
            with contextlib.suppress(FileNotFoundError):
                DeltaStorageHandler(location, self.options).delete_dir("")
        except OSError as exc:
            raise StorageError(f"could not delete the table files at {location}: {exc}") from exc

    # -- reads ----------------------------------------------------------------------------
    def read(
        self,
        location: str,
        version: int | None = None,
        timestamp: datetime | None = None,
        columns: Sequence[str] | None = None,
        filter: Any = None,
    ) -> pa.Table:
        table = self._open(location, version=version, timestamp=timestamp)
        if columns is not None:
            names = _arrow_schema(table).names
            unknown = [c for c in columns if c not in names]
            if unknown:
                raise InvalidInputError(f"unknown column(s) {unknown}; the table has {names}")
        if isinstance(filter, str):
            return _read_sql(table, columns or _arrow_schema(table).names, filter)
        if isinstance(filter, list):
            import pyarrow.parquet as pq  # imported here: it is slow to import and rarely needed

            filter = pq.filters_to_expression(filter)
        dataset = table.to_pyarrow_dataset()
        selected = list(columns) if columns else None
        try:
            return dataset.to_table(columns=selected, filter=filter)
        except pa.ArrowNotImplementedError:
            # Files written by delta-rs merge/delete carry string_view columns, which pyarrow
            # cannot compare with a string literal: prune by statistics, then filter in memory.
            return _filter_in_memory(dataset, selected, filter)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as exc:
            raise InvalidInputError(f"cannot apply the filter {filter}: {exc}") from exc

    def head(self, location: str, n: int, version: int | None = None) -> pa.Table:
        """The first ``n`` rows, reading only as many files as that takes."""
        return self._open(location, version=version).to_pyarrow_dataset().head(n)

    def files_dataset(self, paths: Sequence[str], file_format: Any) -> pads.Dataset:
        """Files on an object store (``s3://bucket/key``) as a pyarrow dataset, read through
        delta-rs's object store with the warehouse's storage options (no DuckDB httpfs)."""
        import pyarrow.dataset as ds
        from pyarrow.fs import PyFileSystem

        scheme_and_bucket = {
            p.split("://", 1)[0] + "://" + p.split("://", 1)[1].split("/", 1)[0] for p in paths
        }
        if len(scheme_and_bucket) != 1:
            raise InvalidInputError(
                f"read files from one bucket at a time, not {sorted(scheme_and_bucket)}"
            )
        root = scheme_and_bucket.pop()
        filesystem = PyFileSystem(DeltaStorageHandler(root, self.options))
        keys = [p[len(root) :].lstrip("/") for p in paths]
        try:
            return ds.dataset(keys, format=file_format, filesystem=filesystem)
        except (OSError, pa.ArrowInvalid) as exc:
            raise InvalidInputError(f"cannot read {', '.join(paths)}: {exc}") from exc

    def dataset(
        self, location: str, version: int | None = None, timestamp: datetime | None = None
    ) -> pads.Dataset:
        return self._open(location, version=version, timestamp=timestamp).to_pyarrow_dataset()

    def snapshot(
        self, location: str, version: int | None = None, timestamp: datetime | None = None
    ) -> Snapshot:
        """The files and schema of one version: what an engine needs to read it itself."""
        table = self._open(location, version=version, timestamp=timestamp)
        protocol = table.protocol()
        features = set(protocol.reader_features or [])
        return Snapshot(
            version=int(table.version()),
            files=list(table.file_uris()),
            schema=_arrow_schema(table),
            partition_by=list(table.metadata().partition_columns),
            # Deletion vectors and column mapping need a Delta-aware reader; plain Parquet won't do.
            plain_parquet=not features & {"deletionVectors", "columnMapping"}
            and ("://" not in location or location.startswith("file://")),
        )

    def latest_version(self, location: str) -> int:
        """The table's newest version, cheaply: a kept-open table reads only new log entries."""
        with self._kept_lock:
            table = self._kept_open.get(location)
            if table is None:
                table = self._kept_open[location] = self._open(location)
            else:
                try:
                    table.update_incremental()
                except (DeltaError, OSError):  # dropped or replaced: open it afresh
                    del self._kept_open[location]
                    table = self._kept_open[location] = self._open(location)
            return int(table.version())

    def schema(self, location: str) -> pa.Schema:
        return _arrow_schema(self._open(location))

    def partition_columns(self, location: str) -> list[str]:
        return list(self._open(location).metadata().partition_columns)

    def version(self, location: str) -> int:
        return int(self._open(location).version())

    def history(self, location: str, limit: int | None = None) -> list[HistoryEntry]:
        entries = []
        for commit in self._open(location).history(limit):
            entries.append(
                HistoryEntry(
                    version=int(commit["version"]),
                    timestamp=int(commit.get("timestamp", 0)),
                    operation=str(commit.get("operation", "")),
                    parameters=dict(commit.get("operationParameters") or {}),
                    metrics=dict(commit.get("operationMetrics") or {}),
                    user=commit.get("userName"),
                )
            )
        return entries

    def commit_jobs(self, location: str, limit: int | None = None) -> dict[int, dict[str, str]]:
        """Version -> the ``brickyard.*`` job keys of its commit, for versions written by a
        job task's try (newest ``limit`` commits looked at)."""
        found: dict[int, dict[str, str]] = {}
        for commit in self._open(location).history(limit):
            keys = {k: str(commit[k]) for k in JOB_COMMIT_KEYS if commit.get(k) is not None}
            if keys:
                found[int(commit["version"])] = keys
        return found

    def facts(self, location: str) -> TableFacts:
        """Schema, size and last commit of the current snapshot, from one open of the log."""
        table = self._open(location)
        actions = pa.table(table.get_add_actions(flatten=True))
        rows = (
            sum(r or 0 for r in actions.column("num_records").to_pylist())
            if actions.num_rows
            else 0
        )
        size = (
            sum(s or 0 for s in actions.column("size_bytes").to_pylist()) if actions.num_rows else 0
        )
        last = table.history(1)
        return TableFacts(
            schema=_arrow_schema(table),
            version=int(table.version()),
            rows=rows,
            files=actions.num_rows,
            bytes=size,
            last_commit_ms=int(last[0].get("timestamp", 0)) if last else 0,
        )

    # -- helpers --------------------------------------------------------------------------
    def _commit_staged(
        self,
        location: str,
        staged: StagedFiles,
        mode: str,
        partition_by: list[str] | None = None,
        description: str | None = None,
        table: DeltaTable | None = None,
    ) -> None:
        """Move staged files into the table and commit them as one Delta transaction."""
        folder = _local_path(location)
        try:
            actions = delta_staged.move_into_table(staged, folder)
            with DeltaErrors(location):
                if table is None:
                    create_table_with_add_actions(
                        location,
                        DeltaSchema.from_arrow(staged.schema),
                        actions,
                        mode="error",
                        partition_by=partition_by or None,
                        description=description,
                        storage_options=self.options,
                        commit_properties=self._commit,
                    )
                else:
                    table.create_write_transaction(
                        list[AddAction | RemoveAction](actions),
                        mode,
                        staged.schema,
                        partition_by=list(table.metadata().partition_columns) or None,
                        commit_properties=self._commit,
                    )
        except BaseException:
            delta_staged.put_back(staged, folder)
            raise
        finally:
            delta_staged.discard(staged)

    def _open(
        self, location: str, version: int | None = None, timestamp: datetime | None = None
    ) -> DeltaTable:
        try:
            table = DeltaTable(location, storage_options=self.options)
        except TableNotFoundError as exc:
            raise NotFoundError(f"no Delta table at {location}: its data is missing") from exc
        except DeltaError as exc:
            raise StorageError(f"cannot open the Delta table at {location}: {exc}") from exc
        if version is not None:
            latest = table.version()
            if version < 0 or version > latest:
                raise InvalidInputError(
                    f"version {version} does not exist; the table has versions 0 to {latest}"
                )
            with DeltaErrors(location):
                table.load_as_version(version)
        elif timestamp is not None:
            if timestamp.tzinfo is None:
                timestamp = timestamp.replace(tzinfo=UTC)
            first = min(int(c["timestamp"]) for c in table.history())
            if timestamp.timestamp() * 1000 < first:
                created = datetime.fromtimestamp(first / 1000, UTC).isoformat()
                raise InvalidInputError(
                    f"the table did not exist at {timestamp.isoformat()}; "
                    f"its first version was written at {created}"
                )
            with DeltaErrors(location):
                table.load_as_version(timestamp)
        return table


def _add_clause(merger: Any, clause: MergeClause) -> Any:
    every = clause.assignments is None
    when, action, condition = clause.when, clause.action, clause.condition
    if when == "matched" and action == "update":
        if every:
            return merger.when_matched_update_all(predicate=condition)
        return merger.when_matched_update(clause.assignments, predicate=condition)
    if when == "matched":
        return merger.when_matched_delete(predicate=condition)
    if when == "not_matched":
        if every:
            return merger.when_not_matched_insert_all(predicate=condition)
        return merger.when_not_matched_insert(clause.assignments, predicate=condition)
    if action == "update":
        return merger.when_not_matched_by_source_update(
            clause.assignments or {}, predicate=condition
        )
    return merger.when_not_matched_by_source_delete(predicate=condition)


def _check_common_columns(target: pa.Schema, incoming: pa.Schema) -> None:
    """With merge_schema new columns are welcome, but existing ones must still fit."""
    clashes = [
        f"column '{f.name}' is {f.type}, the table has {target.field(f.name).type}"
        for f in incoming
        if f.name in target.names and not widens(f.type, target.field(f.name).type)
    ]
    if clashes:
        raise SchemaMismatchError(
            "the data does not match the table's schema: "
            + "; ".join(clashes)
            + ". Nothing was written."
        )


def _check_partitions_kept(table: DeltaTable, incoming: pa.Schema) -> None:
    partitions = list(table.metadata().partition_columns)
    missing = [p for p in partitions if p not in incoming.names]
    if missing:
        raise InvalidInputError(
            f"the table is partitioned by {partitions}; the new data lacks {missing}. Keep the "
            "partition columns, or drop and re-create the table to change its partitioning."
        )


def _arrow_schema(table: DeltaTable) -> pa.Schema:
    return pa.schema(table.schema().to_arrow())


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _filter_in_memory(dataset: pads.Dataset, columns: list[str] | None, filter: Any) -> pa.Table:
    parts = [
        fragment.to_table(schema=dataset.schema)
        for fragment in dataset.get_fragments(filter=filter)
    ]
    whole = pa.concat_tables(parts) if parts else dataset.schema.empty_table()
    try:
        result = whole.filter(filter)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError) as exc:
        raise InvalidInputError(f"cannot apply the filter {filter}: {exc}") from exc
    return result.select(columns) if columns else result


def _read_sql(table: DeltaTable, columns: Sequence[str], predicate: str) -> pa.Table:
    select = ", ".join(_quote(c) for c in columns)
    wanted = _arrow_schema(table)
    where = check_predicate(predicate)
    try:
        reader = (
            QueryBuilder().register("t", table).execute(f"SELECT {select} FROM t WHERE ({where})")
        )
        # DataFusion answers with view types (string_view); give back the table's own types.
        return pa.table(reader.read_all()).cast(pa.schema([wanted.field(c) for c in columns]))
    except (DeltaError, Exception) as exc:
        raise InvalidInputError(
            f"cannot apply the filter '{predicate}': {short(exc)}; write it as a SQL predicate "
            "such as \"amount > 10 AND region = 'EU'\""
        ) from exc


STAGING_MAX_AGE_S = 24 * 3600  # older staged files belong to writes that were killed


def _remove_abandoned(staging: Path) -> None:
    """Staged folders a killed write left behind: never part of any table version."""
    cutoff = time.time() - STAGING_MAX_AGE_S
    for folder in staging.iterdir():
        with contextlib.suppress(OSError):
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)


def _local_path(location: str) -> Path:
    return Path(location[len("file://") :] if location.startswith("file://") else location)
