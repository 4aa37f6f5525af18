"""The catalog routes the web UI uses beyond Unity Catalog's: search, details, history,
comment and tag edits, and lineage (job tasks that wrote the table, MLflow runs that read it)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from brickyard.workspace import Workspace
from tests.api.conftest import USER, USER_PASSWORD, login

UC = "/api/2.1/unity-catalog"
TASK_ENV = {
    "BRICKYARD_JOB": "nightly",
    "BRICKYARD_RUN_ID": "42",
    "BRICKYARD_TASK": "load",
    "BRICKYARD_TRY": "2",
}


@pytest.fixture
def sales(ws: Workspace) -> str:
    ws.catalog.create_table(
        "main.default.sales",
        pa.table({"id": [1, 2, 3], "customer_id": [7, 8, 9]}),
        comment="every sale",
        tags={"domain": "money"},
    )
    return "main.default.sales"


def test_search_finds_names_comments_tags_and_columns(api: TestClient, sales: str) -> None:
    def search(text: str) -> list[dict[str, str]]:
        response = api.get(f"{UC}/search", params={"q": text, "max_results": 10})
        assert response.status_code == 200, response.text
        return list(response.json()["results"])

    assert {"full_name": sales, "kind": "table", "matched": "name", "text": "sales"} in search(
        "sale"
    )
    assert any(h["full_name"] == sales and h["matched"] == "comment" for h in search("every"))
    assert any(h["full_name"] == sales and h["matched"] == "tag" for h in search("money"))
    assert any(h["kind"] == "column" for h in search("customer"))
    assert search("nothing-like-this") == []
    assert api.get(f"{UC}/search", params={"q": " "}).status_code == 400


def test_details_give_size_files_and_rows_of_the_current_version(
    ws: Workspace, api: TestClient, sales: str
) -> None:
    ws.catalog.table(sales).append(pa.table({"id": [4], "customer_id": [10]}))
    details = api.get(f"{UC}/tables/{sales}/details").json()
    assert details["version"] == 1
    assert details["num_files"] == 2
    assert details["num_rows"] == 4
    assert details["size_in_bytes"] > 0
    assert api.get(f"{UC}/tables/main.default.nope/details").status_code == 404


def test_history_has_rows_added_and_removed_and_who(
    ws: Workspace, api: TestClient, sales: str
) -> None:
    table = ws.catalog.table(sales)
    table.append(pa.table({"id": [4, 5], "customer_id": [10, 11]}))
    table.delete("id = 1")
    table.merge(pa.table({"id": [2, 6], "customer_id": [80, 12]}), on="id")
    versions = api.get(f"{UC}/tables/{sales}/history").json()["versions"]
    assert [v["version"] for v in versions] == [3, 2, 1, 0]
    merge, delete, append, create = versions
    assert (create["rows_added"], append["rows_added"]) == (3, 2)
    assert delete["operation"] == "DELETE"
    assert delete["rows_removed"] == 1
    assert merge["operation"] == "MERGE"
    assert (merge["rows_added"], merge["rows_updated"]) == (1, 1)
    assert all(v["user"] and v["timestamp"] > 0 and v["job"] is None for v in versions)


def test_comment_and_tags_are_edited_through_patch(api: TestClient, sales: str) -> None:
    patched = api.patch(f"{UC}/tables/{sales}", json={"comment": "all the sales"}).json()
    assert patched["comment"] == "all the sales"
    assert patched["properties"] == {"domain": "money"}  # tags untouched
    patched = api.patch(
        f"{UC}/tables/{sales}", json={"properties": {"domain": "money", "pii": "no"}}
    ).json()
    assert patched["properties"] == {"domain": "money", "pii": "no"}
    assert patched["comment"] == "all the sales"
    patched = api.patch(f"{UC}/tables/{sales}", json={"comment": None, "properties": {}}).json()
    assert "comment" not in patched
    assert patched["properties"] == {}
    bad = api.patch(f"{UC}/tables/{sales}", json={"properties": {"bad key!": "x"}})
    assert bad.status_code == 400


def test_a_user_edits_with_the_csrf_header_only(secured: TestClient, sales: str) -> None:
    csrf = login(secured, USER, USER_PASSWORD)
    url = f"{UC}/tables/{sales}"
    assert secured.patch(url, json={"comment": "x"}).status_code == 403
    response = secured.patch(url, json={"comment": "by bob"}, headers=csrf)
    assert response.status_code == 200, response.text
    assert response.json()["comment"] == "by bob"


def test_lineage_lists_writing_tasks_and_mlflow_runs_reading_the_table(
    ws: Workspace, api: TestClient, sales: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var, value in TASK_ENV.items():
        monkeypatch.setenv(var, value)
    ws.catalog.table(sales).append(pa.table({"id": [4], "customer_id": [10]}))
    for var in TASK_ENV:
        monkeypatch.delenv(var)
    run_id = _mlflow_run_reading(ws, monkeypatch, sales, version=1)

    history = api.get(f"{UC}/tables/{sales}/history").json()["versions"]
    assert history[0]["job"] == {"job": "nightly", "run_id": "42", "task": "load", "try": "2"}
    assert history[1]["job"] is None

    lineage = api.get(f"{UC}/tables/{sales}/lineage").json()
    (writer,) = lineage["writers"]
    assert writer["job"] == "nightly"
    assert writer["task"] == "load"
    assert writer["versions"] == [1]
    (run,) = lineage["mlflow_runs"]
    assert run["run_id"] == run_id
    assert run["versions"] == ["v1"]
    assert run["url"] == f"/mlflow/#/runs/{run_id}"
    (reader,) = lineage["readers"]
    assert reader["job"] == "daily_train"
    assert reader["task"] == "train"
    assert reader["mlflow_run_ids"] == [run_id]


def _mlflow_run_reading(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, table: str, version: int
) -> str:
    """An MLflow run of a job task, given the table as input by brickyard.ml.lineage."""
    from mlflow import MlflowClient

    from brickyard.adapters.mlflow_server import prepare
    from brickyard.ml import lineage

    prepare(ws.ml_stores)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", ws.ml_stores.backend_uri)
    client = MlflowClient(tracking_uri=ws.ml_stores.backend_uri)
    experiment = client.create_experiment("/jobs/daily_train", ws.ml_stores.artifact_root)
    tags: dict[str, Any] = {
        "brickyard.job": "daily_train",
        "brickyard.run_id": "7",
        "brickyard.task": "train",
        "brickyard.try": "1",
    }
    run = client.create_run(experiment, tags=tags)
    monkeypatch.setattr(lineage, "_READS", {table: (version, ws.catalog.table_info(table).id)})
    lineage.log_reads(run.info.run_id)
    client.set_terminated(run.info.run_id)
    return str(run.info.run_id)


WRITER_JOB = """
from brickyard import job, task

@job
def refresh_sales():
    @task
    def load() -> int:
        import pyarrow as pa

        import brickyard

        table = brickyard.connect().catalog.table("main.default.sales")
        table.append(pa.table({"id": [9], "customer_id": [99]}))
        return 1

    load()
"""


def test_a_job_task_that_writes_the_table_is_its_writer(
    ws: Workspace, api: TestClient, sales: str
) -> None:
    ws.jobs.jobs_dir.mkdir(parents=True, exist_ok=True)
    (ws.jobs.jobs_dir / "refresh_sales.py").write_text(WRITER_JOB)
    assert ws.jobs.reload() == []
    job_id = api.get("/api/2.2/jobs/list").json()["jobs"][0]["job_id"]
    runner = ws.job_runner()
    try:
        run_id = int(api.post("/api/2.2/jobs/run-now", json={"job_id": job_id}).json()["run_id"])
        assert runner.run_until(lambda: ws.jobs.run(run_id).state.finished, 120)
    finally:
        runner.stop()
    assert ws.jobs.run(run_id).state.name == "SUCCESS"
    newest = api.get(f"{UC}/tables/{sales}/history").json()["versions"][0]
    assert newest["rows_added"] == 1
    assert newest["job"] == {
        "job": "refresh_sales",
        "run_id": str(run_id),
        "task": "load",
        "try": "1",
    }
    (writer,) = api.get(f"{UC}/tables/{sales}/lineage").json()["writers"]
    assert writer["versions"] == [1]


def test_lineage_still_lists_writers_when_mlflow_fails_to_load(
    ws: Workspace, api: TestClient, sales: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brickyard.domain.errors import ConfigError

    _mlflow_run_reading(ws, monkeypatch, sales, version=0)

    def broken() -> None:
        raise ConfigError("MLflow failed to load: no module named 'nope'")

    monkeypatch.setattr(api.app.state.mlflow, "load", broken)  # type: ignore[attr-defined]
    lineage = api.get(f"{UC}/tables/{sales}/lineage").json()
    assert lineage["mlflow_runs"] == []
    assert lineage["mlflow_error"] == "MLflow failed to load: no module named 'nope'"
