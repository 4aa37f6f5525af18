"""`brickyard catalog ...` and `brickyard schema ...`."""

from __future__ import annotations

from typing import Annotated

import typer

from brickyard.cli.common import FormatOption, HomeOption, open_workspace
from brickyard.cli.output import OutputFormat, emit, ms_to_text, say

catalog_app = typer.Typer(
    help="Catalogs: the top level of catalog.schema.table.", no_args_is_help=True
)
schema_app = typer.Typer(help="Schemas: groups of tables inside a catalog.", no_args_is_help=True)

Comment = Annotated[str | None, typer.Option("--comment", help="A description.")]


@catalog_app.command("list")
def list_catalogs(home: HomeOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """List the catalogs."""
    with open_workspace(home) as ws:
        rows = [
            {
                "name": c.name,
                "comment": c.comment,
                "owner": c.owner,
                "created": ms_to_text(c.created_at),
            }
            for c in ws.catalog.list_catalogs()
        ]
    emit(rows, fmt, "Catalogs", ["name", "comment", "owner", "created"])


@catalog_app.command("create")
def create_catalog(name: str, comment: Comment = None, home: HomeOption = None) -> None:
    """Create a catalog."""
    with open_workspace(home) as ws:
        info = ws.catalog.create_catalog(name, comment)
    say(f"Created catalog [bold]{info.name}[/]")


@schema_app.command("list")
def list_schemas(
    catalog: Annotated[str | None, typer.Argument(help="Catalog (default: main).")] = None,
    home: HomeOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List the schemas of a catalog."""
    with open_workspace(home) as ws:
        rows = [
            {
                "full_name": s.full_name,
                "comment": s.comment,
                "owner": s.owner,
                "created": ms_to_text(s.created_at),
            }
            for s in ws.catalog.list_schemas(catalog)
        ]
    emit(rows, fmt, "Schemas", ["full_name", "comment", "owner", "created"])


@schema_app.command("create")
def create_schema(name: str, comment: Comment = None, home: HomeOption = None) -> None:
    """Create a schema: NAME is catalog.schema (or schema, in catalog main)."""
    with open_workspace(home) as ws:
        info = ws.catalog.create_schema(name, comment)
    say(f"Created schema [bold]{info.full_name}[/]")
