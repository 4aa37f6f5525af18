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
