"""The hot tracking calls over HTTP (TrackingFastPath, in process): they skip MLflow's FastAPI
app, everything else goes through it, and both ways answer alike, MLflow's own security
checks (Host header, cross-origin writes, security headers) included."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from brickyard.adapters import mlflow_server
from brickyard.adapters.mlflow_fast_path import HOT_PATHS, TrackingFastPath
from brickyard.adapters.mlflow_server import MlflowStores
from tests.ml.test_mlflow_contract import kept_mlflow_process_state

API = "/mlflow/api/2.0/mlflow"


class Recorder:
    """MLflow's full app, noting the paths it was asked for."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.paths: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.paths.append(f"{scope.get('method')} {scope['path']}")
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def tracking(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Recorder, Any]]:
    """(Brickyard's way in, the recorder around MLflow's full app, the full app mounted
    alone), both under /mlflow as in ``brickyard up``."""
    from starlette.applications import Starlette
    from starlette.routing import Mount

    home = tmp_path_factory.mktemp("fast-http")
    stores = MlflowStores(f"sqlite:///{home / 'mlflow.db'}", (home / "artifacts").as_uri())
    with kept_mlflow_process_state():
        fast = mlflow_server.create_tracking_app(stores)
        assert isinstance(fast, TrackingFastPath)
        recorder = Recorder(fast.app)
        fast.app = recorder
        brickyard_way = Starlette(routes=[Mount("/mlflow", app=fast)])
        full_way = Starlette(routes=[Mount("/mlflow", app=recorder)])
        yield brickyard_way, recorder, full_way
        fast.close()


def send(app: Any, method: str, path: str, body: Any = None, **headers: str) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:5000") as c:
            content = None if body is None else json.dumps(body)
            base = {} if body is None else {"content-type": "application/json"}
            return await c.request(method, path, content=content, headers={**base, **headers})

    return asyncio.run(go())


def test_hot_posts_skip_mlflows_fastapi_app_the_rest_goes_through_it(
    tracking: tuple[Any, Recorder, Any],
) -> None:
    app, recorder, _ = tracking
    created = send(app, "POST", f"{API}/runs/create", {"experiment_id": "0", "start_time": 1})
    assert created.status_code == 200, created.text
    run_id = created.json()["run"]["info"]["run_id"]
    metric = {"run_id": run_id, "key": "loss", "value": 0.5, "timestamp": 1, "step": 0}
    for api in ("api", "ajax-api"):
        url = f"/mlflow/{api}/2.0/mlflow/runs/log-metric"
        assert send(app, "POST", url, metric).status_code == 200
    batch = {"run_id": run_id, "params": [{"key": "a", "value": "1"}]}
    assert send(app, "POST", f"{API}/runs/log-batch", batch).status_code == 200
    tag = {"run_id": run_id, "key": "t", "value": "v"}
    assert send(app, "POST", f"{API}/runs/set-tag", tag).status_code == 200
    param = {"run_id": run_id, "key": "b", "value": "2"}
    assert send(app, "POST", f"{API}/runs/log-parameter", param).status_code == 200
    update = {"run_id": run_id, "status": "FINISHED", "end_time": 2}
    assert send(app, "POST", f"{API}/runs/update", update).status_code == 200
    assert recorder.paths == []  # none of the hot writes went through MLflow's FastAPI app

    search = send(app, "POST", f"{API}/runs/search", {"experiment_ids": ["0"]})
    assert [r["data"]["metrics"] for r in search.json()["runs"]] == [
        [{"key": "loss", "value": 0.5, "timestamp": 1, "step": 0}]
    ]
    assert send(app, "GET", f"{API}/runs/get?run_id={run_id}").status_code == 200
    assert send(app, "GET", "/mlflow/").status_code == 200  # the UI
    preflight = send(
        app,
        "OPTIONS",
        f"{API}/runs/log-metric",
        origin="http://localhost:3000",
        **{"access-control-request-method": "POST"},
    )
    assert preflight.status_code in (200, 204)
    assert recorder.paths == [
        "POST /mlflow/api/2.0/mlflow/runs/search",
        "GET /mlflow/api/2.0/mlflow/runs/get",
        "GET /mlflow/",
        "OPTIONS /mlflow/api/2.0/mlflow/runs/log-metric",
    ]


@pytest.mark.parametrize(
    ("name", "body", "headers"),
    [
        ("a missing run", {"run_id": "f" * 32, "key": "k", "value": 1, "timestamp": 1}, {}),
        ("a missing field", {"key": "k", "value": 1, "timestamp": 1}, {}),
        ("a string value", {"run_id": "f" * 32, "key": "k", "value": "x", "timestamp": 1}, {}),
        ("a foreign Host", {"run_id": "f" * 32}, {"host": "evil.example.com"}),
        ("a cross-origin write", {"run_id": "f" * 32}, {"origin": "http://evil.example.com"}),
    ],
)
def test_both_ways_answer_alike_security_checks_included(
    tracking: tuple[Any, Recorder, Any], name: str, body: Any, headers: dict[str, str]
) -> None:
    app, recorder, full = tracking
    answers = []
    for way in (app, full):
        before = len(recorder.paths)
        response = send(way, "POST", f"{API}/runs/log-metric", body, **headers)
        assert (len(recorder.paths) > before) is (way is full), name
        security = {
            h: response.headers.get(h) for h in ("x-content-type-options", "x-frame-options")
        }
        answers.append((response.status_code, response.text, security))
    (status, text, fast_headers), (full_status, full_text, full_headers) = answers
    assert (status, text) == (full_status, full_text), name
    # Every security header of MLflow's full app is there too (Flask adds them even to its
    # refusals, where MLflow's FastAPI host check sends none).
    assert {h: v for h, v in full_headers.items() if v}.items() <= fast_headers.items(), name
    assert status >= 400, name
    if "host" in headers or "origin" in headers:
        assert status == 403, name


def test_big_and_chunked_bodies_take_the_full_way(tracking: tuple[Any, Recorder, Any]) -> None:
    from brickyard.adapters.mlflow_fast_path import MAX_BODY, _is_hot

    def scope(path: str, length: str | None) -> dict[str, Any]:
        headers = [] if length is None else [(b"content-length", length.encode())]
        return {"type": "http", "method": "POST", "path": path, "root_path": "", "headers": headers}

    hot = next(iter(HOT_PATHS))
    assert _is_hot(scope(hot, "100"))
    assert not _is_hot(scope(hot, str(MAX_BODY + 1)))
    assert not _is_hot(scope(hot, None))  # chunked
    assert not _is_hot(scope("/api/2.0/mlflow/runs/search", "100"))
    assert _is_hot({**scope(f"/mlflow{hot}", "10"), "root_path": "/mlflow"})


def test_mounted_under_brickyard_the_ui_and_api_answer(tmp_path: Path) -> None:
    """The same through Brickyard's whole app (access control, the lazy mount)."""
    from fastapi.testclient import TestClient

    import brickyard
    from brickyard.api.app import create_app

    with kept_mlflow_process_state(), brickyard.connect(tmp_path / "home") as ws:
        app = create_app(ws)
        app.state.mlflow.load()
        with TestClient(app, base_url="http://127.0.0.1") as client:
            created = client.post(f"{API}/runs/create", json={"experiment_id": "0"})
            assert created.status_code == 200, created.text
            run_id = created.json()["run"]["info"]["run_id"]
            metric = {"run_id": run_id, "key": "m", "value": 1.0, "timestamp": 5, "step": 0}
            assert client.post(f"{API}/runs/log-metric", json=metric).status_code == 200
            got = client.get(f"{API}/runs/get", params={"run_id": run_id}).json()
            assert got["run"]["data"]["metrics"][0]["value"] == 1.0
            # Brickyard's own check before MLflow's: JSON only for writes.
            form = client.post(f"{API}/runs/log-metric", data={"run_id": run_id})
            assert form.status_code == 415
