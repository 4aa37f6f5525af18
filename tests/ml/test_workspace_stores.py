"""Where a workspace keeps MLflow's data, and the mlflow client pointed at it: SQLite beside
the metadata (locked by another process: waits), Postgres schema "mlflow", S3 artifacts."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import brickyard
from brickyard.config import load_config
from tests.integration import servers

postgres_server = servers.postgres_server
fresh_postgres_url = servers.fresh_postgres_url
s3_server = servers.s3_server


@pytest.fixture
def clean_mlflow_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in [v for v in os.environ if v.startswith(("MLFLOW_", "_MLFLOW"))]:
        monkeypatch.delenv(var)
    from brickyard.ml import client

    monkeypatch.setattr(client, "_SET_HERE", {})


def test_config_defaults_put_mlflow_beside_the_metadata(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.ml_backend_store == f"sqlite:///{tmp_path.resolve()}/mlflow.db"
    assert config.ml_artifact_root == (tmp_path / "artifacts").resolve().as_uri()
    (tmp_path / "brickyard.toml").write_text(
        '[metadata]\nurl = "postgresql+psycopg://u@h/db"\n'
        '[storage]\nwarehouse = "s3://bucket/wh"\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path)
    assert config.ml_backend_store.startswith("postgresql+psycopg://u@h/db?options=")
    assert "search_path%3Dmlflow" in config.ml_backend_store
    assert config.ml_artifact_root == "s3://bucket/wh/_artifacts"
    (tmp_path / "brickyard.toml").write_text(
        '[ml]\nbackend_store = "ml/store.db"\nartifact_root = "s3://other/art/"\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path)
    assert config.ml_backend_store == f"sqlite:///{tmp_path.resolve()}/ml/store.db"
    assert config.ml_artifact_root == "s3://other/art"


@pytest.mark.slow
def test_mlflow_of_the_workspace_tracks_into_its_store(
    tmp_path: Path, clean_mlflow_env: None
) -> None:
    home = tmp_path / "home"
    mlflow = brickyard.mlflow(home)
    assert mlflow.get_tracking_uri() == f"sqlite:///{home.resolve()}/mlflow.db"
    with mlflow.start_run() as run:
        mlflow.log_metric("m", 1.0)
        mlflow.log_text("x", "a.txt")
    experiment = mlflow.get_experiment(run.info.experiment_id)
    assert experiment.name.startswith("/users/")
    assert experiment.name.endswith("/scratch")
    assert (home / "artifacts").is_dir()
    assert experiment.artifact_location.startswith((home / "artifacts").resolve().as_uri())
    # A table read through brickyard.spark() while a run is active is one of its inputs.
    ws = brickyard.connect(home)
    spark = brickyard.spark(home=home)
    spark.sql("CREATE TABLE main.default.t AS SELECT 1 AS x")
    with mlflow.start_run() as run:
        spark.sql("SELECT * FROM main.default.t").collect()
    inputs = mlflow.get_run(run.info.run_id).inputs.dataset_inputs
    assert [(i.dataset.name, i.dataset.digest) for i in inputs] == [("main.default.t", "v0")]
    ws.close()


def test_a_setting_restored_from_an_earlier_workspace_is_still_replaced(
    tmp_path: Path, clean_mlflow_env: None
) -> None:
    """Code that saves and restores the environment around its own workspace (a test, a
    notebook helper) brings back a value Brickyard set: the next workspace replaces it, where
    the user's own value would win."""
    from brickyard.ml.client import point_mlflow_at

    first = load_config(tmp_path / "a")
    point_mlflow_at(first)
    saved = os.environ["MLFLOW_TRACKING_URI"]
    point_mlflow_at(load_config(tmp_path / "b"))
    os.environ["MLFLOW_TRACKING_URI"] = saved  # restored by the code that saved it
    last = load_config(tmp_path / "c")
    point_mlflow_at(last)
    assert os.environ["MLFLOW_TRACKING_URI"] == last.ml_backend_store
    os.environ["MLFLOW_TRACKING_URI"] = "sqlite:////users/own.db"
    point_mlflow_at(first)
    assert os.environ["MLFLOW_TRACKING_URI"] == "sqlite:////users/own.db"


@pytest.mark.slow
def test_a_store_locked_by_another_process_is_waited_for(
    tmp_path: Path, clean_mlflow_env: None
) -> None:
    home = tmp_path / "home"
    mlflow = brickyard.mlflow(home)
    experiment_id = mlflow.create_experiment("/users/test/locked")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sqlite3, time
                db = sqlite3.connect({str(home / "mlflow.db")!r}, isolation_level=None)
                db.execute("BEGIN IMMEDIATE")  # the write lock, as a long writer holds it
                print("locked", flush=True)
                time.sleep(2)
                db.execute("COMMIT")
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    started = time.monotonic()
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.log_metric("waited", 1.0)
    assert time.monotonic() - started >= 1.0  # it waited for the lock instead of failing
    assert holder.wait(timeout=30) == 0
    assert mlflow.get_run(run.info.run_id).data.metrics == {"waited": 1.0}
    with sqlite3.connect(home / "mlflow.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_workspace_keeps_mlflow_in_its_own_schema(
    tmp_path: Path, fresh_postgres_url: str, clean_mlflow_env: None
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "brickyard.toml").write_text(
        f'[metadata]\nurl = "{fresh_postgres_url}"\n', encoding="utf-8"
    )
    with brickyard.connect(home):
        mlflow = brickyard.mlflow(home)
        with mlflow.start_run() as run:
            mlflow.log_param("p", "v")
        assert mlflow.get_run(run.info.run_id).data.params == {"p": "v"}
    engine = create_engine(fresh_postgres_url)
    try:
        with engine.connect() as connection:
            schemas = {
                row[0]: row[1]
                for row in connection.execute(
                    text(
                        "SELECT table_name, table_schema FROM information_schema.tables "
                        "WHERE table_name IN ('runs', 'experiments', 'catalogs')"
                    )
                )
            }
    finally:
        engine.dispose()
    assert schemas == {"runs": "mlflow", "experiments": "mlflow", "catalogs": "public"}


@pytest.mark.slow
@pytest.mark.s3
def test_s3_warehouse_keeps_artifacts_under_the_warehouse(
    tmp_path: Path, s3_server: servers.S3Server, clean_mlflow_env: None
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    options = "\n".join(f'{k} = "{v}"' for k, v in s3_server.options.items())
    (home / "brickyard.toml").write_text(
        f'[storage]\nwarehouse = "s3://{s3_server.bucket}/wh"\n[storage.options]\n{options}\n',
        encoding="utf-8",
    )
    mlflow = brickyard.mlflow(home)
    with mlflow.start_run() as run:
        mlflow.log_text("hello", "notes.txt")
    assert mlflow.artifacts.load_text(f"runs:/{run.info.run_id}/notes.txt") == "hello"
    keys = s3_server.keys("wh/_artifacts/")
    assert any(key.endswith("/notes.txt") for key in keys), keys
