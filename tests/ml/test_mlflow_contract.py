"""The private MLflow settings Brickyard relies on: an MLflow upgrade that changes them fails
here, by name, instead of somewhere deep in the server."""

from __future__ import annotations

from pathlib import Path

import pytest

from brickyard.adapters import mlflow_server
from brickyard.adapters.mlflow_server import MlflowStores
from brickyard.ml.client import ARTIFACT_ROOT_VAR


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
