"""`brickyard models ...`: the MLflow model registry of the workspace."""

from __future__ import annotations

import typer

models_app = typer.Typer(help="Registered models (MLflow's model registry).", no_args_is_help=True)
