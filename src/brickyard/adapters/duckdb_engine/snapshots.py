"""Catalog table references in a query -> DuckDB views over one Delta snapshot each.

A three-part name such as ``main.default.orders`` cannot be a DuckDB catalog (DuckDB reserves
``main``), so the query's table references are rewritten to views named after the table and
its version. Plain local snapshots are read with ``read_parquet`` over the snapshot's files
(DuckDB's own scan: statistics and filter pushdown); others through a pyarrow dataset.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlglot import exp

from brickyard.adapters.spark_sql.references import catalog_references
from brickyard.domain.names import TableRef
from brickyard.ml.lineage import record_table_read

if TYPE_CHECKING:
    import duckdb

    from brickyard.adapters.delta_storage import DeltaStorage, Snapshot
    from brickyard.services.catalog import CatalogService


class SnapshotViews:
    """Creates (once) and names the DuckDB view of each table version a query reads."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, catalog: CatalogService) -> None:
        self.conn = conn
        self.catalog = catalog
        self._made: dict[tuple[str, int], tuple[str, dict[str, str]]] = {}
        self._names: set[str] = set()
        self._version_of: dict[str, int] = {}  # view name -> the table version it shows

    @property
    def storage(self) -> DeltaStorage:
        storage: DeltaStorage = self.catalog.storage  # type: ignore[assignment]
        return storage

    def view(
        self, ref: TableRef, version: int | None = None, timestamp: datetime | None = None
    ) -> tuple[str, dict[str, str]]:
        """(view name, {column: Spark type}) for ``ref`` at a version (latest by default).

        A version's view is made once: asking again costs one metadata query (where the table
        lives) and, for the latest version, a read of the Delta log's new entries only.
        """
        table_id, location = self.catalog.table_address(ref)
        made = self.view_of_location(
            location, f"{ref.catalog}__{ref.schema}__{ref.name}", version, timestamp
        )
        record_table_read(ref.full_name, self._version_of[made[0]], table_id)
        return made

    def view_of_location(
        self,
        location: str,
        label: str = "path",
        version: int | None = None,
        timestamp: datetime | None = None,
    ) -> tuple[str, dict[str, str]]:
        """The view of the Delta table at ``location`` (``spark.read.format("delta").load``)."""
        if version is None and timestamp is None:
            version = self.storage.latest_version(location)
        if version is not None and (location, version) in self._made:
            return self._made[(location, version)]
        snapshot = self.storage.snapshot(location, version, timestamp)
        key = (location, snapshot.version)
        if key not in self._made:
            name = f"__by_{label}__v{snapshot.version}"
            if name in self._names:  # the same name and version at another location
                name = f"{name}_{len(self._names)}"
            self._create(name, location, snapshot)
            self._names.add(name)
            self._version_of[name] = snapshot.version
            self._made[key] = (name, {f.name: _spark_type(f.type) for f in snapshot.schema})
        return self._made[key]

    def rewrite(self, expression: exp.Expr, skip: set[str]) -> list[tuple[str, dict[str, str]]]:
        """Point every catalog table reference in ``expression`` at its snapshot view."""
        used = []
        for reference in catalog_references(expression, self.catalog, skip):
            name, columns = self.view(reference.ref, reference.version, reference.timestamp)
            reference.point_at(name)
            used.append((name, columns))
        return used

    def _create(self, name: str, location: str, snapshot: Snapshot) -> None:
        if not snapshot.files:
            self.conn.register(name, snapshot.schema.empty_table())
        elif snapshot.plain_parquet and not snapshot.partition_by:
            files = ", ".join(_literal(path_of(f)) for f in snapshot.files)
            columns = ", ".join(_ident(c) for c in snapshot.schema.names)
            self.conn.execute(
                f"CREATE OR REPLACE VIEW {_ident(name)} AS "
                f"SELECT {columns} FROM read_parquet([{files}])"
            )
        else:  # partitioned, on S3, or needing a Delta-aware reader
            dataset = self.storage.dataset(location, version=snapshot.version)
            self.conn.register(name, dataset)


def _spark_type(dtype: pa.DataType) -> str:
    from brickyard.arrow.types import type_text

    return type_text(dtype)


def path_of(uri: str) -> str:
    return uri[len("file://") :] if uri.startswith("file://") else uri


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def columns_mapping(schema: pa.Schema) -> dict[str, Any]:
    return {f.name: _spark_type(f.type) for f in schema}
