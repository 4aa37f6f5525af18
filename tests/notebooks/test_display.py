"""display(df): HTML and text tables of pandas, Arrow and Spark DataFrames."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

import brickyard
from brickyard.domain.errors import InvalidInputError
from brickyard.notebooks.display import render


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    home: Path = tmp_path_factory.mktemp("display") / "home"
    session = brickyard.spark(home=home)
    yield session
    session.stop()


def body_rows(html: str) -> int:
    return html.split("<tbody>")[1].count("<tr>")


def test_a_pandas_frame_is_an_html_table_with_names_types_and_a_caption() -> None:
    df = pd.DataFrame({"city": ["Oslo", "Lima", None], "trips": [3, 1, 2]})

    bundle = render(df)

    assert bundle is not None
    html = bundle["text/html"]
    assert html.startswith("<table")
    assert "city<br>" in html
    assert f">{df.dtypes['city']}</span>" in html
    assert ">int64</span>" in html
    assert body_rows(html) == 3
    assert "<td>Oslo</td><td>3</td>" in html
    assert "<td>null</td>" in html
    assert "3 rows, 2 columns</caption>" in html


def test_missing_pandas_values_are_null_and_arrow_nan_is_nan() -> None:
    df = pd.DataFrame({"f": [1.5, float("nan")], "t": [pd.Timestamp("2024-01-01"), pd.NaT]})

    pandas_bundle = render(df)
    arrow_bundle = render(pa.table({"f": pa.array([float("nan"), None], pa.float64())}))

    assert pandas_bundle is not None
    assert "<td>1.5</td><td>2024-01-01 00:00:00</td>" in pandas_bundle["text/html"]
    assert "<td>null</td><td>null</td>" in pandas_bundle["text/html"]
    assert arrow_bundle is not None
    assert "<tr><td>NaN</td></tr><tr><td>null</td></tr>" in arrow_bundle["text/html"]


def test_a_pandas_index_that_carries_data_is_shown() -> None:
    grouped = pd.DataFrame({"k": ["a", "b", "a"], "v": [1, 2, 3]}).groupby("k").sum()

    bundle = render(grouped)

    assert bundle is not None
    assert bundle["text/plain"].splitlines()[0].split() == ["k", "|", "v"]


def test_values_names_and_types_are_escaped() -> None:
    table = pa.table({"<b>name</b>": ["<script>alert('x')</script>", "a & b"]})

    bundle = render(table)

    assert bundle is not None
    html = bundle["text/html"]
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;b&gt;name&lt;/b&gt;" in html
    assert "a &amp; b" in html


def test_an_arrow_table_shows_arrow_types_and_is_cut_at_max_rows() -> None:
    table = pa.table({"n": pa.array(range(25_000), pa.int64()), "f": [0.5] * 25_000})

    bundle = render(table)

    assert bundle is not None
    assert ">int64</span>" in bundle["text/html"]
    assert ">double</span>" in bundle["text/html"]
    assert body_rows(bundle["text/html"]) == 1000
    assert "1,000 of 25,000 rows, 2 columns" in bundle["text/html"]
    text = bundle["text/plain"].splitlines()
    assert text[:3] == ["n     | f", "int64 | double", "------+-------"]
    assert text[3] == "0     | 0.5"
    assert len(text) == 3 + 1000 + 1
    assert text[-1] == "1,000 of 25,000 rows, 2 columns"


def test_a_record_batch_and_small_counts() -> None:
    batch = pa.record_batch({"only": [True]})

    bundle = render(batch, max_rows=10)

    assert bundle is not None
    assert "1 row, 1 column" in bundle["text/plain"]
    assert "<td>true</td>" in bundle["text/html"]


def test_an_empty_frame_has_a_header_and_zero_rows() -> None:
    bundle = render(pa.table({"a": pa.array([], pa.string())}))

    assert bundle is not None
    assert body_rows(bundle["text/html"]) == 0
    assert bundle["text/plain"].endswith("0 rows, 1 column")


def test_long_and_multiline_values_are_cut_in_text_only() -> None:
    long = "x" * 100 + "\nend"

    bundle = render(pa.table({"s": [long]}))

    assert bundle is not None
    assert long in bundle["text/html"]
    row = bundle["text/plain"].splitlines()[3]
    assert row == "x" * 37 + "..."


def test_other_objects_are_left_to_the_kernel() -> None:
    assert render(42) is None
    assert render("text") is None
    assert render([{"a": 1}]) is None
    assert render(pd.Series([1, 2])) is None


def test_max_rows_must_be_positive() -> None:
    with pytest.raises(InvalidInputError, match="max_rows"):
        render(pa.table({"a": [1]}), max_rows=0)


def test_a_brickyard_dataframe_is_cut_and_counted(spark: Any) -> None:
    bundle = render(spark.sql("SELECT * FROM range(2000)"))

    assert bundle is not None
    html = bundle["text/html"]
    assert "range<br>" in html
    assert ">bigint</span>" in html
    assert body_rows(html) == 1000
    assert "1,000 of 2,000 rows, 1 column" in html
    assert "1,000 of 2,000 rows, 1 column" in bundle["text/plain"]


def test_a_brickyard_dataframe_shows_spark_type_names(spark: Any) -> None:
    df = spark.createDataFrame(
        [(1, "<script>", 1.5, [1, 2]), (2, None, None, None)],
        "id int, s string, d double, xs array<int>",
    )

    bundle = render(df)

    assert bundle is not None
    html = bundle["text/html"]
    for name, kind in [("id", "int"), ("s", "string"), ("d", "double"), ("xs", "array<int>")]:
        assert f'{name}<br><span style="font-weight:normal;opacity:0.7">' in html
        assert f">{kind.replace('<', '&lt;').replace('>', '&gt;')}</span>" in html
    assert "&lt;script&gt;" in html
    assert "<td>2</td><td>null</td><td>null</td><td>null</td>" in html
    assert "2 rows, 4 columns" in html


class CountingFrame:
    """A Spark-like frame that only has toPandas (PySpark before 4.0) and counts count()."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.counted = 0
        self.dtypes = [("n", "bigint")]

    def limit(self, n: int) -> CountingFrame:
        return CountingFrame(min(n, self.rows))

    def toPandas(self) -> pd.DataFrame:  # noqa: N802 (PySpark's name)
        return pd.DataFrame({"n": range(self.rows)})

    def count(self) -> int:
        self.counted += 1
        return self.rows


def test_count_runs_only_when_the_frame_is_cut() -> None:
    small, big = CountingFrame(5), CountingFrame(50)

    small_bundle, big_bundle = render(small, max_rows=10), render(big, max_rows=10)

    assert small_bundle is not None
    assert big_bundle is not None
    assert small.counted == 0
    assert "5 rows" in small_bundle["text/plain"]
    assert big.counted == 1
    assert "10 of 50 rows, 1 column" in big_bundle["text/plain"]
    assert body_rows(big_bundle["text/html"]) == 10


@pytest.mark.serial
def test_a_thousand_rows_render_fast() -> None:
    table = pa.table(
        {
            "id": range(5000),
            "name": [f"name {i}" for i in range(5000)],
            "score": [i / 7 for i in range(5000)],
            "flag": [i % 2 == 0 for i in range(5000)],
            "day": pd.date_range("2024-01-01", periods=5000, freq="h").to_pydatetime().tolist(),
        }
    )

    best = min(_timed(lambda: render(table)) for _ in range(3))

    assert best < 0.05


def _timed(call: Any) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start
