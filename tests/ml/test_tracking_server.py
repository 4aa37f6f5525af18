"""MLflow's own client against the tracking server embedded in `brickyard up`, over a socket."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import httpx
import numpy as np
import pytest

from tests.e2e.test_server import Server

pytestmark = pytest.mark.slow


def test_track_register_alias_and_load_a_model(ml_server: Server, tracking_uri: str) -> None:
    import mlflow
    from mlflow import MlflowClient
    from sklearn.linear_model import LinearRegression

    experiment_id = mlflow.create_experiment("/users/test/tracking")
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.log_params({"alpha": 0.5, "fit_intercept": True})
        for step in range(3):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_text("hello", "notes/readme.txt")
        model = LinearRegression().fit(np.array([[1.0], [2.0], [3.0]]), np.array([2.0, 4.0, 6.0]))
        mlflow.sklearn.log_model(
            model, name="model", registered_model_name="lr", input_example=np.array([[1.0]])
        )
    client = MlflowClient()
    found = client.search_runs([experiment_id], "metrics.loss < 0.5 and params.alpha = '0.5'")
    assert [r.info.run_id for r in found] == [run.info.run_id]
    history = client.get_metric_history(run.info.run_id, "loss")
    assert [m.value for m in history] == [1.0, 0.5, pytest.approx(1 / 3)]
    assert mlflow.artifacts.load_text(f"runs:/{run.info.run_id}/notes/readme.txt") == "hello"

    client.set_registered_model_alias("lr", "champion", "1")
    assert client.get_model_version_by_alias("lr", "champion").version == "1"
    loaded = mlflow.pyfunc.load_model("models:/lr@champion")
    assert loaded.predict(np.array([[4.0]]))[0] == pytest.approx(8.0)

    # The UI is served under the same prefix.
    index = httpx.get(f"{ml_server.url}/mlflow/", timeout=10)
    assert index.status_code == 200
    assert "<html" in index.text.lower()


def test_nan_and_string_metrics_behave_as_in_mlflow(tracking_uri: str) -> None:
    import mlflow
    from mlflow.exceptions import MlflowException

    with mlflow.start_run() as run:
        mlflow.log_metric("nan", float("nan"))
        with pytest.raises((MlflowException, TypeError, ValueError)):
            mlflow.log_metric("text", "not a number")  # type: ignore[arg-type]
    metrics = mlflow.get_run(run.info.run_id).data.metrics
    assert math.isnan(metrics["nan"])
    assert "text" not in metrics


def test_two_processes_log_to_one_experiment_at_once(tracking_uri: str) -> None:
    import mlflow

    name = "/users/test/concurrent"
    experiment_id = mlflow.create_experiment(name)
    script = textwrap.dedent(
        f"""
        import mlflow
        mlflow.set_tracking_uri({tracking_uri!r})
        with mlflow.start_run(experiment_id={experiment_id!r}):
            for i in range(40):
                mlflow.log_metric("m", i, step=i)
        """
    )
    workers = [subprocess.Popen([sys.executable, "-c", script]) for _ in range(2)]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    runs = mlflow.search_runs([experiment_id], output_format="list")
    assert len(runs) == 2
    for run in runs:
        history = mlflow.MlflowClient().get_metric_history(run.info.run_id, "m")
        assert len(history) == 40
