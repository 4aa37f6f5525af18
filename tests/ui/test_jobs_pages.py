"""Browser tests of the jobs pages on a demo workspace of their own whose server runs the
jobs: trigger the demo job and watch its graph turn green, open a task log, pause and
unpause, cancel a running run (its log tailed live), repair a failed one, a job file's load
error with its file and line, and the render time of a 300-task job with 50 runs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import brickyard
from brickyard.services.sql import SqlService
from brickyard.workspace import Workspace
from tests.ui.conftest import UiServer

pytestmark = pytest.mark.slow

WIDE_TASKS, WIDE_RUNS = 300, 50
RENDER_BUDGET_MS = 1000

FLAKY = """
from pathlib import Path  # noqa: E402

from brickyard import job, task


@job()
def flaky():
    @task
    def fetch() -> int:
        return 1

    @task
    def check(n: int) -> str:
        if not Path(MARKER).exists():
            raise RuntimeError("the data is not there yet")
        return "fixed"

    check(fetch())
"""

SLOW = """
import time

from brickyard import job, task


@job()
def slow():
    @task
    def tick() -> None:
        for i in range(1200):
            print(f"tick {i}", flush=True)
            time.sleep(0.05)

    tick()
"""

WIDE = f"""
from brickyard import job
from brickyard.jobs import shell_task


@job()
def wide():
    # {WIDE_TASKS} tasks: chains of 10, each chain after the first one's first task
    first = None
    for chain in range({WIDE_TASKS // 10}):
        previous = None
        for step in range(10):
            current = shell_task(f"c{{chain:02d}}_s{{step}}", "true")
            if previous is not None:
                previous >> current
            elif first is not None:
                first >> current
            previous = current
            first = first or current
"""


@pytest.fixture(scope="module")
def jobs_server(
    tmp_path_factory: pytest.TempPathFactory, sql_service: SqlService, built_ui: Path
) -> Iterator[UiServer]:
    """A demo workspace with the test jobs (one broken) and 50 finished runs of ``wide``,
    served by an app that runs jobs."""
    workspace = brickyard.connect(tmp_path_factory.mktemp("ui-jobs") / "home", demo=True)
    jobs_dir = workspace.jobs.jobs_dir
    flaky = f"MARKER = {str(jobs_dir / 'flaky.fixed')!r}\n" + FLAKY
    for name, source in (("flaky.py", flaky), ("slow.py", SLOW), ("wide.py", WIDE)):
        (jobs_dir / name).write_text(source)
    (jobs_dir / "broken.py").write_text("x = 1\ndef oops(:\n")
    errors = workspace.jobs.reload()
    assert [Path(e.file).name for e in errors] == ["broken.py"]
    _finished_runs(workspace, "wide", WIDE_RUNS)
    server = UiServer(workspace, sql_service, run_jobs=True)
    server.start()
    yield server
    server.stop()
    workspace.close()


def _finished_runs(workspace: Workspace, job: str, count: int) -> None:
    """``count`` runs of ``job`` made finished in the store (real runs of 300 tasks x 50 would
    take minutes); every seventh one failed at a task, the rest successful."""
    run_ids = [workspace.jobs.trigger(job) for _ in range(count)]
    start = int(time.time() * 1000) - count * 60_000
    with workspace.store.engine.begin() as conn:
        for n, run_id in enumerate(run_ids):
            began = start + n * 60_000
            failed = n % 7 == 3
            conn.exec_driver_sql(
                "UPDATE job_runs SET state = ?, start_time = ?, end_time = ? WHERE id = ?",
                ("failed" if failed else "success", began, began + 30_000, run_id),
            )
            conn.exec_driver_sql(
                "UPDATE task_runs SET state = 'success', try_number = 1, start_time = ? + "
                "(id % 300) * 90, end_time = ? + (id % 300) * 90 + 800 WHERE run_id = ?",
                (began, began, run_id),
            )
            if failed:
                conn.exec_driver_sql(
                    "UPDATE task_runs SET state = 'failed' WHERE run_id = ? AND task_id = 'c05_s3'",
                    (run_id,),
                )
                conn.exec_driver_sql(
                    "UPDATE task_runs SET state = 'upstream_failed', start_time = NULL, "
                    "end_time = NULL WHERE run_id = ? AND task_id > 'c05_s3' AND task_id < 'c06'",
                    (run_id,),
                )


@pytest.fixture
def jobs_ui(page_on: Any, jobs_server: UiServer) -> Iterator[Any]:
    with page_on(jobs_server.url) as handle:
        yield handle


def _job_id(server: UiServer, name: str) -> int:
    return server.workspace.jobs.job(name).id


def _node_states(page: Any) -> dict[str, str]:
    states: dict[str, str] = page.eval_on_selector_all(
        "g.dag-node",
        "nodes => Object.fromEntries(nodes.map(n => [n.dataset.task, n.dataset.state]))",
    )
    return states


def test_jobs_list_shows_schedules_runs_and_load_errors(jobs_ui: Any) -> None:
    page = jobs_ui.page
    jobs_ui.goto("/jobs")
    table = page.get_by_role("table", name="Jobs")
    for name in ("demo", "flaky", "slow", "wide"):
        table.get_by_role("link", name=name, exact=True).wait_for()
    error = page.locator(".load-error")
    error.wait_for()
    assert error.locator(".load-error-file").inner_text() == "broken.py"
    assert "line 2" in error.inner_text()
    wide = page.locator("tr[data-job=wide]")
    wide.locator(".last-runs a").first.wait_for()
    squares = wide.locator(".last-runs a")
    assert squares.count() == 10
    assert squares.last.get_attribute("data-state") == "success"  # the newest, on the right
    squares.last.click()
    page.wait_for_url("**/jobs/*?run=*")
    page.locator("svg[data-ready]").wait_for()


def test_trigger_the_demo_job_and_watch_its_graph_turn_green(jobs_ui: Any) -> None:
    page = jobs_ui.page
    jobs_ui.goto("/jobs")
    page.get_by_role("table", name="Jobs").get_by_role("link", name="demo", exact=True).click()
    page.locator("svg[data-ready]").wait_for()
    assert set(_node_states(page)) == {"revenue_by_category", "top_categories", "report"}
    page.get_by_role("button", name="Run now").click()
    form = page.get_by_role("form", name="Run parameters")
    assert form.get_by_label("top").input_value() == "3"
    form.get_by_label("top").fill("2")
    form.get_by_role("button", name="Start run").click()
    page.wait_for_url("**/jobs/*?run=*")
    page.wait_for_function(
        "() => { const n = [...document.querySelectorAll('g.dag-node')];"
        " return n.length === 3 && n.every(g => g.dataset.state === 'success'); }",
        timeout=120_000,
    )
    fill = page.locator("g.dag-node[data-task=report] rect").get_attribute("fill")
    assert fill == "#16a34a"  # green
    assert page.locator(".gantt .gantt-bar").count() == 3

    # The task log, its value and timing.
    page.locator("g.dag-node[data-task=report]").click()
    page.wait_for_url("**/runs/*/tasks/report")
    log = page.get_by_label("Task log")
    page.wait_for_function(
        "() => document.querySelector('pre.task-log')?.dataset.complete === 'true'"
    )
    assert "1. " in log.inner_text()
    assert page.get_by_test_id("task-state").inner_text() == "success"
    assert page.get_by_test_id("tries").inner_text() == "1"
    assert page.get_by_test_id("task-value").inner_text().startswith('"1. ')


def test_pause_and_unpause(jobs_ui: Any, jobs_server: UiServer) -> None:
    page = jobs_ui.page
    jobs_ui.goto(f"/jobs/{_job_id(jobs_server, 'flaky')}")
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Unpause").wait_for()
    assert page.locator("h1 .chip").inner_text() == "paused"
    assert jobs_server.workspace.jobs.job("flaky").paused
    page.get_by_role("button", name="Unpause").click()
    page.get_by_role("button", name="Pause").wait_for()
    deadline = time.monotonic() + 10  # the button may show before the request has landed
    while jobs_server.workspace.jobs.job("flaky").paused and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not jobs_server.workspace.jobs.job("flaky").paused


def test_cancel_a_running_run_with_its_log_tailed_live(jobs_ui: Any, jobs_server: UiServer) -> None:
    page = jobs_ui.page
    jobs_ui.goto(f"/jobs/{_job_id(jobs_server, 'slow')}")
    page.get_by_role("button", name="Run now").click()
    page.wait_for_url("**/jobs/*?run=*")
    page.locator("g.dag-node[data-task=tick][data-state=running]").wait_for(timeout=60_000)
    run_id = page.url.split("run=")[1]
    page.locator("g.dag-node[data-task=tick]").click()
    page.wait_for_url(f"**/runs/{run_id}/tasks/tick")
    log = page.get_by_label("Task log")
    page.wait_for_function(
        "() => /tick 5\\b/.test(document.querySelector('pre.task-log')?.textContent ?? '')"
    )
    seen = len(log.inner_text())
    page.wait_for_function(
        f"() => (document.querySelector('pre.task-log')?.textContent.length ?? 0) > {seen + 20}"
    )  # it grows while the task runs
    page.go_back()
    cancel = page.get_by_role("button", name="Cancel run")
    cancel.click()
    page.locator("[data-testid=selected-run] [data-state=canceled]").wait_for(timeout=60_000)
    assert page.get_by_role("button", name="Cancel run").is_disabled()


def test_repair_a_failed_run(jobs_ui: Any, jobs_server: UiServer) -> None:
    page = jobs_ui.page
    jobs_ui.goto(f"/jobs/{_job_id(jobs_server, 'flaky')}")
    page.get_by_role("button", name="Run now").click()
    page.locator("[data-testid=selected-run] [data-state=failed]").wait_for(timeout=60_000)
    assert _node_states(page) == {"fetch": "success", "check": "failed"}
    (jobs_server.workspace.jobs.jobs_dir / "flaky.fixed").write_text("")
    page.get_by_role("button", name="Repair run").click()
    page.wait_for_function(
        "() => document.querySelector('g.dag-node[data-task=check]')?.dataset.state === 'success'",
        timeout=60_000,
    )
    assert page.get_by_role("button", name="Repair run").is_disabled()


@pytest.mark.serial
def test_a_300_task_job_with_50_runs_renders_within_a_second(
    jobs_ui: Any, jobs_server: UiServer
) -> None:
    page = jobs_ui.page
    path = f"/jobs/{_job_id(jobs_server, 'wide')}"
    timings = []
    for _ in range(5):
        jobs_ui.goto("/jobs")
        page.evaluate("sessionStorage.clear()")  # no stored layout: the graph is laid out
        jobs_ui.goto(path)
        page.wait_for_function(
            f"() => document.querySelectorAll('g.dag-node').length === {WIDE_TASKS}"
            " && document.querySelectorAll('.run-grid .grid-line[data-task]').length >= 20"
            f" && document.querySelectorAll('.run-grid .cell').length % {WIDE_RUNS} === 0"
            f" && document.querySelectorAll('.gantt .gantt-bar').length === {WIDE_TASKS}",
            polling="raf",
        )
        timings.append(page.evaluate("() => performance.now()"))  # ms since navigation start
    print(f"\n300 tasks x 50 runs: rendered in {', '.join(f'{t:.0f}' for t in timings)} ms")
    assert min(timings) < RENDER_BUDGET_MS, timings
    assert page.locator(".run-grid .run-head").count() == WIDE_RUNS
    failed_runs = page.locator(".run-grid .run-head[data-state=failed]")
    assert failed_runs.count() == len([n for n in range(WIDE_RUNS) if n % 7 == 3])
    # The grid's rows are virtualized: the failed task's row appears when scrolled to.
    page.locator(".run-grid").evaluate("grid => { grid.scrollTop = 50 * 18; }")
    page.locator(".run-grid .grid-line[data-task=c05_s3] .cell[data-state=failed]").first.wait_for()
