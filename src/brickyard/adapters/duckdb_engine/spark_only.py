"""What only a Spark cluster has (RDDs, SparkContext, streaming), and Spark's runtime config."""

from __future__ import annotations

from typing import Any

from brickyard.domain.errors import InvalidInputError

_TIMEZONE = "spark.sql.session.timeZone"


def needs_spark(feature: str) -> InvalidInputError:
    return InvalidInputError(
        f"{feature} exists only on Apache Spark; this session runs on DuckDB. Run this code in "
        "its own process with brickyard.spark(engine='spark') (config engine.default = 'spark')"
    )


class RuntimeConfig:
    """``spark.conf``: the session time zone drives DuckDB; other keys are kept, as Spark
    keeps settings that only tune its own execution (``spark.sql.shuffle.partitions``...)."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self._values: dict[str, str] = {}

    def get(self, key: str, default: str | None = None) -> str | None:
        if key == _TIMEZONE:
            return str(self._session.time_zone)
        return self._values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        if key == _TIMEZONE:
            self._session._conn.execute("SET SESSION TimeZone = ?", [str(value)])
            return
        self._values[key] = str(value)

    def unset(self, key: str) -> None:
        self._values.pop(key, None)

    def getAll(self) -> dict[str, str]:
        return {**self._values, _TIMEZONE: str(self.get(_TIMEZONE))}

    def isModifiable(self, key: str) -> bool:
        return True
