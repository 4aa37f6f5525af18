"""Job tasks and MLflow: a task that uses MLflow runs inside a tagged MLflow run linked to its
try, with the tables it read as dataset inputs; a task that does not leaves no run."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import brickyard
from brickyard.domain.jobs import RunState
from brickyard.workspace import Workspace
from tests.workflows.conftest import add_job, run_to_end  # noqa: F401 (fixtures)


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    # DuckDB, delta-rs and scikit-learn reserve more address space than the workflow
    # tests' 1 GB cap: the default cap (4 GB) as in a real workspace.
    monkeypatch.setenv("BRICKYARD_JOBS_TASK_MEMORY_MB", "4096")
    workspace = brickyard.connect(tmp_path / "home")
    yield workspace
    workspace.close()


pytestmark = pytest.mark.slow

ML_JOB = """
@job
def ml_job():
    @task
    def prep(ctx) -> int:
        ctx.spark().sql("CREATE TABLE main.default.feats AS SELECT 1 AS x, 2.0 AS y")
        return 1

    @task(retries=1, retry_delay=0)
    def train(ctx, ready: int) -> str:
        import mlflow

        rows = ctx.spark().sql("SELECT count(*) AS n FROM main.default.feats").collect()
        mlflow.log_param("alpha", 0.1)
        mlflow.log_metric("rows", rows[0]["n"])
        if ctx.try_number == 1:
            raise RuntimeError("the first try fails after logging")
        return mlflow.active_run().info.run_id

    train(prep())
"""


def _client(ws: Workspace) -> Any:
    import mlflow

    from brickyard.ml.client import point_mlflow_at

    point_mlflow_at(ws.config, override=True)
    mlflow.set_tracking_uri(ws.config.ml_backend_store)
    return mlflow.MlflowClient()


def test_a_task_using_mlflow_gets_a_tagged_run_linked_to_its_try(
    ws: Workspace,
    add_job: Callable[..., None],  # noqa: F811
    run_to_end: Callable[..., Any],  # noqa: F811
) -> None:
    add_job("ml.py", ML_JOB)
    run = run_to_end("ml_job", timeout_s=120)
    assert run.state == RunState.SUCCESS, [t.error for t in ws.jobs.task_runs(run.id)]
    tries = {(t.task_id, t.try_number): t for t in ws.jobs.tries(run.id)}
    assert tries[("prep", 1)].mlflow_run_ids == ()  # no MLflow used: no empty run
    (failed_run,) = tries[("train", 1)].mlflow_run_ids
    (good_run,) = tries[("train", 2)].mlflow_run_ids
    value = {t.task_id: t.value_json for t in ws.jobs.task_runs(run.id)}["train"]
    assert value == f'"{good_run}"'

    client = _client(ws)
    experiment = client.get_experiment_by_name("/jobs/ml_job")
    assert experiment is not None
    # Declared model training: MLflow's UI opens its runs, not its GenAI pages.
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    first, second = client.get_run(failed_run), client.get_run(good_run)
    assert first.info.status == "FAILED"
    assert second.info.status == "FINISHED"
    assert second.info.experiment_id == experiment.experiment_id
    tags = second.data.tags
    assert tags["brickyard.job"] == "ml_job"
    assert tags["brickyard.run_id"] == str(run.id)
    assert tags["brickyard.task"] == "train"
    assert tags["brickyard.try"] == "2"
    assert "brickyard.logical_date" in tags
    assert second.data.metrics["rows"] == 1
    inputs = second.inputs.dataset_inputs
    assert [(i.dataset.name, i.dataset.digest) for i in inputs] == [("main.default.feats", "v0")]
    source = json.loads(inputs[0].dataset.source)
    assert source["delta_table_name"] == "main.default.feats"
    # The catalog's own id: MLflow does not go asking Databricks for it (a failing SDK
    # login that cost seconds and logged a warning in every try that read a table).
    assert source["delta_table_id"] == ws.catalog.table_info("main.default.feats").id
    train_log = (ws.home / "logs" / "ml_job" / str(run.id) / "train" / "2.log").read_text()
    assert "databricks" not in train_log.lower(), train_log

    # The Jobs API's runs/get links each task to its MLflow runs.
    from fastapi.testclient import TestClient

    from brickyard.api.app import create_app

    with TestClient(create_app(ws, auth=False), base_url="http://127.0.0.1:8585") as api:
        body = api.get("/api/2.2/jobs/runs/get", params={"run_id": run.id}).json()
    by_key = {t["task_key"]: t for t in body["tasks"]}
    assert [r["run_id"] for r in by_key["train"]["mlflow_runs"]] == [failed_run, good_run]
    assert by_key["train"]["mlflow_runs"][1]["url"] == f"/mlflow/#/runs/{good_run}"
    assert "mlflow_runs" not in by_key["prep"]

    # So does `brickyard runs show`.
    shown = subprocess.run(
        [
            sys.executable,
            "-m",
            "brickyard.cli.main",
            "runs",
            "show",
            str(run.id),
            "--home",
            str(ws.home),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    tries_shown = {
        (t["task"], t["try"]): t["mlflow_runs"] for t in json.loads(shown.stdout)["tries"]
    }
    assert tries_shown[("train", 2)] == [good_run]
    assert tries_shown[("prep", 1)] == []


DYING_JOB = """
@job
def dies():
    @task
    def train(ctx) -> None:
        import os
        import signal

        import mlflow

        mlflow.start_run(run_name="never ends")
        mlflow.log_metric("step", 1)
        os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer or a timeout would

    train()
"""


def test_a_killed_tries_mlflow_run_is_ended_and_linked(
    ws: Workspace,
    add_job: Callable[..., None],  # noqa: F811
    run_to_end: Callable[..., Any],  # noqa: F811
) -> None:
    """The try's process is killed before it could end or report its run: the executor ends
    it (KILLED) and links it to the try."""
    add_job("dies.py", DYING_JOB)
    run = run_to_end("dies", timeout_s=120)
    assert run.state == RunState.FAILED
    (attempt,) = ws.jobs.tries(run.id)
    assert "killed by signal 9" in (attempt.error or "")
    (mlflow_run_id,) = attempt.mlflow_run_ids
    killed = _client(ws).get_run(mlflow_run_id)
    assert killed.info.status == "KILLED"
    assert killed.info.run_name == "never ends"
    assert killed.data.tags["brickyard.try"] == "1"
