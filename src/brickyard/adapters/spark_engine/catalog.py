"""``spark.catalog`` on the Spark engine: the Brickyard catalog, plus Spark's temp views."""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from brickyard.adapters.spark_engine.engine import SparkCatalogEngine


class CatalogApi:
    """PySpark's ``Catalog`` over Brickyard's catalogs, schemas and tables."""

    def __init__(self, engine: SparkCatalogEngine, spark_catalog: Any) -> None:
        self._engine = engine
        self._spark = spark_catalog
        self._catalog = engine.ws.catalog

    def __getattr__(self, name: str) -> Any:  # cacheTable, dropTempView...: Spark's own
        return getattr(self._spark, name)

    def currentCatalog(self) -> str:
        return self._catalog.current_catalog

    def setCurrentCatalog(self, catalogName: str) -> None:
        self._catalog.use(catalog=catalogName)

    def currentDatabase(self) -> str:
        return self._catalog.current_schema

    def setCurrentDatabase(self, dbName: str) -> None:
        self._catalog.use(schema=dbName)

    def listCatalogs(self, pattern: str | None = None) -> list[Any]:
        from pyspark.sql.catalog import CatalogMetadata

        return [
            CatalogMetadata(name=c.name, description=c.comment)
            for c in self._catalog.list_catalogs()
            if _matches(c.name, pattern)
        ]

    def listDatabases(self, pattern: str | None = None) -> list[Any]:
        from pyspark.sql.catalog import Database

        return [
            Database(
                name=s.name,
                catalog=s.catalog_name,
                description=s.comment,
                locationUri="",
            )
            for s in self._catalog.list_schemas()
            if _matches(s.name, pattern)
        ]

    def listTables(self, dbName: str | None = None, pattern: str | None = None) -> list[Any]:
        from pyspark.sql.catalog import Table

        tables = [
            Table(
                name=t.name,
                catalog=t.catalog_name,
                namespace=[t.schema_name],
                description=t.comment,
                tableType="MANAGED",
                isTemporary=False,
            )
            for t in self._catalog.list_tables(dbName, with_columns=False)
            if _matches(t.name, pattern)
        ]
        temp = [t for t in self._spark.listTables() if t.isTemporary and _shown(t.name)]
        return tables + [t for t in temp if _matches(t.name, pattern)]

    def listColumns(self, tableName: str, dbName: str | None = None) -> list[Any]:
        from pyspark.sql.catalog import Column

        name = f"{dbName}.{tableName}" if dbName else tableName
        info = self._catalog.table_info(name)
        partitions = set(info.partition_by)
        return [
            Column(
                name=c.name,
                description=c.comment,
                dataType=c.type_text,
                nullable=c.nullable,
                isPartition=c.name in partitions,
                isBucket=False,
                isCluster=False,
            )
            for c in info.columns
        ]

    def tableExists(self, tableName: str, dbName: str | None = None) -> bool:
        name = f"{dbName}.{tableName}" if dbName else tableName
        if "." not in name and self._engine.is_temp_view(name):
            return True
        return self._catalog.table_exists(name)

    def databaseExists(self, dbName: str) -> bool:
        from brickyard.domain.errors import NotFoundError

        try:
            self._catalog.get_schema(dbName)
        except NotFoundError:
            return False
        return True

    def getTable(self, tableName: str) -> Any:
        from pyspark.sql.catalog import Table

        info = self._catalog.table_info(tableName)
        return Table(
            name=info.name,
            catalog=info.catalog_name,
            namespace=[info.schema_name],
            description=info.comment,
            tableType="MANAGED",
            isTemporary=False,
        )


def _matches(name: str, pattern: str | None) -> bool:
    return pattern is None or fnmatch.fnmatch(name, pattern.replace("|", "*"))


def _shown(name: str) -> bool:
    return not name.startswith("__by_")  # Brickyard's own snapshot views stay out of sight
