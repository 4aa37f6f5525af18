"""``BrickyardDataFrame``: sqlframe's DuckDB DataFrame plus the PySpark methods it lacks."""

from __future__ import annotations

from typing import Any

from sqlframe.duckdb import DuckDBDataFrame

from brickyard.adapters.duckdb_engine.spark_only import needs_spark


class BrickyardDataFrame(DuckDBDataFrame):
    """sqlframe's DataFrame plus the PySpark methods it lacks."""

    @property
    def rdd(self) -> Any:
        raise needs_spark("DataFrame.rdd")

    @property
    def sparkSession(self) -> Any:
        return self.session

    def selectExpr(self, *exprs: str | list[str]) -> Any:
        from sqlframe.duckdb import functions

        flat = [e for item in exprs for e in ([item] if isinstance(item, str) else item)]
        return self.select(*[functions.expr(e) for e in flat])
