"""Running the API with uvicorn, refusing unsafe binds."""

from __future__ import annotations

import gc
import subprocess
from pathlib import Path

import uvicorn

from brickyard.api.app import create_app
from brickyard.api.security import is_loopback
from brickyard.domain.errors import AuthError
from brickyard.workspace import Workspace


def check_bind(host: str, auth: bool) -> None:
    """Binding anything but loopback requires ``[server] auth = true``."""
    if not is_loopback(host) and not auth:
        raise AuthError(
            f"refusing to bind {host} without authentication: anyone who can reach it could "
            "read and change your data. Set [server] auth = true in brickyard.toml (or "
            "BRICKYARD_SERVER_AUTH=true) and create tokens with `brickyard tokens create --user NAME`, "
            "or bind 127.0.0.1."
        )


def serve(workspace: Workspace, host: str, port: int, run_jobs: bool = True) -> None:
    """Serve until interrupted (one process, one worker: keeps TCP_NODELAY and shared state).

    By default the server also runs the jobs (scheduler and executor in a thread); a
    workspace that runs ``brickyard scheduler`` and ``brickyard worker`` apart passes False.
    """
    auth = workspace.config.server_auth
    check_bind(host, auth)
    app = create_app(workspace, auth=auth, run_jobs=run_jobs, preload_mlflow=True)
    # Everything imported so far lives as long as the process: keep it out of the cyclic GC's
    # full collections, which otherwise walk it on big responses (tens of ms each time).
    gc.collect()
    gc.freeze()
    print(
        f"Brickyard serving {workspace.home} on http://{host}:{port} (API docs: /docs, "
        f"MLflow: /mlflow/)",
        flush=True,
    )
    jupyter = _start_notebooks(workspace)
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
    finally:
        if jupyter is not None:
            jupyter.terminate()
            jupyter.wait(timeout=30)


def _start_notebooks(workspace: Workspace) -> subprocess.Popen[bytes] | None:
    """JupyterLab beside the server with ``[notebooks] jupyter = true``; else how to start it.
    The Brickyard kernel is installed (or refreshed) either way."""
    from brickyard.notebooks.jupyter import start_jupyter
    from brickyard.notebooks.kernelspec import ensure_kernel

    ensure_kernel()
    if not workspace.config.get("notebooks.jupyter"):
        print("Notebooks: `brickyard notebook` starts JupyterLab", flush=True)
        return None
    return start_jupyter(Path(workspace.home), int(workspace.config.get("notebooks.port")), True)
