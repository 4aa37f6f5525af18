"""Run every parity program on one engine and write the results as JSON.

    python -m tests.parity.run_engine --engine duckdb --home H --out results.json
    python -m tests.parity.run_engine --engine spark --home H --out results.json

``--engine spark`` uses Brickyard's Spark engine; while that engine is not available it falls
back to plain local PySpark (``"engine": "pyspark"`` in the output), where the programs that
need the catalog are recorded as skipped. Each engine runs in its own process: one engine per
process, and ``pyspark.sql`` must be imported after ``brickyard.spark()`` on DuckDB.

Values are written exactly: a Decimal as its string, a float as its repr, dates and
timestamps as ISO text, structs as ``[name, value]`` pairs, maps as ``[key, value]`` pairs.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import math
import os
import sys
import time
import traceback
from decimal import Decimal
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `tests.parity` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from brickyard.domain.errors import ConfigError

TIME_ZONE = "UTC"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=["duckdb", "spark", "pyspark"], required=True)
    parser.add_argument("--home", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--only", nargs="*", help="program names (module.function) to run")
    args = parser.parse_args(argv)
    os.environ["TZ"] = TIME_ZONE  # PySpark turns timestamps into Python local time
    time.tzset()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # Spark's UDF workers: this venv
    started = time.monotonic()
    engine, spark = make_session(args.engine, args.home)
    startup = time.monotonic() - started

    from tests.parity.registry import load_programs

    results: dict[str, Any] = {}
    for prog in load_programs():
        if args.only and prog.info.name not in args.only:
            continue
        if prog.info.catalog and engine == "pyspark":
            results[prog.info.name] = {"skipped": "needs the Brickyard catalog (plain PySpark)"}
            continue
        results[prog.info.name] = run_program(spark, prog, catalog=engine != "pyspark")
    Path(args.out).write_text(
        json.dumps(
            {"engine": engine, "startup_s": round(startup, 2), "programs": results}, indent=1
        )
    )
    return 0


def make_session(engine: str, home: str) -> tuple[str, Any]:
    """The session for ``engine``; plain PySpark when Brickyard's Spark engine is missing."""
    import brickyard

    if engine != "pyspark":
        brickyard.connect(home).close()
        try:
            return engine, brickyard.spark(engine=engine, home=home)
        except ConfigError as exc:
            if engine != "spark" or "not available" not in str(exc):
                raise
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.memory", "1g")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", TIME_ZONE)
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return "pyspark", spark


def run_program(spark: Any, prog: Any, catalog: bool) -> dict[str, Any]:
    started = time.monotonic()
    try:
        spark.conf.set("spark.sql.session.timeZone", TIME_ZONE)
        schema = f"main.p_{prog.info.name.replace('.', '_')}"
        if catalog and prog.info.catalog:
            spark.sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            spark.sql(f"USE {schema}")
        df = prog.run(spark, schema)
        result = {
            "columns": list(df.columns),
            "types": [field.dataType.simpleString() for field in df.schema.fields],
            "rows": [[encode(v) for v in row] for row in df.collect()],
        }
    except Exception as exc:
        lines = traceback.format_exception_only(type(exc), exc)
        result = {"error": "".join(lines).strip()[:3000]}
    result["ordered"] = prog.info.ordered
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


def encode(value: Any) -> Any:
    """A collected value as exact, comparable JSON."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return {"double": "nan" if math.isnan(value) else repr(value)}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {"timestamp": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"interval_us": value // dt.timedelta(microseconds=1)}
    if isinstance(value, (bytes, bytearray)):
        return {"binary": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, tuple) and hasattr(value, "__fields__"):  # a Row: a struct
        return {"struct": [[name, encode(v)] for name, v in zip(value.__fields__, value, strict=True)]}
    if isinstance(value, dict):
        pairs = [[encode(k), encode(v)] for k, v in value.items()]
        return {"map": sorted(pairs, key=lambda kv: json.dumps(kv[0], sort_keys=True))}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return {"unknown": f"{type(value).__name__}: {value!r}"}


if __name__ == "__main__":
    sys.exit(main())
