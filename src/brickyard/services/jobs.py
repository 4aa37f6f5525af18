"""Jobs use cases: load the jobs folder, list and pause jobs, trigger, watch and cancel runs."""

from __future__ import annotations

import difflib
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brickyard.domain.errors import ConcurrentWriteError, InvalidInputError, NotFoundError
from brickyard.domain.job_runs import (
    JobInfo,
    LoadError,
    NewTaskRun,
    RunInfo,
    RunSummary,
    TaskRunInfo,
    TryInfo,
)
from brickyard.domain.jobs import FAILED_TASK_STATES, RunState, TaskState, check_transition
from brickyard.domain.schedules import next_due_time, parse_local_datetime, parse_schedule

if TYPE_CHECKING:
    from brickyard.adapters.metadata_sql.jobs_store import SqlJobStore
    from brickyard.ports import Clock


LOG_TAIL_LINES = 100
_LOG_TAIL_BYTES = 256 * 1024  # enough for 100 long lines; never read a whole big log


@dataclass(frozen=True)
class RunRepair:
    """A repaired run: started again, re-running ``rerun_tasks`` (in definition order)."""

    run: RunInfo
    repair_id: int  # the repair's time in epoch ms: unique per run, increasing
    rerun_tasks: tuple[str, ...]


@dataclass(frozen=True)
class TaskOutput:
    """What a task run produced: its value, its error and the end of its latest try's log."""

    run: RunInfo
    task_run: TaskRunInfo
    value: Any  # the task value, parsed from JSON (None without one)
    error: str | None  # the error's first line ("ValueError: bad data")
    error_trace: str | None  # the whole error text with its traceback
    log_tail: str  # the last lines of the latest try's log ("" before the first try)
    log_truncated: bool  # the log has more lines than ``log_tail``
    log_path: Path | None  # the latest try's log file (None before the first try)


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

    def next_run_time(self, name: str) -> int | None:
        """When the job's next scheduled run is due (epoch ms; None: manual or no more runs)."""
        job = self.job(name)
        spec = job.spec
        if not spec.schedule:
            return None
        start = parse_local_datetime(spec.start_date, spec.timezone) if spec.start_date else None
        last = self.store.last_logical_date(job.id)
        due = next_due_time(
            parse_schedule(spec.schedule, spec.timezone),
            start,
            datetime.fromtimestamp(last / 1000, UTC) if last is not None else None,
            datetime.fromtimestamp(self.clock.now_ms() / 1000, UTC),
            spec.catchup,
        )
        return None if due is None else int(due.timestamp() * 1000)

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
            job_source=job_source(job.spec.file),
        )

    def run(self, run_id: int) -> RunInfo:
        found = self.store.get_run(run_id)
        if found is None:
            raise NotFoundError(f"run {run_id} does not exist; `brickyard runs list` shows runs")
        return found

    def task_runs(self, run_id: int) -> list[TaskRunInfo]:
        found = self.store.task_runs(run_id)
        if not found:
            self.run(run_id)  # NotFoundError for a run that does not exist
        return found

    def task_runs_of(self, run_ids: Sequence[int]) -> dict[int, list[TaskRunInfo]]:
        """The task runs of each of ``run_ids`` (one query: for listings)."""
        return self.store.task_runs_of(run_ids)

    def run_detail(self, run_id: int) -> tuple[RunInfo, list[TaskRunInfo], list[TryInfo]]:
        """A run, its task runs and their tries (one read)."""
        found = self.store.run_detail(run_id)
        if found is None:
            raise NotFoundError(f"run {run_id} does not exist; `brickyard runs list` shows runs")
        return found

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

    # -- lookups by id, pages, repair and output (the REST API's use cases) ------------------
    def run_summaries(self, job_id: int, limit: int) -> list[RunSummary]:
        """The job's latest ``limit`` runs, newest first, for views of many runs (the UI's
        squares and grid): states and times only, none of the specs ``runs_page`` parses."""
        return self.store.run_summaries(job_id, limit)

    def task_states(self, run_ids: Sequence[int]) -> dict[int, dict[str, TaskState]]:
        """Each run's task states by task key, in one query (an expanded task: its last item)."""
        return self.store.task_states(run_ids)

    def job_by_id(self, job_id: int) -> JobInfo:
        found = self.store.get_job_by_id(job_id)
        if found is None or found.removed:
            raise NotFoundError(f"job {job_id} does not exist; `brickyard jobs list` shows jobs")
        return found

    def runs_page(
        self,
        job_id: int | None = None,
        states: Iterable[RunState] | None = None,
        offset: int = 0,
        limit: int = 25,
    ) -> tuple[list[RunInfo], bool]:
        """Runs newest first from ``offset``, at most ``limit``; and whether more follow."""
        if offset < 0 or limit < 1:
            raise InvalidInputError(f"offset must be >= 0 and limit >= 1 (got {offset}, {limit})")
        if job_id is not None:
            self.job_by_id(job_id)
        found = self.store.list_runs_page(job_id, states, offset, limit + 1)
        return found[:limit], len(found) > limit

    def repair(
        self,
        run_id: int,
        tasks: Sequence[str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> RunRepair:
        """Start a finished run again, as Databricks' repair run does.

        Re-runs ``tasks`` (default: every failed, upstream-failed, canceled or timed-out task)
        and every task downstream of them; successful tasks keep their outcome and value. The
        repaired tasks run with the job's *current* definition (edit the job file, reload,
        repair), which must still have the run's tasks; their tries continue from the last
        try's number, with the task's retries available again. ``params`` override the run's.
        """
        run = self.run(run_id)
        if not run.state.finished:
            raise InvalidInputError(
                f"run {run_id} is {run.state}: only a finished run can be repaired; wait for it "
                f"to end or cancel it (`brickyard runs cancel {run_id}`)"
            )
        job = self.store.get_job_by_id(run.job_id)
        if job is None or job.removed:
            raise InvalidInputError(
                f"run {run_id}'s job '{run.job_name}' is no longer defined in the jobs folder; "
                "a run of a removed job cannot be repaired"
            )
        spec = job.spec
        task_runs = self.store.task_runs(run_id)
        ours = {t.task_id for t in task_runs}
        theirs = {t.task_id for t in spec.tasks}
        if ours != theirs:
            added, removed = sorted(theirs - ours), sorted(ours - theirs)
            raise InvalidInputError(
                f"job '{job.name}' has changed its tasks since run {run_id} started (added: "
                f"{', '.join(added) or 'none'}; removed: {', '.join(removed) or 'none'}); a "
                "repair re-runs the run's own tasks: trigger a new run instead"
            )
        busy = [t.task_id for t in task_runs if not t.state.finished]
        if busy:
            raise InvalidInputError(
                f"run {run_id} is still stopping task(s) {', '.join(busy)}; retry in a moment"
            )
        if tasks:
            chosen = {spec.task(name).task_id for name in tasks}  # unknown names: an error
        else:
            chosen = {t.task_id for t in task_runs if t.state in FAILED_TASK_STATES}
            if not chosen:
                raise InvalidInputError(
                    f"run {run_id} has no failed, canceled or timed-out tasks; name the tasks "
                    "to re-run"
                )
        for name in list(chosen):
            chosen.update(spec.downstream(name))
        merged = dict(run.params)
        merged.update(checked_params(job, params or {}))
        resets = []
        for task_run in task_runs:
            if task_run.task_id in chosen:
                check_transition(task_run.state, TaskState.PENDING)
                retries = spec.task(task_run.task_id).retries
                resets.append((task_run.id, task_run.state, task_run.try_number + retries + 1))
        check_transition(run.state, RunState.RUNNING)
        now = self.clock.now_ms()
        source = job_source(spec.file)
        if not self.store.repair_run(run_id, run.state, spec, merged, resets, now, source):
            raise ConcurrentWriteError(f"run {run_id} changed while it was being repaired; retry")
        order = tuple(t.task_id for t in spec.tasks if t.task_id in chosen)
        return RunRepair(self.run(run_id), now, order)

    def output(
        self, run_id: int, task_key: str, logs_dir: Path, lines: int = LOG_TAIL_LINES
    ) -> TaskOutput:
        """The output of task ``task_key`` of run ``run_id``; logs are under ``logs_dir``."""
        run = self.run(run_id)
        for task_run in self.store.task_runs(run_id):
            if task_run.task_id == task_key:
                return _task_output(run, task_run, logs_dir, lines)
        known = ", ".join(t.task_id for t in self.store.task_runs(run_id))
        raise NotFoundError(f"run {run_id} has no task '{task_key}'; its tasks: {known}")

    def task_output(
        self, task_run_id: int, logs_dir: Path, lines: int = LOG_TAIL_LINES
    ) -> TaskOutput:
        """The output of the task run with id ``task_run_id`` (ids shown by ``task_runs``)."""
        task_run = self.store.get_task_run(task_run_id)
        if task_run is None:
            raise NotFoundError(f"task run {task_run_id} does not exist")
        return _task_output(self.run(task_run.run_id), task_run, logs_dir, lines)


def _task_output(run: RunInfo, task_run: TaskRunInfo, logs_dir: Path, lines: int) -> TaskOutput:
    value = json.loads(task_run.value_json) if task_run.value_json is not None else None
    error = task_run.error
    log_path = None
    tail, truncated = "", False
    if task_run.try_number > 0:
        log_path = (
            logs_dir / run.job_name / str(run.id) / task_run.label / f"{task_run.try_number}.log"
        )
        tail, truncated = _tail(log_path, lines)
    return TaskOutput(
        run=run,
        task_run=task_run,
        value=value,
        error=error.splitlines()[0] if error else None,
        error_trace=error if error and "\n" in error else None,
        log_tail=tail,
        log_truncated=truncated,
        log_path=log_path,
    )


def _tail(path: Path, lines: int) -> tuple[str, bool]:
    """The last ``lines`` lines of a text file and whether it has more ("" if it is missing)."""
    try:
        with path.open("rb") as file:
            size = file.seek(0, 2)
            start = max(size - _LOG_TAIL_BYTES, 0)
            file.seek(start)
            data = file.read()
    except OSError:
        return "", False
    text = data.decode("utf-8", errors="replace")
    found = text.splitlines(keepends=True)
    if start > 0 and found:
        found = found[1:]  # the first line is cut by the byte window
    return "".join(found[-lines:]), start > 0 or len(found) > lines


def job_source(file: str) -> str | None:
    """A job file's text, kept with each run (None if the file cannot be read)."""
    try:
        return Path(file).read_text()
    except OSError:
        return None


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
