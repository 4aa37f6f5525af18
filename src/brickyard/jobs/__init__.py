"""Workflows: the authoring API job files import, task types, and the job-file loader.

A job file::

    from brickyard import job, task
    from brickyard.jobs import sql_task

    @job(schedule="0 3 * * *", start_date="2026-01-01", params={"region": "EU"})
    def daily_sales():
        @task(retries=2)
        def extract(ctx) -> int: ...
        @task
        def report(n: int, region: str) -> None: ...
        refresh = sql_task("refresh", "REFRESH TABLE main.sales.orders")
        refresh >> report(extract())
"""

from __future__ import annotations

from brickyard.jobs.authoring import Job, TaskDecorator, TaskFunction, TaskHandle, job, task
from brickyard.jobs.loader import LoadError, LoadResult, load_jobs
from brickyard.jobs.runtime import (
    TaskContext,
    TaskValues,
    branch_targets,
    call_python_task,
    expand_inputs,
    resolve_python_task,
    task_inputs,
)
from brickyard.jobs.task_types import (
    ENTRY_POINT_GROUP,
    SensorType,
    TaskType,
    file_sensor,
    get_task_type,
    is_sensor,
    make_task,
    notebook_task,
    shell_task,
    sql_sensor,
    sql_task,
    table_sensor,
    task_type_kinds,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "Job",
    "LoadError",
    "LoadResult",
    "SensorType",
    "TaskContext",
    "TaskDecorator",
    "TaskFunction",
    "TaskHandle",
    "TaskType",
    "TaskValues",
    "branch_targets",
    "call_python_task",
    "expand_inputs",
    "file_sensor",
    "get_task_type",
    "is_sensor",
    "job",
    "load_jobs",
    "make_task",
    "notebook_task",
    "resolve_python_task",
    "shell_task",
    "sql_sensor",
    "sql_task",
    "table_sensor",
    "task",
    "task_inputs",
    "task_type_kinds",
]
