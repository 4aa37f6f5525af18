"""The demo home's ML job: Spark SQL features, a model tracked and registered with MLflow,
batch scoring with its champion version, run as a user would from the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brickyard.home import init_home
from brickyard.services.models import ModelRegistry
from brickyard.workspace import Workspace
from tests.workflows.test_schedules_and_cli import brickyard

pytestmark = pytest.mark.slow


def test_the_ml_demo_job_trains_registers_and_scores(tmp_path: Path) -> None:
    from mlflow import MlflowClient

    home = tmp_path / "home"
    assert brickyard(home, "init", "--demo").returncode == 0
    assert (home / "jobs" / "ml_demo.py").exists()
    done = brickyard(home, "jobs", "run", "ml_demo", "--wait", "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    shown = json.loads(brickyard(home, "runs", "show", "1", "--format", "json").stdout)
    tasks = {t["task"]: t for t in shown["tasks"]}
    assert list(tasks) == ["features", "train", "score"]
    trained = json.loads(tasks["train"]["value"])
    scored = json.loads(tasks["score"]["value"])

    # Opened without connect(): this test process's mlflow settings stay as they were.
    ws = Workspace(init_home(home))
    try:
        uri = ws.ml_stores.backend_uri
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        experiment = client.get_experiment_by_name("/jobs/ml_demo")
        assert experiment is not None
        (run,) = client.search_runs([experiment.experiment_id])
        assert run.info.run_id == trained["mlflow_run_id"]
        assert set(run.data.metrics) == {"r2", "mae"}
        assert run.data.metrics["r2"] > 0.5  # revenue follows the items bought
        assert run.data.params == {"alpha": "1.0"}
        assert run.data.tags["brickyard.task"] == "train"

        champion = client.get_model_version_by_alias("demo_model", "champion")
        assert int(champion.version) == trained["model_version"] == scored["model_version"]
        assert champion.run_id == run.info.run_id
        signature = ModelRegistry(ws.ml_stores).signature("demo_model", int(champion.version))
        assert [c.name for c in signature.inputs or ()] == [
            "order_lines",
            "items",
            "categories",
            "tenure_days",
        ]

        predictions = ws.catalog.table("main.default.demo_predictions").to_arrow()
        assert scored == {
            "output": "main.default.demo_predictions",
            "rows": 500,
            "model_uri": "models:/demo_model@champion",
            "model_version": int(champion.version),
            "table_version": ws.catalog.table("main.default.demo_features").version,
        }
        assert predictions.num_rows == 500
        assert predictions.column_names[-2:] == ["revenue", "prediction"]
        assert predictions["prediction"].null_count == 0
    finally:
        ws.close()

    # `brickyard up` on the demo home serves the champion at the demo endpoint.
    import time

    import httpx

    from tests.e2e.test_server import Server

    server = Server(home)
    try:
        deadline = time.monotonic() + 180
        state: dict[str, object] = {}
        while time.monotonic() < deadline:
            state = httpx.get(f"{server.url}/api/2.0/serving-endpoints/demo", timeout=10).json()
            if state.get("state", {}).get("ready") == "READY":  # type: ignore[union-attr]
                break
            time.sleep(0.5)
        assert state["state"]["ready"] == "READY", state  # type: ignore[index]
        answer = httpx.post(
            f"{server.url}/serving-endpoints/demo/invocations",
            json={
                "dataframe_records": [
                    {"order_lines": 12.0, "items": 30.0, "categories": 4.0, "tenure_days": 200.0}
                ]
            },
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        (prediction,) = answer.json()["predictions"]
        assert isinstance(prediction, float)
    finally:
        server.stop()
