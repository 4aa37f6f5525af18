"""``spark.read`` and ``df.write`` over the catalog: tables read snapshots, writes commit."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

from sqlframe.duckdb import DuckDBDataFrameReader, DuckDBDataFrameWriter

from brickyard.domain.errors import AlreadyExistsError, InvalidInputError

if TYPE_CHECKING:
    from brickyard.adapters.duckdb_engine.session import BrickyardSession


class BrickyardReader(DuckDBDataFrameReader):
    def table(self, tableName: str) -> Any:
        session = cast("BrickyardSession", self.session)
        if df := session.temp_views.get(tableName):
            return df
        ref = session.ws.catalog.resolve_table(tableName)
        version = self.state_options.get("versionAsOf")
        timestamp = self.state_options.get("timestampAsOf")
        name, columns = session.views.view(
            ref,
            int(str(version)) if version is not None else None,
            datetime.fromisoformat(str(timestamp)) if timestamp is not None else None,
        )
        return session.table_from_view(name, columns)

    def load(
        self,
        path: str | list[str] | None = None,
        format: str | None = None,
        schema: Any = None,
        **options: Any,
    ) -> Any:
        """Delta paths through delta-rs; files on object stores through delta-rs's object
        store (DuckDB's httpfs and delta extensions are not used); local files by DuckDB."""
        chosen = (format or self.state_format_to_read or "parquet").lower()
        merged = {**self.state_options, **options}
        session = cast("BrickyardSession", self.session)
        paths = [path] if isinstance(path, str) else list(path or [])
        if chosen == "delta":
            if len(paths) != 1:
                raise InvalidInputError("format('delta').load() takes one table path")
            version = merged.get("versionAsOf")
            timestamp = merged.get("timestampAsOf")
            name, columns = session.views.view_of_location(
                paths[0],
                version=int(str(version)) if version is not None else None,
                timestamp=datetime.fromisoformat(str(timestamp)) if timestamp is not None else None,
            )
            return session.table_from_view(name, columns)
        if any(_remote(p) for p in paths):
            data = read_remote_files(session, paths, chosen, merged)
            return session.createDataFrame(data, schema)
        return super().load(path, format, schema, **options)


def _remote(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def read_remote_files(
    session: BrickyardSession, paths: list[str], file_format: str, options: dict[str, Any]
) -> Any:
    """Object-store files as Arrow, with Spark's reader options (header, inferSchema, sep...)."""
    import pyarrow.dataset as ds

    storage = session.ws.catalog.storage
    if file_format == "csv":
        file_format_obj: Any = _csv_format(options, [])
        if not _flag(options.get("inferSchema"), False):  # Spark: every column a string
            names = storage.files_dataset(paths, file_format_obj).schema.names  # type: ignore[attr-defined]
            file_format_obj = _csv_format(options, names)
    elif file_format == "json":
        file_format_obj = ds.JsonFileFormat()
    elif file_format == "parquet":
        file_format_obj = "parquet"
    else:
        raise InvalidInputError(
            f"reading {file_format} files from an object store is not supported; "
            "use parquet, csv or json"
        )
    data = storage.files_dataset(paths, file_format_obj).to_table()  # type: ignore[attr-defined]
    if file_format == "csv" and not _flag(options.get("header"), False):
        data = data.rename_columns([f"_c{i}" for i in range(data.num_columns)])
    return data


def _csv_format(options: dict[str, Any], string_columns: list[str]) -> Any:
    import pyarrow as pa
    import pyarrow.csv as csv
    import pyarrow.dataset as ds

    header = _flag(options.get("header"), False)
    delimiter = str(options.get("sep", options.get("delimiter", ",")))
    null_value = options.get("nullValue")
    convert = csv.ConvertOptions(
        null_values=[str(null_value)] if null_value is not None else [""],
        strings_can_be_null=True,
        column_types={name: pa.string() for name in string_columns},
    )
    return ds.CsvFileFormat(
        parse_options=csv.ParseOptions(delimiter=delimiter),
        read_options=csv.ReadOptions(autogenerate_column_names=not header),
        convert_options=convert,
    )


def _flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    return str(value).lower() in ("true", "1", "yes")


class BrickyardWriter(DuckDBDataFrameWriter):
    """``saveAsTable``/``insertInto`` write through the catalog: one Delta commit each."""

    _partition_by: ClassVar[tuple[str, ...]] = ()

    def partitionBy(self, *cols: str | list[str]) -> BrickyardWriter:
        flat: list[str] = []
        for col in cols:
            flat.extend([col] if isinstance(col, str) else col)
        copied = self.copy()
        copied._partition_by = tuple(flat)  # type: ignore[misc]
        return copied

    def saveAsTable(
        self, name: str, format: str | None = None, mode: str | None = None, **options: Any
    ) -> BrickyardWriter:
        if format not in (None, "delta"):
            raise InvalidInputError(f"tables are Delta tables; format '{format}' is not supported")
        mode = (mode or self._mode or "errorifexists").lower()
        catalog = cast("BrickyardSession", self._session).ws.catalog
        data = self._df.toArrow()
        if not catalog.table_exists(name):
            catalog.create_table(name, data, partition_by=list(self._partition_by))
        elif mode in ("error", "errorifexists", "default"):
            raise AlreadyExistsError(
                f"table '{catalog.resolve_table(name).full_name}' already exists; use "
                ".mode('append') or .mode('overwrite')"
            )
        elif mode == "append":
            catalog.table(name).append(data)
        elif mode == "overwrite":
            overwrite_schema = str(self.state_options.get("overwriteSchema", "false")).lower()
            catalog.table(name).overwrite(data, overwrite_schema=overwrite_schema == "true")
        elif mode != "ignore":
            raise InvalidInputError(
                f"unknown save mode '{mode}'; use append, overwrite, errorifexists or ignore"
            )
        return self

    def insertInto(self, tableName: str, overwrite: bool | None = None) -> BrickyardWriter:
        table = cast("BrickyardSession", self._session).ws.catalog.table(tableName)
        data = self._df.toArrow()
        if not self._by_name and data.num_columns == len(table.schema.names):
            data = data.rename_columns(table.schema.names)  # by position, as Spark does
        if overwrite:
            table.overwrite(data)
        else:
            table.append(data)
        return self
