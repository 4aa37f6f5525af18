"""brickyard.ml.score: a real scikit-learn model, logged and registered in a tmp workspace's
MLflow store, scoring real Delta tables into another table."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import brickyard
from brickyard.domain.errors import InvalidInputError, NotFoundError
from brickyard.ml.scoring import score
from brickyard.workspace import Workspace

pytestmark = pytest.mark.slow  # logging a model imports mlflow, sklearn and skops: seconds


@dataclass(frozen=True)
class Registered:
    ws: Workspace
    run_uri: str  # runs:/<id>/model of version 2


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registered]:
    """A workspace with main.default.features and model 'scorer': version 1 predicts
    2a + b, version 2 predicts 3a + b; alias 'champion' -> version 1."""
    home = tmp_path_factory.mktemp("scoring") / "home"
    with mlflow_pointed_at(home) as mlflow:
        ws = brickyard.connect(home)
        ws.catalog.create_table("main.default.features", _features(5))
        run_uri = ""
        for slope in (2.0, 3.0):
            run_uri = _log_linear_model(slope)
        mlflow.MlflowClient().set_registered_model_alias("scorer", "champion", "1")
        yield Registered(ws, run_uri)
        ws.close()


@contextmanager
def mlflow_pointed_at(home: Path) -> Iterator[Any]:
    """``brickyard.mlflow(home)``; this process's mlflow settings are restored afterwards."""
    saved = {k: v for k, v in os.environ.items() if "MLFLOW" in k}
    for key in saved:  # an earlier test's settings must not decide where the models go
        del os.environ[key]
    mlflow = brickyard.mlflow(home)
    try:
        yield mlflow
    finally:
        for key in [k for k in os.environ if "MLFLOW" in k]:
            del os.environ[key]
        os.environ.update(saved)
        mlflow.set_tracking_uri(saved.get("MLFLOW_TRACKING_URI"))
        mlflow.set_registry_uri(saved.get("MLFLOW_REGISTRY_URI"))


def _features(rows: int) -> pa.Table:
    return pa.table(
        {
            "id": pa.array(range(rows), pa.int64()),
            "a": pa.array([float(i) for i in range(rows)], pa.float64()),
            # A decimal column where the model wants doubles: cast on the way in.
            "b": pa.array([Decimal(i) / 10 for i in range(rows)], pa.decimal128(10, 2)),
            "note": [f"row {i}" for i in range(rows)],
        }
    )


def _log_linear_model(slope: float) -> str:
    import mlflow as ml
    import pandas as pd
    from mlflow.models import infer_signature
    from sklearn.linear_model import LinearRegression

    x = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [0.0, 1.0, 0.0, 1.0]})
    model = LinearRegression().fit(x, slope * x["a"] + x["b"])
    with ml.start_run() as run:
        ml.sklearn.log_model(
            model,
            name="model",
            signature=infer_signature(x, model.predict(x)),
            registered_model_name="scorer",
            pip_requirements=["scikit-learn"],  # no requirement inference: seconds faster
        )
    return f"runs:/{run.info.run_id}/model"


def test_scores_a_table_into_a_new_table_with_the_aliased_version(registered: Registered) -> None:
    ws = registered.ws
    done = score(
        "models:/scorer@champion",
        table="main.default.features",
        output="main.default.scored",
        workspace=ws,
    )
    assert done == {
        "output": "main.default.scored",
        "rows": 5,
        "model_uri": "models:/scorer@champion",
        "model_version": 1,
        "table_version": 0,
    }
    json.dumps(done)  # a task value
    out = ws.catalog.table("main.default.scored").to_arrow().sort_by("id")
    assert out.column_names == ["id", "a", "b", "note", "prediction"]
    assert out.schema.field("b").type == pa.decimal128(10, 2)  # the input's types are kept
    expected = [2 * i + i / 10 for i in range(5)]
    assert out["prediction"].to_pylist() == pytest.approx(expected)
    assert ws.catalog.table("main.default.scored").version == 0  # one commit


def test_overwrite_and_append_into_an_existing_table(registered: Registered) -> None:
    ws = registered.ws
    output = "main.default.scored_modes"
    score("models:/scorer/2", "main.default.features", output, workspace=ws)
    again = score("models:/scorer/latest", "main.default.features", output, workspace=ws)
    assert again["model_version"] == 2
    assert ws.catalog.table(output).to_arrow().num_rows == 5
    score("models:/scorer/1", "main.default.features", output, mode="append", workspace=ws)
    table = ws.catalog.table(output)
    assert table.to_arrow().num_rows == 10
    assert table.version == 2  # created, overwritten, appended: one commit each
    by_version = sorted(table.to_arrow()["prediction"].to_pylist())
    v1, v2 = [2 * i + i / 10 for i in range(5)], [3 * i + i / 10 for i in range(5)]
    assert by_version == pytest.approx(sorted(v1 + v2))


def test_a_run_uri_loads_without_the_registry(registered: Registered) -> None:
    done = score(
        registered.run_uri,
        "main.default.features",
        "main.default.scored_by_run",
        prediction_col="revenue",
        workspace=registered.ws,
    )
    assert done["model_version"] is None
    out = registered.ws.catalog.table("main.default.scored_by_run").to_arrow().sort_by("id")
    assert out["revenue"].to_pylist() == pytest.approx([3 * i + i / 10 for i in range(5)])


def test_the_default_workspace_is_brickyard_home(
    registered: Registered, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRICKYARD_HOME", str(registered.ws.home))
    done = brickyard.ml.score("models:/scorer@champion", "features", "scored_by_home")
    assert done["output"] == "main.default.scored_by_home"
    assert done["rows"] == 5


def test_an_empty_table_gives_an_empty_typed_output(registered: Registered) -> None:
    ws = registered.ws
    ws.catalog.create_table("main.default.no_features", _features(0))
    done = score("models:/scorer/1", "no_features", "scored_empty", workspace=ws)
    assert done["rows"] == 0
    schema = ws.catalog.table("main.default.scored_empty").schema
    assert schema.field("prediction").type == pa.float64()


@pytest.mark.parametrize(
    ("model_uri", "message"),
    [
        (
            "models:/nope@champion",
            "registered model 'nope' does not exist; registered models: scorer",
        ),
        ("models:/scorer@nobody", "model 'scorer' has no alias 'nobody'; its aliases: champion"),
        ("models:/scorer/7", "model 'scorer' has no version 7; its versions: 1, 2"),
        ("runs:/0123456789abcdef/model", "could not load the model"),
    ],
)
def test_an_unknown_model_writes_nothing(
    registered: Registered, model_uri: str, message: str
) -> None:
    ws = registered.ws
    with pytest.raises(NotFoundError, match=message):
        score(model_uri, "main.default.features", "main.default.never", workspace=ws)
    assert not ws.catalog.table_exists("main.default.never")


def test_an_unknown_table_writes_nothing(registered: Registered) -> None:
    ws = registered.ws
    with pytest.raises(NotFoundError, match="table 'main.default.featurez' does not exist"):
        score("models:/scorer/1", "main.default.featurez", "main.default.never", workspace=ws)
    assert not ws.catalog.table_exists("main.default.never")


def test_missing_columns_are_named_and_the_output_is_unchanged(registered: Registered) -> None:
    ws = registered.ws
    ws.catalog.create_table("main.default.half_features", _features(3).drop_columns(["b"]))
    output = "main.default.scored_before"
    score("models:/scorer/1", "main.default.features", output, workspace=ws)
    with pytest.raises(InvalidInputError) as raised:
        score("models:/scorer/1", "main.default.half_features", output, workspace=ws)
    assert str(raised.value) == (
        "table 'main.default.half_features' lacks the columns 'b' that the model needs; "
        "the model expects 'a', 'b'"
    )
    table = ws.catalog.table(output)
    assert (table.version, table.to_arrow().num_rows) == (0, 5)
    with pytest.raises(InvalidInputError, match="lacks the columns 'b'"):
        score("models:/scorer/1", "half_features", "main.default.never", workspace=ws)
    assert not ws.catalog.table_exists("main.default.never")


def test_bad_options_fail_before_anything(registered: Registered, tmp_path: Path) -> None:
    ws = registered.ws
    with pytest.raises(InvalidInputError, match="mode must be one of overwrite, append"):
        score("models:/scorer/1", "features", "never", mode="upsert", workspace=ws)
    with pytest.raises(InvalidInputError, match="already has a column 'note'"):
        score("models:/scorer/1", "features", "never", prediction_col="note", workspace=ws)
    with pytest.raises(InvalidInputError, match="names no version"):
        score("models:/scorer/champion", "features", "never", workspace=ws)
    assert not ws.catalog.table_exists("main.default.never")


@pytest.fixture(autouse=True)
def fresh_mlflow_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no mlflow client settings of an earlier test (mlflow's
    set_tracking_uri writes MLFLOW_TRACKING_URI into the environment and module globals)."""
    import os
    import sys

    for var in [v for v in os.environ if v.startswith(("MLFLOW_", "_MLFLOW"))]:
        monkeypatch.delenv(var)
    from brickyard.ml import client

    monkeypatch.setattr(client, "_SET_HERE", {})
    if "mlflow" in sys.modules:
        from mlflow.tracking._model_registry import utils as registry_utils
        from mlflow.tracking._tracking_service import utils as tracking_utils

        monkeypatch.setattr(tracking_utils, "_tracking_uri", None)
        monkeypatch.setattr(registry_utils, "_registry_uri", None)
