"""The Jobs API (Databricks 2.2 shapes) over real runs: the scheduler and executor run them."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import brickyard
from brickyard.api.app import create_app
from brickyard.api.jobs import TASK_RUN_ID_BASE, quartz_cron
from brickyard.domain.jobs import TaskState
from brickyard.services.job_runner import JobRunner
from brickyard.workspace import Workspace

JOBS = "/api/2.2/jobs"
HEADER = "from brickyard import job, task\n"

ETL = """
@job(params={"n": 20})
def etl():
    @task
    def extract(n) -> int:
        print("extracting", n)
        return n

    @task
    def transform(n: int) -> int:
        raise ValueError("bug in transform")

    @task
    def load(n: int) -> dict:
        return {"loaded": n}

    @task
    def audit() -> str:
        return "audited"

    load(transform(extract()))
    audit()
"""


@pytest.fixture
def write_job(ws: Workspace) -> Callable[[str, str], None]:
    """Write a job file into the jobs folder and reload the folder (no load errors)."""

    def write(file_name: str, source: str) -> None:
        (ws.jobs.jobs_dir / file_name).parent.mkdir(parents=True, exist_ok=True)
        (ws.jobs.jobs_dir / file_name).write_text(HEADER + textwrap.dedent(source))
        assert ws.jobs.reload() == []

    return write


@pytest.fixture
def runner(ws: Workspace) -> Iterator[JobRunner]:
    job_runner = ws.job_runner()
    yield job_runner
    job_runner.stop()


def job_id(api: TestClient, name: str) -> int:
    response = api.get(f"{JOBS}/list", params={"name": name})
    assert response.status_code == 200, response.text
    jobs = response.json()["jobs"]
    assert len(jobs) == 1, jobs
    return int(jobs[0]["job_id"])


def run_now(api: TestClient, name: str, **params: Any) -> int:
    response = api.post(
        f"{JOBS}/run-now", json={"job_id": job_id(api, name), "job_parameters": params}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["number_in_job"] == body["run_id"]
    return int(body["run_id"])


def finish(ws: Workspace, runner: JobRunner, run_id: int, timeout_s: float = 60) -> None:
    assert runner.run_until(lambda: ws.jobs.run(run_id).state.finished, timeout_s)


def get_run(api: TestClient, run_id: int) -> dict[str, Any]:
    response = api.get(f"{JOBS}/runs/get", params={"run_id": run_id})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def task_states(run: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {
        t["task_key"]: (t["state"]["life_cycle_state"], t["state"].get("result_state"))
        for t in run["tasks"]
    }


def assert_error(response: Any, status: int, code: str, text: str = "") -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code
    assert text in body["message"]


# -- jobs ------------------------------------------------------------------------------------
def test_list_and_get_show_jobs_settings_and_load_errors(
    ws: Workspace, api: TestClient, write_job: Callable[[str, str], None]
) -> None:
    write_job(
        "sales.py",
        """
        @job(schedule="0 3 * * 1-5", timezone="Europe/Paris", tags=["sales"], max_active_runs=2,
             params={"region": "EU", "days": 7})
        def daily_sales():
            @task
            def extract() -> int:
                return 1

            @task(retries=2, retry_delay=10, timeout=600, trigger_rule="all_done")
            def report(n: int) -> None: ...

            report(extract())
        """,
    )
    (ws.jobs.jobs_dir / "broken.py").write_text("def oops(:\n")
    ws.jobs.reload()
    body = api.get(f"{JOBS}/list").json()
    assert body["has_more"] is False
    assert [Path(e["file"]).name for e in body["load_errors"]] == ["broken.py"]
    [listed] = body["jobs"]
    assert isinstance(listed["job_id"], int)
    assert listed["created_time"] > 1_600_000_000_000
    settings = listed["settings"]
    assert settings["name"] == "daily_sales"
    assert settings["schedule"] == {
        "quartz_cron_expression": "0 0 3 ? * MON,TUE,WED,THU,FRI",
        "timezone_id": "Europe/Paris",
        "pause_status": "UNPAUSED",
    }
    assert settings["tags"] == {"sales": ""}
    assert settings["max_concurrent_runs"] == 2
    assert settings["parameters"] == [
        {"name": "days", "default": "7"},
        {"name": "region", "default": "EU"},
    ]
    extract, report = settings["tasks"]
    assert extract["task_key"] == "extract"
    assert extract["depends_on"] == []
    assert report["depends_on"] == [{"task_key": "extract"}]
    assert report["run_if"] == "ALL_DONE"
    assert (report["max_retries"], report["min_retry_interval_millis"]) == (2, 10_000)
    assert report["timeout_seconds"] == 600

    ws.jobs.set_paused("daily_sales", True)
    got = api.get(f"{JOBS}/get", params={"job_id": listed["job_id"]}).json()
    assert got["job_id"] == listed["job_id"]
    assert got["settings"]["schedule"]["pause_status"] == "PAUSED"


def test_jobs_list_pages_and_job_errors(
    api: TestClient, write_job: Callable[[str, str], None]
) -> None:
    for name in ("a_job", "b_job", "c_job"):
        write_job(
            f"{name}.py", f"@job()\ndef {name}():\n    @task\n    def t() -> None: ...\n    t()\n"
        )
    first = api.get(f"{JOBS}/list", params={"limit": 2}).json()
    assert [j["settings"]["name"] for j in first["jobs"]] == ["a_job", "b_job"]
    assert first["has_more"] is True
    second = api.get(f"{JOBS}/list", params={"page_token": first["next_page_token"]}).json()
    assert [j["settings"]["name"] for j in second["jobs"]] == ["c_job"]
    assert second["has_more"] is False
    assert "next_page_token" not in second
    assert "schedule" not in second["jobs"][0]["settings"]  # a manual-only job

    assert_error(api.get(f"{JOBS}/get", params={"job_id": 999}), 404, "RESOURCE_DOES_NOT_EXIST")
    assert_error(api.get(f"{JOBS}/get", params={"job_id": "x"}), 400, "INVALID_PARAMETER_VALUE")
    assert_error(api.get(f"{JOBS}/get"), 400, "INVALID_PARAMETER_VALUE", "job_id")
    assert_error(api.get(f"{JOBS}/list", params={"limit": 0}), 400, "INVALID_PARAMETER_VALUE")
    assert_error(
        api.get(f"{JOBS}/list", params={"page_token": "zz"}), 400, "INVALID_PARAMETER_VALUE"
    )


@pytest.mark.parametrize(
    ("cron", "quartz"),
    [
        ("0 3 * * *", "0 0 3 * * ?"),
        ("@daily", "0 0 0 * * ?"),
        ("@weekly", "0 0 0 ? * SUN"),
        ("*/15 * * * *", "0 0/15 * * * ?"),
        ("0 0 */2 jan *", "0 0 0 1/2 JAN ?"),
        ("0 0 1 * 1", None),  # cron's "day 1 or Monday": Quartz cannot say it
        ("every 300s", None),
        ("@once", None),
    ],
)
def test_cron_schedules_are_shown_as_quartz(cron: str, quartz: str | None) -> None:
    assert quartz_cron(cron) == quartz


# -- run-now, runs/get, get-output ----------------------------------------------------------
def test_a_successful_run_as_databricks_shows_it(
    ws: Workspace, api: TestClient, runner: JobRunner, write_job: Callable[[str, str], None]
) -> None:
    write_job(
        "chain.py",
        """
        @job(params={"n": 3})
        def chain():
            @task
            def extract(ctx, n) -> int:
                ctx.log.info("extracting %s", n)
                return n * 2

            @task
            def report(x: int) -> dict:
                print("reporting", x)
                return {"x": x}

            report(extract())
        """,
    )
    run_id = run_now(api, "chain", n="5")  # Databricks sends parameter values as text
    queued = get_run(api, run_id)
    assert queued["state"]["life_cycle_state"] == "QUEUED"
    assert "result_state" not in queued["state"]
    assert queued["end_time"] == 0
    assert task_states(queued) == {"extract": ("PENDING", None), "report": ("PENDING", None)}

    finish(ws, runner, run_id)
    run = get_run(api, run_id)
    assert run["state"]["life_cycle_state"] == "TERMINATED"
    assert run["state"]["result_state"] == "SUCCESS"
    assert run["state"]["user_cancelled_or_timedout"] is False
    assert (run["job_id"], run["run_name"], run["trigger"]) == (
        job_id(api, "chain"),
        "chain",
        "ONE_TIME",
    )
    assert run["job_parameters"] == [{"name": "n", "default": "3", "value": "5"}]
    assert run["start_time"] > 1_600_000_000_000
    assert run["end_time"] >= run["start_time"]
    assert task_states(run) == {
        "extract": ("TERMINATED", "SUCCESS"),
        "report": ("TERMINATED", "SUCCESS"),
    }
    extract, report = run["tasks"]
    assert report["depends_on"] == [{"task_key": "extract"}]
    for task in run["tasks"]:
        assert task["attempt_number"] == 0
        assert task["run_id"] > TASK_RUN_ID_BASE
        assert run["start_time"] <= task["start_time"] <= task["end_time"] <= run["end_time"]

    by_key = api.get(f"{JOBS}/runs/get-output", params={"run_id": run_id, "task_key": "report"})
    assert by_key.status_code == 200, by_key.text
    output = by_key.json()
    assert output["task_value"] == {"x": 10}
    assert "reporting 10" in output["logs"]
    assert output["logs_truncated"] is False
    assert output["notebook_output"] is None
    assert "error" not in output
    assert "error_trace" not in output
    assert output["metadata"]["run_id"] == report["run_id"]
    assert output["metadata"]["job_run_id"] == run_id
    assert output["metadata"]["task_key"] == "report"
    assert output["metadata"]["state"]["result_state"] == "SUCCESS"

    by_task_run = api.get(f"{JOBS}/runs/get-output", params={"run_id": extract["run_id"]}).json()
    assert by_task_run["task_value"] == 10
    assert "extracting 5" in by_task_run["logs"]


def test_run_now_errors(api: TestClient, write_job: Callable[[str, str], None]) -> None:
    write_job(
        "p.py", '@job(params={"n": 1})\ndef p():\n    @task\n    def t() -> None: ...\n    t()\n'
    )
    missing = api.post(f"{JOBS}/run-now", json={"job_id": 4242})
    assert_error(missing, 404, "RESOURCE_DOES_NOT_EXIST", "job 4242 does not exist")
    known = job_id(api, "p")
    unknown_param = api.post(f"{JOBS}/run-now", json={"job_id": known, "job_parameters": {"m": 1}})
    assert_error(unknown_param, 400, "INVALID_PARAMETER_VALUE", "has no parameter 'm'")
    wrong_type = api.post(f"{JOBS}/run-now", json={"job_id": known, "job_parameters": {"n": "x"}})
    assert_error(wrong_type, 400, "INVALID_PARAMETER_VALUE", "type int")
    assert_error(api.post(f"{JOBS}/run-now", json={}), 400, "INVALID_PARAMETER_VALUE", "job_id")


def test_failed_upstream_failed_skipped_and_timed_out_tasks(
    ws: Workspace, api: TestClient, runner: JobRunner, write_job: Callable[[str, str], None]
) -> None:
    write_job(
        "mixed.py",
        """
        import time

        @job()
        def mixed():
            @task
            def boom() -> int:
                raise ValueError("bad data")

            @task
            def after(v: int) -> int:
                return v

            @task(trigger_rule="all_done")
            def cleanup() -> str:
                return "cleaned"

            @task(trigger_rule="one_failed")
            def alert() -> None: ...

            b = boom()
            after(b)
            c = cleanup()
            b >> c
            c >> alert()

        @job()
        def slow():
            @task(timeout=1)
            def forever() -> None:
                time.sleep(300)

            forever()
        """,
    )
    failed_id, slow_id = run_now(api, "mixed"), run_now(api, "slow")
    finish(ws, runner, failed_id)
    finish(ws, runner, slow_id)

    failed = get_run(api, failed_id)
    assert failed["state"]["life_cycle_state"] == "TERMINATED"
    assert failed["state"]["result_state"] == "FAILED"
    assert failed["state"]["state_message"] == "task(s) boom failed"
    assert task_states(failed) == {
        "boom": ("TERMINATED", "FAILED"),
        "after": ("TERMINATED", "UPSTREAM_FAILED"),
        "cleanup": ("TERMINATED", "SUCCESS"),
        "alert": ("SKIPPED", "EXCLUDED"),
    }
    output = api.get(
        f"{JOBS}/runs/get-output", params={"run_id": failed_id, "task_key": "boom"}
    ).json()
    assert output["error"] == "ValueError: bad data"
    assert "Traceback" in output["error_trace"]
    assert "ValueError: bad data" in output["logs"]
    assert output["task_value"] is None

    slow = get_run(api, slow_id)
    assert (slow["state"]["life_cycle_state"], slow["state"]["result_state"]) == (
        "TERMINATED",
        "TIMEDOUT",
    )
    assert slow["state"]["user_cancelled_or_timedout"] is True
    assert task_states(slow) == {"forever": ("TERMINATED", "TIMEDOUT")}
    forever = api.get(f"{JOBS}/runs/get-output", params={"run_id": slow_id}).json()
    assert forever["error"].startswith("timed out after 1 s")
    # A listing names each run's own failed tasks (read for the whole page at once).
    listed = api.get(f"{JOBS}/runs/list").json()["runs"]
    assert {r["run_id"]: r["state"]["state_message"] for r in listed} == {
        slow_id: "task(s) forever timed out",
        failed_id: "task(s) boom failed",
    }
    assert all("tasks" not in r for r in listed)


def test_cancel_a_running_run(
    ws: Workspace, api: TestClient, runner: JobRunner, write_job: Callable[[str, str], None]
) -> None:
    write_job(
        "sleepy.py",
        """
        import time

        @job()
        def sleepy():
            @task
            def nap() -> None:
                time.sleep(300)

            @task
            def after() -> None: ...

            nap() >> after()
        """,
    )
    run_id = run_now(api, "sleepy")

    def napping() -> bool:
        return any(t.state == TaskState.RUNNING for t in ws.jobs.task_runs(run_id))

    assert runner.run_until(napping, 30)
    running = get_run(api, run_id)
    assert running["state"]["life_cycle_state"] == "RUNNING"
    assert task_states(running) == {"nap": ("RUNNING", None), "after": ("PENDING", None)}

    assert api.post(f"{JOBS}/runs/cancel", json={"run_id": run_id}).json() == {}
    finish(ws, runner, run_id, timeout_s=30)
    assert runner.run_until(lambda: not napping(), 30)  # the executor killed the try
    run = get_run(api, run_id)
    assert (run["state"]["life_cycle_state"], run["state"]["result_state"]) == (
        "TERMINATED",
        "CANCELED",
    )
    assert run["state"]["user_cancelled_or_timedout"] is True
    assert task_states(run) == {
        "nap": ("TERMINATED", "CANCELED"),
        "after": ("TERMINATED", "CANCELED"),
    }
    # Canceling a finished run changes nothing and succeeds, as in Databricks.
    assert api.post(f"{JOBS}/runs/cancel", json={"run_id": run_id}).status_code == 200
    assert get_run(api, run_id)["state"]["result_state"] == "CANCELED"
    missing = api.post(f"{JOBS}/runs/cancel", json={"run_id": 999})
    assert_error(missing, 404, "RESOURCE_DOES_NOT_EXIST")


def test_runs_list_filters_and_pages(
    ws: Workspace, api: TestClient, runner: JobRunner, write_job: Callable[[str, str], None]
) -> None:
    write_job(
        "one.py", "@job()\ndef one():\n    @task\n    def t() -> int:\n        return 1\n    t()\n"
    )
    write_job(
        "two.py", "@job()\ndef two():\n    @task\n    def t() -> int:\n        return 2\n    t()\n"
    )
    done = [run_now(api, "one"), run_now(api, "one"), run_now(api, "two")]
    for run_id in done:
        finish(ws, runner, run_id)
    active = run_now(api, "one")  # queued: no runner drives it

    everything = api.get(f"{JOBS}/runs/list").json()
    assert [r["run_id"] for r in everything["runs"]] == [active, *reversed(done)]
    assert everything["has_more"] is False
    assert "tasks" not in everything["runs"][0]

    one = job_id(api, "one")
    of_one = api.get(f"{JOBS}/runs/list", params={"job_id": one, "limit": 2}).json()
    assert [r["run_id"] for r in of_one["runs"]] == [active, done[1]]
    assert of_one["has_more"] is True
    rest = api.get(f"{JOBS}/runs/list", params={"job_id": one, "limit": 2, "offset": 2}).json()
    assert [r["run_id"] for r in rest["runs"]] == [done[0]]
    assert rest["has_more"] is False
    token_page = api.get(
        f"{JOBS}/runs/list",
        params={"job_id": one, "limit": 2, "page_token": of_one["next_page_token"]},
    ).json()
    assert token_page["runs"] == rest["runs"]

    active_only = api.get(f"{JOBS}/runs/list", params={"active_only": True}).json()
    assert [r["run_id"] for r in active_only["runs"]] == [active]
    assert active_only["runs"][0]["state"]["life_cycle_state"] == "QUEUED"
    completed = api.get(
        f"{JOBS}/runs/list", params={"completed_only": "true", "expand_tasks": "true"}
    ).json()
    assert [r["run_id"] for r in completed["runs"]] == list(reversed(done))
    assert [t["task_key"] for t in completed["runs"][0]["tasks"]] == ["t"]

    both = api.get(f"{JOBS}/runs/list", params={"active_only": True, "completed_only": True})
    assert_error(both, 400, "INVALID_PARAMETER_VALUE", "cannot both be true")
    assert_error(
        api.get(f"{JOBS}/runs/list", params={"job_id": 999}), 404, "RESOURCE_DOES_NOT_EXIST"
    )
    assert_error(api.get(f"{JOBS}/runs/list", params={"limit": -1}), 400, "INVALID_PARAMETER_VALUE")


# -- repair ----------------------------------------------------------------------------------
def test_repair_reruns_the_failed_task_and_downstream_with_the_fixed_job_file(
    ws: Workspace, api: TestClient, runner: JobRunner, write_job: Callable[[str, str], None]
) -> None:
    write_job("etl.py", ETL)
    run_id = run_now(api, "etl")
    finish(ws, runner, run_id)
    failed = get_run(api, run_id)
    assert failed["state"]["result_state"] == "FAILED"
    assert task_states(failed)["transform"] == ("TERMINATED", "FAILED")
    assert task_states(failed)["load"] == ("TERMINATED", "UPSTREAM_FAILED")
    before = {t["task_key"]: t for t in failed["tasks"]}

    # Fix the bug in the job file and reload: the repair runs the job's current definition.
    write_job("etl.py", ETL.replace('raise ValueError("bug in transform")', "return n + 1"))
    response = api.post(
        f"{JOBS}/runs/repair", json={"run_id": run_id, "rerun_all_failed_tasks": True}
    )
    assert response.status_code == 200, response.text
    assert response.json()["repair_id"] >= failed["end_time"]
    repaired = get_run(api, run_id)
    assert repaired["state"]["life_cycle_state"] == "RUNNING"
    assert repaired["end_time"] == 0
    assert task_states(repaired) == {
        "extract": ("TERMINATED", "SUCCESS"),
        "transform": ("PENDING", None),
        "load": ("PENDING", None),
        "audit": ("TERMINATED", "SUCCESS"),
    }

    finish(ws, runner, run_id)
    run = get_run(api, run_id)
    assert run["state"]["result_state"] == "SUCCESS"
    assert run["start_time"] == failed["start_time"]  # the same run, started again
    after = {t["task_key"]: t for t in run["tasks"]}
    for kept in ("extract", "audit"):  # successful tasks are not run again
        assert after[kept] == before[kept]
    assert after["transform"]["attempt_number"] == 1  # try 2: the tries continue
    assert after["load"]["attempt_number"] == 0  # it had never run
    output = api.get(f"{JOBS}/runs/get-output", params={"run_id": run_id, "task_key": "load"})
    assert output.json()["task_value"] == {"loaded": 21}
    tries = [(t.task_id, t.try_number, t.state) for t in ws.jobs.tries(run_id)]
    assert tries == [
        ("extract", 1, TaskState.SUCCESS),
        ("transform", 1, TaskState.FAILED),
        ("transform", 2, TaskState.SUCCESS),
        ("load", 1, TaskState.SUCCESS),
        ("audit", 1, TaskState.SUCCESS),
    ]
    logs = ws.logs_dir / "etl" / str(run_id)
    assert sorted(p.name for p in (logs / "transform").glob("*.log")) == ["1.log", "2.log"]
    assert "bug in transform" in (logs / "transform" / "1.log").read_text()


def test_repair_of_named_tasks_and_refusals(
    ws: Workspace, api: TestClient, runner: JobRunner, write_job: Callable[[str, str], None]
) -> None:
    write_job("etl.py", ETL.replace('raise ValueError("bug in transform")', "return n + 1"))
    run_id = run_now(api, "etl")
    repair = {"run_id": run_id}
    not_finished = api.post(f"{JOBS}/runs/repair", json=repair)
    assert_error(not_finished, 400, "INVALID_PARAMETER_VALUE", "only a finished run")
    finish(ws, runner, run_id)
    assert get_run(api, run_id)["state"]["result_state"] == "SUCCESS"

    nothing_failed = api.post(f"{JOBS}/runs/repair", json=repair)
    assert_error(nothing_failed, 400, "INVALID_PARAMETER_VALUE", "no failed")
    both = api.post(
        f"{JOBS}/runs/repair",
        json={**repair, "rerun_tasks": ["load"], "rerun_all_failed_tasks": True},
    )
    assert_error(both, 400, "INVALID_PARAMETER_VALUE", "only one of")
    unknown = api.post(f"{JOBS}/runs/repair", json={**repair, "rerun_tasks": ["nope"]})
    assert_error(unknown, 400, "INVALID_PARAMETER_VALUE", "has no task 'nope'")
    missing = api.post(f"{JOBS}/runs/repair", json={"run_id": 999})
    assert_error(missing, 404, "RESOURCE_DOES_NOT_EXIST")

    # A named successful task re-runs with its downstream tasks, with new parameters.
    named = api.post(
        f"{JOBS}/runs/repair",
        json={**repair, "rerun_tasks": ["transform"], "job_parameters": {"n": "1"}},
    )
    assert named.status_code == 200, named.text
    assert task_states(get_run(api, run_id)) == {
        "extract": ("TERMINATED", "SUCCESS"),
        "transform": ("PENDING", None),
        "load": ("PENDING", None),
        "audit": ("TERMINATED", "SUCCESS"),
    }
    finish(ws, runner, run_id)
    value = api.get(f"{JOBS}/runs/get-output", params={"run_id": run_id, "task_key": "load"})
    assert value.json()["task_value"] == {"loaded": 21}  # extract kept its value (20)

    # A job whose tasks changed since the run cannot repair it.
    write_job("etl.py", ETL.replace("    audit()\n", ""))
    changed = api.post(f"{JOBS}/runs/repair", json={**repair, "rerun_tasks": ["load"]})
    assert_error(changed, 400, "INVALID_PARAMETER_VALUE", "removed: audit")


# -- get-output errors, the server's runner, a real socket ------------------------------------
def test_get_output_and_runs_get_errors(
    api: TestClient, write_job: Callable[[str, str], None]
) -> None:
    write_job("etl.py", ETL)
    run_id = run_now(api, "etl")
    output = "/api/2.2/jobs/runs/get-output"
    several = api.get(output, params={"run_id": run_id})
    assert_error(several, 400, "INVALID_PARAMETER_VALUE", "pass task_key")
    unknown_task = api.get(output, params={"run_id": run_id, "task_key": "nope"})
    assert_error(unknown_task, 404, "RESOURCE_DOES_NOT_EXIST", "has no task 'nope'")
    not_started = api.get(output, params={"run_id": run_id, "task_key": "extract"}).json()
    assert (not_started["logs"], not_started["task_value"]) == ("", None)
    assert_error(api.get(output, params={"run_id": 999}), 404, "RESOURCE_DOES_NOT_EXIST")
    no_task_run = api.get(output, params={"run_id": TASK_RUN_ID_BASE + 999})
    assert_error(no_task_run, 404, "RESOURCE_DOES_NOT_EXIST")
    assert_error(
        api.get(f"{JOBS}/runs/get", params={"run_id": 999}), 404, "RESOURCE_DOES_NOT_EXIST"
    )
    task_run_id = get_run(api, run_id)["tasks"][0]["run_id"]
    as_run = api.get(f"{JOBS}/runs/get", params={"run_id": task_run_id})
    assert_error(as_run, 400, "INVALID_PARAMETER_VALUE", "a task run's id")


def test_run_now_wakes_the_servers_job_runner(
    ws: Workspace, write_job: Callable[[str, str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_job(
        "quick.py",
        "@job()\ndef quick():\n    @task\n    def t() -> int:\n        return 7\n    t()\n",
    )
    app = create_app(ws, auth=False, run_jobs=True)
    runner = app.state.job_runner
    woken: list[float] = []
    real_wake = runner.wake

    def wake() -> None:
        woken.append(time.monotonic())
        real_wake()

    monkeypatch.setattr(runner, "wake", wake)
    with TestClient(app, base_url="http://127.0.0.1:8585") as client:
        run_id = run_now(client, "quick")
        assert woken
        deadline = time.monotonic() + 30
        while get_run(client, run_id)["state"]["life_cycle_state"] != "TERMINATED":
            assert time.monotonic() < deadline, "the server's runner did not run the job"
            time.sleep(0.05)
        assert get_run(client, run_id)["state"]["result_state"] == "SUCCESS"


@pytest.mark.slow
def test_the_databricks_sdk_runs_and_repairs_a_job_over_http(tmp_path: Path) -> None:
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.service.jobs import RunLifeCycleState, RunResultState

    from tests.e2e.test_server import Server

    home = tmp_path / "home"
    with brickyard.connect(home) as workspace:
        jobs_dir = workspace.jobs.jobs_dir
    jobs_dir.mkdir(parents=True, exist_ok=True)
    (jobs_dir / "etl.py").write_text(HEADER + textwrap.dedent(ETL))
    server = Server(home)
    try:
        client = WorkspaceClient(host=server.url, token="unused-on-loopback")
        [listed] = list(client.jobs.list())
        assert listed.settings is not None
        assert listed.settings.name == "etl"
        assert listed.job_id is not None
        run = client.jobs.run_now(listed.job_id).result(timeout=timedelta(seconds=60))
        assert run.state is not None
        assert run.state.life_cycle_state == RunLifeCycleState.TERMINATED
        assert run.state.result_state == RunResultState.FAILED
        (jobs_dir / "etl.py").write_text(
            HEADER
            + textwrap.dedent(ETL).replace('raise ValueError("bug in transform")', "return 1")
        )
        # No reload to wait for: the tasks are the same, and a repair takes the file as it is.
        client.jobs.repair_run(run.run_id or 0, rerun_all_failed_tasks=True)
        deadline = time.monotonic() + 60
        while True:
            repaired = client.jobs.get_run(run.run_id or 0)
            assert repaired.state is not None
            if repaired.state.life_cycle_state == RunLifeCycleState.TERMINATED:
                break
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert repaired.state.result_state == RunResultState.SUCCESS
        load = next(t for t in repaired.tasks or [] if t.task_key == "load")
        output = client.jobs.get_run_output(load.run_id or 0)
        assert output.metadata is not None
        assert output.metadata.run_name == "load"
        assert [r.run_id for r in client.jobs.list_runs(job_id=listed.job_id)] == [run.run_id]
    finally:
        server.stop()


def test_a_table_read_by_a_task_is_in_its_lineage_without_mlflow(
    ws: Workspace, api: TestClient, runner: JobRunner, write_job: Callable[[str, str], None]
) -> None:
    """Tries report the catalog tables their queries read (no MLflow needed): the table's
    lineage lists the reading task with the version it read; a table it did not read, not."""
    import pyarrow as pa

    ws.catalog.create_table("main.default.src", pa.table({"x": [1, 2, 3]}))
    ws.catalog.table("main.default.src").append(pa.table({"x": [4]}))
    ws.catalog.create_table("main.default.other", pa.table({"y": [1]}))
    write_job(
        "reader.py",
        """
        import brickyard

        @job()
        def reader():
            @task
            def count() -> int:
                spark = brickyard.spark()
                return spark.sql("SELECT count(*) AS n FROM main.default.src").collect()[0][0]

            count()
        """,
    )
    run_id = run_now(api, "reader")
    finish(ws, runner, run_id)
    assert task_states(get_run(api, run_id)) == {"count": ("TERMINATED", "SUCCESS")}
    (reader,) = api.get("/api/2.1/unity-catalog/tables/main.default.src/lineage").json()[
        "readers"
    ]
    assert {k: reader[k] for k in ("job", "run_id", "task", "try", "versions")} == {
        "job": "reader",
        "run_id": str(run_id),
        "task": "count",
        "try": "1",
        "versions": [1],
    }
    assert reader["mlflow_run_ids"] == []
    assert reader["last_read_at"] > 0
    other = api.get("/api/2.1/unity-catalog/tables/main.default.other/lineage").json()
    assert other["readers"] == []
