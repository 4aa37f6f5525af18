"""``pyspark`` itself in a DuckDB process: a real package, not sqlframe's MagicMock.

sqlframe's ``activate()`` makes ``pyspark.sql`` its DuckDB module and ``pyspark`` a
``MagicMock``, so ``from pyspark import SparkContext`` silently gives a mock and
``from pyspark.errors import AnalysisException`` fails. Brickyard puts a real package there:
``pyspark.__version__`` is the installed PySpark's, ``pyspark.errors`` and
``pyspark.sql.utils`` hold the error classes Brickyard raises (so ``except
AnalysisException`` catches a bad column), and what only a Spark cluster has
(``SparkContext``, ``SparkConf``, ``StorageLevel``) says how to switch engine.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from brickyard.adapters.spark_sql import errors

_ERROR_NAMES = [
    name
    for name, value in vars(errors).items()
    if isinstance(value, type)
    and issubclass(value, Exception)
    and value.__module__ == errors.__name__
]


def install_pyspark_package() -> None:
    """Replace sqlframe's mock ``pyspark`` with a package Spark programs can import from."""
    root = types.ModuleType("pyspark", "PySpark's API on Brickyard's DuckDB engine")
    root.__path__ = []  # a package: pyspark.sql, pyspark.errors... are its submodules
    setattr(root, "__version__", _pyspark_version())  # noqa: B010 (a module attribute)
    for name in ("SparkContext", "SparkConf", "StorageLevel", "SparkFiles", "TaskContext"):
        setattr(root, name, _spark_only(name))
    if "pyspark.sql" in sys.modules:
        root.sql = sys.modules["pyspark.sql"]  # type: ignore[attr-defined]
    error_module = _module("pyspark.errors", {name: getattr(errors, name) for name in _ERROR_NAMES})
    exceptions = _module("pyspark.errors.exceptions", {})
    captured = _module("pyspark.errors.exceptions.captured", vars(error_module))
    exceptions.captured = captured  # type: ignore[attr-defined]
    error_module.exceptions = exceptions  # type: ignore[attr-defined]
    root.errors = error_module  # type: ignore[attr-defined]
    utils = _module(
        "pyspark.sql.utils",
        {
            name: getattr(errors, name)
            for name in (
                "AnalysisException",
                "ParseException",
                "IllegalArgumentException",
                "PythonException",
                "QueryExecutionException",
                "StreamingQueryException",
                "UnknownException",
            )
        },
    )
    if "pyspark.sql" in sys.modules:
        sys.modules["pyspark.sql"].utils = utils  # type: ignore[attr-defined]
    sys.modules["pyspark"] = root


def _module(name: str, members: dict[str, Any]) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update({k: v for k, v in members.items() if not k.startswith("__")})
    if name != "pyspark.errors.exceptions":
        module.__path__ = []  # type: ignore[attr-defined]
    sys.modules[name] = module
    return module


def _pyspark_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pyspark")
    except PackageNotFoundError:
        return "4.0.0"


def _spark_only(name: str) -> type:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise errors.SparkOnlyError(
            f"pyspark.{name} exists only on Apache Spark; this process runs Brickyard's DuckDB "
            "engine. Run this code in its own process with brickyard.spark(engine='spark') "
            "(config engine.default = 'spark')"
        )

    return type(name, (), {"__init__": refuse, "__doc__": f"Spark's {name}: Spark only."})
