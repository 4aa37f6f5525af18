"""The scheduler: moves runs and task runs along the state machine, one tick at a time.

A tick is idempotent and keeps no state of its own: everything it decides is read from and
written to the job store (compare-and-set), so a scheduler killed at any point and started
again carries on where the store says things are.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from brickyard.domain.errors import InvalidInputError
from brickyard.domain.job_runs import RunInfo, TaskRunInfo, grouped_states, grouped_values
from brickyard.domain.jobs import (
    Decision,
    RunState,
    TaskSpec,
    TaskState,
    run_outcome,
    trigger_decision,
)
from brickyard.domain.schedules import next_interval, parse_local_datetime, parse_schedule
from brickyard.jobs.runtime import expand_inputs

if TYPE_CHECKING:
    from brickyard.adapters.metadata_sql.jobs_store import SqlJobStore
    from brickyard.ports import Clock
    from brickyard.services.jobs import JobsService

_DECISION_STATE = {
    Decision.SKIP: TaskState.SKIPPED,
    Decision.UPSTREAM_FAILED: TaskState.UPSTREAM_FAILED,
}


class Scheduler:
    """Creates scheduled runs, starts queued runs, queues ready tasks, retries, finishes runs,
    fails lost tries."""

    def __init__(
        self,
        store: SqlJobStore,
        clock: Clock,
        heartbeat_timeout_s: float,
        jobs: JobsService | None = None,
        notifier: Callable[[RunInfo], None] | None = None,
        finished_value: Callable[[RunInfo, TaskRunInfo], tuple[bool, Any]] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.heartbeat_timeout_ms = int(heartbeat_timeout_s * 1000)
        self.jobs = jobs  # creates the scheduled runs; None: only runs triggered by hand
        self.notifier = notifier  # reports a finished run's end (callbacks, webhook)
        # (done, value) a lost try left behind: a task that finished just before its worker
        # died is recorded as a success, not run again.
        self.finished_value = finished_value

    def tick(self) -> list[RunInfo]:
        """One pass; returns the running runs (their queued task runs are ready to start)."""
        self._fail_lost_tries()
        if self.jobs is not None:
            self.create_scheduled_runs()
        self._start_queued_runs()
        running = self.store.list_runs(states=[RunState.RUNNING], limit=10_000)
        for run in running:
            self.advance(run)
        self._report_ends()
        return [r for r in running if not self._finished(r.id)]

    def _report_ends(self) -> None:
        """Each finished run's end is reported once (claimed first: a restart does not repeat)."""
        for run in self.store.unnotified_runs():
            claimed = self.store.claim_notification(run.id, self.clock.now_ms())
            if claimed and run.spec.notifications and self.notifier is not None:
                self.notifier(run)

    def advance(self, run: RunInfo) -> None:
        """Decide every task run of ``run`` that can be decided now; finish the run if done."""
        now = self.clock.now_ms()
        changed = True
        while changed:  # a skip or an upstream failure can decide the next task at once
            changed = False
            task_runs = self.store.task_runs(run.id)
            states = grouped_states(task_runs)
            values = grouped_values(task_runs)
            for task_run in task_runs:
                if self._decide(run, task_run, states, values, now):
                    changed = True
        outcome = run_outcome(t.state for t in self.store.task_runs(run.id))
        if outcome is not None:
            self.store.set_run_state(run.id, RunState.RUNNING, outcome, now)

    def _decide(
        self,
        run: RunInfo,
        task_run: TaskRunInfo,
        states: dict[str, TaskState],
        values: dict[str, Any],
        now: int,
    ) -> bool:
        if task_run.state in (TaskState.UP_FOR_RETRY, TaskState.UP_FOR_RESCHEDULE):
            if task_run.next_try_at is None or task_run.next_try_at <= now:
                return self.store.set_task_state(
                    task_run.id, task_run.state, TaskState.QUEUED, next_try_at=None
                )
            return False
        if task_run.state != TaskState.PENDING:
            return False
        task = run.spec.task(task_run.task_id)
        if _not_chosen_by_a_branch(run, task.task_id, task.upstream, states, values):
            return self.store.set_task_state(
                task_run.id, TaskState.PENDING, TaskState.SKIPPED, start_time=now, end_time=now
            )
        decision = trigger_decision(task.trigger_rule, [states[u] for u in task.upstream])
        if decision == Decision.WAIT:
            return False
        if decision == Decision.RUN and task.config.get("expand") and task_run.map_index < 0:
            return self._expand(task_run, task, values, now)
        if decision == Decision.RUN:
            return self.store.set_task_state(task_run.id, TaskState.PENDING, TaskState.QUEUED)
        return self.store.set_task_state(
            task_run.id,
            TaskState.PENDING,
            _DECISION_STATE[decision],
            start_time=now,
            end_time=now,
        )

    def _expand(
        self, task_run: TaskRunInfo, task: TaskSpec, values: dict[str, Any], now: int
    ) -> bool:
        """An expanded task becomes one task run per item, run in parallel (none: skipped)."""
        try:
            items = len(expand_inputs(task, values))
        except InvalidInputError as exc:  # the upstream value is not a list
            return self.store.set_task_state(
                task_run.id,
                TaskState.PENDING,
                TaskState.FAILED,
                start_time=now,
                end_time=now,
                error=str(exc),
            )
        if items == 0:
            return self.store.set_task_state(
                task_run.id, TaskState.PENDING, TaskState.SKIPPED, start_time=now, end_time=now
            )
        return self.store.expand_task_run(task_run.id, items, task.retries + 1)

    def create_scheduled_runs(self) -> int:
        """The runs whose data interval has ended, for every unpaused scheduled job."""
        assert self.jobs is not None
        now = datetime.fromtimestamp(self.clock.now_ms() / 1000, UTC)
        created = 0
        for job in self.store.list_jobs():
            spec = job.spec
            if job.paused or not spec.schedule:
                continue
            schedule = parse_schedule(spec.schedule, spec.timezone)
            start = (
                parse_local_datetime(spec.start_date, spec.timezone) if spec.start_date else None
            )
            for _ in range(1000):  # catchup creates the missed runs, a bounded batch per tick
                last = self.store.last_logical_date(job.id)
                interval = next_interval(
                    schedule,
                    start,
                    datetime.fromtimestamp(last / 1000, UTC) if last is not None else None,
                    now,
                    spec.catchup,
                )
                if interval is None:
                    break
                run_id = self.jobs.trigger(
                    job.name,
                    run_type="scheduled",
                    logical_date=_ms(interval.start),
                    interval_end=_ms(interval.end),
                    schedule_key=interval.start.isoformat(),
                )
                if run_id is None:
                    break  # that interval's run exists: another scheduler made it
                created += 1
        return created

    def _start_queued_runs(self) -> None:
        queued = self.store.list_runs(states=[RunState.QUEUED], limit=10_000)
        if not queued:
            return
        active = Counter(
            r.job_id for r in self.store.list_runs(states=[RunState.RUNNING], limit=10_000)
        )
        paused = {j.id for j in self.store.list_jobs(include_removed=True) if j.paused}
        for run in sorted(queued, key=lambda r: r.id):
            if run.job_id in paused:
                continue  # a paused job's runs wait until it is unpaused
            if active[run.job_id] >= max(run.spec.max_active_runs, 1):
                continue
            if self.store.set_run_state(
                run.id, RunState.QUEUED, RunState.RUNNING, self.clock.now_ms()
            ):
                active[run.job_id] += 1

    def _fail_lost_tries(self) -> None:
        """Running tries whose worker stopped reporting: failed, and retried per their policy."""
        now = self.clock.now_ms()
        cutoff = now - self.heartbeat_timeout_ms
        for task_run in self.store.task_runs_in_state([TaskState.RUNNING]):
            if task_run.heartbeat_at is not None and task_run.heartbeat_at >= cutoff:
                continue
            run = self.store.get_run(task_run.run_id)
            if run is None:
                continue
            if self.finished_value is not None:
                done, value = self.finished_value(run, task_run)
                if done:
                    self.store.finish_try(
                        task_run.id,
                        task_run.try_number,
                        TaskState.SUCCESS,
                        now,
                        value_json=json.dumps(value),
                    )
                    continue
            task = run.spec.task(task_run.task_id)
            retry = task_run.try_number < task_run.max_tries
            self.store.finish_try(
                task_run.id,
                task_run.try_number,
                TaskState.UP_FOR_RETRY if retry else TaskState.FAILED,
                now,
                error=(
                    f"the worker running this try ({task_run.worker}) stopped reporting for "
                    f"{self.heartbeat_timeout_ms // 1000} s: it was killed or lost"
                ),
                next_try_at=now + int(task.retry_delay_for(task_run.try_number) * 1000)
                if retry
                else None,
            )

    def _finished(self, run_id: int) -> bool:
        run = self.store.get_run(run_id)
        return run is None or run.state.finished


def _not_chosen_by_a_branch(
    run: RunInfo,
    task_id: str,
    upstream: tuple[str, ...],
    states: dict[str, TaskState],
    values: dict[str, Any],
) -> bool:
    """Whether a succeeded branch task upstream chose other tasks than this one."""
    for parent in upstream:
        if states.get(parent) != TaskState.SUCCESS or run.spec.task(parent).kind != "branch":
            continue
        chosen = values.get(parent)
        targets = [] if chosen is None else [chosen] if isinstance(chosen, str) else chosen
        if task_id not in targets:
            return True
    return False


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
