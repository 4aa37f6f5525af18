"""`brickyard serve`: one model behind MLflow's scoring protocol, as `mlflow models serve`;
an alias URI is followed as `brickyard up`'s serving endpoints follow theirs.

``GET /ping`` and ``GET /health`` (200 once the model is loaded, which happens before the
server listens), ``GET /version`` (MLflow's), ``POST /invocations`` (JSON, CSV or Parquet, as
MLflow takes them). On a loopback bind the Host header must be a loopback name, so a
DNS-rebinding page cannot reach the model; other binds are only made on request (``--host``).
"""

from __future__ import annotations

import gc
import logging

import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from brickyard.adapters.mlflow_models import MlflowModels
from brickyard.api.errors import error_response, install_error_handlers
from brickyard.api.security import host_without_port, is_loopback
from brickyard.services.serving import FollowedModel, ScoringModel
from brickyard.workspace import Workspace


def serve_model(workspace: Workspace, model_uri: str, host: str, port: int) -> None:
    """Load ``model_uri`` from the workspace's MLflow store, then serve it until interrupted.

    ``models:/NAME@ALIAS`` is followed: when the alias moves, the version it names then is
    loaded in the background and served once loaded, without a restart."""
    models = MlflowModels(workspace.ml_stores)
    model: ScoringModel
    if "@" in model_uri and model_uri.startswith("models:/"):
        followed = FollowedModel(models, workspace.clock, model_uri)
        status = followed.wait_loaded()
        _announce_versions()
        model, described = followed, f"{model_uri} (version {status.served_version})"
    else:
        model, described = models.load_uri(model_uri), model_uri
    app = scoring_app(model, model_uri, loopback_only=is_loopback(host))
    gc.collect()
    if not isinstance(model, FollowedModel):  # a followed model is replaced: it must be freed
        gc.freeze()  # the model and MLflow live as long as the process: keep them out of GCs
    print(f"Serving {described} on http://{host}:{port} (POST /invocations)", flush=True)
    if not is_loopback(host):
        print(f"Warning: {host} is not loopback; anyone who can reach it can use the model")
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
    finally:
        if isinstance(model, FollowedModel):
            model.stop()


def _announce_versions() -> None:
    """The serving service's lines (a new version served, a load that failed) on stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    serving_log = logging.getLogger("brickyard.services.serving")
    serving_log.addHandler(handler)
    serving_log.setLevel(logging.INFO)


def scoring_app(model: ScoringModel, model_uri: str, loopback_only: bool = True) -> FastAPI:
    """An app serving ``model`` with MLflow's scoring protocol."""
    from mlflow.version import VERSION

    app = FastAPI(title="Brickyard model server", description=f"Serving {model_uri}")
    install_error_handlers(app)

    @app.get("/ping")
    @app.get("/health")
    def ping() -> Response:
        return Response("\n", media_type="application/json")  # MLflow's answer

    @app.get("/version")
    def version() -> Response:
        return Response(VERSION, media_type="application/json")

    @app.post("/invocations")
    async def invocations(request: Request) -> Response:
        body = await request.body()
        content_type = request.headers.get("content-type")
        answer = await run_in_threadpool(model.invoke, body, content_type)
        return Response(answer, media_type="application/json")

    if loopback_only:
        app.add_middleware(LoopbackHostOnly)
    return app


class LoopbackHostOnly:
    """Refuses requests whose Host header is not a loopback name (DNS rebinding)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            host = host_without_port(headers.get(b"host", b"").decode("latin-1"))
            if not is_loopback(host):
                message = (
                    f"Host '{host}' is not a loopback name; this server only answers localhost"
                )
                await error_response(403, "PERMISSION_DENIED", message)(scope, receive, send)
                return
        await self.app(scope, receive, send)
