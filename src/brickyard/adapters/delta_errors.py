"""delta-rs errors -> Brickyard errors with an actionable message (one place)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from deltalake.exceptions import CommitFailedError
from deltalake.exceptions import SchemaMismatchError as DeltaSchemaMismatch

from brickyard.domain.errors import (
    BrickyardError,
    ConcurrentWriteError,
    InvalidInputError,
    SchemaMismatchError,
    StorageError,
)

_CONFLICT_WORDS = ("concurrent", "conflict", "version already exists", "already exists for version")


class DeltaErrors:
    """Context manager translating whatever delta-rs raises inside it.

    ``source`` is a stream we fed to delta-rs: if it failed, its own error is the real cause.
    """

    def __init__(self, location: str, predicate: str | None = None, source: Any = None) -> None:
        self.location = location
        self.predicate = predicate
        self.source = source

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, _tb: Any) -> None:
        if exc is None or not isinstance(exc, Exception):
            return
        cause = getattr(self.source, "error", None)
        if isinstance(cause, BrickyardError):
            raise cause from exc
        if isinstance(exc, BrickyardError):
            return
        raise translate(exc, self.location, self.predicate) from exc


def translate(exc: Exception, location: str, predicate: str | None = None) -> BrickyardError:
    message = short(exc)
    lowered = message.lower()
    if isinstance(exc, CommitFailedError):
        if any(word in lowered for word in _CONFLICT_WORDS):
            return ConcurrentWriteError(
                "write conflict: another writer committed to this table first; retry the "
                f"operation ({message})"
            )
        if "table features" in lowered:
            return InvalidInputError(
                f"the data needs a Delta feature the table does not have ({message}); "
                "convert the column (for example timestamps to UTC) and write again"
            )
        return StorageError(f"the commit to {location} failed: {message}")
    if isinstance(exc, DeltaSchemaMismatch):
        return SchemaMismatchError(
            f"the data does not match the table's schema: {message}; nothing was written"
        )
    if "multiple source rows" in lowered or "matched a target row with multi" in lowered:
        return InvalidInputError(
            "the data has several rows with the same merge key; a merge needs one source row "
            "per key: remove the duplicates and merge again"
        )
    if predicate is not None:
        return InvalidInputError(
            f"cannot apply the predicate '{predicate}': {message}; "
            "write it as a SQL predicate such as \"id = 3 AND region = 'EU'\""
        )
    if "partition column" in lowered and "not found" in lowered:
        return InvalidInputError(
            f"{message}: the table is partitioned, so new data must keep its partition columns"
        )
    if isinstance(exc, (pa.ArrowInvalid, pa.ArrowTypeError)) or "cast error" in lowered:
        return InvalidInputError(f"invalid data: {message}; nothing was written")
    if "already exists" in lowered:
        return StorageError(f"a Delta table exists already at {location}")
    return StorageError(f"Delta Lake error at {location}: {message}")


def short(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return " ".join(line.strip() for line in lines[:3])
