"""Loading files (CSV, Parquet, JSON lines) into catalog tables, as one Delta commit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from brickyard.adapters.file_readers import Progress, open_file
from brickyard.domain.errors import InvalidInputError, NotFoundError
from brickyard.services.catalog import CatalogService

LoadMode = Literal["append", "overwrite", "merge"]


@dataclass(frozen=True)
class LoadResult:
    table: str
    mode: str
    created: bool
    version: int
    rows: int


def load_file(
    catalog: CatalogService,
    path: Path,
    into: str,
    mode: LoadMode = "append",
    on: list[str] | None = None,
    fmt: str | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Load ``path`` into table ``into`` (created from the file when it does not exist).

    The whole file is one commit: a bad row anywhere leaves the table as it was.
    """
    if mode not in ("append", "overwrite", "merge"):
        raise InvalidInputError(f"unknown load mode '{mode}'; use append, overwrite or merge")
    if mode == "merge" and not on:
        raise InvalidInputError("--mode merge needs the key column(s): add --on COLUMN")
    ref = catalog.resolve_table(into)
    reader = open_file(path, fmt, progress)
    try:
        table = catalog.table(ref)
    except NotFoundError:
        catalog.get_schema(ref.schema_ref.full_name)
        table = catalog.create_table(ref.full_name, reader)
        return LoadResult(ref.full_name, mode, True, table.version, table.describe().rows)
    if mode == "append":
        table.append(reader)
    elif mode == "overwrite":
        table.overwrite(reader)
    else:
        table.merge(reader, on=on or [])
    return LoadResult(ref.full_name, mode, False, table.version, table.describe().rows)
