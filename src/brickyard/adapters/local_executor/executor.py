"""The embedded executor: queued task runs become worker processes; their ends are recorded.

Worker processes come from multiprocessing's forkserver with Brickyard preloaded, so a try
starts in milliseconds and never shares the server's threads or locks. Every state change
goes through the job store (compare-and-set), so a try is recorded once whoever races.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import signal
import socket
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing import spawn
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brickyard.adapters.local_executor.child import TryRequest, run_try
from brickyard.domain.errors import InvalidInputError
from brickyard.domain.job_runs import RunInfo, TaskRunInfo, grouped_values
from brickyard.domain.jobs import TaskSpec, TaskState
from brickyard.jobs.runtime import branch_targets
from brickyard.jobs.task_types import get_task_type, is_sensor

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from brickyard.adapters.metadata_sql.jobs_store import SqlJobStore
    from brickyard.ports import Clock

_PRELOAD = [
    "brickyard.adapters.local_executor.child",
    "brickyard.jobs.runtime",
    "brickyard.jobs.builtin_types",
]
_WORKER_NAME = "brickyard-try"


def _without_main(original: Callable[[str], dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
    """multiprocessing makes every new process import the program's main module first (for
    ``brickyard up``: the whole CLI, ~0.45 s a try; Python 3.11's forkserver cannot preload it).
    A try needs nothing from it: its entry point is importable, so it is left out."""

    def preparation_data(name: str) -> dict[str, Any]:
        data = original(name)
        if name.startswith(_WORKER_NAME):
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
        return data

    return preparation_data


if not getattr(spawn.get_preparation_data, "brickyard", False):
    spawn.get_preparation_data = _without_main(spawn.get_preparation_data)  # type: ignore[assignment]
    spawn.get_preparation_data.brickyard = True  # type: ignore[attr-defined,name-defined]


@dataclass
class _Running:
    process: BaseProcess
    task_run: TaskRunInfo
    task: TaskSpec
    run: RunInfo
    result_path: Path
    deadline_ms: int | None
    sensor: bool


@dataclass(frozen=True)
class TryOutcome:
    ok: bool
    value: Any = None
    error: str | None = None
    poked: bool | None = None  # a sensor's answer
    timed_out: bool = False
    mlflow_runs: tuple[str, ...] = ()  # the MLflow runs the try created
    task_values: dict[str, Any] | None = None  # values the task set by key
    tables_read: dict[str, int] = field(default_factory=dict)  # catalog table -> version
    reported: bool = True  # False: the try's process was killed or died before reporting


@dataclass(frozen=True)
class ExecutorSettings:
    home: Path
    logs_dir: Path
    slots: int = 8
    memory_mb: int = 4096
    value_max_bytes: int = 65536
    ml_env: dict[str, str] = field(default_factory=dict)  # the mlflow client's environment


class LocalExecutor:
    """Runs queued task runs in worker processes, up to ``slots`` at once."""

    def __init__(self, store: SqlJobStore, clock: Clock, settings: ExecutorSettings) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(_PRELOAD)
        self._running: dict[int, _Running] = {}
        self._started_server = False

    def warm_up(self) -> None:
        """Start the fork server now, so the first try does not wait for its imports."""
        if not self._started_server:
            from multiprocessing import forkserver

            forkserver.ensure_running()
            self._started_server = True

    @property
    def busy(self) -> int:
        return len(self._running)

    def sentinels(self) -> list[Any]:
        """What to wait on: each worker process's sentinel becomes ready when it ends."""
        return [r.process.sentinel for r in self._running.values()]

    def start_queued(self, queued: list[TaskRunInfo], runs: dict[int, RunInfo]) -> int:
        """Start as many queued task runs as there are free slots; how many started.

        A task with ``max_active_tis`` waits while that many of its tries run (any run).
        """
        started = 0
        active: Counter[tuple[str, str]] | None = None
        for task_run in queued:
            if self.busy >= self.settings.slots:
                break
            run = runs.get(task_run.run_id)
            if run is None:
                continue
            limit = run.spec.task(task_run.task_id).max_active_tis
            if limit is not None:
                if active is None:
                    active = self._active_tries(runs)
                key = (run.job_name, task_run.task_id)
                if active[key] >= limit:
                    continue
                active[key] += 1
            claimed = self.store.start_try(task_run.id, self.worker, self.clock.now_ms())
            if claimed is None:
                continue  # another worker took it, or it was canceled
            self._launch(claimed, run)
            started += 1
        return started

    def _active_tries(self, runs: dict[int, RunInfo]) -> Counter[tuple[str, str]]:
        """Running tries per (job, task), whichever worker runs them."""
        counts: Counter[tuple[str, str]] = Counter()
        for task_run in self.store.task_runs_in_state([TaskState.RUNNING]):
            run = runs.get(task_run.run_id)
            if run is not None:
                counts[(run.job_name, task_run.task_id)] += 1
        return counts

    def reap(self) -> list[int]:
        """Record the tries whose process ended or ran out of time; their run ids."""
        now = self.clock.now_ms()
        ended: list[int] = []
        for task_run_id, running in list(self._running.items()):
            process = running.process
            if process.is_alive():
                if running.deadline_ms is not None and now >= running.deadline_ms:
                    self._kill(process)
                    self._finish(running, self._with_orphan_runs(running, _timed_out(running.task)))
                    del self._running[task_run_id]
                    ended.append(running.task_run.run_id)
                continue
            process.join()
            self._finish(
                running, self._with_orphan_runs(running, _outcome(running, process.exitcode))
            )
            del self._running[task_run_id]
            ended.append(running.task_run.run_id)
        if self._running:
            self.store.heartbeat(list(self._running), now)
        return ended

    def _with_orphan_runs(self, running: _Running, outcome: TryOutcome) -> TryOutcome:
        """A try whose process never reported (killed, died): its MLflow runs are ended here
        and linked, instead of staying RUNNING and unlinked."""
        if outcome.reported or not self.settings.ml_env:
            return outcome
        from brickyard.ml.task_runs import end_killed_try_runs

        task_run = running.task_run
        runs = end_killed_try_runs(
            self.settings.ml_env,
            task_run.run_id,
            task_run.task_id,
            task_run.try_number,
            task_run.map_index,
        )
        return replace(outcome, mlflow_runs=tuple(runs)) if runs else outcome

    def cancel(self, task_run_ids: set[int]) -> None:
        """Kill the worker processes of these task runs (their run was canceled)."""
        for task_run_id in task_run_ids & set(self._running):
            running = self._running.pop(task_run_id)
            self._kill(running.process)
            self.store.finish_try(
                task_run_id,
                running.task_run.try_number,
                TaskState.CANCELED,
                self.clock.now_ms(),
                error="canceled",
            )

    def shutdown(self) -> None:
        """Stop: running tries are killed and recorded (retried by their policy), not left
        running until the heartbeat timeout."""
        for running in self._running.values():
            self._kill(running.process)
            self._finish(
                running,
                TryOutcome(False, error="the worker stopped while this try ran (shutdown)"),
            )
        self._running.clear()

    # -- helpers --------------------------------------------------------------------------
    def _launch(self, task_run: TaskRunInfo, run: RunInfo) -> None:
        task = run.spec.task(task_run.task_id)
        log_path = self.log_path(run, task_run.label, task_run.try_number)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        result_path = log_path.with_suffix(".result.json")
        result_path.unlink(missing_ok=True)
        sensor = is_sensor(get_task_type(task.kind))
        request = TryRequest(
            home=str(self.settings.home),
            job_name=run.job_name,
            job_file=self._definition_file(run),
            task=task,
            run_id=run.id,
            try_number=task_run.try_number,
            logical_date_ms=run.logical_date,
            params=dict(run.params),
            upstream_values=self._upstream_values(task, run.id),
            upstream_set_values=self._upstream_set_values(task, run.id),
            log_path=str(log_path),
            result_path=str(result_path),
            memory_mb=self.settings.memory_mb,
            value_max_bytes=self.settings.value_max_bytes,
            sensor=sensor,
            source_dir=str(Path(run.spec.file).parent),
            map_index=task_run.map_index,
            ml_env=self.settings.ml_env,
        )
        process = self._context.Process(
            target=run_try, args=(request,), daemon=False, name=f"{_WORKER_NAME}-{task_run.id}"
        )
        process.start()
        deadline = self.clock.now_ms() + int(task.timeout_s * 1000) if task.timeout_s else None
        self._running[task_run.id] = _Running(
            process, task_run, task, run, result_path, deadline, sensor
        )

    def _definition_file(self, run: RunInfo) -> str:
        """The job file as the run started (a copy in the run's log folder, named by its
        content): a file edited or deleted since does not change a run in flight; a repair
        gives the run the file as it is then."""
        source = self.store.run_source(run.id)
        if source is None:
            return run.spec.file
        digest = hashlib.sha256(source.encode()).hexdigest()[:12]
        snapshot = self.settings.logs_dir / run.job_name / str(run.id) / "_job" / digest
        snapshot = snapshot / Path(run.spec.file).name
        if not snapshot.exists():
            snapshot.parent.mkdir(parents=True, exist_ok=True)
            partial = snapshot.with_suffix(".tmp")
            partial.write_text(source)
            partial.replace(snapshot)  # whole or absent, never half written
        return str(snapshot)

    def log_path(self, run: RunInfo, task_id: str, try_number: int) -> Path:
        return self.settings.logs_dir / run.job_name / str(run.id) / task_id / f"{try_number}.log"

    def _upstream_values(self, task: TaskSpec, run_id: int) -> dict[str, Any]:
        """The task values of the task's upstream tasks (what its parameters may receive);
        an expanded task's value is the list of its items' values."""
        if not task.upstream:
            return {}
        values = grouped_values(self.store.task_runs(run_id))
        return {task_id: values.get(task_id) for task_id in task.upstream}

    def _upstream_set_values(self, task: TaskSpec, run_id: int) -> dict[str, dict[str, Any]]:
        """What the task's upstream tasks set with taskValues.set, by task."""
        if not task.upstream:
            return {}
        return {
            t.task_id: json.loads(t.task_values_json)
            for t in self.store.task_runs(run_id)
            if t.task_id in task.upstream and t.task_values_json and t.map_index < 0
        }

    def _finish(self, running: _Running, outcome: TryOutcome) -> None:
        task_run, task = running.task_run, running.task
        now = self.clock.now_ms()
        if outcome.ok and task.kind == "branch":
            outcome = _checked_branch(running.run, task, outcome)
        if outcome.ok and running.sensor and not outcome.poked:
            self._reschedule(running, now)
            return
        next_try = None
        value_json = None
        if outcome.ok:
            new = TaskState.SUCCESS
            value_json = None if running.sensor else json.dumps(outcome.value)
        elif task_run.try_number < task_run.max_tries:
            new = TaskState.UP_FOR_RETRY
            next_try = now + int(task.retry_delay_for(task_run.try_number) * 1000)
        else:
            new = TaskState.TIMED_OUT if outcome.timed_out else TaskState.FAILED
        self.store.finish_try(
            task_run.id,
            task_run.try_number,
            new,
            now,
            value_json,
            outcome.error,
            next_try,
            mlflow_run_ids=outcome.mlflow_runs,
            task_values_json=json.dumps(outcome.task_values) if outcome.task_values else None,
            tables_read=outcome.tables_read,
        )

    def _reschedule(self, running: _Running, now: int) -> None:
        """A sensor's condition is false: wait without a slot until the next poke or time out."""
        task_run, config = running.task_run, running.task.config
        started = self.store.first_try_start(task_run.id) or now
        timeout_ms = int(float(config.get("timeout", 3600)) * 1000)
        if now - started >= timeout_ms:
            self.store.finish_try(
                task_run.id,
                task_run.try_number,
                TaskState.TIMED_OUT,
                now,
                error=f"sensor timed out: its condition was false for {timeout_ms / 1000:g} s",
            )
            return
        poke_ms = int(float(config.get("poke_interval", 60)) * 1000)
        self.store.finish_try(
            task_run.id,
            task_run.try_number,
            TaskState.UP_FOR_RESCHEDULE,
            now,
            next_try_at=now + poke_ms,
            extra_try=True,
        )

    @staticmethod
    def _kill(process: BaseProcess) -> None:
        pid = process.pid
        if pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)  # the task and everything it started
        process.join(timeout=5)


def outcome_on_disk(logs_dir: Path, run: RunInfo, task_run: TaskRunInfo) -> TryOutcome | None:
    """What a try wrote before its worker was lost (None: nothing, or not readable)."""
    log = logs_dir / run.job_name / str(run.id) / task_run.label / f"{task_run.try_number}.log"
    try:
        result = json.loads(log.with_suffix(".result.json").read_text())
    except (OSError, ValueError):
        return None
    if result.get("ok") and result.get("poked") is None:
        return TryOutcome(True, result.get("value"))
    return None


def _outcome(running: _Running, exitcode: int | None) -> TryOutcome:
    try:
        result = json.loads(running.result_path.read_text())
    except (OSError, ValueError):
        how = (
            f"killed by signal {-exitcode}"
            if exitcode is not None and exitcode < 0
            else f"exit code {exitcode}"
        )
        return TryOutcome(
            False, error=f"the task's process died before it finished ({how})", reported=False
        )
    runs = tuple(str(r) for r in result.get("mlflow_runs") or ())
    reads = {str(t): int(v) for t, v in (result.get("tables_read") or {}).items()}
    if result.get("ok"):
        return TryOutcome(
            True,
            result.get("value"),
            poked=result.get("poked"),
            mlflow_runs=runs,
            task_values=result.get("task_values"),
            tables_read=reads,
        )
    error = str(result.get("error") or "the task failed")
    return TryOutcome(False, error=error, mlflow_runs=runs, tables_read=reads)


def _timed_out(task: TaskSpec) -> TryOutcome:
    return TryOutcome(
        False,
        error=f"timed out after {task.timeout_s:g} s (the task's timeout); killed",
        timed_out=True,
        reported=False,
    )


def _checked_branch(run: RunInfo, task: TaskSpec, outcome: TryOutcome) -> TryOutcome:
    """A branch's value must name direct downstream tasks; else the try fails."""
    try:
        branch_targets(run.spec, task.task_id, outcome.value)
    except InvalidInputError as exc:
        return TryOutcome(False, error=str(exc))
    return outcome
