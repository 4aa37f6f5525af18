"""Branching (the branch's value picks the tasks that run) and sensors that wait without a slot."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from brickyard.domain.jobs import RunState, TaskState
from brickyard.workspace import Workspace


def test_a_branch_runs_the_tasks_it_returns_and_skips_the_others(
    ws: Workspace, add_job: Callable[..., None], run_to_end: Callable[..., Any]
) -> None:
    add_job(
        "branchy.py",
        """
        @job(params={"big": False})
        def branchy():
            @task.branch
            def choose(big) -> str:
                return "heavy" if big else "light"

            @task
            def heavy() -> str:
                return "heavy"

            @task
            def light() -> str:
                return "light"

            @task
            def after_heavy(v: str) -> str:
                return v

            @task(trigger_rule="none_failed_min_one_success")
            def join() -> str:
                return "joined"

            c = choose()
            h, l = heavy(), light()
            c >> [h, l]
            after_heavy(h)
            [h, l] >> join()
        """,
    )
    run = run_to_end("branchy")
    states = {t.task_id: t.state for t in ws.jobs.task_runs(run.id)}
    assert states == {
        "choose": TaskState.SUCCESS,
        "heavy": TaskState.SKIPPED,
        "light": TaskState.SUCCESS,
        "after_heavy": TaskState.SKIPPED,
        "join": TaskState.SUCCESS,
    }
    assert run.state == RunState.SUCCESS


def test_a_branch_that_names_a_task_it_does_not_lead_to_fails(
    ws: Workspace, add_job: Callable[..., None], run_to_end: Callable[..., Any]
) -> None:
    add_job(
        "badbranch.py",
        """
        @job()
        def badbranch():
            @task.branch
            def choose() -> str:
                return "elsewhere"

            @task
            def a() -> int:
                return 1

            choose() >> a()
        """,
    )
    run = run_to_end("badbranch")
    choose = next(t for t in ws.jobs.task_runs(run.id) if t.task_id == "choose")
    assert choose.state == TaskState.FAILED
    assert "not directly downstream" in (choose.error or "")


def test_a_sensor_pokes_until_true_without_holding_a_slot(
    ws: Workspace, add_job: Callable[..., None], tmp_path: Path, run_to_end: Callable[..., Any]
) -> None:
    marker = tmp_path / "arrivals" / "data.csv"
    add_job(
        "waits.py",
        f"""
        from brickyard.jobs import file_sensor

        @job()
        def waits():
            arrived = file_sensor("arrived", "{marker.parent}/*.csv", poke_interval=0.3, timeout=30)

            @task
            def process() -> str:
                return "processed"

            arrived >> process()
        """,
    )
    marker.parent.mkdir(parents=True)
    run_id = ws.jobs.trigger("waits")
    assert run_id is not None
    runner = ws.job_runner()
    try:
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            runner.step()
            time.sleep(0.05)
        sensor = next(t for t in ws.jobs.task_runs(run_id) if t.task_id == "arrived")
        assert sensor.state in (TaskState.UP_FOR_RESCHEDULE, TaskState.QUEUED, TaskState.RUNNING)
        assert runner.executor is not None
        assert runner.executor.busy <= 1
        marker.write_text("a,b\n")
        assert runner.run_until(lambda: ws.jobs.run(run_id).state.finished, 30)
    finally:
        runner.stop()
    assert ws.jobs.run(run_id).state == RunState.SUCCESS
    pokes = [t for t in ws.jobs.tries(run_id) if t.task_id == "arrived"]
    assert len(pokes) >= 2
    assert pokes[0].state == TaskState.UP_FOR_RESCHEDULE


def test_a_sensor_times_out(
    ws: Workspace, add_job: Callable[..., None], tmp_path: Path, run_to_end: Callable[..., Any]
) -> None:
    add_job(
        "never.py",
        f"""
        from brickyard.jobs import file_sensor

        @job()
        def never():
            file_sensor("nothing", "{tmp_path}/never/*.csv", poke_interval=0.2, timeout=1)
        """,
    )
    run = run_to_end("never")
    sensor = ws.jobs.task_runs(run.id)[0]
    assert sensor.state == TaskState.TIMED_OUT
    assert "sensor timed out" in (sensor.error or "")


def test_expand_maps_a_task_over_an_upstream_list(
    ws: Workspace, add_job: Callable[..., None], run_to_end: Callable[..., Any]
) -> None:
    add_job(
        "mapped.py",
        """
        @job()
        def mapped():
            @task
            def files() -> list:
                return ["a.csv", "b.csv", "c.csv"]

            @task
            def size(ctx, item: str, factor: int) -> int:
                return len(item) * factor + (ctx.map_index or 0)

            @task
            def total(sizes: list) -> int:
                return sum(sizes)

            total(size.partial(factor=10).expand(item=files()))
        """,
    )
    run = run_to_end("mapped")
    assert run.state == RunState.SUCCESS
    task_runs = ws.jobs.task_runs(run.id)
    items = sorted((t.label, t.value_json) for t in task_runs if t.task_id == "size")
    assert items == [("size[0]", "50"), ("size[1]", "51"), ("size[2]", "52")]
    total = next(t for t in task_runs if t.task_id == "total")
    assert total.value_json == "153"  # the items' values, in order, summed downstream
    starts = [t.start_time for t in task_runs if t.task_id == "size"]
    ends = [t.end_time for t in task_runs if t.task_id == "size"]
    assert max(s for s in starts if s) < min(e for e in ends if e)  # the items ran at once


def test_expanding_over_nothing_skips_and_over_a_non_list_fails(
    ws: Workspace, add_job: Callable[..., None], run_to_end: Callable[..., Any]
) -> None:
    add_job(
        "edges.py",
        """
        @job()
        def edges():
            @task
            def nothing() -> list:
                return []

            @task
            def not_a_list() -> int:
                return 3

            @task
            def each(item: int) -> int:
                return item

            each.override(task_id="over_nothing").expand(item=nothing())
            each.override(task_id="over_a_number").expand(item=not_a_list())
        """,
    )
    run = run_to_end("edges")
    task_runs = {t.task_id: t for t in ws.jobs.task_runs(run.id)}
    assert task_runs["over_nothing"].state == TaskState.SKIPPED
    assert task_runs["over_a_number"].state == TaskState.FAILED
    assert "needs a list" in (task_runs["over_a_number"].error or "")
