"""Catalog tables as Spark DataFrames, read without the delta-spark jars.

Spark reads the Parquet files of the requested Delta snapshot (listed by delta-rs), with the
table's schema; tables that need a Delta-aware reader (deletion vectors, column mapping) or
that live where this Spark cannot read (object stores without the hadoop-aws jars) are read by
delta-rs and handed to Spark as Arrow.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from brickyard.adapters.duckdb_engine.snapshots import path_of
from brickyard.adapters.spark_engine.types import spark_schema
from brickyard.ml.lineage import record_table_read

if TYPE_CHECKING:
    from brickyard.adapters.delta_storage import DeltaStorage
    from brickyard.domain.names import TableRef
    from brickyard.workspace import Workspace


class SnapshotFrames:
    """One Spark DataFrame (and temp view) per table version a session reads."""

    def __init__(self, ws: Workspace, session: Any, read: Any, table: Any) -> None:
        self.ws = ws
        self.session = session
        self._read = read  # Spark's own reader and table lookup, not the catalog-aware ones
        self._table = table
        # By location, not name: a table dropped and created again under the same name is
        # another table (another folder) whose versions start at 0 again.
        self._views: dict[tuple[str, int], str] = {}

    @property
    def storage(self) -> DeltaStorage:
        storage: DeltaStorage = self.ws.catalog.storage  # type: ignore[assignment]
        return storage

    def view(
        self, ref: TableRef, version: int | None = None, timestamp: datetime | None = None
    ) -> str:
        """The temp view name holding ``ref`` at a version (latest by default)."""
        table_id, location = self.ws.catalog.table_address(ref)
        snapshot = self.storage.snapshot(location, version, timestamp)
        key = (location, snapshot.version)
        if key not in self._views:
            place = hashlib.sha1(location.encode()).hexdigest()[:10]
            name = f"__by_{ref.catalog}__{ref.schema}__{ref.name}__{place}__v{snapshot.version}"
            self.frame_of_location(location, snapshot.version).createOrReplaceTempView(name)
            self._views[key] = name
        record_table_read(ref.full_name, snapshot.version, table_id)
        return self._views[key]

    def frame(
        self, ref: TableRef, version: int | None = None, timestamp: datetime | None = None
    ) -> Any:
        return self._table(self.view(ref, version, timestamp))

    def frame_of_location(self, location: str, version: int | None = None) -> Any:
        """A Delta table by its location (``spark.read.format("delta").load(path)``)."""
        snapshot = self.storage.snapshot(location, version)
        struct = spark_schema(snapshot.schema)
        if not snapshot.files:
            return self.session.createDataFrame([], struct)
        if snapshot.plain_parquet:
            paths = [path_of(f) for f in snapshot.files]
            reader = self._read().schema(struct)
            if snapshot.partition_by:  # partition values live in the folder names
                reader = reader.option("basePath", path_of(location))
            return reader.parquet(*paths).select(*[f"`{n}`" for n in snapshot.schema.names])
        data = self.storage.read(location, version=snapshot.version)
        return self.session.createDataFrame(data, struct)
