"""Options every command shares, and opening the workspace they name."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from brickyard.cli.output import OutputFormat
from brickyard.config import default_home

if TYPE_CHECKING:
    from brickyard.workspace import Workspace

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="Workspace home (default: $BRICKYARD_HOME or ~/.brickyard).",
        show_default=False,
    ),
]
FormatOption = Annotated[
    OutputFormat, typer.Option("--format", help="Output as a table (people) or json (scripts).")
]


def open_workspace(home: Path | None) -> Workspace:
    from brickyard.workspace import connect  # heavy: only when a command needs it

    return connect(home if home is not None else default_home())
