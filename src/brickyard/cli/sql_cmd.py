"""`brickyard sql`: Spark SQL on the workspace, one statement, a file, or an interactive shell."""

from __future__ import annotations

import csv
import io
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from brickyard.adapters.spark_sql.statements import STATEMENT_DONE
from brickyard.cli.common import HomeOption
from brickyard.cli.output import OutputFormat, console, emit, say
from brickyard.config import default_home
from brickyard.domain.errors import BrickyardError, InvalidInputError


class SqlFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def sql(
    statement: Annotated[
        str | None, typer.Argument(help="SQL to run; none: interactive shell.")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("-f", "--file", help="Run the statements of a .sql file.")
    ] = None,
    engine: Annotated[
        str | None, typer.Option("--engine", help="duckdb (default) or spark.")
    ] = None,
    fmt: Annotated[
        SqlFormat, typer.Option("--format", help="table, csv or json.")
    ] = SqlFormat.table,
    home: HomeOption = None,
) -> None:
    """Run Spark SQL against the catalog (tables by catalog.schema.table)."""
    import brickyard

    session = brickyard.spark(engine=engine, home=home if home is not None else default_home())
    if file is not None:
        if not file.is_file():
            raise InvalidInputError(f"SQL file '{file}' does not exist")
        for text in split_statements(file.read_text(encoding="utf-8")):
            show(session.sql(text), fmt)
        return
    if statement is not None:
        show(session.sql(statement), fmt)
        return
    shell(session, fmt)


def split_statements(text: str) -> list[str]:
    """The statements of a script, split on top-level ';' (quotes and comments respected)."""
    import sqlglot

    try:
        return [e.sql(dialect="spark") for e in sqlglot.parse(text, read="spark") if e is not None]
    except sqlglot.errors.ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        raise InvalidInputError(
            f"SQL syntax error at line {first.get('line', '?')}, column {first.get('col', '?')}: "
            f"{first.get('description', exc)}"
        ) from exc


def show(df: Any, fmt: SqlFormat) -> None:
    data = df.toArrow()
    rows = data.to_pylist()
    if data.column_names == [STATEMENT_DONE]:  # DDL/DML: no result set to print
        if fmt == SqlFormat.table:
            say("[dim]OK[/]")
        return
    if fmt == SqlFormat.json:
        print(json.dumps(rows, default=str))
    elif fmt == SqlFormat.csv:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(data.column_names)
        writer.writerows([[row[c] for c in data.column_names] for row in rows])
        sys.stdout.write(out.getvalue())
    elif data.num_columns:
        emit(rows, OutputFormat.table, None, data.column_names)
        say(f"[dim]{data.num_rows:,} row{'s' if data.num_rows != 1 else ''}[/]")
    else:
        say("[dim]OK[/]")


def shell(session: Any, fmt: SqlFormat) -> None:
    """A small SQL shell: statements end with ';', history in ~/.brickyard_sql_history."""
    import readline

    history = Path.home() / ".brickyard_sql_history"
    if history.exists():
        readline.read_history_file(history)
    say("Brickyard SQL. End statements with ';'. Ctrl-D quits.")
    buffer: list[str] = []
    try:
        while True:
            try:
                line = input("sql> " if not buffer else "...> ")
            except EOFError:
                break
            buffer.append(line)
            if not line.rstrip().endswith(";"):
                continue
            text = "\n".join(buffer).rstrip().rstrip(";")
            buffer = []
            try:
                for statement in split_statements(text):
                    show(session.sql(statement), fmt)
            except BrickyardError as exc:
                console.print("[bold red]Error:[/] " + escape(str(exc)), highlight=False)
            except Exception as exc:  # an engine error: report it and keep the shell
                console.print(f"Error: {exc}", highlight=False, markup=False)
    finally:
        readline.write_history_file(history)
