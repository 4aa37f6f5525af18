"""The FastAPI application: health, the Unity Catalog API, access control, error mapping."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Response

from brickyard import __version__
from brickyard.adapters.metadata_sql.serving_store import SqlServingStore
from brickyard.adapters.mlflow_models import MlflowModels
from brickyard.adapters.mlflow_server import EmbeddedMlflow
from brickyard.api.auth import authorize, user_service
from brickyard.api.auth import router as auth_router
from brickyard.api.errors import install_error_handlers
from brickyard.api.jobs import router as jobs_router
from brickyard.api.security import AccessControl, request_limit
from brickyard.api.serving import router as serving_router
from brickyard.api.sql_statements import router as sql_router
from brickyard.api.unity_catalog import router as unity_catalog_router
from brickyard.api.web import install_web_ui
from brickyard.config import Config
from brickyard.domain.errors import ConfigError
from brickyard.services.serving import ServingService
from brickyard.services.sql import SqlService
from brickyard.workspace import Workspace


def limit_threads(app: FastAPI, config: Config) -> None:
    """Sync routes run in anyio's default thread pool (40 threads unless told): under load
    that many threads mostly wait for the interpreter lock and pass it around, so a few
    answer faster. SQL statements get a pool of their own: long queries cannot take every
    thread from the quick requests."""
    import anyio
    import anyio.to_thread

    threads = _positive(config, "server.threads")
    anyio.to_thread.current_default_thread_limiter().total_tokens = threads
    app.state.query_threads = anyio.CapacityLimiter(_positive(config, "server.query_threads"))


def _positive(config: Config, key: str) -> int:
    value = config.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(
            f"[{key.replace('.', '] ', 1)} must be a whole number >= 1, not {value!r}"
        )
    return value


def create_app(
    workspace: Workspace,
    auth: bool | None = None,
    run_jobs: bool = False,
    preload_mlflow: bool = False,
    web_dist: Path | None = None,
) -> FastAPI:
    """The server's app for ``workspace``; ``auth`` defaults to ``[server] auth``.

    With ``run_jobs`` the app runs the workspace's jobs (scheduler and executor) in a thread
    while it serves, and reports healthy only once the jobs folder has been loaded. MLflow's
    tracking server (API and UI) is mounted at ``/mlflow``; it loads on its first request, or
    in a thread at start-up with ``preload_mlflow``, which also starts the serving endpoints
    (else they start on the first serving request).
    """
    mlflow_app = EmbeddedMlflow(workspace.ml_stores)
    serving = ServingService(
        SqlServingStore(workspace.store.engine),
        MlflowModels(workspace.ml_stores, store_ready=mlflow_app.load),
        workspace.clock,
        workspace.config.ml_serving,
    )
    runner = (
        workspace.job_runner(schedule=True, execute=True, reload_jobs=True) if run_jobs else None
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        limit_threads(_app, workspace.config)
        if runner is not None:
            runner.start_thread()
        if preload_mlflow:
            mlflow_app.start()
            serving.start()
        yield
        serving.stop()
        if runner is not None:
            runner.stop()

    app = FastAPI(
        title="Brickyard",
        version=__version__,
        description="Self-hosted data & AI workspace: Unity Catalog API over Delta tables.",
        lifespan=lifespan,
        dependencies=[Depends(authorize)],  # the permission check of every route
    )
    app.state.workspace = workspace
    app.state.job_runner = runner
    app.state.auth = workspace.config.server_auth if auth is None else auth
    app.state.users = user_service(workspace)
    install_error_handlers(app)

    @app.get("/api/health", tags=["server"])
    def health(response: Response) -> dict[str, str]:
        if runner is not None and not runner.ready.is_set():
            response.status_code = 503  # up, but the jobs folder is not loaded yet
            return {"status": "starting", "version": __version__}
        return {
            "status": "ok",
            "version": __version__,
            "mlflow": "ok" if mlflow_app.ready else "starting",
        }

    app.include_router(auth_router)
    app.include_router(unity_catalog_router)
    app.state.sql = SqlService(workspace.home)
    app.include_router(sql_router)
    app.include_router(jobs_router)
    app.state.mlflow = mlflow_app
    app.mount("/mlflow", mlflow_app)
    app.state.serving = serving
    app.include_router(serving_router)
    install_web_ui(app, web_dist)  # the pages and their assets; /api and /mlflow stay as is
    app.add_middleware(
        AccessControl,
        tokens=workspace.tokens,
        auth=app.state.auth,
        users=app.state.users,
        max_request_bytes=request_limit(workspace.config),
    )
    return app
