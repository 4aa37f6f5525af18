"""Printing results: rich tables for people, JSON (`--format json`) for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table as RichTable

console = Console()
err_console = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def emit(
    rows: Sequence[dict[str, Any]],
    fmt: OutputFormat,
    title: str | None = None,
    columns: Sequence[str] | None = None,
) -> None:
    """Print ``rows`` as a table or as a JSON list."""
    if fmt == OutputFormat.json:
        print(json.dumps(list(rows), default=_json_default, indent=2))
        return
    names = list(columns or (rows[0].keys() if rows else []))
    table = RichTable(title=title, show_lines=False, header_style="bold cyan")
    for name in names:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*[_cell(row.get(name)) for name in names])
    console.print(table)


def emit_object(obj: dict[str, Any], fmt: OutputFormat, title: str | None = None) -> None:
    if fmt == OutputFormat.json:
        print(json.dumps(obj, default=_json_default, indent=2))
        return
    table = RichTable(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in obj.items():
        table.add_row(key, _cell(value))
    console.print(table)


def ms_to_text(ms: int | None) -> str:
    if not ms:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def say(message: str) -> None:
    """A one-line status message (rich markup), never wrapped mid-name."""
    console.print(message, soft_wrap=True)
