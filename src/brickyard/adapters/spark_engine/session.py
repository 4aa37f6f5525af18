"""Starting the Spark engine: a real ``SparkSession`` whose names are the catalog's.

The session is PySpark's own (classic local mode, or Spark Connect for ``engine.spark.remote``).
Brickyard replaces five members of PySpark's session and DataFrame classes in this process
(``sql``, ``table``, ``read``, ``catalog``, ``DataFrame.write``) so that any code reaching the
session (``SparkSession.builder.getOrCreate()``, ``df.sparkSession``) uses the catalog; one
engine per process makes that safe.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from brickyard.adapters.spark_engine.catalog import CatalogApi
from brickyard.adapters.spark_engine.engine import SparkCatalogEngine
from brickyard.adapters.spark_engine.reader import CatalogReader
from brickyard.adapters.spark_engine.writer import CatalogWriter
from brickyard.domain.errors import ConfigError

if TYPE_CHECKING:
    from brickyard.workspace import Workspace

_KEPT = ("sql", "read", "catalog")  # Spark's own members that Brickyard's call
_engine: SparkCatalogEngine | None = None
_originals: dict[type, dict[str, Any]] = {}


def start_spark(ws: Workspace) -> Any:
    """The workspace's Spark session (made once per process, again after ``spark.stop()``)."""
    global _engine
    if _engine is not None and not _stopped(_engine.session):
        if _engine.ws.home != ws.home:
            raise ConfigError(
                "this process already runs Spark over another workspace "
                f"({_engine.ws.home}); use one workspace per Spark process"
            )
        ws.close()
        return _engine.session
    if _engine is not None:  # stopped: a new session, as getOrCreate() after stop() gives
        _engine.ws.close()
        _engine = None
    remote = str(ws.config.get("engine.spark.remote") or "")
    session = _connect(remote) if remote else _local(ws)
    session_class, dataframe_class = _classes(remote)
    _engine = SparkCatalogEngine(ws, session, _spark_members(session_class, dataframe_class))
    _install(session_class, dataframe_class, _engine)
    return session


def _stopped(session: Any) -> bool:
    connect_stopped = getattr(session, "is_stopped", None)  # Spark Connect
    if isinstance(connect_stopped, bool):
        return connect_stopped
    return getattr(session.sparkContext, "_jsc", None) is None  # classic: stop() clears it


def _spark_members(session_class: type, dataframe_class: type) -> dict[str, Any]:
    """Spark's own members, taken before the first patch (a restart must not take ours)."""
    if session_class not in _originals:
        members = {name: session_class.__dict__[name] for name in _KEPT}
        members["write"] = dataframe_class.__dict__["write"]
        _originals[session_class] = members
    return _originals[session_class]


def _local(ws: Workspace) -> Any:
    from pyspark.sql import SparkSession

    master = str(ws.config.get("engine.spark.master"))
    scratch = Path(ws.home) / "tmp" / "spark"
    scratch.mkdir(parents=True, exist_ok=True)
    builder = (
        SparkSession.builder.appName("brickyard")
        .master(master)
        .config("spark.driver.memory", str(ws.config.get("engine.spark.driver_memory")))
        .config(
            "spark.sql.shuffle.partitions", str(ws.config.get("engine.spark.shuffle_partitions"))
        )
        # Tables are the catalog's: Spark's own metastore stays in memory and empty.
        .config("spark.sql.catalogImplementation", "in-memory")
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        .config("spark.local.dir", str(scratch / "local"))
        # Delta (delta-rs) reads microsecond timestamps; Spark's default INT96 it would not.
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.log.level", "ERROR")
    )
    try:
        return builder.getOrCreate()
    except Exception as exc:
        raise ConfigError(
            f"Spark did not start ({type(exc).__name__}: {exc}); it needs Java 17 or later on "
            "PATH or JAVA_HOME, and [engine.spark] master/driver_memory that this machine has"
        ) from exc


def _connect(remote: str) -> Any:
    from pyspark.sql import SparkSession

    try:
        session = SparkSession.builder.remote(remote).getOrCreate()
        # The server's own defaults apply over Connect; this one is a session setting.
        # Delta (delta-rs) reads microsecond timestamps; Spark's default INT96 it would not.
        session.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    except Exception as exc:
        raise ConfigError(
            f"cannot reach the Spark Connect server at {remote} ({type(exc).__name__}: {exc}); "
            "start it ($SPARK_HOME/sbin/start-connect-server.sh) or fix engine.spark.remote"
        ) from exc
    return session


def _classes(remote: str) -> tuple[type, type]:
    if remote:
        from pyspark.sql.connect.dataframe import DataFrame as ConnectDataFrame
        from pyspark.sql.connect.session import SparkSession as ConnectSession

        return ConnectSession, ConnectDataFrame
    from pyspark.sql import SparkSession
    from pyspark.sql.classic.dataframe import DataFrame

    return SparkSession, DataFrame


def _install(session_class: type, dataframe_class: type, engine: SparkCatalogEngine) -> None:
    def sql(self: Any, sqlQuery: str, args: Any = None, **kwargs: Any) -> Any:
        return engine.sql(sqlQuery, args, **kwargs)

    def table(self: Any, tableName: str) -> Any:
        return engine.table(tableName)

    def read(self: Any) -> CatalogReader:
        return CatalogReader(engine, engine.spark_read())

    def catalog(self: Any) -> CatalogApi:
        return CatalogApi(engine, engine.spark_catalog())

    def write(self: Any) -> CatalogWriter:
        return CatalogWriter(engine, self, engine.spark_write(self))

    for member, value in (
        ("sql", sql),
        ("table", table),
        ("read", property(read)),
        ("catalog", property(catalog)),
    ):
        setattr(session_class, member, value)
    dataframe_class.write = property(write)  # type: ignore[attr-defined]
