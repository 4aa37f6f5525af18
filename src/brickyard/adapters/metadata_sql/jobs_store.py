"""JobStore on SQLAlchemy Core: jobs, runs, task runs and tries, one transaction per call.

State changes are compare-and-set updates (``WHERE state = <expected>``): two schedulers or
workers racing for the same task run cannot both win, and a stale update changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, and_, delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from brickyard.adapters.metadata_sql.models import (
    job_load_errors,
    job_runs,
    jobs,
    table_reads,
    task_runs,
    task_tries,
)
from brickyard.adapters.metadata_sql.transactions import Transaction, db_errors_translated
from brickyard.domain.job_runs import (
    JobInfo,
    LoadError,
    NewTaskRun,
    RunInfo,
    RunSummary,
    TableRead,
    TaskRunInfo,
    TryInfo,
    spec_from_json,
    spec_to_json,
)
from brickyard.domain.jobs import JobSpec, RunState, TaskState


@db_errors_translated
class SqlJobStore:
    """The workspace's jobs and their runs in the metadata database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- job definitions ----------------------------------------------------------------
    def save_jobs(self, specs: Sequence[JobSpec], errors: Sequence[LoadError], now: int) -> None:
        """Record what the jobs folder defines now: new and changed jobs, removed ones, errors."""
        with Transaction(self.engine) as conn:
            existing = {r.name: r for r in conn.execute(select(jobs))}
            for spec in specs:
                text = spec_to_json(spec)
                row = existing.get(spec.name)
                if row is None:
                    conn.execute(
                        insert(jobs).values(
                            name=spec.name,
                            file=spec.file,
                            spec=text,
                            paused=False,
                            removed=False,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                elif row.spec != text or row.removed or row.file != spec.file:
                    conn.execute(
                        update(jobs)
                        .where(jobs.c.id == row.id)
                        .values(file=spec.file, spec=text, removed=False, updated_at=now)
                    )
            defined = {spec.name for spec in specs}
            failing = {error.file for error in errors}
            for name, row in existing.items():
                # A file that fails to load keeps its jobs as they were: the error is shown.
                if name not in defined and not row.removed and row.file not in failing:
                    conn.execute(
                        update(jobs).where(jobs.c.id == row.id).values(removed=True, updated_at=now)
                    )
            conn.execute(delete(job_load_errors))
            for error in errors:
                conn.execute(
                    insert(job_load_errors).values(
                        file=error.file, message=error.message, updated_at=now
                    )
                )

    def list_jobs(self, include_removed: bool = False) -> list[JobInfo]:
        query = select(jobs).order_by(jobs.c.name)
        if not include_removed:
            query = query.where(jobs.c.removed.is_(False))
        with self.engine.connect() as conn:
            return [_job(r._mapping) for r in conn.execute(query)]

    def get_job(self, name: str) -> JobInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(jobs).where(jobs.c.name == name)).first()
        return _job(row._mapping) if row else None

    def get_job_by_id(self, job_id: int) -> JobInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
        return _job(row._mapping) if row else None

    def set_paused(self, name: str, paused: bool, now: int) -> bool:
        with Transaction(self.engine) as conn:
            result = conn.execute(
                update(jobs).where(jobs.c.name == name).values(paused=paused, updated_at=now)
            )
        return bool(result.rowcount)

    def load_errors(self) -> list[LoadError]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(job_load_errors).order_by(job_load_errors.c.file))
            return [LoadError(r.file, r.message) for r in rows]

    # -- runs -----------------------------------------------------------------------------
    def create_run(
        self,
        job_id: int,
        spec: JobSpec,
        run_type: str,
        params: dict[str, Any],
        tasks: Sequence[NewTaskRun],
        now: int,
        logical_date: int | None = None,
        interval_end: int | None = None,
        schedule_key: str | None = None,
        job_source: str | None = None,
    ) -> int | None:
        """A queued run and its task runs, in one transaction; None if ``schedule_key`` exists.

        ``job_source`` is the job file's text: the run's tasks run that code, whatever happens
        to the file later.
        """
        try:
            with Transaction(self.engine) as conn:
                run_id = conn.execute(
                    insert(job_runs).values(
                        job_id=job_id,
                        state=RunState.QUEUED.value,
                        run_type=run_type,
                        spec=spec_to_json(spec),
                        params=json.dumps(params, default=str),
                        logical_date=logical_date,
                        interval_end=interval_end,
                        schedule_key=schedule_key,
                        queued_at=now,
                        job_source=job_source,
                    )
                ).inserted_primary_key[0]
                if tasks:
                    conn.execute(
                        insert(task_runs),
                        [
                            {
                                "run_id": run_id,
                                "task_id": t.task_id,
                                "state": t.state.value,
                                "try_number": 0,
                                "max_tries": t.max_tries,
                            }
                            for t in tasks
                        ],
                    )
        except IntegrityError:
            if schedule_key is None:
                raise
            return None  # that logical date has its run already
        return int(run_id)

    def run_source(self, run_id: int) -> str | None:
        """The job file's text as the run started (None for runs made without it)."""
        with self.engine.connect() as conn:
            value = conn.execute(
                select(job_runs.c.job_source).where(job_runs.c.id == run_id)
            ).scalar()
        return None if value is None else str(value)

    def get_run(self, run_id: int) -> RunInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(_run_select().where(job_runs.c.id == run_id)).first()
        return _run(row._mapping) if row else None

    def list_runs(
        self,
        job_id: int | None = None,
        states: Iterable[RunState] | None = None,
        limit: int = 100,
    ) -> list[RunInfo]:
        query = _run_select().order_by(job_runs.c.id.desc()).limit(limit)
        if job_id is not None:
            query = query.where(job_runs.c.job_id == job_id)
        if states is not None:
            query = query.where(job_runs.c.state.in_([s.value for s in states]))
        with self.engine.connect() as conn:
            return [_run(r._mapping) for r in conn.execute(query)]

    def list_runs_page(
        self,
        job_id: int | None = None,
        states: Iterable[RunState] | None = None,
        offset: int = 0,
        limit: int = 25,
    ) -> list[RunInfo]:
        """Runs newest first, ``limit`` of them after skipping ``offset`` (a page of a listing)."""
        query = _run_select().order_by(job_runs.c.id.desc()).offset(offset).limit(limit)
        if job_id is not None:
            query = query.where(job_runs.c.job_id == job_id)
        if states is not None:
            query = query.where(job_runs.c.state.in_([s.value for s in states]))
        with self.engine.connect() as conn:
            return [_run(r._mapping) for r in conn.execute(query)]

    def repair_run(
        self,
        run_id: int,
        expected: RunState,
        spec: JobSpec,
        params: dict[str, Any],
        resets: Sequence[tuple[int, TaskState, int]],
        now: int,
        job_source: str | None = None,
    ) -> bool:
        """Start a finished run again, in one transaction: the run goes from ``expected`` to
        running with ``spec``, ``params`` (and the job file's text ``job_source``); each ``(task_run_id, expected_state, max_tries)``
        of ``resets`` goes back to pending with its outcome cleared (its tries stay, so try
        numbers continue). False, and nothing changed, if any of them was not as expected."""
        try:
            with Transaction(self.engine) as conn:
                started = conn.execute(
                    update(job_runs)
                    .where(job_runs.c.id == run_id, job_runs.c.state == expected.value)
                    .values(
                        state=RunState.RUNNING.value,
                        spec=spec_to_json(spec),
                        params=json.dumps(params, default=str),
                        end_time=None,
                        notified_at=None,  # the repaired run's end is reported again
                        job_source=job_source,
                    )
                )
                if not started.rowcount:
                    raise _StaleRepairError
                for task_run_id, state, max_tries in resets:
                    reset = conn.execute(
                        update(task_runs)
                        .where(
                            task_runs.c.id == task_run_id,
                            task_runs.c.run_id == run_id,
                            task_runs.c.state == state.value,
                        )
                        .values(
                            state=TaskState.PENDING.value,
                            max_tries=max_tries,
                            next_try_at=None,
                            start_time=None,
                            end_time=None,
                            worker=None,
                            heartbeat_at=None,
                            value=None,
                            task_values=None,
                            error=None,
                        )
                    )
                    if not reset.rowcount:
                        raise _StaleRepairError
        except _StaleRepairError:
            return False  # the transaction rolled back
        return True

    def last_logical_date(self, job_id: int) -> int | None:
        """The newest logical date of the job's scheduled runs (None before the first)."""
        with self.engine.connect() as conn:
            value = conn.execute(
                select(job_runs.c.logical_date)
                .where(job_runs.c.job_id == job_id, job_runs.c.run_type == "scheduled")
                .order_by(job_runs.c.logical_date.desc())
                .limit(1)
            ).scalar()
        return None if value is None else int(value)

    def set_run_state(self, run_id: int, expected: RunState, new: RunState, now: int) -> bool:
        """Compare-and-set a run's state; start/end times follow the state."""
        values: dict[str, Any] = {"state": new.value}
        if new == RunState.RUNNING:
            values["start_time"] = now
            values["end_time"] = None
        elif new.finished:
            values["end_time"] = now
        with Transaction(self.engine) as conn:
            result = conn.execute(
                update(job_runs)
                .where(job_runs.c.id == run_id, job_runs.c.state == expected.value)
                .values(**values)
            )
        return bool(result.rowcount)

    def unnotified_runs(self, limit: int = 100) -> list[RunInfo]:
        """Finished runs whose end was not reported yet (oldest first)."""
        finished = [s.value for s in RunState if s.finished]
        query = (
            _run_select()
            .where(job_runs.c.state.in_(finished), job_runs.c.notified_at.is_(None))
            .order_by(job_runs.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_run(r._mapping) for r in conn.execute(query)]

    def claim_notification(self, run_id: int, now: int) -> bool:
        """Mark the run's end as reported; False if someone did already (report at most once)."""
        with Transaction(self.engine) as conn:
            result = conn.execute(
                update(job_runs)
                .where(job_runs.c.id == run_id, job_runs.c.notified_at.is_(None))
                .values(notified_at=now)
            )
        return bool(result.rowcount)

    # -- task runs ------------------------------------------------------------------------
    def get_task_run(self, task_run_id: int) -> TaskRunInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(task_runs).where(task_runs.c.id == task_run_id)).first()
        return _task_run(row._mapping) if row else None

    def task_runs(self, run_id: int) -> list[TaskRunInfo]:
        with self.engine.connect() as conn:
            return _task_runs_where(conn, task_runs.c.run_id == run_id)

    def run_summaries(self, job_id: int, limit: int) -> list[RunSummary]:
        """The job's latest ``limit`` runs, newest first: states and times, no specs."""
        query = (
            select(
                job_runs.c.id,
                job_runs.c.state,
                job_runs.c.queued_at,
                job_runs.c.start_time,
                job_runs.c.end_time,
            )
            .where(job_runs.c.job_id == job_id)
            .order_by(job_runs.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [
                RunSummary(int(r.id), RunState(r.state), int(r.queued_at), r.start_time, r.end_time)
                for r in conn.execute(query)
            ]

    def task_states(self, run_ids: Sequence[int]) -> dict[int, dict[str, TaskState]]:
        """Each run's task states by task key (an expanded task: its last item)."""
        found: dict[int, dict[str, TaskState]] = {run_id: {} for run_id in run_ids}
        if not found:
            return found
        query = (
            select(task_runs.c.run_id, task_runs.c.task_id, task_runs.c.state)
            .where(task_runs.c.run_id.in_(list(found)))
            .order_by(task_runs.c.id, task_runs.c.map_index)
        )
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                found[int(row.run_id)][row.task_id] = TaskState(row.state)
        return found

    def task_runs_of(self, run_ids: Sequence[int]) -> dict[int, list[TaskRunInfo]]:
        found: dict[int, list[TaskRunInfo]] = {run_id: [] for run_id in run_ids}
        if not found:
            return found
        with self.engine.connect() as conn:
            for task_run in _task_runs_where(conn, task_runs.c.run_id.in_(list(found))):
                found[task_run.run_id].append(task_run)
        return found

    def task_runs_in_state(self, states: Iterable[TaskState]) -> list[TaskRunInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(task_runs)
                .where(task_runs.c.state.in_([s.value for s in states]))
                .order_by(task_runs.c.id)
            )
            return [_task_run(r._mapping) for r in rows]

    def set_task_state(
        self,
        task_run_id: int,
        expected: TaskState,
        new: TaskState,
        **values: Any,
    ) -> bool:
        """Compare-and-set a task run's state, with other columns (times, value, error...)."""
        with Transaction(self.engine) as conn:
            result = conn.execute(
                update(task_runs)
                .where(task_runs.c.id == task_run_id, task_runs.c.state == expected.value)
                .values(state=new.value, **values)
            )
        return bool(result.rowcount)

    def start_try(self, task_run_id: int, worker: str, now: int) -> TaskRunInfo | None:
        """Claim a queued task run for ``worker``: running, next try number, its try row."""
        with Transaction(self.engine) as conn:
            row = conn.execute(
                select(task_runs.c.try_number).where(
                    task_runs.c.id == task_run_id, task_runs.c.state == TaskState.QUEUED.value
                )
            ).first()
            if row is None:
                return None  # someone else took it, or it was canceled
            number = int(row.try_number) + 1
            claimed = conn.execute(
                update(task_runs)
                .where(task_runs.c.id == task_run_id, task_runs.c.state == TaskState.QUEUED.value)
                .values(
                    state=TaskState.RUNNING.value,
                    try_number=number,
                    start_time=now,
                    end_time=None,
                    worker=worker,
                    heartbeat_at=now,
                    error=None,
                )
            )
            if not claimed.rowcount:
                return None
            conn.execute(
                insert(task_tries).values(
                    task_run_id=task_run_id,
                    try_number=number,
                    state=TaskState.RUNNING.value,
                    start_time=now,
                    worker=worker,
                )
            )
            fresh = conn.execute(select(task_runs).where(task_runs.c.id == task_run_id)).first()
        return _task_run(fresh._mapping) if fresh else None

    def finish_try(
        self,
        task_run_id: int,
        try_number: int,
        new: TaskState,
        now: int,
        value_json: str | None = None,
        error: str | None = None,
        next_try_at: int | None = None,
        extra_try: bool = False,
        mlflow_run_ids: Sequence[str] = (),
        task_values_json: str | None = None,
        tables_read: Mapping[str, int] | None = None,
    ) -> bool:
        """End a running try: the task run's new state and the try's record, together.

        ``extra_try`` adds one allowed try: a sensor's poke does not use up its retries.
        ``mlflow_run_ids`` links the MLflow runs the try created; ``tables_read`` (catalog
        table -> version) are the tables it read, for their lineage.
        """
        with Transaction(self.engine) as conn:
            result = conn.execute(
                update(task_runs)
                .where(
                    task_runs.c.id == task_run_id,
                    task_runs.c.state == TaskState.RUNNING.value,
                    task_runs.c.try_number == try_number,
                )
                .values(
                    state=new.value,
                    end_time=now,
                    value=value_json,
                    task_values=task_values_json,
                    error=error,
                    next_try_at=next_try_at,
                    max_tries=task_runs.c.max_tries + (1 if extra_try else 0),
                )
            )
            if not result.rowcount:
                return False
            conn.execute(
                update(task_tries)
                .where(
                    task_tries.c.task_run_id == task_run_id,
                    task_tries.c.try_number == try_number,
                )
                .values(
                    state=new.value,
                    end_time=now,
                    error=error,
                    mlflow_run_ids=json.dumps(list(mlflow_run_ids)) if mlflow_run_ids else None,
                )
            )
            if tables_read:
                conn.execute(
                    insert(table_reads),
                    [
                        {
                            "task_run_id": task_run_id,
                            "try_number": try_number,
                            "table_name": name,
                            "version": version,
                            "read_at": now,
                        }
                        for name, version in sorted(tables_read.items())
                    ],
                )
        return True

    def table_readers(self, table_name: str, limit: int = 200) -> list[TableRead]:
        """The job task tries that read ``table_name``, newest first."""
        query = (
            select(
                jobs.c.name.label("job"),
                task_runs.c.run_id,
                task_runs.c.task_id,
                table_reads.c.try_number,
                table_reads.c.version,
                table_reads.c.read_at,
            )
            .select_from(
                table_reads.join(task_runs, task_runs.c.id == table_reads.c.task_run_id)
                .join(job_runs, job_runs.c.id == task_runs.c.run_id)
                .join(jobs, jobs.c.id == job_runs.c.job_id)
            )
            .where(table_reads.c.table_name == table_name)
            .order_by(table_reads.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [
                TableRead(
                    r.job,
                    int(r.run_id),
                    r.task_id,
                    int(r.try_number),
                    int(r.version),
                    int(r.read_at),
                )
                for r in conn.execute(query)
            ]

    def expand_task_run(self, task_run_id: int, items: int, max_tries: int) -> bool:
        """Replace a pending expanded task by its ``items`` queued item task runs, at once."""
        with Transaction(self.engine) as conn:
            row = conn.execute(
                select(task_runs.c.run_id, task_runs.c.task_id).where(
                    task_runs.c.id == task_run_id,
                    task_runs.c.state == TaskState.PENDING.value,
                    task_runs.c.map_index == -1,
                )
            ).first()
            if row is None:
                return False  # decided already (another scheduler, or canceled)
            conn.execute(delete(task_runs).where(task_runs.c.id == task_run_id))
            conn.execute(
                insert(task_runs),
                [
                    {
                        "run_id": row.run_id,
                        "task_id": row.task_id,
                        "map_index": index,
                        "state": TaskState.QUEUED.value,
                        "try_number": 0,
                        "max_tries": max_tries,
                    }
                    for index in range(items)
                ],
            )
        return True

    def first_try_start(self, task_run_id: int) -> int | None:
        """When the task run's first try started (a sensor's timeout counts from there)."""
        with self.engine.connect() as conn:
            value = conn.execute(
                select(task_tries.c.start_time)
                .where(task_tries.c.task_run_id == task_run_id)
                .order_by(task_tries.c.try_number)
                .limit(1)
            ).scalar()
        return None if value is None else int(value)

    def heartbeat(self, task_run_ids: Sequence[int], now: int) -> None:
        if not task_run_ids:
            return
        with Transaction(self.engine) as conn:
            conn.execute(
                update(task_runs)
                .where(
                    and_(
                        task_runs.c.id.in_(list(task_run_ids)),
                        task_runs.c.state == TaskState.RUNNING.value,
                    )
                )
                .values(heartbeat_at=now)
            )

    def tries(self, run_id: int) -> list[TryInfo]:
        with self.engine.connect() as conn:
            return _tries(conn, run_id)

    def run_detail(self, run_id: int) -> tuple[RunInfo, list[TaskRunInfo], list[TryInfo]] | None:
        """A run with its task runs and their tries, read on one connection (runs/get)."""
        with self.engine.connect() as conn:
            row = conn.execute(_run_select().where(job_runs.c.id == run_id)).first()
            if row is None:
                return None
            found = _task_runs_where(conn, task_runs.c.run_id == run_id)
            return _run(row._mapping), found, _tries(conn, run_id)


def _task_runs_where(conn: Any, condition: Any) -> list[TaskRunInfo]:
    """Task runs matching ``condition``, in the order their runs made them."""
    rows = conn.execute(
        select(task_runs).where(condition).order_by(task_runs.c.id, task_runs.c.map_index)
    )
    return [_task_run(r._mapping) for r in rows]


def _tries(conn: Any, run_id: int) -> list[TryInfo]:
    query = (
        select(task_tries, task_runs.c.task_id)
        .join(task_runs, task_runs.c.id == task_tries.c.task_run_id)
        .where(task_runs.c.run_id == run_id)
        .order_by(task_runs.c.id, task_tries.c.try_number)
    )
    return [
        TryInfo(
            task_run_id=r.task_run_id,
            task_id=r.task_id,
            try_number=r.try_number,
            state=TaskState(r.state),
            start_time=r.start_time,
            end_time=r.end_time,
            error=r.error,
            worker=r.worker,
            mlflow_run_ids=tuple(json.loads(r.mlflow_run_ids or "[]")),
        )
        for r in conn.execute(query)
    ]


class _StaleRepairError(Exception):
    """Raised inside a repair's transaction to roll it back (a compare-and-set missed)."""


@lru_cache(maxsize=1)
def _run_select() -> Any:
    """Runs with their job's name (built once: statements are immutable, each ``where``
    makes a new one). The job file's text stays out: only a worker starting a try needs it."""
    columns = [c for c in job_runs.c if c.name != "job_source"]
    return select(*columns, jobs.c.name.label("job_name")).join(
        jobs, jobs.c.id == job_runs.c.job_id
    )


def _job(row: RowMapping) -> JobInfo:
    return JobInfo(
        id=int(row["id"]),
        name=row["name"],
        file=row["file"],
        spec=spec_from_json(row["spec"]),
        paused=bool(row["paused"]),
        removed=bool(row["removed"]),
        created_at=int(row["created_at"]),
        updated_at=int(row["updated_at"]),
    )


def _run(row: RowMapping) -> RunInfo:
    return RunInfo(
        id=int(row["id"]),
        job_id=int(row["job_id"]),
        job_name=row["job_name"],
        state=RunState(row["state"]),
        run_type=row["run_type"],
        spec=spec_from_json(row["spec"]),
        params=json.loads(row["params"]),
        queued_at=int(row["queued_at"]),
        logical_date=row["logical_date"],
        interval_end=row["interval_end"],
        start_time=row["start_time"],
        end_time=row["end_time"],
    )


def _task_run(row: RowMapping) -> TaskRunInfo:
    return TaskRunInfo(
        id=int(row["id"]),
        run_id=int(row["run_id"]),
        task_id=row["task_id"],
        state=TaskState(row["state"]),
        try_number=int(row["try_number"]),
        max_tries=int(row["max_tries"]),
        next_try_at=row["next_try_at"],
        start_time=row["start_time"],
        end_time=row["end_time"],
        worker=row["worker"],
        heartbeat_at=row["heartbeat_at"],
        value_json=row["value"],
        task_values_json=row["task_values"],
        error=row["error"],
        map_index=int(row["map_index"]),
    )
