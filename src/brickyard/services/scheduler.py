"""The scheduler: moves runs and task runs along the state machine, one tick at a time.

A tick is idempotent and keeps no state of its own: everything it decides is read from and
written to the job store (compare-and-set), so a scheduler killed at any point and started
again carries on where the store says things are.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from brickyard.domain.job_runs import RunInfo, TaskRunInfo
from brickyard.domain.jobs import (
    Decision,
    RunState,
    TaskState,
    run_outcome,
    trigger_decision,
)

if TYPE_CHECKING:
    from brickyard.adapters.metadata_sql.jobs_store import SqlJobStore
    from brickyard.ports import Clock

_DECISION_STATE = {
    Decision.SKIP: TaskState.SKIPPED,
    Decision.UPSTREAM_FAILED: TaskState.UPSTREAM_FAILED,
}


class Scheduler:
    """Starts queued runs, queues ready tasks, retries, finishes runs, fails lost tries."""

    def __init__(self, store: SqlJobStore, clock: Clock, heartbeat_timeout_s: float) -> None:
        self.store = store
        self.clock = clock
        self.heartbeat_timeout_ms = int(heartbeat_timeout_s * 1000)

    def tick(self) -> list[RunInfo]:
        """One pass; returns the running runs (their queued task runs are ready to start)."""
        self._fail_lost_tries()
        self._start_queued_runs()
        running = self.store.list_runs(states=[RunState.RUNNING], limit=10_000)
        for run in running:
            self.advance(run)
        return [r for r in running if not self._finished(r.id)]

    def advance(self, run: RunInfo) -> None:
        """Decide every task run of ``run`` that can be decided now; finish the run if done."""
        now = self.clock.now_ms()
        changed = True
        while changed:  # a skip or an upstream failure can decide the next task at once
            changed = False
            task_runs = self.store.task_runs(run.id)
            states = {t.task_id: t.state for t in task_runs}
            for task_run in task_runs:
                if self._decide(run, task_run, states, now):
                    changed = True
        outcome = run_outcome(t.state for t in self.store.task_runs(run.id))
        if outcome is not None:
            self.store.set_run_state(run.id, RunState.RUNNING, outcome, now)

    def _decide(
        self, run: RunInfo, task_run: TaskRunInfo, states: dict[str, TaskState], now: int
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
        decision = trigger_decision(task.trigger_rule, [states[u] for u in task.upstream])
        if decision == Decision.WAIT:
            return False
        if decision == Decision.RUN:
            return self.store.set_task_state(task_run.id, TaskState.PENDING, TaskState.QUEUED)
        return self.store.set_task_state(
            task_run.id,
            TaskState.PENDING,
            _DECISION_STATE[decision],
            start_time=now,
            end_time=now,
        )

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
