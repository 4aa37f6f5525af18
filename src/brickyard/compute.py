"""``brickyard.spark()``: the PySpark ``SparkSession`` of a workspace, on DuckDB by default.

One engine per process: the DuckDB engine makes ``pyspark.sql`` imports resolve to its own
classes (as sqlframe's ``activate()`` does), which the real Spark engine could not share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from brickyard.domain.errors import ConfigError

ENGINES = ("duckdb", "spark")
_engine_in_process: str | None = None


def spark(engine: str | None = None, home: str | Path | None = None) -> Any:
    """The workspace's Spark session; ``engine`` defaults to config ``engine.default``."""
    global _engine_in_process
    from brickyard.workspace import connect

    ws = connect(home)
    chosen = (engine or str(ws.config.get("engine.default"))).lower()
    if chosen not in ENGINES:
        raise ConfigError(f"unknown engine '{chosen}'; use one of {', '.join(ENGINES)}")
    if _engine_in_process not in (None, chosen):
        raise ConfigError(
            f"this process already runs the {_engine_in_process} engine; one engine per process: "
            f"run the {chosen} code in its own process (a script, a job task or a notebook kernel)"
        )
    if chosen == "spark":
        from brickyard.adapters.spark_engine.session import start_spark

        session = start_spark(ws)
        _engine_in_process = chosen
        return session
    from brickyard.adapters.duckdb_engine.pyspark_imports import activate_pyspark_imports
    from brickyard.adapters.duckdb_engine.session import BrickyardSession

    active = BrickyardSession._active
    if active is not None and active.ws.home == ws.home:
        ws.close()
        return active
    if active is not None:  # another workspace: its session ends, as spark.stop() would
        active.stop()
    session = BrickyardSession(ws)
    activate_pyspark_imports(session)
    _engine_in_process = chosen
    return session
