"""Streaming file readers: progress in bytes, formats, and clear errors."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from brickyard import InvalidInputError, NotFoundError
from brickyard.adapters.file_readers import open_file


def test_csv_progress_reports_bytes_read_up_to_the_file_size(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("id,name\n" + "".join(f"{i},name{i}\n" for i in range(200_000)))
    seen: list[int] = []
    table = open_file(path, progress=seen.append).read_all()
    assert table.num_rows == 200_000
    assert seen == sorted(seen)
    assert seen[-1] == path.stat().st_size


def test_parquet_and_json_lines_are_read(tmp_path: Path) -> None:
    parquet = tmp_path / "x.parquet"
    pq.write_table(pa.table({"a": list(range(10))}), parquet)
    seen: list[int] = []
    assert open_file(parquet, progress=seen.append).read_all().num_rows == 10
    assert seen[-1] == parquet.stat().st_size
    jsonl = tmp_path / "x.ndjson"
    jsonl.write_text('{"a": 1}\n{"a": 2}\n')
    assert open_file(jsonl).read_all().column("a").to_pylist() == [1, 2]


def test_unknown_extension_missing_and_corrupt_files(tmp_path: Path) -> None:
    odd = tmp_path / "x.txt"
    odd.write_text("a\n1\n")
    with pytest.raises(InvalidInputError, match="pass --format"):
        open_file(odd)
    assert open_file(odd, "csv").read_all().num_rows == 1
    with pytest.raises(NotFoundError, match="does not exist"):
        open_file(tmp_path / "nope.csv")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(InvalidInputError, match="not a readable Parquet file"):
        open_file(bad)


def test_quoted_commas_and_newlines_do_not_count_as_ragged(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('id,text\n1,"a, b"\n2,"multi\nline"\n3,x,extra\n')
    with pytest.raises(InvalidInputError, match="ragged row at line 5"):
        open_file(path).read_all()
