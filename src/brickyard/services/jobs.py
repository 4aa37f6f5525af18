"""Jobs use cases: load the jobs folder, list and pause jobs, trigger, watch and cancel runs."""

from __future__ import annotations

import difflib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brickyard.domain.errors import InvalidInputError, NotFoundError
from brickyard.domain.job_runs import JobInfo, LoadError, NewTaskRun, RunInfo, TaskRunInfo, TryInfo
from brickyard.domain.jobs import RunState, TaskState

if TYPE_CHECKING:
    from brickyard.adapters.metadata_sql.jobs_store import SqlJobStore
    from brickyard.ports import Clock


class JobsService:
    """The jobs of one workspace and their runs (state lives in the job store only)."""

    def __init__(
        self, store: SqlJobStore, clock: Clock, jobs_dir: Path, load_timeout_s: float = 30
    ) -> None:
        self.store = store
        self.clock = clock
        self.jobs_dir = jobs_dir
        self.load_timeout_s = load_timeout_s
        self._signature: tuple[tuple[str, int, int], ...] | None = None
        self._loaded_at = 0.0

    # -- definitions ----------------------------------------------------------------------
    def reload(self) -> list[LoadError]:
        """Load every job file of the jobs folder and record the jobs and the load errors."""
        from brickyard.jobs.loader import load_jobs

        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        result = load_jobs(self.jobs_dir, timeout_s=self.load_timeout_s)
        errors = [LoadError(e.file, e.message) for e in result.errors]
        self.store.save_jobs(result.jobs, errors, self.clock.now_ms())
        return errors

    def reload_if_changed(self, every_s: float = 60.0) -> bool:
        """Reload when a job file was added, changed or removed (and every ``every_s``)."""
        signature = _folder_signature(self.jobs_dir)
        now = time.monotonic()
        if signature == self._signature and now - self._loaded_at < every_s:
            return False
        self.reload()
        self._signature, self._loaded_at = signature, now
        return True

    def list_jobs(self) -> list[JobInfo]:
        return self.store.list_jobs()

    def load_errors(self) -> list[LoadError]:
        return self.store.load_errors()

    def job(self, name: str) -> JobInfo:
        found = self.store.get_job(name)
        if found is None or found.removed:
            names = [j.name for j in self.store.list_jobs()]
            close = difflib.get_close_matches(name, names, n=3)
            hint = (
                f"; did you mean {', '.join(close)}?"
                if close
                else f"; jobs: {', '.join(names) or 'none'}"
            )
            raise NotFoundError(f"job '{name}' does not exist{hint}")
        return found

    def set_paused(self, name: str, paused: bool) -> JobInfo:
        self.job(name)
        self.store.set_paused(name, paused, self.clock.now_ms())
        return self.job(name)

    # -- runs -------------------------------------------------------------------------------
    def trigger(
        self,
        name: str,
        params: dict[str, Any] | None = None,
        run_type: str = "manual",
        logical_date: int | None = None,
        interval_end: int | None = None,
        schedule_key: str | None = None,
    ) -> int | None:
        """A new queued run of the job; None when ``schedule_key``'s run exists already.

        A paused job's run is queued and starts when the job is unpaused (as in Airflow).
        """
        job = self.job(name)
        merged = dict(job.spec.params)
        merged.update(checked_params(job, params or {}))
        tasks = [NewTaskRun(t.task_id, max_tries=t.retries + 1) for t in job.spec.tasks]
        return self.store.create_run(
            job.id,
            job.spec,
            run_type,
            merged,
            tasks,
            self.clock.now_ms(),
            logical_date=logical_date if logical_date is not None else self.clock.now_ms(),
            interval_end=interval_end,
            schedule_key=schedule_key,
        )

    def run(self, run_id: int) -> RunInfo:
        found = self.store.get_run(run_id)
        if found is None:
            raise NotFoundError(f"run {run_id} does not exist; `brickyard runs list` shows runs")
        return found

    def task_runs(self, run_id: int) -> list[TaskRunInfo]:
        self.run(run_id)
        return self.store.task_runs(run_id)

    def tries(self, run_id: int) -> list[TryInfo]:
        return self.store.tries(run_id)

    def list_runs(
        self, job: str | None = None, state: str | None = None, limit: int = 50
    ) -> list[RunInfo]:
        job_id = self.job(job).id if job else None
        states = None
        if state:
            try:
                states = [RunState(state.lower())]
            except ValueError:
                raise InvalidInputError(
                    f"unknown run state '{state}'; use one of {', '.join(s.value for s in RunState)}"
                ) from None
        return self.store.list_runs(job_id, states, limit)

    def cancel(self, run_id: int) -> RunInfo:
        """Cancel a queued or running run: unfinished task runs end as canceled."""
        run = self.run(run_id)
        if run.state.finished:
            raise InvalidInputError(f"run {run_id} has finished already ({run.state})")
        now = self.clock.now_ms()
        for task_run in self.store.task_runs(run_id):
            if not task_run.state.finished and task_run.state != TaskState.RUNNING:
                self.store.set_task_state(
                    task_run.id, task_run.state, TaskState.CANCELED, end_time=now
                )
        # Running tries are killed by their executor, which records them as canceled.
        self.store.set_run_state(run_id, run.state, RunState.CANCELED, now)
        return self.run(run_id)


def _folder_signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Every job file's name, size and modification time: changes when any file does."""
    entries = []
    for path in sorted(folder.glob("*.py")):
        try:
            stat = path.stat()
        except OSError:
            continue
        entries.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(entries)


def checked_params(job: JobInfo, given: dict[str, Any]) -> dict[str, Any]:
    """``given`` checked against the job's params: known names, values of the default's type."""
    declared = job.spec.params
    checked: dict[str, Any] = {}
    for key, value in given.items():
        if key not in declared:
            known = ", ".join(declared) or "none"
            raise InvalidInputError(
                f"job '{job.name}' has no parameter '{key}'; its parameters: {known}"
            )
        default = declared[key]
        checked[key] = _as_type_of(default, value, key)
    return checked


def _as_type_of(default: Any, value: Any, key: str) -> Any:
    kind = type(default)
    if default is None or type(value) is kind:
        return value
    if isinstance(value, str):  # from the command line or a form: convert
        try:
            if kind is bool:
                if value.lower() in ("true", "1", "yes"):
                    return True
                if value.lower() in ("false", "0", "no"):
                    return False
                raise ValueError(value)
            if kind in (int, float):
                return kind(value)
            if kind is str:
                return value
        except ValueError:
            pass
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    raise InvalidInputError(
        f"parameter '{key}' takes a value of type {kind.__name__} (its default is "
        f"{default!r}); got {value!r}"
    )
