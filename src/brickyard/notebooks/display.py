"""What ``display(df)`` shows: an HTML table (and a text one) of a DataFrame's first rows.

``render`` takes a Spark DataFrame (Brickyard's or PySpark's), a pandas DataFrame or a pyarrow
Table/RecordBatch and returns a Jupyter mimebundle; anything else gives None, for the kernel to
show as it would (figures, plain values).
"""

from __future__ import annotations

import html
import math
import sys
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from brickyard.domain.errors import InvalidInputError

MAX_ROWS = 1000
# The text table is for terminals and logs: long values are cut there, not in the HTML.
_TEXT_CELL_WIDTH = 40


@dataclass(frozen=True)
class Frame:
    """The part of a table that is shown: column names, type names, values column by column."""

    names: list[str]
    types: list[str]
    columns: list[list[Any]]
    total_rows: int

    @property
    def shown_rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0


def render(obj: Any, max_rows: int = MAX_ROWS) -> dict[str, str] | None:
    """``{"text/html": ..., "text/plain": ...}`` for a tabular ``obj``, else None."""
    if max_rows < 1:
        raise InvalidInputError(f"max_rows must be at least 1, got {max_rows}")
    frame = to_frame(obj, max_rows)
    if frame is None:
        return None
    return {"text/html": to_html(frame), "text/plain": to_text(frame)}


def to_frame(obj: Any, max_rows: int = MAX_ROWS) -> Frame | None:
    """The first ``max_rows`` rows of a tabular ``obj`` and its row count, or None."""
    if isinstance(obj, pa.Table | pa.RecordBatch):
        return _arrow_frame(obj, max_rows)
    if _is_pandas(obj):
        return _pandas_frame(obj, max_rows)
    if hasattr(obj, "limit") and (hasattr(obj, "toArrow") or hasattr(obj, "toPandas")):
        return _spark_frame(obj, max_rows)
    return None


def caption(frame: Frame) -> str:
    """``3 rows, 2 columns`` or ``1,000 of 25,000 rows, 2 columns``."""
    rows = _plural(frame.total_rows, "row")
    if frame.shown_rows < frame.total_rows:
        rows = f"{frame.shown_rows:,} of {rows}"
    return f"{rows}, {_plural(len(frame.names), 'column')}"


def to_html(frame: Frame) -> str:
    esc = html.escape
    head = "".join(
        f'<th>{esc(name)}<br><span style="font-weight:normal;opacity:0.7">{esc(kind)}</span></th>'
        for name, kind in zip(frame.names, frame.types, strict=True)
    )
    texts = [[esc(_cell_text(v)) for v in column] for column in frame.columns]
    body = "".join(
        "<tr>" + "".join(f"<td>{value}</td>" for value in row) + "</tr>"
        for row in zip(*texts, strict=True)
    )
    return (
        '<table class="brickyard-table dataframe">'
        f'<caption style="caption-side:bottom;text-align:left">{esc(caption(frame))}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def to_text(frame: Frame) -> str:
    """A fixed-width table: names, types, a rule, the rows, then the caption."""
    header = [_clip(name) for name in frame.names]
    kinds = [_clip(kind) for kind in frame.types]
    columns = [[_clip(_cell_text(v)) for v in column] for column in frame.columns]
    widths = [
        max(len(name), len(kind), *(len(v) for v in column))
        for name, kind, column in zip(header, kinds, columns, strict=True)
    ]

    def line(cells: list[str]) -> str:
        return " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    rule = "-+-".join("-" * w for w in widths)
    lines = [line(header), line(kinds), rule]
    lines += [line(list(row)) for row in zip(*columns, strict=True)]
    return "\n".join([*lines, caption(frame)]) if frame.names else caption(frame)


def _arrow_frame(data: pa.Table | pa.RecordBatch, max_rows: int) -> Frame:
    shown = data.slice(0, max_rows)
    return Frame(
        names=list(data.schema.names),
        types=[str(field.type) for field in data.schema],
        columns=[column.to_pylist() for column in shown.columns],
        total_rows=data.num_rows,
    )


def _is_pandas(obj: Any) -> bool:
    # Without pandas imported, obj cannot be a pandas DataFrame: no import just to check.
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(obj, pandas.DataFrame)


def _pandas_frame(df: Any, max_rows: int) -> Frame:
    import pandas as pd

    total = len(df)
    shown = df.iloc[:max_rows]
    if not isinstance(shown.index, pd.RangeIndex):  # a meaningful index (groupby) is data
        shown = shown.reset_index()
    return Frame(
        names=[str(name) for name in shown.columns],
        types=[str(dtype) for dtype in shown.dtypes],
        columns=[_pandas_values(shown.iloc[:, i]) for i in range(shown.shape[1])],
        total_rows=total,
    )


def _pandas_values(column: Any) -> list[Any]:
    # pandas marks missing values as NaN, NaT or NA by dtype: all are nulls to the reader.
    missing = column.isna().tolist()
    return [None if gone else value for value, gone in zip(column.tolist(), missing, strict=True)]


def _spark_frame(df: Any, max_rows: int) -> Frame:
    # One more row than shown tells whether there are more; only then is counting worth it.
    limited = df.limit(max_rows + 1)
    if hasattr(limited, "toArrow"):
        table = limited.toArrow()
        columns = [column.to_pylist()[:max_rows] for column in table.columns]
        fetched = table.num_rows
    else:
        pdf = limited.toPandas()
        columns = [pdf.iloc[:max_rows, i].tolist() for i in range(pdf.shape[1])]
        fetched = len(pdf)
    # Names and Spark type names come from the schema: the fetched frame's may differ.
    dtypes: list[tuple[str, str]] = list(df.dtypes)
    return Frame(
        names=[name for name, _ in dtypes],
        types=[kind for _, kind in dtypes],
        columns=columns,
        total_rows=int(df.count()) if fetched > max_rows else fetched,
    )


def _cell_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"  # as Spark shows it; pandas' missing values are nulls by now
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes | bytearray):
        return "0x" + value.hex()
    return str(value)


def _clip(text: str) -> str:
    text = text.replace("\n", "\\n").replace("\t", " ")
    return text if len(text) <= _TEXT_CELL_WIDTH else text[: _TEXT_CELL_WIDTH - 3] + "..."


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"
