"""`brickyard table ...`: list, show, history, head, load, drop."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from brickyard.cli.common import FormatOption, HomeOption, open_workspace
from brickyard.cli.output import OutputFormat, console, emit, emit_object, ms_to_text, say

table_app = typer.Typer(help="Tables: managed Delta tables in the catalog.", no_args_is_help=True)

_PROGRESS_MIN_BYTES = 16 << 20  # show a progress bar for files from 16 MiB


class LoadMode(StrEnum):
    append = "append"
    overwrite = "overwrite"
    merge = "merge"


@table_app.command("list")
def list_tables(
    schema: Annotated[
        str | None, typer.Argument(help="catalog.schema (default: main.default).")
    ] = None,
    home: HomeOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List the tables of a schema."""
    with open_workspace(home) as ws:
        rows = [
            {
                "full_name": t.full_name,
                "columns": len(t.columns),
                "comment": t.comment,
                "tags": t.tags,
                "updated": ms_to_text(t.updated_at),
            }
            for t in ws.catalog.list_tables(schema)
        ]
    emit(rows, fmt, "Tables", ["full_name", "columns", "comment", "tags", "updated"])


@table_app.command("show")
def show_table(name: str, home: HomeOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Describe a table: columns, size, version, comment and tags."""
    with open_workspace(home) as ws:
        d = ws.catalog.table(name).describe()
    columns = [
        {"name": c.name, "type": c.type_text, "nullable": c.nullable, "comment": c.comment}
        for c in d.columns
    ]
    if fmt == OutputFormat.json:
        emit_object(
            {
                "full_name": d.full_name,
                "columns": columns,
                "rows": d.rows,
                "files": d.files,
                "bytes": d.bytes,
                "version": d.version,
                "created_at": d.created_at,
                "updated_at": d.updated_at,
                "comment": d.comment,
                "tags": d.tags,
                "partition_by": list(d.partition_by),
                "storage_location": d.storage_location,
                "table_id": d.table_id,
            },
            fmt,
        )
        return
    emit_object(
        {
            "table": d.full_name,
            "comment": d.comment,
            "rows": d.rows,
            "files": d.files,
            "bytes": d.bytes,
            "version": d.version,
            "partitioned by": list(d.partition_by),
            "tags": d.tags,
            "created": ms_to_text(d.created_at),
            "updated": ms_to_text(d.updated_at),
            "location": d.storage_location,
        },
        fmt,
        d.full_name,
    )
    emit(columns, fmt, "Columns", ["name", "type", "nullable", "comment"])


@table_app.command("history")
def table_history(
    name: str,
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="Newest N commits.")] = None,
    home: HomeOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The table's commits, newest first (versions usable for time travel)."""
    with open_workspace(home) as ws:
        entries = ws.catalog.table(name).history(limit)
    rows = [
        {
            "version": h.version,
            "timestamp": ms_to_text(h.timestamp) if fmt == OutputFormat.table else h.timestamp,
            "operation": h.operation,
            "user": h.user,
            "parameters": h.parameters,
            "metrics": _brief_metrics(h.metrics),
        }
        for h in entries
    ]
    emit(
        rows,
        fmt,
        f"History of {name}",
        ["version", "timestamp", "operation", "user", "parameters", "metrics"],
    )


@table_app.command("head")
def head_table(
    name: str,
    n: Annotated[int, typer.Option("-n", help="Number of rows.", min=0)] = 10,
    version: Annotated[
        int | None, typer.Option("--version", help="Time travel to a version.")
    ] = None,
    home: HomeOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The first rows of a table."""
    with open_workspace(home) as ws:
        table = ws.catalog.table(name)
        dataset_rows = table.head(n, version=version)
    rows = dataset_rows.to_pylist()
    emit(rows, fmt, name, dataset_rows.column_names)


@table_app.command("load")
def load_table(
    file: Annotated[Path, typer.Argument(help="CSV, Parquet or JSON-lines file.")],
    into: Annotated[str, typer.Option("--into", help="Target table (created if missing).")],
    mode: Annotated[LoadMode, typer.Option("--mode")] = LoadMode.append,
    on: Annotated[
        list[str] | None, typer.Option("--on", help="Key column(s) for --mode merge.")
    ] = None,
    file_format: Annotated[
        str | None,
        typer.Option("--file-format", help="csv, parquet or json (default: from the extension)."),
    ] = None,
    home: HomeOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Load a file into a table as one commit (nothing is written if any row is bad)."""
    size = file.stat().st_size if file.is_file() else 0
    show = size >= _PROGRESS_MIN_BYTES and fmt == OutputFormat.table
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not show,
    )
    from brickyard.services.loading import load_file

    with open_workspace(home) as ws, progress:
        task = progress.add_task(f"loading {file.name}", total=size)
        result = load_file(
            ws.catalog,
            file,
            into,
            mode.value,
            on,
            file_format,
            progress=lambda done: progress.update(task, completed=done),
        )
    if fmt == OutputFormat.json:
        emit_object(result.__dict__, fmt)
        return
    verb = (
        "Created"
        if result.created
        else {"append": "Appended to", "overwrite": "Overwrote", "merge": "Merged into"}[
            result.mode
        ]
    )
    say(f"{verb} [bold]{result.table}[/]: version {result.version}, {result.rows:,} rows")


@table_app.command("drop")
def drop_table(
    name: str,
    if_exists: Annotated[
        bool, typer.Option("--if-exists", help="No error if it does not exist.")
    ] = False,
    home: HomeOption = None,
) -> None:
    """Drop a table and delete its managed data."""
    with open_workspace(home) as ws:
        ref = ws.catalog.resolve_table(name)
        ws.catalog.drop_table(name, if_exists=if_exists)
    say(f"Dropped table [bold]{ref.full_name}[/]")


def _brief_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "num_added_rows",
        "num_deleted_rows",
        "num_target_rows_inserted",
        "num_target_rows_updated",
        "num_added_files",
        "num_removed_files",
    )
    return {k: v for k, v in metrics.items() if k in keep}
