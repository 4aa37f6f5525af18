"""taskValues: values a task sets by key reach its downstream tasks beside its return value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from brickyard.domain.jobs import RunState
from brickyard.workspace import Workspace


def test_values_set_by_key_reach_downstream_tasks(
    ws: Workspace, add_job: Callable[..., None], run_to_end: Callable[..., Any]
) -> None:
    add_job(
        "values.py",
        """
        @job
        def shared():
            @task
            def produce(ctx) -> int:
                ctx.task_values.set("rows", 42)
                ctx.task_values.set("table", "main.default.t")
                return 7

            @task
            def consume(ctx, n: int) -> list:
                values = ctx.task_values
                return [n, values.get("produce", "rows"), values.get("produce", "table"),
                        values.get("produce"), values.get("produce", "missing", "dflt")]

            consume(produce())
        """,
    )
    run = run_to_end("shared")
    assert run.state == RunState.SUCCESS
    task_runs = {t.task_id: t for t in ws.jobs.task_runs(run.id)}
    assert task_runs["consume"].value_json == '[7, 42, "main.default.t", 7, "dflt"]'
    assert task_runs["produce"].task_values_json == '{"rows": 42, "table": "main.default.t"}'
