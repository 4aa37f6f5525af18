"""`brickyard serve MODEL_URI`: one model behind MLflow's scoring protocol."""

from __future__ import annotations

from typing import Annotated

import typer

from brickyard.cli.common import HomeOption, open_workspace


def serve(
    model_uri: Annotated[
        str,
        typer.Argument(
            help="models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN_ID/PATH or a model folder."
        ),
    ],
    port: Annotated[int, typer.Option("--port", help="Port (as `mlflow models serve`).")] = 5000,
    host: Annotated[
        str, typer.Option("--host", help="Bind address; anything but loopback is unauthenticated.")
    ] = "127.0.0.1",
    home: HomeOption = None,
) -> None:
    """Serve a model: POST /invocations (MLflow's scoring formats), GET /ping and /health.

    An alias (models:/NAME@ALIAS) is followed: when it moves, the new version is served once
    loaded, without a restart."""
    from brickyard.api.model_server import serve_model

    with open_workspace(home) as ws:
        serve_model(ws, model_uri, host, port)
