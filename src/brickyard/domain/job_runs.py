"""Records of jobs, runs, task runs and tries as the metadata store keeps them (no I/O).

Times are epoch milliseconds. A run keeps the ``JobSpec`` it started with, so editing the
job file changes later runs only; ``spec_to_json``/``spec_from_json`` are its stored form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from brickyard.domain.jobs import JobSpec, RunState, TaskState
from brickyard.domain.spec_json import dumps, loads


@dataclass(frozen=True)
class JobInfo:
    id: int  # stable per job name, as Databricks job ids
    name: str
    file: str
    spec: JobSpec
    paused: bool
    removed: bool  # its file no longer defines it; kept for the runs' history
    created_at: int
    updated_at: int


@dataclass(frozen=True)
class LoadError:
    """A job file that could not be loaded, and why."""

    file: str
    message: str


@dataclass(frozen=True)
class RunInfo:
    id: int
    job_id: int
    job_name: str
    state: RunState
    run_type: str  # manual | scheduled | backfill
    spec: JobSpec
    params: dict[str, Any]
    queued_at: int
    logical_date: int | None = None  # the data interval's start
    interval_end: int | None = None
    start_time: int | None = None
    end_time: int | None = None


@dataclass(frozen=True)
class TaskRunInfo:
    id: int
    run_id: int
    task_id: str
    state: TaskState
    try_number: int  # tries started so far
    max_tries: int  # 1 + retries
    next_try_at: int | None = None  # not before this time (retry delay, sensor poke)
    start_time: int | None = None
    end_time: int | None = None
    worker: str | None = None
    heartbeat_at: int | None = None
    value_json: str | None = None  # the task value (its return value as JSON)
    error: str | None = None


@dataclass(frozen=True)
class TryInfo:
    task_run_id: int
    task_id: str
    try_number: int
    state: TaskState
    start_time: int
    end_time: int | None = None
    error: str | None = None
    worker: str | None = None


@dataclass(frozen=True)
class NewTaskRun:
    task_id: str
    max_tries: int
    state: TaskState = TaskState.PENDING
    extra: dict[str, Any] = field(default_factory=dict)


def spec_to_json(spec: JobSpec) -> str:
    return dumps(spec)


def spec_from_json(text: str) -> JobSpec:
    return loads(text)
