"""`brickyard notebook ...` and `brickyard kernel install`: Jupyter with the Brickyard kernel."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Annotated

import typer

from brickyard.cli.common import HomeOption
from brickyard.cli.output import err_console, say
from brickyard.config import default_home
from brickyard.domain.errors import InvalidInputError

notebook_app = typer.Typer(
    help="Notebooks: JupyterLab (no command), run, convert.", invoke_without_command=True
)
kernel_app = typer.Typer(help="The Brickyard Jupyter kernel.", no_args_is_help=True)


@kernel_app.command("install")
def install_kernel() -> None:
    """Install the "Brickyard (Python)" kernel into this environment (idempotent)."""
    from brickyard.notebooks.kernelspec import DISPLAY_NAME, install_kernel

    where = install_kernel()
    say(f"Kernel [bold]{DISPLAY_NAME}[/] installed in {where}")


@notebook_app.callback()
def jupyter(
    ctx: typer.Context,
    port: Annotated[int, typer.Option("--port", help="JupyterLab's port.")] = 8888,
    home: HomeOption = None,
) -> None:
    """Without a command: start JupyterLab on 127.0.0.1 with a token, its root the home's
    notebooks/ folder, the Brickyard kernel the default."""
    if ctx.invoked_subcommand is not None:
        return
    from brickyard.notebooks.jupyter import start_jupyter

    process = start_jupyter(home if home is not None else default_home(), port)
    # Stopped by a signal (kill, a service manager) as by Ctrl+C: JupyterLab goes too, not
    # left running on its port without its parent.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait(timeout=30)


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@notebook_app.command("run")
def run(
    path: Path,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="A widget value: name=value.")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", min=1, help="Seconds before it is stopped.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="Write the executed notebook here (.ipynb).")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Run a notebook (.ipynb or Databricks source .py/.sql) top to bottom in a fresh kernel; the
    last line printed is its exit value (dbutils.notebook.exit)."""
    from brickyard.notebooks.runner import run_notebook

    if home is not None:
        os.environ["BRICKYARD_HOME"] = str(home)
    params = dict(_pair(p) for p in param or [])

    def progress(number: int, cells: int, first_line: str) -> None:
        err_console.print(f"[dim]cell {number}/{cells}[/] {first_line}", highlight=False)

    result = run_notebook(path, params, timeout, progress=progress, output=output)
    if not result.ok:
        err_console.print(f"[bold red]Failed:[/] {result.error}", highlight=False, markup=False)
        raise typer.Exit(1)
    if result.exit_value is not None:
        print(result.exit_value)


@notebook_app.command("convert")
def convert(source: Path, target: Path) -> None:
    """Convert between .ipynb and the Databricks source format (.py, .sql), by the suffixes."""
    from brickyard.notebooks.formats import convert as convert_notebook

    convert_notebook(source, target)
    say(f"Wrote {target}")


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise InvalidInputError(f"--param takes name=value, got '{text}'")
    return name, value
