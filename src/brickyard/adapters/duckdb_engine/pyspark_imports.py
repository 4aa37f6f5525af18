"""``import pyspark.sql`` -> the DuckDB-backed session's classes, in a DuckDB process."""

from __future__ import annotations

from typing import Any


def activate_pyspark_imports(session: Any) -> None:
    """``from pyspark.sql import SparkSession, functions as F`` -> this session's engine."""
    import sqlframe
    import sqlframe.duckdb
    import sqlframe.duckdb.session

    from brickyard.adapters.duckdb_engine import udf
    from brickyard.adapters.duckdb_engine.functions import SPARK_FUNCTIONS
    from brickyard.adapters.duckdb_engine.pyspark_shim import install_pyspark_package

    sqlframe.activate("duckdb")
    import importlib

    # After activate(), pyspark.sql.functions is sqlframe's module file loaded under that name.
    for module in ("sqlframe.duckdb.functions", "pyspark.sql.functions"):
        functions = importlib.import_module(module)
        for name in ("udf", "pandas_udf"):  # PySpark has them; sqlframe does not
            setattr(functions, name, getattr(udf, name))
        for name, function in SPARK_FUNCTIONS.items():
            setattr(functions, name, function)
    install_pyspark_package()
    session_class = type(session)
    sqlframe.duckdb.SparkSession = session_class  # type: ignore[attr-defined]
    sqlframe.duckdb.session.SparkSession = session_class  # type: ignore[attr-defined]
