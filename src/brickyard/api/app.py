"""The FastAPI application: health, the Unity Catalog API, access control, error mapping."""

from __future__ import annotations

from fastapi import FastAPI

from brickyard import __version__
from brickyard.api.errors import install_error_handlers
from brickyard.api.security import AccessControl
from brickyard.api.sql_statements import router as sql_router
from brickyard.api.unity_catalog import router as unity_catalog_router
from brickyard.services.sql import SqlService
from brickyard.workspace import Workspace


def create_app(workspace: Workspace, auth: bool | None = None) -> FastAPI:
    """The server's app for ``workspace``; ``auth`` defaults to ``[server] auth``."""
    app = FastAPI(
        title="Brickyard",
        version=__version__,
        description="Self-hosted data & AI workspace: Unity Catalog API over Delta tables.",
    )
    app.state.workspace = workspace
    install_error_handlers(app)

    @app.get("/api/health", tags=["server"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.include_router(unity_catalog_router)
    app.state.sql = SqlService(workspace.home)
    app.include_router(sql_router)
    enabled = workspace.config.server_auth if auth is None else auth
    app.add_middleware(AccessControl, tokens=workspace.tokens, auth=enabled)
    return app
