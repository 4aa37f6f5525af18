"""The `brickyard` command: workspace, catalog, tables, tokens and the server."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from brickyard.cli.catalog_cmds import catalog_app, schema_app
from brickyard.cli.common import FormatOption, HomeOption, open_workspace
from brickyard.cli.jobs_cmds import jobs_app, logs, runs_app
from brickyard.cli.models_cmds import models_app
from brickyard.cli.notebook_cmds import kernel_app, notebook_app
from brickyard.cli.output import OutputFormat, emit, err_console, say
from brickyard.cli.serve_cmd import serve as serve_command
from brickyard.cli.sql_cmd import sql as sql_command
from brickyard.cli.table_cmds import table_app
from brickyard.cli.tokens_cmds import tokens_app
from brickyard.cli.users_cmds import users_app
from brickyard.config import default_home
from brickyard.domain.errors import BrickyardError

app = typer.Typer(
    help="Brickyard: a self-hosted data & AI workspace.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(catalog_app, name="catalog")
app.add_typer(schema_app, name="schema")
app.add_typer(table_app, name="table")
app.add_typer(tokens_app, name="tokens")
app.add_typer(users_app, name="users")
app.add_typer(jobs_app, name="jobs")
app.add_typer(runs_app, name="runs")
app.command(name="sql")(sql_command)
app.command(name="logs")(logs)
app.add_typer(models_app, name="models")
app.command(name="serve")(serve_command)
app.add_typer(notebook_app, name="notebook")
app.add_typer(kernel_app, name="kernel")

_debug = False


def _print_version(value: bool) -> None:
    if value:
        from brickyard import __version__

        print(f"brickyard {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
        ),
    ] = False,
) -> None:
    global _debug
    _debug = debug or os.environ.get("BRICKYARD_DEBUG", "") not in ("", "0", "false")


@app.command()
def init(
    home: HomeOption = None,
    demo: Annotated[bool, typer.Option("--demo", help="Add demo tables.")] = False,
) -> None:
    """Create a workspace home (idempotent): config, metadata DB, warehouse, jobs, logs."""
    from brickyard.workspace import connect

    path = home if home is not None else default_home()
    with connect(path, demo=demo) as ws:
        tables = len(ws.catalog.list_tables("main.default"))
        say(f"Workspace ready at [bold]{ws.home}[/] ({tables} tables in main.default)")


@app.command()
def up(
    home: HomeOption = None,
    host: Annotated[
        str | None, typer.Option("--host", help="Bind address (default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default 8585).")] = None,
    no_jobs: Annotated[
        bool,
        typer.Option(
            "--no-jobs", help="Do not run jobs here (brickyard scheduler/worker run them)."
        ),
    ] = False,
) -> None:
    """Start the Brickyard server: REST API (docs at /docs) and the jobs' scheduler and workers."""
    from brickyard.api.server import serve

    ws = open_workspace(home)
    serve(ws, host or ws.config.server_host, port or ws.config.server_port, run_jobs=not no_jobs)


@app.command()
def scheduler(home: HomeOption = None) -> None:
    """Run only the jobs scheduler (runs are executed by `brickyard worker` processes)."""
    _run_jobs_loop(home, "Scheduling the jobs", schedule=True, execute=False, reload_jobs=True)


@app.command()
def worker(
    slots: Annotated[int | None, typer.Option("--slots", min=1, help="Tries at once.")] = None,
    home: HomeOption = None,
) -> None:
    """Run only task tries: claims queued tasks (started by `brickyard scheduler`)."""
    _run_jobs_loop(home, "Running the tasks", slots=slots, schedule=False, execute=True)


def _run_jobs_loop(home: Path | None, doing: str, **parts: Any) -> None:
    """One part of the jobs loop (scheduler or worker) until Ctrl+C; tries stopped are recorded."""
    ws = open_workspace(home)
    runner = ws.job_runner(**parts)
    say(f"{doing} of {ws.home} (Ctrl+C stops)")
    try:
        runner.run_forever()
    finally:
        runner.stop()
        ws.close()


@app.command()
def search(
    text: str,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 100,
    home: HomeOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Find catalogs, schemas, tables and columns by name, comment or tag."""
    with open_workspace(home) as ws:
        hits = ws.catalog.search(text, limit)
    rows = [
        {"full_name": h.full_name, "kind": h.kind, "matched": h.matched, "text": h.text}
        for h in hits
    ]
    emit(rows, fmt, f"Search: {text}", ["full_name", "kind", "matched", "text"])


def run() -> None:
    """Entry point: Brickyard errors print as one line (the traceback only with --debug)."""
    try:
        code = app(standalone_mode=False)  # a command's typer.Exit(n) comes back as n
        if isinstance(code, int) and code:
            sys.exit(code)
    except BrickyardError as exc:
        if _debug:
            raise
        err_console.print(
            "[bold red]Error:[/] " + escape(str(exc)), highlight=False, soft_wrap=True
        )
        sys.exit(1)
    except typer.Abort:
        err_console.print("Aborted.")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:
        # Usage errors and --help/--version exits come from typer's (vendored) click.
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            sys.exit(exc.exit_code)
        if type(exc).__name__ == "Exit" and hasattr(exc, "exit_code"):
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    run()
