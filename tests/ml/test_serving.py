"""Model serving: endpoints in `brickyard up` and `brickyard serve`, with real MLflow models.

The models (scikit-learn regressions, a model that loads slowly, one whose loader imports a
missing module) are logged from this process straight into the workspace's store; the
server loads them from there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from brickyard.adapters.mlflow_models import MlflowModels
from brickyard.adapters.mlflow_server import MlflowStores
from brickyard.adapters.system_clock import SystemClock
from brickyard.api.app import create_app
from brickyard.domain.errors import BrickyardError, ConfigError, InvalidInputError, NotFoundError
from brickyard.domain.serving import EndpointSpec, ServedEntity, parse_model_uri
from brickyard.home import init_home
from brickyard.ml.client import client_environment
from brickyard.services.serving import FollowedModel, ServingService
from brickyard.workspace import Workspace
from tests.e2e.test_server import Server, brickyard, free_port
from tests.ml.conftest import wait_for_mlflow

API = "/api/2.0/serving-endpoints"
MISSING_MODULE = "brickyard_missing_module_for_tests"
ROWS = [{"a": 1.0, "b": 2.0}, {"a": 3.0, "b": 4.0}]  # lr version 1: a + b; version 2: 2a + 2b
PAYLOADS = {
    "dataframe_split": {"columns": ["a", "b"], "data": [[1.0, 2.0], [3.0, 4.0]]},
    "dataframe_records": ROWS,
    "inputs": {"a": [1.0, 3.0], "b": [2.0, 4.0]},
    "instances": ROWS,
}
SLOW_MODEL = """
import time
import mlflow

class Slow(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        time.sleep(3)

    def predict(self, context, model_input, params=None):
        return (model_input["a"] * 10).tolist()

mlflow.models.set_model(Slow())
"""
BROKEN_MODEL = f"""
import mlflow

class Broken(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        import {MISSING_MODULE}

    def predict(self, context, model_input, params=None):
        return model_input

mlflow.models.set_model(Broken())
"""


# -- fixtures ---------------------------------------------------------------------------------
class Brickyard:
    """`brickyard up` on one home, restartable (the port changes)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.server = Server(home)
        wait_for_mlflow(self.server)

    @property
    def url(self) -> str:
        return self.server.url

    def restart(self) -> None:
        self.server.stop()
        self.server = Server(self.home)

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30)

    def post(self, path: str, body: Any) -> httpx.Response:
        return httpx.post(self.url + path, json=body, timeout=30)

    def invoke(self, endpoint: str, payload: Any) -> httpx.Response:
        return self.post(f"/serving-endpoints/{endpoint}/invocations", payload)

    def endpoint(self, name: str) -> dict[str, Any]:
        response = self.get(f"{API}/{name}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def wait_ready(self, name: str, timeout_s: float = 30) -> dict[str, Any]:
        return wait_for(lambda: _if(self.endpoint(name), _ready), timeout_s, f"{name} ready")


@dataclass
class Models:
    client: Any  # mlflow's MlflowClient on the workspace's store
    run_id: str  # the run of lr version 1
    stores: MlflowStores


@pytest.fixture(scope="module")
def serving_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("serving") / "home"
    assert brickyard("init", "--home", str(home)).returncode == 0
    config = home / "brickyard.toml"
    # Defined before the model exists: the endpoint waits for it.
    text = config.read_text().replace(
        "[ml.serving]\n", '[ml.serving]\nfrom_config = "models:/lr@champion"\n'
    )
    config.write_text(text)
    return home


@pytest.fixture(scope="module")
def up(serving_home: Path) -> Iterator[Brickyard]:
    server = Brickyard(serving_home)
    yield server
    server.server.stop()


@pytest.fixture(scope="module")
def models(up: Brickyard, serving_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """lr versions 1 and 2 (alias champion -> 1), slow, broken: in the server's store."""
    config = init_home(serving_home)
    with pytest.MonkeyPatch.context() as env:
        for var in [v for v in os.environ if v.startswith(("MLFLOW_", "_MLFLOW"))]:
            env.delenv(var)
        for var, value in client_environment(config).items():
            env.setenv(var, value)
        import mlflow

        mlflow.set_tracking_uri(config.ml_backend_store)
        mlflow.set_registry_uri(config.ml_backend_store)
        code = tmp_path_factory.mktemp("model_code")
        run_id = _log_regression(mlflow, 1.0)
        _log_regression(mlflow, 2.0)
        _log_from_code(mlflow, code / "slow.py", SLOW_MODEL, "slow", "pandas")
        _log_from_code(mlflow, code / "broken.py", BROKEN_MODEL, "broken", MISSING_MODULE)
        client = mlflow.MlflowClient()
        client.set_registered_model_alias("lr", "champion", "1")
        yield Models(client, run_id, MlflowStores(config.ml_backend_store, config.ml_artifact_root))


def _log_regression(mlflow: Any, factor: float) -> str:
    import pandas as pd
    from mlflow.models import infer_signature
    from sklearn.linear_model import LinearRegression

    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 5.0], "b": [0.0, 1.0, 0.0, 2.0]})
    model = LinearRegression().fit(frame, factor * (frame.a + frame.b))
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(
            model,
            name="model",
            registered_model_name="lr",
            signature=infer_signature(frame, model.predict(frame)),
            pip_requirements=["scikit-learn"],  # not inferred: that loads the model (seconds)
            serialization_format="cloudpickle",  # skops takes seconds to import
        )
    run_id: str = run.info.run_id
    return run_id


def _log_from_code(mlflow: Any, path: Path, code: str, name: str, requirement: str) -> None:
    path.write_text(code)
    # Untyped predict() keeps MLflow's column parsing; its nudge to add hints is recorded
    # away (MLflow resets the filters around it, so they cannot ignore it).
    with mlflow.start_run(), warnings.catch_warnings(record=True):
        mlflow.pyfunc.log_model(
            name="model",
            python_model=str(path),
            registered_model_name=name,
            pip_requirements=[requirement.replace("_", "-")],
        )


# -- `brickyard up`: endpoints ----------------------------------------------------------------
@pytest.mark.slow
def test_a_configured_endpoint_serves_its_alias_and_follows_it(up: Brickyard, models: Any) -> None:
    endpoint = up.wait_ready("from_config")  # registered after start-up: found by the watcher
    assert endpoint["creator"] == "brickyard.toml"
    assert _served(endpoint) == ("lr", "1", "champion")
    for key, data in PAYLOADS.items():
        response = up.invoke("from_config", {key: data})
        assert response.status_code == 200, (key, response.text)
        assert response.json()["predictions"] == pytest.approx([3.0, 7.0]), key

    models.client.set_registered_model_alias("lr", "champion", "2")
    try:
        moved = time.monotonic()
        wait_for(lambda: _predicts(up, "from_config", [6.0, 14.0]), 15, "version 2 served")
        assert time.monotonic() - moved < 6  # aliases are checked every second
        assert _served(up.endpoint("from_config")) == ("lr", "2", "champion")
    finally:
        models.client.set_registered_model_alias("lr", "champion", "1")
    wait_for(lambda: _predicts(up, "from_config", [3.0, 7.0]), 15, "back to version 1")


@pytest.mark.slow
def test_create_list_change_and_delete_an_endpoint(up: Brickyard, models: Any) -> None:
    config = {"served_entities": [{"entity_name": "lr", "entity_version": "1"}]}
    created = up.post(API, {"name": "lr-fixed", "config": config})
    assert created.status_code == 200, created.text
    assert created.json()["name"] == "lr-fixed"
    assert created.json()["state"]["ready"] in ("READY", "NOT_READY")
    up.wait_ready("lr-fixed")
    assert "lr-fixed" in [e["name"] for e in up.get(API).json()["endpoints"]]
    assert up.invoke("lr-fixed", PAYLOADS).status_code == 400  # four format keys at once
    assert _predicts(up, "lr-fixed", [3.0, 7.0])

    changed = httpx.put(
        f"{up.url}{API}/lr-fixed/config",
        json={"served_entities": [{"entity_name": "lr", "entity_version": 2}]},
        timeout=30,
    )
    assert changed.status_code == 200, changed.text
    wait_for(lambda: _predicts(up, "lr-fixed", [6.0, 14.0]), 15, "version 2 served")
    endpoint = up.endpoint("lr-fixed")
    assert _served(endpoint) == ("lr", "2", None)
    assert endpoint["state"] == {"ready": "READY", "config_update": "NOT_UPDATING"}

    assert httpx.delete(f"{up.url}{API}/lr-fixed", timeout=30).status_code == 200
    assert up.get(f"{API}/lr-fixed").status_code == 404
    gone = up.invoke("lr-fixed", {"inputs": PAYLOADS["inputs"]})
    assert gone.status_code == 404
    assert "'lr-fixed'" in gone.json()["message"]


@pytest.mark.slow
def test_the_databricks_sdk_creates_queries_and_deletes_an_endpoint(
    up: Brickyard, models: Any
) -> None:
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.service.serving import EndpointCoreConfigInput, ServedEntityInput

    client = WorkspaceClient(host=up.url, token="unused-on-loopback")
    entity = ServedEntityInput(entity_name="lr", entity_version="2")
    config = EndpointCoreConfigInput(name="sdk", served_entities=[entity])
    client.serving_endpoints.create("sdk", config=config)  # not _and_wait: it sleeps seconds
    endpoint = wait_for(lambda: _sdk_ready(client.serving_endpoints.get("sdk")), 30, "sdk ready")
    assert endpoint.config.served_entities[0].entity_version == "2"
    answer = client.serving_endpoints.query("sdk", dataframe_records=ROWS)
    assert answer.predictions == pytest.approx([6.0, 14.0])
    client.serving_endpoints.delete("sdk")
    assert "sdk" not in [e.name for e in client.serving_endpoints.list()]


@pytest.mark.slow
def test_invocations_before_the_model_is_loaded_get_503(up: Brickyard, models: Any) -> None:
    config = {"served_entities": [{"entity_name": "slow", "entity_version": "1"}]}
    created = up.post(API, {"name": "slow", "config": config})
    assert created.status_code == 200, created.text
    assert created.json()["state"]["ready"] == "NOT_READY"  # loading takes 3 s
    early = up.invoke("slow", {"dataframe_records": ROWS})
    assert early.status_code == 503
    assert early.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"
    assert "loading model 'slow' version 1" in early.json()["message"]
    assert early.headers["retry-after"]
    up.wait_ready("slow")
    assert _predicts(up, "slow", [10.0, 30.0])


@pytest.mark.slow
def test_a_model_needing_a_missing_package_fails_alone(up: Brickyard, models: Any) -> None:
    config = {"served_entities": [{"entity_name": "broken", "alias": None, "entity_version": 1}]}
    assert up.post(API, {"name": "broken", "config": config}).status_code == 200
    endpoint = wait_for(
        lambda: _if(up.endpoint("broken"), lambda e: _deployment(e) == "DEPLOYMENT_FAILED"),
        30,
        "the load to fail",
    )
    assert endpoint["state"] == {"ready": "NOT_READY", "config_update": "UPDATE_FAILED"}
    message = endpoint["config"]["served_entities"][0]["state"]["deployment_state_message"]
    assert f"needs the Python module '{MISSING_MODULE}'" in message
    assert "pip install 'brickyard-missing-module-for-tests'" in message  # its requirements.txt
    response = up.invoke("broken", {"inputs": PAYLOADS["inputs"]})
    assert response.status_code == 503
    assert MISSING_MODULE in response.json()["message"]
    # The server and the other endpoints are unaffected.
    assert up.get("/api/health").status_code == 200
    up.wait_ready("from_config")
    assert up.invoke("from_config", {"inputs": PAYLOADS["inputs"]}).status_code == 200


@pytest.mark.slow
def test_missing_models_versions_and_aliases_are_named(up: Brickyard, models: Any) -> None:
    def create(entity: dict[str, Any]) -> httpx.Response:
        return up.post(API, {"name": "nope", "config": {"served_entities": [entity]}})

    missing_model = create({"entity_name": "no_such_model", "entity_version": "1"})
    assert missing_model.status_code == 404
    assert "registered model 'no_such_model' does not exist" in missing_model.json()["message"]
    assert "'lr'" in missing_model.json()["message"]  # what does exist
    missing_alias = create({"entity_name": "lr", "alias": "no_such_alias"})
    assert missing_alias.status_code == 404
    message = missing_alias.json()["message"]
    assert "has no alias 'no_such_alias'" in message
    assert "'champion' (version 1)" in message
    missing_version = create({"entity_name": "lr", "entity_version": "99"})
    assert missing_version.status_code == 404
    assert "'lr' has no version 99 (versions: 2, 1)" in missing_version.json()["message"]
    both = create({"entity_name": "lr", "entity_version": "1", "alias": "champion"})
    assert both.status_code == 400
    assert up.get(f"{API}/nope").status_code == 404
    unknown = up.invoke("no-such-endpoint", {"inputs": PAYLOADS["inputs"]})
    assert unknown.status_code == 404
    assert "serving endpoint 'no-such-endpoint' does not exist" in unknown.json()["message"]


@pytest.mark.slow
def test_bad_payloads_get_400_saying_what_to_fix(up: Brickyard, models: Any) -> None:
    up.wait_ready("from_config")
    split = {"dataframe_split": {"columns": ["a", "c"], "data": [[1.0, 2.0]]}}
    response = up.invoke("from_config", split)
    assert response.status_code == 400
    assert response.json() == {
        "error_code": "INVALID_PARAMETER_VALUE",
        "message": "missing column 'b'; the model's signature expects 'a' (double), 'b' (double)",
    }
    records = up.invoke("from_config", {"dataframe_records": [{"c": 1.0}]})
    assert records.status_code == 400
    assert "missing columns 'a', 'b';" in records.json()["message"]

    malformed = httpx.post(
        f"{up.url}/serving-endpoints/from_config/invocations",
        content=b'{"inputs": ',
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert malformed.status_code == 400
    assert "not valid JSON" in malformed.json()["message"]
    unknown = up.invoke("from_config", {"dataframe": ROWS})
    assert unknown.status_code == 400
    message = unknown.json()["message"]
    for accepted in ("dataframe_split", "dataframe_records", "inputs", "instances"):
        assert f"'{accepted}'" in message
    assert "got 'dataframe'" in message
    assert up.invoke("from_config", [1, 2]).status_code == 400
    typed = up.invoke("from_config", {"dataframe_records": [{"a": "x", "b": 1.0}]})
    assert typed.status_code == 400  # MLflow's own schema check
    assert "column a" in typed.json()["message"]


@pytest.mark.slow
def test_endpoints_survive_a_restart(up: Brickyard, models: Any) -> None:
    config = {"served_entities": [{"entity_name": "lr", "alias": "champion"}]}
    assert up.post(API, {"name": "kept", "config": config}).status_code == 200
    up.restart()
    assert up.endpoint("kept")["creator"]  # listed at once, loading in the background
    assert _served(up.wait_ready("kept")) == ("lr", "1", "champion")
    assert _predicts(up, "kept", [3.0, 7.0])


# -- `brickyard serve` ------------------------------------------------------------------------
@pytest.mark.slow
def test_brickyard_serve_answers_mlflows_scoring_protocol(serving_home: Path, models: Any) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "brickyard.cli.main", "serve", "models:/lr@champion"]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--home", str(serving_home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: _pings(url, process), 60, "brickyard serve to answer /ping")
        assert httpx.get(f"{url}/health").status_code == 200
        for key, data in PAYLOADS.items():
            answer = httpx.post(f"{url}/invocations", json={key: data}, timeout=30)
            assert answer.json() == {"predictions": pytest.approx([3.0, 7.0])}, key
        csv = httpx.post(
            f"{url}/invocations", content="a,b\n1,2\n3,4\n", headers={"content-type": "text/csv"}
        )
        assert csv.json()["predictions"] == pytest.approx([3.0, 7.0])
        missing = httpx.post(f"{url}/invocations", json={"inputs": {"a": [1.0]}})
        assert missing.status_code == 400
        assert "missing column 'b'" in missing.json()["message"]
        rebound = httpx.get(f"{url}/ping", headers={"host": "attacker.example"})
        assert rebound.status_code == 403

        # The alias moves: the version it names now answers, without a restart.
        models.client.set_registered_model_alias("lr", "champion", "2")
        try:
            wait_for(lambda: _serve_predicts(url, [6.0, 14.0]), 30, "version 2 served")
        finally:
            models.client.set_registered_model_alias("lr", "champion", "1")
        wait_for(lambda: _serve_predicts(url, [3.0, 7.0]), 30, "back to version 1")
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.stdout is not None
    out = process.stdout.read()
    assert "Serving models:/lr@champion (version 1)" in out
    assert "serves model 'lr' version 2" in out


def _serve_predicts(url: str, expected: list[float]) -> bool:
    answer = httpx.post(f"{url}/invocations", json={"inputs": {"a": [1.0, 3.0], "b": [2.0, 4.0]}})
    return bool(answer.json()["predictions"] == pytest.approx(expected))


@pytest.mark.slow
def test_brickyard_serve_loads_any_model_uri_or_names_what_is_missing(models: Any) -> None:
    source = MlflowModels(models.stores)  # what `brickyard serve` loads with
    scorer = source.load_uri(f"runs:/{models.run_id}/model")
    request = json.dumps({"inputs": {"a": [1.0], "b": [2.0]}}).encode()
    assert json.loads(scorer.invoke(request, None))["predictions"] == pytest.approx([3.0])
    with pytest.raises(NotFoundError, match="0123456789abcdef"):
        source.load_uri("runs:/0123456789abcdef/model")
    with pytest.raises(NotFoundError, match="registered model 'no_such_model' does not exist"):
        source.load_uri("models:/no_such_model@champion")
    with pytest.raises(NotFoundError, match="has no alias 'no_such_alias'"):
        source.load_uri("models:/lr@no_such_alias")


# -- in-process: cheap and without MLflow ------------------------------------------------------
def test_model_uris_name_a_version_or_an_alias() -> None:
    assert parse_model_uri("models:/demo_model@champion") == ServedEntity(
        "demo_model", alias="champion"
    )
    assert parse_model_uri("models:/demo_model/3") == ServedEntity("demo_model", version="3")
    for bad in ("runs:/abc/model", "models:/demo_model", "models:/demo_model/latest", "models:/@x"):
        with pytest.raises(InvalidInputError, match="models:/NAME@ALIAS"):
            parse_model_uri(bad)


def test_an_app_without_endpoints_loads_nothing(ws: Workspace) -> None:
    app = create_app(ws)
    with TestClient(app, base_url="http://127.0.0.1:8585") as client:
        assert client.get(API).json() == {"endpoints": []}
        assert client.get(f"{API}/nope").status_code == 404
    assert not app.state.mlflow.ready  # MLflow's server was never loaded
    with TestClient(create_app(ws, auth=True), base_url="http://127.0.0.1:8585") as client:
        assert client.get(API).status_code == 401  # the access control covers serving too
        refused = client.post("/serving-endpoints/x/invocations", json={"inputs": [1]})
        assert refused.status_code == 401


class FakeRegistry:
    """Aliases and versions in a dict; loads of a version wait while it is in ``held``."""

    def __init__(self) -> None:
        self.aliases = {"champion": "1"}
        self.held: set[str] = set()

    def resolve(self, entity: ServedEntity) -> str:
        if entity.alias is None:
            return str(entity.version)
        if entity.alias not in self.aliases:
            raise NotFoundError(f"no alias '{entity.alias}'")
        return self.aliases[entity.alias]

    def load(self, entity_name: str, version: str) -> FakeModel:
        while version in self.held:
            time.sleep(0.01)
        return FakeModel(version)


@dataclass
class FakeModel:
    version: str

    def invoke(self, body: bytes, content_type: str | None) -> bytes:
        return self.version.encode()


class FakeStore:
    def __init__(self) -> None:
        self.specs: dict[str, EndpointSpec] = {}

    def list_endpoints(self) -> list[EndpointSpec]:
        return list(self.specs.values())

    def create_endpoint(self, spec: EndpointSpec) -> None:
        self.specs[spec.name] = spec

    def update_endpoint(self, name: str, entity: ServedEntity, now: int) -> EndpointSpec | None:
        spec = self.specs[name] = replace(self.specs[name], entity=entity, updated_at=now)
        return spec

    def delete_endpoint(self, name: str) -> bool:
        return self.specs.pop(name, None) is not None


def _service(registry: FakeRegistry, configured: dict[str, str] | None = None) -> ServingService:
    return ServingService(FakeStore(), registry, SystemClock(), configured or {}, poll_s=0.02)


def test_a_new_version_is_served_once_loaded_and_a_stale_load_is_dropped() -> None:
    registry = FakeRegistry()
    service = _service(registry)
    try:
        service.create("ep", ServedEntity("m", alias="champion"), "me")
        wait_for(lambda: service.get("ep").served_version == "1", 5, "version 1")
        registry.held.add("2")
        registry.aliases["champion"] = "2"
        wait_for(lambda: service.get("ep").loading_version == "2", 5, "version 2 loading")
        status = service.get("ep")
        assert (status.ready.value, status.config_update.value) == ("READY", "IN_PROGRESS")
        assert service.invoke("ep", b"", None) == b"1"  # the old version answers meanwhile
        registry.aliases["champion"] = "1"  # moved back before version 2 loaded
        wait_for(lambda: service.get("ep").loading_version is None, 5, "the load dropped")
        registry.held.clear()
        time.sleep(0.2)
        assert service.invoke("ep", b"", None) == b"1"
        registry.aliases["champion"] = "3"
        wait_for(lambda: service.invoke("ep", b"", None) == b"3", 5, "version 3")
        del registry.aliases["champion"]  # the alias is removed: keep serving, say why
        wait_for(lambda: service.get("ep").message == "no alias 'champion'", 5, "the error")
        assert service.invoke("ep", b"", None) == b"3"
    finally:
        service.stop()


def test_a_followed_alias_serves_each_version_it_names() -> None:
    registry = FakeRegistry()
    followed = FollowedModel(registry, SystemClock(), "models:/m@champion", poll_s=0.02)
    try:
        assert followed.wait_loaded().served_version == "1"
        assert followed.invoke(b"", None) == b"1"
        registry.aliases["champion"] = "2"
        wait_for(lambda: followed.invoke(b"", None) == b"2", 5, "version 2")
    finally:
        followed.stop()
    with pytest.raises(BrickyardError, match="no alias 'gone'"):
        FollowedModel(registry, SystemClock(), "models:/m@gone", poll_s=0.02).wait_loaded()
    with pytest.raises(InvalidInputError, match="models:/NAME@ALIAS"):
        FollowedModel(registry, SystemClock(), "runs:/abc/model")


def test_a_registry_failing_unexpectedly_ends_the_wait_with_its_error() -> None:
    class Unreachable(FakeRegistry):
        def resolve(self, entity: ServedEntity) -> str:
            raise RuntimeError("the store is unreachable")

    followed = FollowedModel(Unreachable(), SystemClock(), "models:/m@champion", poll_s=0.02)
    with pytest.raises(BrickyardError, match="models:/m@champion: the store is unreachable"):
        followed.wait_loaded()  # it used to wait forever


def test_a_service_without_endpoints_starts_no_threads() -> None:
    before = set(threading.enumerate())
    service = _service(FakeRegistry())
    service.start()
    assert service.list() == []
    assert set(threading.enumerate()) <= before


def test_a_bad_configured_endpoint_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"\[ml.serving\] bad: 'runs:/x/model' is not a"):
        _service(FakeRegistry(), {"bad": "runs:/x/model"})


# -- helpers ----------------------------------------------------------------------------------
def wait_for(check: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def _if(value: dict[str, Any], predicate: Callable[[dict[str, Any]], bool]) -> Any:
    return value if predicate(value) else None


def _ready(endpoint: dict[str, Any]) -> bool:
    return bool(endpoint["state"]["ready"] == "READY")


def _sdk_ready(endpoint: Any) -> Any:
    return endpoint if endpoint.state and str(endpoint.state.ready.value) == "READY" else None


def _deployment(endpoint: dict[str, Any]) -> str:
    return str(endpoint["config"]["served_entities"][0]["state"]["deployment"])


def _served(endpoint: dict[str, Any]) -> tuple[str, str | None, str | None]:
    served = endpoint["config"]["served_entities"][0]
    return served["entity_name"], served["entity_version"], served.get("alias")


def _predicts(up: Brickyard, endpoint: str, expected: list[float]) -> bool:
    response = up.invoke(endpoint, {"dataframe_split": PAYLOADS["dataframe_split"]})
    return response.status_code == 200 and response.json()["predictions"] == pytest.approx(expected)


def _pings(url: str, process: subprocess.Popen[str]) -> bool:
    if process.poll() is not None:
        output = process.stdout.read() if process.stdout else ""
        raise AssertionError(f"brickyard serve exited: {output}")
    try:
        return httpx.get(f"{url}/ping", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
