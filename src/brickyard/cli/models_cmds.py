"""`brickyard models ...`: the MLflow model registry of the workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from brickyard.cli.common import FormatOption, HomeOption, open_workspace
from brickyard.cli.output import OutputFormat, emit, emit_object, ms_to_text, say

if TYPE_CHECKING:
    from brickyard.services.models import (
        ModelDetail,
        ModelRegistry,
        ModelVersionInfo,
        SignatureColumn,
    )
    from brickyard.workspace import Workspace

models_app = typer.Typer(help="Registered models (MLflow's model registry).", no_args_is_help=True)

_LIST_COLUMNS = ["name", "latest_version", "aliases", "last_updated", "description"]
_VERSION_COLUMNS = ["version", "status", "aliases", "run_id", "source", "tags", "created"]


@models_app.command("list")
def list_models(home: HomeOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Registered models: newest version, aliases (alias=version), last update."""
    with open_workspace(home) as ws:
        models = _registry(ws).list_models()
    rows = [
        {
            "name": m.name,
            "latest_version": m.latest_version,
            "aliases": m.aliases,
            "last_updated": ms_to_text(m.updated_at),
            "description": m.description,
        }
        for m in models
    ]
    if not rows and fmt == OutputFormat.table:
        say("No registered models yet: mlflow.register_model(...) adds one.")
        return
    emit(rows, fmt, "Registered models", _LIST_COLUMNS)


@models_app.command("show")
def show_model(
    name: str,
    version: Annotated[
        int | None,
        typer.Option("--version", min=1, help="Show this version's signature (default: newest)."),
    ] = None,
    home: HomeOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """A model's versions, aliases, tags and the signature of its newest (or --version) version."""
    with open_workspace(home) as ws:
        detail = _registry(ws).show(name, version)
    info = _model_row(detail)
    versions = [_version_row(v) for v in detail.versions]
    signature = detail.signature
    if fmt == OutputFormat.json:
        info["versions"] = versions
        info["signature"] = None
        if signature is not None:
            info["signature"] = {
                "version": signature.version,
                "inputs": _signature_rows(signature.inputs),
                "outputs": _signature_rows(signature.outputs),
            }
        emit_object(info, fmt)
        return
    emit_object(info, fmt, f"Model {detail.model.name}")
    emit(versions, fmt, f"Versions of {detail.model.name}", _VERSION_COLUMNS)
    if signature is None:
        return
    for side, columns in (("Inputs", signature.inputs), ("Outputs", signature.outputs)):
        title = f"{side} of version {signature.version}"
        if columns is None:
            say(f"{title}: no signature logged")
        else:
            emit(_signature_rows(columns) or [], fmt, title, ["name", "type", "required"])


def _registry(ws: Workspace) -> ModelRegistry:
    from brickyard.services.models import ModelRegistry  # mlflow: only when a command needs it

    return ModelRegistry(ws.ml_stores)


def _model_row(detail: ModelDetail) -> dict[str, Any]:
    model = detail.model
    return {
        "name": model.name,
        "description": model.description,
        "latest_version": model.latest_version,
        "aliases": model.aliases,
        "tags": model.tags,
        "created": ms_to_text(model.created_at),
        "last_updated": ms_to_text(model.updated_at),
    }


def _version_row(version: ModelVersionInfo) -> dict[str, Any]:
    return {
        "version": version.version,
        "status": version.status,
        "aliases": list(version.aliases),
        "run_id": version.run_id,
        "source": version.source,
        "tags": version.tags,
        "created": ms_to_text(version.created_at),
        "description": version.description,
    }


def _signature_rows(columns: tuple[SignatureColumn, ...] | None) -> list[dict[str, Any]] | None:
    if columns is None:
        return None
    return [{"name": c.name, "type": c.type, "required": c.required} for c in columns]
