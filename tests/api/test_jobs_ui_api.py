"""The Jobs API endpoints the web UI uses: pause through jobs/update, the jobs overview,
the runs x tasks grid and the offset-based task log."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from brickyard.api.jobs import TASK_RUN_ID_BASE
from brickyard.services.job_runner import JobRunner
from brickyard.workspace import Workspace

JOBS = "/api/2.2/jobs"

PIPELINE = """
from brickyard import job, task

@job(schedule="0 3 * * *", timezone="UTC")
def pipeline():
    @task
    def extract() -> int:
        for i in range(3):
            print("line", i)
        return 3

    @task
    def load(n: int) -> int:
        return n * 2

    load(extract())
"""


@pytest.fixture
def job_id(ws: Workspace, api: TestClient) -> int:
    (ws.jobs.jobs_dir / "pipeline.py").parent.mkdir(parents=True, exist_ok=True)
    (ws.jobs.jobs_dir / "pipeline.py").write_text(textwrap.dedent(PIPELINE))
    assert ws.jobs.reload() == []
    return int(api.get(f"{JOBS}/list").json()["jobs"][0]["job_id"])


@pytest.fixture
def runner(ws: Workspace) -> Iterator[JobRunner]:
    job_runner = ws.job_runner()
    yield job_runner
    job_runner.stop()


def run_to_end(ws: Workspace, api: TestClient, runner: JobRunner, job_id: int) -> int:
    run_id = int(api.post(f"{JOBS}/run-now", json={"job_id": job_id}).json()["run_id"])
    assert runner.run_until(lambda: ws.jobs.run(run_id).state.finished, 60)
    return run_id


def test_update_pauses_and_unpauses_a_job(api: TestClient, job_id: int) -> None:
    for status in ("PAUSED", "UNPAUSED"):
        body = {"job_id": job_id, "new_settings": {"schedule": {"pause_status": status}}}
        assert api.post(f"{JOBS}/update", json=body).status_code == 200
        job = api.get(f"{JOBS}/get", params={"job_id": job_id}).json()
        assert job["settings"]["schedule"]["pause_status"] == status
        [overview] = api.get(f"{JOBS}/overview").json()["jobs"]
        assert overview["paused"] is (status == "PAUSED")


def test_update_refuses_other_settings(api: TestClient, job_id: int) -> None:
    for settings in ({"name": "x"}, {"schedule": {"quartz_cron_expression": "0 0 1 * * ?"}}, {}):
        response = api.post(f"{JOBS}/update", json={"job_id": job_id, "new_settings": settings})
        assert response.status_code == 400, response.text
        assert "pause_status" in response.json()["message"]
    missing = {"job_id": 999, "new_settings": {"schedule": {"pause_status": "PAUSED"}}}
    assert api.post(f"{JOBS}/update", json=missing).status_code == 404


def test_overview_grid_and_log(
    ws: Workspace, api: TestClient, runner: JobRunner, job_id: int
) -> None:
    first = run_to_end(ws, api, runner, job_id)
    second = run_to_end(ws, api, runner, job_id)
    [overview] = api.get(f"{JOBS}/overview").json()["jobs"]
    assert overview["next_run_time"] > 0
    assert [r["run_id"] for r in overview["recent_runs"]] == [second, first]
    assert {r["state"] for r in overview["recent_runs"]} == {"success"}

    grid = api.get(f"{JOBS}/grid", params={"job_id": job_id, "limit": 50}).json()
    assert grid["task_keys"] == ["extract", "load"]
    assert [r["run_id"] for r in grid["runs"]] == [first, second]  # oldest first
    assert grid["runs"][0]["tasks"] == {"extract": "success", "load": "success"}

    tasks = api.get(f"{JOBS}/runs/get", params={"run_id": first}).json()["tasks"]
    extract = next(t["run_id"] for t in tasks if t["task_key"] == "extract")
    whole = api.get(f"{JOBS}/runs/get-log", params={"run_id": extract}).json()
    assert "line 2" in whole["text"]
    assert whole["complete"] is True
    rest = api.get(f"{JOBS}/runs/get-log", params={"run_id": extract, "offset": 5}).json()
    assert rest["text"] == whole["text"][5:]
    assert rest["next_offset"] == whole["next_offset"]
    end = whole["next_offset"]
    after = api.get(f"{JOBS}/runs/get-log", params={"run_id": extract, "offset": end}).json()
    assert after == {"text": "", "next_offset": end, "complete": True}


def test_get_log_refuses_job_run_ids_and_unknown_task_runs(api: TestClient, job_id: int) -> None:
    assert api.get(f"{JOBS}/runs/get-log", params={"run_id": 1}).status_code == 400
    missing = api.get(f"{JOBS}/runs/get-log", params={"run_id": TASK_RUN_ID_BASE + 999})
    assert missing.status_code == 404
    assert api.get(f"{JOBS}/runs/get-log", params={"run_id": 1, "offset": -1}).status_code == 400
    assert api.get(f"{JOBS}/grid", params={"job_id": job_id, "limit": 0}).status_code == 400


def test_get_log_reads_nothing_outside_the_logs_folder(
    ws: Workspace, api: TestClient, runner: JobRunner, job_id: int
) -> None:
    run_id = run_to_end(ws, api, runner, job_id)
    # A job whose name leads out of the logs folder (as a tampered database could hold).
    log = ws.logs_dir / ".." / ".." / "outside" / str(run_id) / "extract" / "1.log"
    log.parent.mkdir(parents=True)
    log.write_text("SECRET\n")
    with ws.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE jobs SET name = '../../outside'")
    task_run = next(t for t in ws.jobs.task_runs(run_id) if t.task_id == "extract")
    response = api.get(f"{JOBS}/runs/get-log", params={"run_id": TASK_RUN_ID_BASE + task_run.id})
    assert response.status_code == 404
    assert response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert "SECRET" not in response.text


def test_only_admins_pause_jobs(ws: Workspace, secured: TestClient) -> None:
    from tests.api.conftest import ADMIN, ADMIN_PASSWORD, USER, USER_PASSWORD, login

    (ws.jobs.jobs_dir / "pipeline.py").parent.mkdir(parents=True, exist_ok=True)
    (ws.jobs.jobs_dir / "pipeline.py").write_text(textwrap.dedent(PIPELINE))
    assert ws.jobs.reload() == []
    job = ws.jobs.job("pipeline").id
    body = {"job_id": job, "new_settings": {"schedule": {"pause_status": "PAUSED"}}}
    headers = login(secured, USER, USER_PASSWORD)
    assert secured.get(f"{JOBS}/overview").status_code == 200  # reading is for everyone
    assert secured.post(f"{JOBS}/update", json=body, headers=headers).status_code == 403
    assert not ws.jobs.job("pipeline").paused
    headers = login(secured, ADMIN, ADMIN_PASSWORD)
    assert secured.post(f"{JOBS}/update", json=body, headers=headers).status_code == 200
    assert ws.jobs.job("pipeline").paused
