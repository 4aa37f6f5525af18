"""Runs with the real scheduler and executor: values, retries, failures, timeouts, crashes."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from typing import Any

import pytest

from brickyard.domain.errors import InvalidInputError
from brickyard.domain.jobs import RunState, TaskState
from brickyard.workspace import Workspace


def states(ws: Workspace, run_id: int) -> dict[str, TaskState]:
    return {t.task_id: t.state for t in ws.jobs.task_runs(run_id)}


def test_values_flow_downstream_and_a_retry_succeeds(
    ws: Workspace, add_job: Callable[..., None], run_to_end: Callable[..., Any]
) -> None:
    add_job(
        "chain.py",
        """
        @job(params={"n": 3})
        def chain():
            @task
            def extract(ctx, n) -> int:
                ctx.log.info("extracting %s", n)
                print("printed by extract")
                return n * 2

            @task(retries=1, retry_delay=0)
            def flaky(ctx, x: int) -> int:
                if ctx.try_number == 1:
                    raise RuntimeError("first try fails")
                return x + 1

            @task
            def report(y: int) -> dict:
                return {"y": y}

            report(flaky(extract()))
        """,
    )
    run = run_to_end("chain", {"n": "5"})  # a CLI string, converted to the param's int
    assert run.state == RunState.SUCCESS
    task_runs = {t.task_id: t for t in ws.jobs.task_runs(run.id)}
    assert task_runs["report"].value_json == '{"y": 11}'
    assert task_runs["flaky"].try_number == 2
    tries = [(t.task_id, t.try_number, t.state) for t in ws.jobs.tries(run.id)]
    assert ("flaky", 1, TaskState.UP_FOR_RETRY) in tries
    assert ("flaky", 2, TaskState.SUCCESS) in tries
    log = (ws.logs_dir / "chain" / str(run.id) / "extract" / "1.log").read_text()
    assert "printed by extract" in log
    assert "extracting 5" in log
    first_try = (ws.logs_dir / "chain" / str(run.id) / "flaky" / "1.log").read_text()
    assert "RuntimeError: first try fails" in first_try


def test_a_failure_fails_downstream_unless_its_trigger_rule_says_otherwise(
    ws: Workspace, add_job: Callable[..., None], run_to_end: Callable[..., Any]
) -> None:
    add_job(
        "fails.py",
        """
        @job()
        def fails():
            @task
            def boom() -> int:
                raise ValueError("bad data")

            @task
            def after(v: int) -> int:
                return v

            @task(trigger_rule="all_done")
            def cleanup() -> str:
                return "cleaned"

            b = boom()
            after(b)
            b >> cleanup()
        """,
    )
    run = run_to_end("fails")
    assert run.state == RunState.FAILED
    assert states(ws, run.id) == {
        "boom": TaskState.FAILED,
        "after": TaskState.UPSTREAM_FAILED,
        "cleanup": TaskState.SUCCESS,
    }
    boom = next(t for t in ws.jobs.task_runs(run.id) if t.task_id == "boom")
    assert "ValueError: bad data" in (boom.error or "")


def test_timeouts_crashes_memory_and_bad_values_fail_only_their_try(
    ws: Workspace, add_job: Callable[..., None], run_to_end: Callable[..., Any]
) -> None:
    add_job(
        "bad.py",
        """
        import os, subprocess, time

        @job()
        def bad():
            @task(timeout=1)
            def forever() -> None:
                subprocess.Popen(["sleep", "300"])  # killed with its task
                time.sleep(300)

            @task
            def exits() -> None:
                os._exit(3)

            @task
            def greedy() -> int:
                blob = bytearray(2 * 1024 * 1024 * 1024)
                return len(blob)

            @task
            def not_json() -> object:
                return object()

            @task
            def fine() -> str:
                return "ok"

            forever(); exits(); greedy(); not_json(); fine()
        """,
    )
    started = time.monotonic()
    run = run_to_end("bad")
    assert time.monotonic() - started < 20
    task_runs = {t.task_id: t for t in ws.jobs.task_runs(run.id)}
    assert task_runs["forever"].state == TaskState.TIMED_OUT
    assert "timed out after 1 s" in (task_runs["forever"].error or "")
    assert task_runs["exits"].state == TaskState.FAILED
    assert "exit code 3" in (task_runs["exits"].error or "")
    assert task_runs["greedy"].state == TaskState.FAILED
    assert "memory" in (task_runs["greedy"].error or "")
    assert task_runs["not_json"].state == TaskState.FAILED
    assert "not JSON" in (task_runs["not_json"].error or "")
    assert task_runs["fine"].state == TaskState.SUCCESS
    assert run.state == RunState.TIMED_OUT


def test_a_lost_worker_is_detected_and_its_try_retried(
    ws: Workspace, add_job: Callable[..., None]
) -> None:
    add_job(
        "lost.py",
        """
        @job()
        def lost():
            @task(retries=1)
            def work() -> int:
                return 1

            work()
        """,
    )
    run_id = ws.jobs.trigger("lost")
    assert run_id is not None
    scheduler = ws.job_runner().scheduler
    scheduler.tick()  # the run starts, its task is queued
    task_run = ws.jobs.task_runs(run_id)[0]
    claimed = ws.job_store.start_try(task_run.id, "gone-host:1", ws.clock.now_ms() - 60_000)
    assert claimed is not None  # a worker took it a minute ago and was never heard of again
    scheduler.tick()
    after = ws.jobs.task_runs(run_id)[0]
    assert after.state in (TaskState.UP_FOR_RETRY, TaskState.QUEUED)
    assert "stopped reporting" in (ws.jobs.tries(run_id)[0].error or "")


def test_params_are_checked_and_a_paused_job_waits(
    ws: Workspace, add_job: Callable[..., None], run_to_end: Callable[..., Any]
) -> None:
    add_job(
        "p.py",
        """
        @job(params={"limit": 10, "region": "EU"})
        def p():
            @task
            def show(limit, region) -> str:
                return f"{region}:{limit}"

            show()
        """,
    )
    with pytest.raises(InvalidInputError, match="takes a value of type int"):
        ws.jobs.trigger("p", {"limit": "ten"})
    with pytest.raises(InvalidInputError, match="no parameter 'regoin'"):
        ws.jobs.trigger("p", {"regoin": "US"})
    ws.jobs.set_paused("p", True)
    run_id = ws.jobs.trigger("p")
    assert run_id is not None
    runner = ws.job_runner()
    try:
        runner.step()
        assert ws.jobs.run(run_id).state == RunState.QUEUED  # paused: it waits
        ws.jobs.set_paused("p", False)
        assert runner.run_until(lambda: ws.jobs.run(run_id).state.finished, 30)
    finally:
        runner.stop()
    assert ws.jobs.run(run_id).state == RunState.SUCCESS
    assert os.path.exists(ws.logs_dir / "p" / str(run_id) / "show" / "1.log")


def test_max_active_tis_limits_a_task_across_runs(
    ws: Workspace, add_job: Callable[..., None], tmp_path: Any
) -> None:
    spans = tmp_path / "spans.txt"
    add_job(
        "limited.py",
        f"""
        import time

        @job(max_active_runs=3)
        def limited():
            @task(max_active_tis=1)
            def exclusive() -> None:
                start = time.time()
                time.sleep(0.4)
                with open({str(spans)!r}, "a") as out:
                    out.write(f"{{start}} {{time.time()}}\\n")

            exclusive()
        """,
    )
    run_ids = [ws.jobs.trigger("limited") for _ in range(3)]
    runner = ws.job_runner()
    try:
        assert runner.run_until(
            lambda: all(ws.jobs.run(r).state.finished for r in run_ids if r is not None), 60
        )
    finally:
        runner.stop()
    intervals = sorted(tuple(map(float, line.split())) for line in spans.read_text().splitlines())
    assert len(intervals) == 3
    for (_, end), (start, _) in itertools.pairwise(intervals):
        assert start >= end - 0.05  # never two at once
