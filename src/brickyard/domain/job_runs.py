"""Records of jobs, runs, task runs and tries as the metadata store keeps them (no I/O).

Times are epoch milliseconds. A run keeps the ``JobSpec`` it started with, so editing the
job file changes later runs only; ``spec_to_json``/``spec_from_json`` are its stored form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
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
    task_values_json: str | None = None  # values it set by key (taskValues.set), JSON
    error: str | None = None
    map_index: int = -1  # >= 0: one item of an expanded task

    @property
    def label(self) -> str:
        """``task`` or, for an item of an expanded task, ``task[3]``."""
        return self.task_id if self.map_index < 0 else f"{self.task_id}[{self.map_index}]"


def grouped_states(task_runs: list[TaskRunInfo]) -> dict[str, TaskState]:
    """One state per task: an expanded task's items count as one (unfinished while any is)."""
    groups: dict[str, list[TaskState]] = {}
    for task_run in task_runs:
        groups.setdefault(task_run.task_id, []).append(task_run.state)
    states = {}
    for task_id, group in groups.items():
        if len(group) == 1:
            states[task_id] = group[0]
        elif any(not s.finished for s in group):
            states[task_id] = TaskState.RUNNING
        elif any(s.failed for s in group):
            states[task_id] = next(s for s in group if s.failed)
        elif all(s == TaskState.SKIPPED for s in group):
            states[task_id] = TaskState.SKIPPED
        else:
            states[task_id] = TaskState.SUCCESS
    return states


def grouped_values(task_runs: list[TaskRunInfo]) -> dict[str, Any]:
    """Each task's value; an expanded task's is the list of its items' values, in order."""
    values: dict[str, Any] = {}
    items: dict[str, list[tuple[int, Any]]] = {}
    for task_run in task_runs:
        value = json.loads(task_run.value_json) if task_run.value_json else None
        if task_run.map_index < 0:
            values[task_run.task_id] = value
        else:
            items.setdefault(task_run.task_id, []).append((task_run.map_index, value))
    for task_id, pairs in items.items():
        values[task_id] = [value for _, value in sorted(pairs, key=lambda pair: pair[0])]
    return values


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
    mlflow_run_ids: tuple[str, ...] = ()  # the MLflow runs this try created


@dataclass(frozen=True)
class NewTaskRun:
    task_id: str
    max_tries: int
    state: TaskState = TaskState.PENDING
    extra: dict[str, Any] = field(default_factory=dict)


def spec_to_json(spec: JobSpec) -> str:
    return dumps(spec)


@lru_cache(maxsize=128)
def spec_from_json(text: str) -> JobSpec:
    """The spec stored as ``text``. Runs of a job share their spec's text, so listing runs
    decodes each text once; the spec is frozen and nothing changes its dicts in place."""
    return loads(text)


@dataclass(frozen=True)
class RunSummary:
    """A run's state and times without its spec (cheap to list many of)."""

    id: int
    state: RunState
    queued_at: int
    start_time: int | None
    end_time: int | None


@dataclass(frozen=True)
class TableRead:
    """A job task's try read a catalog table (at ``version``): the table's lineage."""

    job: str
    run_id: int
    task_id: str
    try_number: int
    version: int
    read_at: int  # epoch ms: when the try ended
