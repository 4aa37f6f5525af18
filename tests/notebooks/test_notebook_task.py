"""notebook_task in a job: params as widgets, the exit value as the task value feeding a
downstream Python task, the executed notebook kept and served as HTML, failures in the log.
The notebook is in Databricks' source format, as exported from a Databricks workspace."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import brickyard
from brickyard.domain.jobs import RunState, TaskState
from brickyard.workspace import Workspace
from tests.workflows.conftest import add_job, run_to_end  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow

EXPORTED = textwrap.dedent(
    """\
    # Databricks notebook source
    # MAGIC %md
    # MAGIC # Daily numbers
    # MAGIC Counts the rows up to a limit.

    # COMMAND ----------

    dbutils.widgets.text("limit", "10")
    limit = int(dbutils.widgets.get("limit"))

    # COMMAND ----------

    # MAGIC %sql
    # MAGIC CREATE OR REPLACE TABLE main.default.numbers AS
    # MAGIC SELECT * FROM VALUES (1), (2), (3), (4) AS t(n)

    # COMMAND ----------

    rows = spark.table("main.default.numbers").where(f"n <= {limit}").count()
    display(spark.table("main.default.numbers"))
    dbutils.jobs.taskValues.set("rows", rows)
    dbutils.notebook.exit(str(rows))
    """
)


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    home = tmp_path / "home"
    monkeypatch.setenv("BRICKYARD_HOME", str(home))
    workspace = brickyard.connect(home)
    yield workspace
    workspace.close()


def test_a_notebook_task_feeds_its_exit_value_to_a_python_task(
    ws: Workspace,
    add_job: Callable[..., None],  # noqa: F811
    run_to_end: Callable[..., Any],  # noqa: F811
) -> None:
    (ws.jobs.jobs_dir).mkdir(parents=True, exist_ok=True)
    (ws.jobs.jobs_dir / "daily_numbers.py").write_text(EXPORTED)
    add_job(
        "nb_job.py",
        """
        from brickyard.jobs import notebook_task

        @job(params={"limit": 3})
        def nb_job():
            numbers = notebook_task("numbers", "daily_numbers.py", params={"limit": 2})

            @task
            def report(ctx, counted: str) -> dict:
                return {"counted": counted, "rows": ctx.task_values.get("numbers", "rows")}

            report(numbers)
        """,
    )
    run = run_to_end("nb_job", timeout_s=180)
    task_runs = {t.task_id: t for t in ws.jobs.task_runs(run.id)}
    assert run.state == RunState.SUCCESS, task_runs["numbers"].error
    # The job's param (3) overrides the task's base parameter (2), as in Databricks.
    assert json.loads(task_runs["report"].value_json or "") == {"counted": "3", "rows": 3}
    log = ws.logs_dir / "nb_job" / str(run.id) / "numbers" / "1.log"
    assert "cell 4/4" in log.read_text()
    assert log.with_suffix(".ipynb").is_file()

    from fastapi.testclient import TestClient

    from brickyard.api.app import create_app

    with TestClient(create_app(ws, auth=False), base_url="http://127.0.0.1:8585") as api:
        body = api.get(
            "/api/2.2/jobs/runs/get-output", params={"run_id": run.id, "task_key": "numbers"}
        ).json()
        assert body["notebook_output"] == {"result": "3", "truncated": False}
        page = api.get(body["notebook_url"])
        assert page.status_code == 200
        assert "Daily numbers" in page.text
        assert "<table" in page.text
        views = api.get(body["notebook_url"].replace("format=HTML", "format=JSON")).json()
        assert views["views"][0]["type"] == "NOTEBOOK"


def test_a_failing_notebook_fails_its_task_with_the_cell_and_traceback(
    ws: Workspace,
    add_job: Callable[..., None],  # noqa: F811
    run_to_end: Callable[..., Any],  # noqa: F811
) -> None:
    (ws.jobs.jobs_dir).mkdir(parents=True, exist_ok=True)
    (ws.jobs.jobs_dir / "broken.py").write_text(
        "# Databricks notebook source\nx = 1\n\n# COMMAND ----------\n\n"
        "def load():\n    raise KeyError('missing_column')\n\nload()\n"
    )
    add_job(
        "broken_job.py",
        """
        from brickyard.jobs import notebook_task

        @job
        def broken_job():
            notebook_task("broken", "broken")
        """,
    )
    run = run_to_end("broken_job", timeout_s=180)
    assert run.state == RunState.FAILED
    (broken,) = ws.jobs.task_runs(run.id)
    assert broken.state == TaskState.FAILED
    assert "cell 2 failed: KeyError: 'missing_column'" in (broken.error or "")
    log = (ws.logs_dir / "broken_job" / str(run.id) / "broken" / "1.log").read_text()
    assert "raise KeyError('missing_column')" in log  # the traceback is in the task's log
