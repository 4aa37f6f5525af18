"""Streaming readers for files loaded into tables: CSV, Parquet and JSON lines."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from brickyard.domain.errors import InvalidInputError, NotFoundError

FORMATS = ("csv", "parquet", "json")
_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
}
_BLOCK = 8 << 20  # 8 MiB read blocks: steady progress, bounded memory

Progress = Callable[[int], None]


def detect_format(path: Path, declared: str | None = None) -> str:
    if declared:
        if declared not in FORMATS:
            raise InvalidInputError(
                f"unknown file format '{declared}'; use one of {', '.join(FORMATS)}"
            )
        return declared
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise InvalidInputError(
            f"cannot tell the format of '{path.name}' from its extension; "
            f"pass --format with one of {', '.join(FORMATS)}"
        )
    return found


def open_file(
    path: Path, fmt: str | None = None, progress: Progress | None = None
) -> pa.RecordBatchReader:
    """A stream of record batches from ``path``; ``progress`` gets bytes read as they go."""
    if not path.is_file():
        raise NotFoundError(f"file '{path}' does not exist")
    if path.stat().st_size == 0:
        raise InvalidInputError(f"file '{path}' is empty: there are no rows and no header to load")
    kind = detect_format(path, fmt)
    if kind == "parquet":
        return _parquet(path, progress)
    source = _CountingFile(path.open("rb"), progress)
    try:
        if kind == "csv":
            delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
            reader = pacsv.open_csv(
                source,
                read_options=pacsv.ReadOptions(block_size=_BLOCK),
                parse_options=pacsv.ParseOptions(delimiter=delimiter),
            )
        else:
            reader = pajson.open_json(source, read_options=pajson.ReadOptions(block_size=_BLOCK))
    except pa.ArrowInvalid as exc:
        source.close()
        raise _explain(path, kind, exc) from exc
    return pa.RecordBatchReader.from_batches(reader.schema, _guarded(reader, path, kind, source))


def _guarded(reader: Any, path: Path, kind: str, source: _CountingFile) -> Iterator[pa.RecordBatch]:
    try:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except pa.ArrowInvalid as exc:
                raise _explain(path, kind, exc) from exc
            yield batch
    finally:
        source.close()


def _parquet(path: Path, progress: Progress | None) -> pa.RecordBatchReader:
    try:
        parquet = pq.ParquetFile(path)
    except pa.ArrowInvalid as exc:
        raise InvalidInputError(f"'{path}' is not a readable Parquet file: {exc}") from exc
    total_rows = max(parquet.metadata.num_rows, 1)
    size = path.stat().st_size

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in parquet.iter_batches(batch_size=65_536):
            if progress:
                progress(int(size * batch.num_rows / total_rows))
            yield batch

    return pa.RecordBatchReader.from_batches(parquet.schema_arrow, batches())


def _explain(path: Path, kind: str, exc: pa.ArrowInvalid) -> InvalidInputError:
    message = str(exc)
    if kind == "csv":
        ragged = re.search(r"Expected (\d+) columns, got (\d+)", message)
        if ragged:
            line = _ragged_line(path, int(ragged.group(1)))
            where = f" at line {line}" if line else ""
            return InvalidInputError(
                f"{path.name}: ragged row{where}: expected {ragged.group(1)} columns, got "
                f"{ragged.group(2)}; fix that line (quote values that contain commas). Nothing was written."
            )
        if "Empty CSV file" in message:
            return InvalidInputError(
                f"file '{path}' is empty: there are no rows and no header to load"
            )
    return InvalidInputError(
        f"{path.name}: cannot read it as {kind}: {message}. Nothing was written."
    )


def _ragged_line(path: Path, expected: int) -> int | None:
    """Line number (1-based, header is line 1) of the first record with the wrong field count."""
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        start = 1
        for record in reader:
            if record and len(record) != expected:
                return start
            start = reader.line_num + 1
    return None


class _CountingFile:
    """A binary file that reports how many bytes have been read."""

    def __init__(self, raw: BinaryIO, progress: Progress | None) -> None:
        self._raw = raw
        self._progress = progress
        self._read = 0
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._read += len(data)
        if self._progress:
            self._progress(self._read)
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True
        self._raw.close()
