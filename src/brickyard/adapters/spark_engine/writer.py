"""``df.write`` on the Spark engine: tables are written through the catalog.

Spark writes the Parquet files (in parallel, at any size) into a staging folder of the
warehouse; the catalog then commits them to the table's Delta log in one transaction. Paths
(``.parquet(path)``, ``.csv(path)``...) stay Spark's own writer.
"""

from __future__ import annotations

import os
import shutil
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from brickyard.adapters.spark_engine.types import arrow_schema, spark_schema
from brickyard.domain.errors import AlreadyExistsError, InvalidInputError, SchemaMismatchError
from brickyard.ports import StagedFile, StagedFiles

if TYPE_CHECKING:
    import pyarrow as pa

    from brickyard.adapters.spark_engine.engine import SparkCatalogEngine

_HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
_MODES = ("append", "overwrite", "error", "errorifexists", "default", "ignore")


class CatalogWriter:
    """Spark's ``DataFrameWriter`` with ``saveAsTable``/``insertInto`` over the catalog."""

    def __init__(self, engine: SparkCatalogEngine, df: Any, spark_writer: Any) -> None:
        self._engine = engine
        self._df = df
        self._writer = spark_writer
        self._mode: str | None = None
        self._partition_by: list[str] = []
        self._options: dict[str, str] = {}
        self._format: str | None = None

    def __getattr__(self, name: str) -> Any:  # parquet/csv/json/save/bucketBy...: Spark's
        return getattr(self._writer, name)

    def mode(self, saveMode: str | None) -> CatalogWriter:
        self._mode = saveMode
        self._writer = self._writer.mode(saveMode)
        return self

    def partitionBy(self, *cols: str | list[str]) -> CatalogWriter:
        self._partition_by = [c for col in cols for c in ([col] if isinstance(col, str) else col)]
        self._writer = self._writer.partitionBy(*self._partition_by)
        return self

    def option(self, key: str, value: Any) -> CatalogWriter:
        self._options[key] = str(value)
        self._writer = self._writer.option(key, value)
        return self

    def options(self, **options: Any) -> CatalogWriter:
        for key, value in options.items():
            self.option(key, value)
        return self

    def format(self, source: str) -> CatalogWriter:
        self._format = source
        self._writer = self._writer.format(source)
        return self

    def saveAsTable(
        self,
        name: str,
        format: str | None = None,
        mode: str | None = None,
        partitionBy: str | list[str] | None = None,
        **options: Any,
    ) -> None:
        if (format or self._format or "delta").lower() != "delta":
            raise InvalidInputError(
                f"catalog tables are Delta tables; format '{format or self._format}' is not "
                "supported: drop .format(...) or write files with .parquet(path)"
            )
        if partitionBy:
            self.partitionBy(partitionBy)
        self._options.update({k: str(v) for k, v in options.items()})
        chosen = (mode or self._mode or "errorifexists").lower()
        if chosen not in _MODES:
            raise InvalidInputError(
                f"unknown save mode '{chosen}'; use append, overwrite, errorifexists or ignore"
            )
        catalog = self._engine.ws.catalog
        if not catalog.table_exists(name):
            staged = stage(self._engine, self._df, self._partition_by)
            catalog.create_table(name, staged, partition_by=self._partition_by)
        elif chosen in ("error", "errorifexists", "default"):
            raise AlreadyExistsError(
                f"table '{catalog.resolve_table(name).full_name}' already exists; use "
                ".mode('append') or .mode('overwrite')"
            )
        elif chosen == "append":
            self._write(name, self._df, overwrite=False)
        elif chosen == "overwrite":
            self._write(name, self._df, overwrite=True)

    def insertInto(self, tableName: str, overwrite: bool | None = None) -> None:
        """Spark's insertInto: columns by position, whatever their names."""
        names = self._engine.ws.catalog.table(tableName).schema.names
        if len(self._df.columns) != len(names):
            raise SchemaMismatchError(
                f"insertInto: the data has {len(self._df.columns)} columns and table "
                f"'{tableName}' has {len(names)} ({', '.join(names)})"
            )
        self._write(tableName, self._df.toDF(*names), overwrite=bool(overwrite))

    # -- helpers ------------------------------------------------------------------------------
    def _write(self, name: str, df: Any, overwrite: bool) -> None:
        table = self._engine.ws.catalog.table(name)
        partitions = list(table.info.partition_by)
        if self._partition_by and self._partition_by != partitions:
            raise InvalidInputError(
                f"table '{table.full_name}' is partitioned by {partitions or 'nothing'}, not by "
                f"{self._partition_by}: drop .partitionBy(...) to write into it"
            )
        flag = "overwriteSchema" if overwrite else "mergeSchema"
        if self._options.get(flag, "false").lower() == "true":  # schema changes: Arrow path
            data = arrow_of(df)
            if overwrite:
                table.overwrite(data, overwrite_schema=True)
            else:
                table.append(data, merge_schema=True)
            return
        # The table's own partitioning, whether or not the writer named it: the Delta log
        # takes partition values from the folders, never from inside the files.
        staged = stage(self._engine, conform(df, table.schema, name), partitions)
        if overwrite:
            table.overwrite(staged)
        else:
            table.append(staged)


def stage(engine: SparkCatalogEngine, df: Any, partition_by: list[str]) -> StagedFiles | pa.Table:
    """Spark writes the rows as Parquet into a staging folder of the warehouse.

    The rows never pass through this Python process, whatever their size; a failed write
    leaves no staging folder behind.
    """
    storage = engine.ws.catalog.storage
    try:
        folder: Path = storage.staging_folder()  # type: ignore[attr-defined]
    except InvalidInputError:  # an object-store warehouse: Spark has no S3 jars here
        return arrow_of(df)
    spark_writer = engine.spark_write(df)
    if partition_by:
        spark_writer = spark_writer.partitionBy(*partition_by)
    try:
        spark_writer.mode("overwrite").parquet(str(folder))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return staged_files(folder, arrow_schema(df.schema))


def conform(df: Any, target: pa.Schema, name: str) -> Any:
    """The DataFrame's columns by name, cast to the table's types (Spark's store assignment).

    Names match case-insensitively, as Spark resolves them (``spark.sql.caseSensitive`` off).
    """
    from pyspark.sql.functions import col

    have = {c.lower(): c for c in df.columns}
    wanted = {n.lower() for n in target.names}
    missing = [n for n in target.names if n.lower() not in have]
    extra = [c for c in df.columns if c.lower() not in wanted]
    if missing or extra:
        raise SchemaMismatchError(
            f"the data does not match table '{name}': "
            + (f"missing columns {missing}" if missing else "")
            + ("; " if missing and extra else "")
            + (f"columns not in the table {extra}" if extra else "")
            + "; select the table's columns, or use .option('mergeSchema', 'true') to add columns"
        )
    struct = spark_schema(target)
    return df.select(
        *[col(f"`{have[f.name.lower()]}`").cast(f.dataType).alias(f.name) for f in struct.fields]
    )


def arrow_of(df: Any) -> pa.Table:
    return df.toArrow()


def staged_files(folder: Path, schema: pa.Schema) -> StagedFiles:
    """The Parquet files Spark wrote under ``folder``, with their partition values."""
    files = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(("_", "."))]
        for filename in filenames:
            if filename.startswith(("_", ".")) or not filename.endswith(".parquet"):
                continue
            path = Path(dirpath) / filename
            relative = path.relative_to(folder)
            stat = path.stat()
            files.append(
                StagedFile(
                    path=relative.as_posix(),
                    size=stat.st_size,
                    modification_time_ms=int(stat.st_mtime * 1000),
                    num_records=pq.read_metadata(path).num_rows,
                    partition_values=_partition_values(relative),
                )
            )
    return StagedFiles(root=str(folder), schema=schema, files=tuple(files))


def _partition_values(relative: Path) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for part in relative.parts[:-1]:
        key, _, value = part.partition("=")
        text = urllib.parse.unquote(value)
        values[urllib.parse.unquote(key)] = None if text == _HIVE_NULL else text
    return values
