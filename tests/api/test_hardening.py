"""Every error is JSON without tracebacks or paths; size limits; no path leads out of the logs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient

import brickyard
from brickyard.api.app import create_app
from brickyard.api.errors import public_message
from brickyard.api.jobs import TASK_RUN_ID_BASE
from brickyard.domain.errors import NotFoundError, StorageError
from brickyard.services import jobs as jobs_service
from brickyard.workspace import Workspace
from tests.api.conftest import client_for

UC = "/api/2.1/unity-catalog"
JOBS = "/api/2.2/jobs"
MB = 1024 * 1024


def test_unknown_routes_and_methods_are_json(ws: Workspace, api: TestClient) -> None:
    missing = api.get("/api/2.1/unity-catalog/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {
        "error_code": "NOT_FOUND",
        "message": "no such route: GET /api/2.1/unity-catalog/nothing-here; the API is at /docs",
    }
    wrong_method = api.put("/api/health", json={})
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error_code"] == "METHOD_NOT_ALLOWED"
    secret, _ = ws.tokens.create("carol")
    with client_for(ws, auth=True) as client:
        unknown = client.get("/api/nope", headers={"Authorization": f"Bearer {secret}"})
        assert unknown.status_code == 404
        assert unknown.json()["error_code"] == "NOT_FOUND"


def test_a_500_shows_no_traceback_and_no_path(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError(f"boom in {ws.home}/metadata.db at /srv/secret/file.py line 3")

    def failing(*_args: Any, **_kwargs: Any) -> None:
        raise StorageError(
            "the metadata database failed (unable to open sqlite:////srv/data/metadata.db, "
            f"file:///srv/data/x and {ws.home}/logs/a.log); check metadata.url"
        )

    with client_for(ws, raise_server_exceptions=False) as client:
        monkeypatch.setattr(ws.catalog, "list_catalogs", broken)
        response = client.get(f"{UC}/catalogs")
        assert response.status_code == 500
        assert response.json() == {
            "error_code": "INTERNAL_ERROR",
            "message": "unexpected server error (RuntimeError); see the server log",
        }
        monkeypatch.setattr(ws.catalog, "list_catalogs", failing)
        storage = client.get(f"{UC}/catalogs")
        assert storage.status_code == 500
        message = storage.json()["message"]
        assert message == (
            "the metadata database failed (unable to open <path>, <path> and <home>/logs/a.log); "
            "check metadata.url"
        )
        for leak in ("Traceback", "/srv", str(ws.home), "File "):
            assert leak not in response.text + storage.text


def test_messages_name_the_home_not_its_absolute_path(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(*_args: Any, **_kwargs: Any) -> None:
        raise NotFoundError(f"no job file {ws.home.resolve()}/jobs/etl.py")

    monkeypatch.setattr(ws.catalog, "list_catalogs", missing)
    with client_for(ws) as client:
        response = client.get(f"{UC}/catalogs")
    assert response.status_code == 404
    assert response.json()["message"] == "no job file <home>/jobs/etl.py"
    home = Path("/data/by")
    assert public_message("at /data/by/logs/x.log", 400, home) == "at <home>/logs/x.log"
    assert public_message("see https://example.com/a/b and 6 / 3", 500) == (
        "see https://example.com/a/b and 6 / 3"
    )
    assert public_message("open /etc/passwd: denied", 500) == "open <path>: denied"


def test_a_200_mb_content_length_is_refused_before_the_body_is_read(ws: Workspace) -> None:
    app = create_app(ws)
    sent: list[dict[str, Any]] = []
    read: list[str] = []

    async def receive() -> dict[str, Any]:
        read.append("body")
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": f"{UC}/catalogs",
        "raw_path": f"{UC}/catalogs".encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8585"),
            (b"content-type", b"application/json"),
            (b"content-length", str(200 * MB).encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8585),
    }
    anyio.run(app, scope, receive, send)
    assert sent[0]["status"] == 413
    assert read == []  # refused from the header alone
    assert sent[1]["body"] == (
        b'{"error_code": "REQUEST_TOO_LARGE", "message": "request body too large: the limit is '
        b'64 MB ([server] max_request_mb)"}'
    )
    with client_for(ws) as client:
        response = client.post(
            f"{UC}/catalogs",
            content=b"{}",
            headers={"Content-Length": str(200 * MB), "Content-Type": "application/json"},
        )
        assert response.status_code == 413
        assert response.json()["error_code"] == "REQUEST_TOO_LARGE"
        bad = client.post(
            f"{UC}/catalogs",
            content=b"{}",
            headers={"Content-Length": "lots", "Content-Type": "application/json"},
        )
        assert bad.status_code == 400


@pytest.fixture
def small_limit_ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    monkeypatch.setenv("BRICKYARD_SERVER_MAX_REQUEST_MB", "1")
    workspace = brickyard.connect(tmp_path / "small")
    yield workspace
    workspace.close()


def test_a_chunked_body_growing_past_the_limit_is_a_413(small_limit_ws: Workspace) -> None:
    def chunks(total: int) -> Iterator[bytes]:
        yield b'{"name": "big", "comment": "'
        for _ in range(total // (64 * 1024)):
            yield b"x" * (64 * 1024)
        yield b'"}'

    with client_for(small_limit_ws) as client:
        response = client.post(
            f"{UC}/catalogs", content=chunks(2 * MB), headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413
        assert response.json() == {
            "error_code": "REQUEST_TOO_LARGE",
            "message": "request body too large: the limit is 1 MB ([server] max_request_mb)",
        }
        assert client.get(f"{UC}/catalogs/big").status_code == 404
        small = client.post(
            f"{UC}/catalogs",
            content=chunks(256 * 1024),
            headers={"Content-Type": "application/json"},
        )
        assert small.status_code == 200, small.text


def test_paths_with_dot_dot_segments_are_refused(api: TestClient) -> None:
    for path in (
        f"{JOBS}/runs/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        f"{UC}/tables/..%2F..%2Fetc%2Fpasswd",
        "/mlflow/get-artifact/%2e%2e/%2e%2e/etc/passwd",
        "/api/..%5c..%5cetc%5cpasswd",
    ):
        response = api.get(path)
        assert response.status_code == 400, path
        assert response.json() == {
            "error_code": "INVALID_PARAMETER_VALUE",
            "message": "paths may not contain '..' segments",
        }


def test_path_parameters_may_not_be_absolute_paths(ws: Workspace) -> None:
    app = create_app(ws)

    def read(name: str) -> dict[str, str]:  # a route with a path-valued parameter
        return {"name": name}

    app.add_api_route("/api/files/{name:path}", read, methods=["GET"])
    with TestClient(app, base_url="http://127.0.0.1:8585") as client:
        assert client.get("/api/files/notes/a.txt").json() == {"name": "notes/a.txt"}
        absolute = client.get("/api/files//etc/passwd")
        assert absolute.status_code == 400
        assert "absolute path" in absolute.json()["message"]


def test_task_logs_are_never_read_outside_the_logs_folder(
    ws: Workspace, api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    (ws.jobs.jobs_dir / "quick.py").write_text(
        "from brickyard import job, task\n\n"
        "@job()\ndef quick():\n    @task\n    def t() -> int:\n        return 7\n    t()\n"
    )
    assert ws.jobs.reload() == []
    job_id = api.get(f"{JOBS}/list").json()["jobs"][0]["job_id"]
    run_id = api.post(f"{JOBS}/run-now", json={"job_id": job_id}).json()["run_id"]
    tails: list[Path] = []
    real_tail = jobs_service._tail

    def spy(path: Path, lines: int) -> tuple[str, bool]:
        tails.append(path)
        return real_tail(path, lines)

    monkeypatch.setattr(jobs_service, "_tail", spy)
    output = f"{JOBS}/runs/get-output"
    for params in (
        {"run_id": run_id, "task_key": "../../etc/passwd"},
        {"run_id": run_id, "task_key": "/etc/passwd"},
    ):
        refused = api.get(output, params=params)
        assert refused.status_code == 404
        assert "root:" not in refused.text
    assert api.get(output, params={"run_id": "../../etc/passwd"}).status_code == 400
    export = api.get(f"{JOBS}/runs/export", params={"run_id": "../../etc/passwd"})
    assert export.status_code == 400
    assert tails == []

    # A job whose name leads out of the logs folder (as a tampered database could hold):
    # its log is not read, let alone returned.
    outside = ws.logs_dir / ".." / ".." / "outside"
    log = outside / str(run_id) / "t" / "1.log"
    log.parent.mkdir(parents=True)
    log.write_text("SECRET\n")
    log.with_suffix(".ipynb").write_text("{}")
    with ws.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE jobs SET name = '../../outside'")
        conn.exec_driver_sql("UPDATE task_runs SET try_number = 1")
    task_run_id = api.get(f"{JOBS}/runs/get", params={"run_id": run_id}).json()["tasks"][0][
        "run_id"
    ]
    assert task_run_id >= TASK_RUN_ID_BASE
    for response in (
        api.get(output, params={"run_id": run_id, "task_key": "t"}),
        api.get(output, params={"run_id": run_id}),
        api.get(output, params={"run_id": task_run_id}),
        api.get(f"{JOBS}/runs/export", params={"run_id": task_run_id}),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
        assert "SECRET" not in response.text
    assert tails == []


def test_api_threads_and_query_threads_come_from_the_config(ws: Workspace) -> None:
    """Quick requests share [server] threads; SQL statements have [server] query_threads."""
    ws.config.values["server"]["threads"] = 3
    ws.config.values["server"]["query_threads"] = 5
    with client_for(ws) as client:
        app: Any = client.app
        assert app.state.query_threads.total_tokens == 5
        tokens = client.portal.call(
            lambda: anyio.to_thread.current_default_thread_limiter().total_tokens
        )
        assert tokens == 3
        answer = client.post("/api/2.0/sql/statements", json={"statement": "SELECT 1 AS x"})
        assert answer.json()["result"]["data_array"] == [["1"]]


@pytest.mark.parametrize("value", [0, -2, "many", True])
def test_a_bad_thread_count_is_refused_at_start(ws: Workspace, value: object) -> None:
    ws.config.values["server"]["threads"] = value
    refused = pytest.raises(Exception, match=r"\[server\] threads must be a whole number >= 1")
    with refused, client_for(ws):
        pass
