"""The private MLflow settings Brickyard relies on: an MLflow upgrade that changes them fails
here, by name, instead of somewhere deep in the server."""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from brickyard.adapters import mlflow_server
from brickyard.adapters.mlflow_server import MlflowStores
from brickyard.ml.client import ARTIFACT_ROOT_VAR


@contextmanager
def kept_mlflow_process_state() -> Iterator[None]:
    """Undo what opening MLflow's server in this process changes for later tests: its
    ``_MLFLOW_SERVER_*`` variables, its cached stores, the process's tracking/registry URI."""
    import mlflow
    from mlflow.server import handlers

    saved = {k: v for k, v in os.environ.items() if "MLFLOW" in k}
    uris = (mlflow.get_tracking_uri(), mlflow.get_registry_uri())
    try:
        yield
    finally:
        handlers._tracking_store = None
        handlers._model_registry_store = None
        handlers._artifact_repo = None
        mlflow.set_tracking_uri(uris[0])  # these also set MLFLOW_*_URI: restored below
        mlflow.set_registry_uri(uris[1])
        for key in [k for k in os.environ if "MLFLOW" in k]:
            del os.environ[key]
        os.environ.update(saved)


@pytest.fixture(autouse=True)
def _kept_state() -> Iterator[None]:
    with kept_mlflow_process_state():
        yield


def test_server_settings_are_mlflows_own_names() -> None:
    from mlflow.server import constants, handlers

    settings = mlflow_server.server_settings(MlflowStores("sqlite:///x.db", "file:///tmp/a"))
    for name in (
        "BACKEND_STORE_URI_ENV_VAR",
        "REGISTRY_STORE_URI_ENV_VAR",
        "ARTIFACT_ROOT_ENV_VAR",
        "SERVE_ARTIFACTS_ENV_VAR",
        "ARTIFACTS_DESTINATION_ENV_VAR",
    ):
        assert getattr(constants, name) in settings, name
    # The cached stores that create_tracking_app resets between workspaces.
    for cache in ("_tracking_store", "_model_registry_store", "_artifact_repo"):
        assert hasattr(handlers, cache), cache
    assert callable(handlers.initialize_backend_stores)


def test_client_artifact_root_variable_is_the_one_mlflow_reads() -> None:
    from mlflow.tracking._tracking_service import utils

    assert ARTIFACT_ROOT_VAR == utils._SERVER_ARTIFACT_ROOT_ENV_VAR


def test_the_ui_keeps_its_workflow_view_where_brickyards_pages_set_it() -> None:
    """ui/src/components/Layout.tsx sets MLflow's UI to its model-training view through the
    localStorage entry MLflow's bundle reads (key ``<key>_v<version>``, a JSON value)."""
    import mlflow.server

    layout = (Path(__file__).parents[2] / "ui/src/components/Layout.tsx").read_text()
    assert 'MLFLOW_VIEW_KEY = "mlflow.workflowType_v1"' in layout
    assert 'JSON.stringify("machine_learning")' in layout
    bundles = Path(mlflow.server.__file__).parent.glob("js/build/static/js/main.*.js")
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in bundles)
    assert 'key:"mlflow.workflowType",version:1' in text
    assert "`${e}_v${t}`" in text
    assert 'MACHINE_LEARNING="machine_learning"' in text


def test_mounting_needs_no_static_prefix() -> None:
    from mlflow.server.fastapi_app import create_fastapi_app

    assert callable(create_fastapi_app)


def test_store_of_another_workspace_replaces_the_cached_one(tmp_path: Path) -> None:
    from mlflow.server import handlers

    for name in ("a", "b"):
        stores = MlflowStores(f"sqlite:///{tmp_path / name}.db", (tmp_path / name).as_uri())
        mlflow_server.create_tracking_app(stores)
        assert str(handlers._get_tracking_store().engine.url).endswith(f"{name}.db")


def test_sqlite_store_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    path = tmp_path / "mlflow.db"
    mlflow_server.tune_sqlite(path)
    store = SqlAlchemyStore(f"sqlite:///{path}", tmp_path.as_uri())
    with store.engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert pragma("PRAGMA busy_timeout").scalar() >= 20000  # MLflow sets 20 s itself


def test_a_store_that_cannot_open_is_a_config_error(tmp_path: Path) -> None:
    from brickyard.domain.errors import ConfigError

    stores = MlflowStores("mysql://nobody@127.0.0.1:1/nothing", tmp_path.as_uri())
    with pytest.raises(ConfigError, match="backend_store"):
        mlflow_server.create_tracking_app(stores)


def test_the_server_serves_tracking_from_brickyards_store(tmp_path: Path) -> None:
    """create_tracking_app puts FastTrackingStore where MLflow's handlers find their store
    (``mlflow.server.handlers._tracking_store``, private: renamed, this fails)."""
    from mlflow.server import handlers

    from brickyard.adapters.mlflow_fast_store import FastTrackingStore

    stores = MlflowStores(f"sqlite:///{tmp_path / 'm.db'}", (tmp_path / "a").as_uri())
    mlflow_server.create_tracking_app(stores)
    assert type(handlers._tracking_store) is FastTrackingStore
    assert handlers._get_tracking_store() is handlers._tracking_store


def test_the_store_methods_brickyard_overrides_keep_their_signatures() -> None:
    """FastTrackingStore overrides these with MLflow's signatures and calls these helpers:
    an MLflow upgrade that changes one fails here, not in a server."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    expected = {
        "create_run": ["self", "experiment_id", "user_id", "start_time", "tags", "run_name"],
        "update_run_info": ["self", "run_id", "run_status", "end_time", "run_name"],
        "log_metric": ["self", "run_id", "metric"],
        "log_batch": ["self", "run_id", "metrics", "params", "tags"],
        "log_param": ["self", "run_id", "param"],
        "set_tag": ["self", "run_id", "tag"],
        "sanitize_metric_value": ["self", "metric_value"],
    }
    for name, parameters in expected.items():
        assert list(inspect.signature(getattr(SqlAlchemyStore, name)).parameters) == parameters
    assert SqlAlchemyStore.ARTIFACTS_FOLDER_NAME == "artifacts"
    assert isinstance(SqlAlchemyStore._engine_map, dict)  # one engine per URI, shared


def test_the_fast_path_reaches_mlflows_flask_app() -> None:
    """TrackingFastPath calls the Flask app ``mlflow.server.app`` that MLflow's FastAPI app
    wraps; ``is_running_as_server`` tells whether MLflow gave it its security hooks."""
    import mlflow.server
    from flask import Flask

    from brickyard.adapters.mlflow_fast_path import HOT_PATHS

    assert isinstance(mlflow.server.app, Flask)
    assert hasattr(mlflow.server, "is_running_as_server")
    rules = {rule.rule: rule.methods for rule in mlflow.server.app.url_map.iter_rules()}
    for path in HOT_PATHS:
        assert "POST" in rules[path], path
