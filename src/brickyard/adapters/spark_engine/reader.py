"""``spark.read`` on the Spark engine: catalog tables and Delta paths read through delta-rs."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from brickyard.adapters.spark_engine.engine import SparkCatalogEngine


class CatalogReader:
    """Spark's ``DataFrameReader``; ``table`` and ``format("delta")`` go through the catalog."""

    def __init__(self, engine: SparkCatalogEngine, spark_reader: Any) -> None:
        self._engine = engine
        self._reader = spark_reader
        self._options: dict[str, str] = {}
        self._format: str | None = None

    def __getattr__(self, name: str) -> Any:  # csv/parquet/json/schema...: Spark's own
        return getattr(self._reader, name)

    def format(self, source: str) -> CatalogReader:
        self._format = source.lower()
        if self._format != "delta":  # Spark has no Delta source without the jars
            self._reader = self._reader.format(source)
        return self

    def option(self, key: str, value: Any) -> CatalogReader:
        self._options[key] = str(value)
        self._reader = self._reader.option(key, value)
        return self

    def options(self, **options: Any) -> CatalogReader:
        for key, value in options.items():
            self.option(key, value)
        return self

    def table(self, tableName: str) -> Any:
        version = self._options.get("versionAsOf")
        timestamp = self._options.get("timestampAsOf")
        return self._engine.table(
            tableName,
            int(version) if version is not None else None,
            datetime.fromisoformat(timestamp) if timestamp is not None else None,
        )

    def load(
        self, path: str | list[str] | None = None, format: str | None = None, **options: Any
    ) -> Any:
        chosen = (format or self._format or "").lower()
        if chosen != "delta":
            return self._reader.load(path, format=format, **options)
        if not isinstance(path, str):
            raise ValueError("format('delta').load() needs one table path")
        version = options.get("versionAsOf", self._options.get("versionAsOf"))
        return self._engine.frames.frame_of_location(
            path, int(version) if version is not None else None
        )
