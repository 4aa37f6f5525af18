"""Jobs, their tasks, and the state machine of runs and task tries (no I/O).

A job is a DAG of tasks defined in a Python file (``brickyard.jobs`` authoring API). A *run*
of a job has one *task run* per task; each execution attempt of a task run is a *try*.
Every state change goes through ``check_transition``: the only allowed moves are drawn here

    task run:  pending ──> queued ──> running ──> success
                  │           │          ├──> failed            (no retries left)
                  │           │          ├──> up_for_retry ──> queued (after the delay)
                  │           │          ├──> up_for_reschedule ──> queued (sensor pokes)
                  │           │          └──> timed_out | canceled
                  ├──> skipped | upstream_failed   (trigger rule decided it will not run)
                  └──> canceled                    (any unfinished state can be canceled)

    job run:   queued ──> running ──> success | failed | canceled | timed_out

A run is finished when every task run is finished; it succeeded when none failed (skipped
tasks do not fail a run, as in Airflow).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from brickyard.domain.errors import InvalidInputError


class TaskState(StrEnum):
    PENDING = "pending"  # waiting for its upstream tasks
    QUEUED = "queued"  # ready; waiting for a worker slot
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    UP_FOR_RETRY = "up_for_retry"
    UP_FOR_RESCHEDULE = "up_for_reschedule"  # a sensor between two pokes
    SKIPPED = "skipped"
    UPSTREAM_FAILED = "upstream_failed"
    CANCELED = "canceled"
    TIMED_OUT = "timed_out"

    @property
    def finished(self) -> bool:
        return self in FINISHED_TASK_STATES

    @property
    def failed(self) -> bool:
        return self in FAILED_TASK_STATES


FINISHED_TASK_STATES = frozenset(
    {
        TaskState.SUCCESS,
        TaskState.FAILED,
        TaskState.SKIPPED,
        TaskState.UPSTREAM_FAILED,
        TaskState.CANCELED,
        TaskState.TIMED_OUT,
    }
)
FAILED_TASK_STATES = frozenset(
    {TaskState.FAILED, TaskState.UPSTREAM_FAILED, TaskState.CANCELED, TaskState.TIMED_OUT}
)

_UNFINISHED = {s for s in TaskState if s not in FINISHED_TASK_STATES}
TASK_TRANSITIONS: Mapping[TaskState, frozenset[TaskState]] = {
    TaskState.PENDING: frozenset(
        {TaskState.QUEUED, TaskState.SKIPPED, TaskState.UPSTREAM_FAILED, TaskState.CANCELED}
    ),
    TaskState.QUEUED: frozenset({TaskState.RUNNING, TaskState.CANCELED, TaskState.SKIPPED}),
    TaskState.RUNNING: frozenset(
        {
            TaskState.SUCCESS,
            TaskState.FAILED,
            TaskState.UP_FOR_RETRY,
            TaskState.UP_FOR_RESCHEDULE,
            TaskState.TIMED_OUT,
            TaskState.CANCELED,
        }
    ),
    TaskState.UP_FOR_RETRY: frozenset({TaskState.QUEUED, TaskState.CANCELED}),
    TaskState.UP_FOR_RESCHEDULE: frozenset(
        {TaskState.QUEUED, TaskState.CANCELED, TaskState.TIMED_OUT}
    ),
    # A repair run resets finished task runs to pending.
    **{state: frozenset({TaskState.PENDING}) for state in FINISHED_TASK_STATES},
}


class RunState(StrEnum):
    QUEUED = "queued"  # created; waiting for max_active_runs
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    CANCELED = "canceled"
    TIMED_OUT = "timed_out"

    @property
    def finished(self) -> bool:
        return self not in (RunState.QUEUED, RunState.RUNNING)


RUN_TRANSITIONS: Mapping[RunState, frozenset[RunState]] = {
    RunState.QUEUED: frozenset({RunState.RUNNING, RunState.CANCELED}),
    RunState.RUNNING: frozenset(
        {RunState.SUCCESS, RunState.FAILED, RunState.CANCELED, RunState.TIMED_OUT}
    ),
    # A repair run starts a finished run again.
    **{
        state: frozenset({RunState.RUNNING})
        for state in (RunState.SUCCESS, RunState.FAILED, RunState.CANCELED, RunState.TIMED_OUT)
    },
}


class InvalidTransitionError(InvalidInputError):
    """A state change the state machine does not allow (a bug or a stale update)."""


def check_transition(old: TaskState | RunState, new: TaskState | RunState) -> None:
    """Raise InvalidTransitionError unless ``old -> new`` is an allowed move."""
    table: Mapping[Any, frozenset[Any]] = (
        TASK_TRANSITIONS if isinstance(old, TaskState) else RUN_TRANSITIONS
    )
    if new not in table.get(old, frozenset()):
        raise InvalidTransitionError(f"a {type(old).__name__} cannot go from {old} to {new}")


def run_outcome(states: Iterable[TaskState]) -> RunState | None:
    """The finished run's state from its task runs' states; None while any is unfinished."""
    states = list(states)
    if any(not s.finished for s in states):
        return None
    if any(s == TaskState.TIMED_OUT for s in states):
        return RunState.TIMED_OUT
    if any(s.failed for s in states):
        return RunState.FAILED
    return RunState.SUCCESS


# -- trigger rules ---------------------------------------------------------------------------
class TriggerRule(StrEnum):
    ALL_SUCCESS = "all_success"
    ALL_DONE = "all_done"
    ALL_FAILED = "all_failed"
    ONE_SUCCESS = "one_success"
    ONE_FAILED = "one_failed"
    NONE_FAILED = "none_failed"
    NONE_FAILED_MIN_ONE_SUCCESS = "none_failed_min_one_success"


class Decision(StrEnum):
    WAIT = "wait"  # not decidable yet
    RUN = "run"
    SKIP = "skip"
    UPSTREAM_FAILED = "upstream_failed"


def trigger_decision(rule: TriggerRule, upstream: Sequence[TaskState]) -> Decision:
    """Whether a task with ``rule`` runs, given its upstream task runs' states (Airflow's rules)."""
    if not upstream:
        return Decision.RUN
    done = [s for s in upstream if s.finished]
    success = sum(s == TaskState.SUCCESS for s in done)
    failed = sum(s in (TaskState.FAILED, TaskState.UPSTREAM_FAILED, TaskState.TIMED_OUT) for s in done)
    skipped = sum(s == TaskState.SKIPPED for s in done)
    all_done = len(done) == len(upstream)
    if rule == TriggerRule.ALL_SUCCESS:
        if failed:
            return Decision.UPSTREAM_FAILED
        if skipped or any(s == TaskState.CANCELED for s in done):
            return Decision.SKIP
        return Decision.RUN if all_done else Decision.WAIT
    if rule == TriggerRule.ALL_DONE:
        return Decision.RUN if all_done else Decision.WAIT
    if rule == TriggerRule.ALL_FAILED:
        if success or skipped:
            return Decision.SKIP
        return Decision.RUN if all_done else Decision.WAIT
    if rule == TriggerRule.ONE_SUCCESS:
        if success:
            return Decision.RUN
        if all_done:
            return Decision.UPSTREAM_FAILED if failed else Decision.SKIP
        return Decision.WAIT
    if rule == TriggerRule.ONE_FAILED:
        if failed:
            return Decision.RUN
        return Decision.SKIP if all_done else Decision.WAIT
    if rule == TriggerRule.NONE_FAILED:
        if failed:
            return Decision.UPSTREAM_FAILED
        return Decision.RUN if all_done else Decision.WAIT
    # NONE_FAILED_MIN_ONE_SUCCESS
    if failed:
        return Decision.UPSTREAM_FAILED
    if not all_done:
        return Decision.WAIT
    return Decision.RUN if success else Decision.SKIP


# -- definitions -----------------------------------------------------------------------------
@dataclass(frozen=True)
class TaskSpec:
    """One task of a job, as its file defines it.

    ``kind`` names the task type (``python``, ``sql``, ``shell``, ``notebook``, a sensor or a
    plugin's entry point name); ``config`` holds that type's settings as JSON values (the SQL
    text, the command...); ``inputs`` maps a parameter of a Python task to the upstream task
    whose return value it receives.
    """

    task_id: str
    kind: str
    upstream: tuple[str, ...] = ()
    config: Mapping[str, Any] = field(default_factory=dict)
    inputs: Mapping[str, str] = field(default_factory=dict)
    retries: int = 0
    retry_delay_s: float = 0.0
    retry_backoff: bool = False
    timeout_s: float | None = None
    trigger_rule: TriggerRule = TriggerRule.ALL_SUCCESS
    max_active_tis: int | None = None  # tries of this task running at once, over all runs

    def retry_delay_for(self, try_number: int) -> float:
        """Seconds to wait before try ``try_number + 1`` (doubling when ``retry_backoff``)."""
        if not self.retry_backoff:
            return self.retry_delay_s
        return float(self.retry_delay_s * 2 ** max(try_number - 1, 0))


@dataclass(frozen=True)
class JobSpec:
    """A job as its file defines it: its tasks, schedule and run settings."""

    name: str
    tasks: tuple[TaskSpec, ...]
    file: str = ""
    schedule: str | None = None  # cron text, @daily..., or "every <seconds>s"
    start_date: str | None = None  # ISO date or datetime, in ``timezone``
    catchup: bool = False
    max_active_runs: int = 1
    params: Mapping[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    timezone: str = "UTC"
    description: str = ""
    # When a run ends: {"on_failure"/"on_success": callback name in the job file, "webhook": URL}
    notifications: Mapping[str, str] = field(default_factory=dict)

    def task(self, task_id: str) -> TaskSpec:
        for spec in self.tasks:
            if spec.task_id == task_id:
                return spec
        raise InvalidInputError(
            f"job '{self.name}' has no task '{task_id}'; its tasks: "
            + ", ".join(t.task_id for t in self.tasks)
        )

    def downstream(self, task_id: str) -> list[str]:
        """Every task that depends on ``task_id``, directly or not, in definition order."""
        found: set[str] = set()
        frontier = [task_id]
        while frontier:
            current = frontier.pop()
            for spec in self.tasks:
                if current in spec.upstream and spec.task_id not in found:
                    found.add(spec.task_id)
                    frontier.append(spec.task_id)
        return [t.task_id for t in self.tasks if t.task_id in found]


def validate_dag(job_name: str, tasks: Sequence[TaskSpec]) -> None:
    """Raise InvalidInputError for duplicate task names, unknown dependencies or a cycle."""
    seen: set[str] = set()
    for spec in tasks:
        if spec.task_id in seen:
            raise InvalidInputError(
                f"job '{job_name}' has two tasks named '{spec.task_id}'; give one of them "
                "another name with @task(task_id=...)"
            )
        seen.add(spec.task_id)
    for spec in tasks:
        for parent in spec.upstream:
            if parent not in seen:
                raise InvalidInputError(
                    f"task '{spec.task_id}' of job '{job_name}' depends on '{parent}', which is "
                    f"not a task of the job; its tasks: {', '.join(sorted(seen))}"
                )
    cycle = find_cycle({spec.task_id: spec.upstream for spec in tasks})
    if cycle:
        raise InvalidInputError(
            f"job '{job_name}' has a dependency cycle: {' >> '.join(cycle)}; remove one of "
            "these dependencies"
        )


def find_cycle(upstream: Mapping[str, Sequence[str]]) -> list[str]:
    """A cycle as a path (``a, b, c, a``: a runs before b before c before a), or []."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for parent in upstream.get(node, ()):
            if state.get(parent) == 1:
                loop = [*path[path.index(parent):], parent]
                return list(reversed(loop))  # in run order: upstream first
            if state.get(parent) is None:
                found = visit(parent)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return []

    for node in upstream:
        if state.get(node) is None:
            found = visit(node)
            if found:
                return found
    return []


def topological_order(tasks: Sequence[TaskSpec]) -> list[str]:
    """Task ids with every task after its upstream tasks (definition order among equals)."""
    placed: list[str] = []
    remaining = list(tasks)
    while remaining:
        ready = [t for t in remaining if all(p in placed for p in t.upstream)]
        if not ready:
            raise InvalidInputError("the tasks have a dependency cycle")
        placed.extend(t.task_id for t in ready)
        remaining = [t for t in remaining if t.task_id not in placed]
    return placed
