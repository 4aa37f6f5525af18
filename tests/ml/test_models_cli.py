"""`brickyard models list|show`: two versions and an alias registered in a tmp home's store."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import brickyard
from brickyard.cli.main import app
from brickyard.services.models import ModelRegistry
from tests.ml.test_scoring import mlflow_pointed_at

pytestmark = pytest.mark.slow  # mlflow: seconds to import and to create its store


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Model 'churn' (versions 1 and 2, alias champion -> 1, a description and a tag),
    model 'empty' (no versions) and model "it's" (one version)."""
    home = tmp_path_factory.mktemp("models") / "home"
    with mlflow_pointed_at(home):
        from mlflow import MlflowClient

        with brickyard.connect(home) as ws:
            stores = ws.ml_stores
        client = MlflowClient(tracking_uri=stores.backend_uri, registry_uri=stores.backend_uri)
        client.create_registered_model("churn", tags={"team": "growth"}, description="Who leaves")
        for version, inputs in ((1, ["age"]), (2, ["age", "plan"])):
            source = _saved_model(home.parent / f"churn-{version}", inputs)
            client.create_model_version("churn", source, tags={"try": str(version)})
        client.set_registered_model_alias("churn", "champion", "1")
        client.create_registered_model("empty")
        client.create_registered_model("it's")  # quotes in MLflow's filter language
        client.create_model_version("it's", _saved_model(home.parent / "quoted", ["x"]))
        yield home


def _saved_model(path: Path, inputs: list[str]) -> str:
    """A scikit-learn model folder whose signature takes ``inputs`` and returns doubles."""
    import mlflow.sklearn
    import pandas as pd
    from mlflow.models import infer_signature
    from sklearn.dummy import DummyRegressor

    x = pd.DataFrame({name: [0.0, 1.0] for name in inputs})
    model = DummyRegressor().fit(x, [0.0, 1.0])
    mlflow.sklearn.save_model(
        model, path, signature=infer_signature(x, model.predict(x)), pip_requirements=[]
    )
    return str(path)


def cli(home: Path, *args: str) -> str:
    with mlflow_pointed_at(home):
        result = CliRunner().invoke(app, [*args, "--home", str(home)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_list_shows_latest_version_aliases_and_description(home: Path) -> None:
    rows = json.loads(cli(home, "models", "list", "--format", "json"))
    assert [r["name"] for r in rows] == ["churn", "empty", "it's"]
    churn, empty, quoted = rows
    assert churn["latest_version"] == 2
    assert churn["aliases"] == {"champion": 1}
    assert churn["description"] == "Who leaves"
    assert churn["last_updated"].endswith("UTC")
    assert (empty["latest_version"], empty["aliases"]) == (None, {})
    assert quoted["latest_version"] == 1
    table = cli(home, "models", "list")
    assert "Registered models" in table
    assert "champion=1" in table
    assert "Who leaves" in table


def test_show_lists_versions_aliases_tags_and_the_newest_signature(home: Path) -> None:
    shown = json.loads(cli(home, "models", "show", "churn", "--format", "json"))
    assert shown["aliases"] == {"champion": 1}
    assert shown["tags"] == {"team": "growth"}
    assert [v["version"] for v in shown["versions"]] == [2, 1]
    newest, oldest = shown["versions"]
    assert (newest["aliases"], oldest["aliases"]) == ([], ["champion"])
    assert oldest["tags"] == {"try": "1"}
    assert oldest["status"] == "READY"
    assert oldest["source"].endswith("churn-1")
    assert shown["signature"] == {
        "version": 2,
        "inputs": [
            {"name": "age", "type": "double", "required": True},
            {"name": "plan", "type": "double", "required": True},
        ],
        "outputs": [{"name": None, "type": "tensor float64 [-1]", "required": True}],
    }
    table = cli(home, "models", "show", "churn")
    for text in ("Versions of churn", "Inputs of version 2", "plan", "team=growth"):
        assert text in table


def test_show_version_picks_that_versions_signature(home: Path) -> None:
    shown = json.loads(cli(home, "models", "show", "churn", "--version", "1", "--format", "json"))
    assert shown["signature"]["version"] == 1
    assert [c["name"] for c in shown["signature"]["inputs"]] == ["age"]


def test_a_model_without_versions_has_no_signature(home: Path) -> None:
    shown = json.loads(cli(home, "models", "show", "empty", "--format", "json"))
    assert (shown["versions"], shown["signature"], shown["latest_version"]) == ([], None, None)


def test_a_name_with_a_quote(home: Path) -> None:
    shown = json.loads(cli(home, "models", "show", "it's", "--format", "json"))
    assert [v["version"] for v in shown["versions"]] == [1]
    assert shown["signature"]["inputs"][0]["name"] == "x"


def test_unknown_model_or_version_is_one_error_line_and_exit_1(home: Path) -> None:
    command = [sys.executable, "-m", "brickyard.cli.main", "models", "show", "x", "--home"]
    done = subprocess.run([*command, str(home)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr == (
        "Error: registered model 'x' does not exist; registered models: churn, empty, it's\n"
    )
    assert done.stdout == ""
    with mlflow_pointed_at(home):
        with brickyard.connect(home) as ws:
            registry = ModelRegistry(ws.ml_stores)
        with pytest.raises(brickyard.NotFoundError, match="has no version 3; its versions: 1, 2"):
            registry.show("churn", version=3)


def test_an_empty_registry_says_so(tmp_path: Path) -> None:
    assert "No registered models yet" in cli(tmp_path / "home", "models", "list")
    assert json.loads(cli(tmp_path / "home", "models", "list", "--format", "json")) == []
