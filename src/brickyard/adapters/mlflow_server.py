"""MLflow's own tracking server, embedded in Brickyard's.

The one module that knows MLflow's private server settings: ``mlflow server`` hands its
options to its workers through ``_MLFLOW_SERVER_*`` environment variables and caches its
stores in module globals of ``mlflow.server.handlers``. Brickyard sets the same variables,
builds the stores (resetting those caches, so one process can open another workspace) and
mounts MLflow's FastAPI app (which wraps its Flask app) under ``/mlflow``. A test fails
loudly when an MLflow upgrade renames any of them (tests/ml/test_mlflow_contract.py).

Two speed-ups, neither changing MLflow's code nor its answers (measured with
benchmarks/tracking_bench.py): the store MLflow serves from is replaced by
``FastTrackingStore`` (its hot writes in a few SQL statements, mlflow_fast_store.py), and the
hot tracking POSTs reach MLflow's Flask app without its FastAPI wrapper
(``TrackingFastPath``, mlflow_fast_path.py).

MLflow is heavy to import (seconds): nothing here imports it at module level, and the server
loads it in a thread after start-up (``EmbeddedMlflow``), answering 503 until it is ready.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sqlite3
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brickyard.domain.errors import ConfigError

_log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# MLflow's tables live in their own Postgres schema, beside (never among) Brickyard's.
POSTGRES_SCHEMA = "mlflow"


@dataclass(frozen=True)
class MlflowStores:
    """Where a workspace's MLflow data lives."""

    backend_uri: str  # tracking and registry store: sqlite:///... or postgresql://...
    artifact_root: str  # file:///... or s3://...

    @property
    def sqlite_path(self) -> Path | None:
        if not self.backend_uri.startswith("sqlite:///"):
            return None
        return Path(self.backend_uri.removeprefix("sqlite:///"))


# -- SQLite tuning ----------------------------------------------------------------------------
_TUNED: set[str] = set()
_LISTENING = False
_LOCK = threading.Lock()


def tune_sqlite(path: Path) -> None:
    """Every SQLAlchemy connection this process opens to ``path`` (MLflow's engines
    included, whoever creates them) runs in WAL mode with ``synchronous=NORMAL`` and waits
    (at least 20 s) for a lock held by another process instead of failing at once.

    MLflow creates its engines itself and turns on none of these: an engine event does, for
    this file only. Without WAL, SQLite syncs the disk on every commit (~3 ms per logged
    metric) and readers block writers.
    """
    global _LISTENING
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        _TUNED.add(str(path.resolve()))
        if not _LISTENING:
            from sqlalchemy import event
            from sqlalchemy.engine import Engine

            event.listen(Engine, "connect", _on_connect)
            _LISTENING = True


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    row = dbapi_connection.execute("PRAGMA database_list").fetchone()
    if row is None or not row[2] or str(Path(row[2]).resolve()) not in _TUNED:
        return
    dbapi_connection.execute("PRAGMA busy_timeout=30000")
    dbapi_connection.execute("PRAGMA journal_mode=WAL")  # kept by the file: once is enough
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def prepare_postgres(backend_uri: str) -> None:
    """Create MLflow's schema in the workspace's Postgres database (idempotent)."""
    from sqlalchemy import create_engine, text

    base = backend_uri.split("?", 1)[0]
    engine = create_engine(base)
    try:
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{POSTGRES_SCHEMA}"'))
    finally:
        engine.dispose()


def prepare(stores: MlflowStores, server: bool = False) -> None:
    """Get the store ready for MLflow clients of this process; the ``server`` also makes
    sure a Postgres store's schema exists (the metadata migrations create it beside
    Brickyard's tables; a store elsewhere is created here)."""
    path = stores.sqlite_path
    if path is not None:
        tune_sqlite(path)
    elif server and stores.backend_uri.startswith("postgresql"):
        prepare_postgres(stores.backend_uri)
    if stores.artifact_root.startswith("file://"):
        Path(stores.artifact_root.removeprefix("file://")).mkdir(parents=True, exist_ok=True)


# -- the server -------------------------------------------------------------------------------
def server_settings(stores: MlflowStores) -> dict[str, str]:
    """The environment ``mlflow server`` gives its workers, for these stores."""
    from mlflow.server import constants

    return {
        constants.BACKEND_STORE_URI_ENV_VAR: stores.backend_uri,
        constants.REGISTRY_STORE_URI_ENV_VAR: stores.backend_uri,
        constants.ARTIFACT_ROOT_ENV_VAR: stores.artifact_root,
        constants.SERVE_ARTIFACTS_ENV_VAR: "true",
        constants.ARTIFACTS_DESTINATION_ENV_VAR: stores.artifact_root,
        # MLflow's background job runner (huey workers) is for its GenAI features: off, as
        # with `mlflow server` when MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false.
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    }


def create_tracking_app(stores: MlflowStores) -> ASGIApp:
    """MLflow's tracking server (REST API, artifacts, UI) as an ASGI app over ``stores``.

    Not the static-prefix variable: mounting passes the prefix to Flask as SCRIPT_NAME.
    """
    prepare(stores, server=True)
    os.environ.update(server_settings(stores))
    from mlflow.server import handlers

    # Drop stores cached for another workspace earlier in this process.
    handlers._tracking_store = None
    handlers._model_registry_store = None
    handlers._artifact_repo = None
    try:
        handlers.initialize_backend_stores(
            stores.backend_uri, stores.backend_uri, stores.artifact_root
        )
    except Exception as exc:
        raise ConfigError(
            f"MLflow could not open its store {_safe(stores.backend_uri)}: {exc}; check "
            "[ml] backend_store in brickyard.toml"
        ) from exc
    _install_fast_store(handlers, stores)
    from mlflow.server import app as flask_app
    from mlflow.server.fastapi_app import create_fastapi_app

    from brickyard.adapters.mlflow_fast_path import TrackingFastPath

    _secure(flask_app)
    # SQLite takes one writer at a time: one thread for the hot writes; a server database
    # can overlap a few round trips.
    threads = 1 if stores.sqlite_path is not None else 4
    return TrackingFastPath(create_fastapi_app(), flask_app, threads)


def _install_fast_store(handlers: Any, stores: MlflowStores) -> None:
    """Serve tracking from ``FastTrackingStore`` (MLflow's store with its hot writes in a few
    SQL statements: mlflow_fast_store.py) when MLflow opened its plain SQL store on SQLite or
    PostgreSQL; a store MLflow opened otherwise (workspaces, a read replica) stays as it is."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    from brickyard.adapters.mlflow_fast_store import DIALECTS, FastTrackingStore

    store = handlers._tracking_store
    if (
        type(store) is SqlAlchemyStore
        and store.read_engine is None
        and store.engine.dialect.name in DIALECTS
    ):
        handlers._tracking_store = FastTrackingStore(stores.backend_uri, stores.artifact_root)


_SECURED: set[int] = set()


def _secure(flask_app: Any) -> None:
    """Give MLflow's Flask app its own security hooks (Host validation, cross-origin
    blocking, security headers) as ``mlflow server`` has them.

    MLflow adds them when ``mlflow.server`` is first imported in a server process (uvicorn
    loaded or its store variables set, as in ``brickyard up``); a process that imported it
    earlier (a test, a notebook) has none. MLflow's FastAPI app always adds its own, but the
    hot tracking calls skip that app (mlflow_fast_path.py) and rely on Flask's.
    """
    import mlflow.server

    if mlflow.server.is_running_as_server or id(flask_app) in _SECURED:
        return
    from mlflow.server import security

    try:
        security.init_security_middleware(flask_app)
    except AssertionError:  # Flask takes no new hooks once it has served a request
        _log.warning("MLflow's Flask app has no security hooks: it served before Brickyard's")
        return
    _SECURED.add(id(flask_app))


def _safe(uri: str) -> str:
    """``uri`` without a password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(uri).render_as_string(hide_password=True)
    except Exception:
        return uri.split("@")[-1]


class EmbeddedMlflow:
    """An ASGI app that loads MLflow's server in a thread on first need (or at ``start``)
    and forwards to it; until it is loaded, requests wait up to ``wait_s`` seconds, then get
    503 with the reason."""

    def __init__(self, stores: MlflowStores, wait_s: float = 60.0) -> None:
        self.stores = stores
        self.wait_s = wait_s
        self._app: ASGIApp | None = None
        self._error: str | None = None
        self._loaded = threading.Event()
        self._started = False
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self._app is not None

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._load, name="mlflow-loader", daemon=True).start()

    def load(self) -> ASGIApp:
        """Load now (blocking) and return the app."""
        self.start()
        self._loaded.wait()
        if self._app is None:
            raise ConfigError(self._error or "MLflow failed to load")
        return self._app

    def _load(self) -> None:
        try:
            self._app = create_tracking_app(self.stores)
            # MLflow's modules are hundreds of thousands of long-lived objects: out of the
            # collector's sight, a full collection no longer pauses every request for them.
            gc.freeze()
        except Exception as exc:  # reported to every request
            _log.exception("MLflow failed to load")
            self._error = str(exc)
        finally:
            self._loaded.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            self.start()
            loaded = await asyncio.to_thread(self._loaded.wait, self.wait_s)
            if self._app is None:
                await _unavailable(scope, send, loaded, self._error)
                return
        await self._app(scope, receive, send)


async def _unavailable(scope: Scope, send: Send, loaded: bool, error: str | None) -> None:
    if scope["type"] != "http":
        return
    import json

    message = (
        f"MLflow failed to start: {error}"
        if loaded
        else "MLflow is still starting; retry in a few seconds"
    )
    body = json.dumps({"error_code": "TEMPORARILY_UNAVAILABLE", "message": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [(b"content-type", b"application/json"), (b"retry-after", b"2")],
        }
    )
    await send({"type": "http.response.body", "body": body})
