"""Backfills: one run per data interval of a date range, as Airflow's ``dags backfill``."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from brickyard.domain.job_runs import NewTaskRun
from brickyard.domain.schedules import intervals_between, parse_local_datetime, parse_schedule
from brickyard.services.jobs import job_source

if TYPE_CHECKING:
    from brickyard.services.jobs import JobsService


def create_backfill_runs(
    jobs: JobsService, name: str, start: str, end: str, max_active: int | None = None
) -> list[int]:
    """Queue the runs of every interval whose logical date is in ``[start, end]``.

    Dates are ISO dates or datetimes in the job's time zone. An interval that has a run
    already (scheduled or an earlier backfill) is not run twice. ``max_active`` caps how many
    of these runs go at once (default: the job's ``max_active_runs``).
    """
    job = jobs.job(name)
    spec = job.spec
    schedule = parse_schedule(spec.schedule, spec.timezone)
    first = parse_local_datetime(start, spec.timezone, what="--start")
    last = parse_local_datetime(end, spec.timezone, what="--end")
    anchor = parse_local_datetime(spec.start_date, spec.timezone) if spec.start_date else None
    intervals = intervals_between(schedule, first, last, start_date=anchor)
    if max_active is not None:
        spec = replace(spec, max_active_runs=max_active)
    tasks = [NewTaskRun(t.task_id, max_tries=t.retries + 1) for t in spec.tasks]
    source = job_source(spec.file)
    created = []
    for interval in intervals:
        run_id = jobs.store.create_run(
            job.id,
            spec,
            "backfill",
            dict(spec.params),
            tasks,
            jobs.clock.now_ms(),
            logical_date=int(interval.start.timestamp() * 1000),
            interval_end=int(interval.end.timestamp() * 1000),
            schedule_key=interval.start.isoformat(),
            job_source=source,
        )
        if run_id is not None:
            created.append(run_id)
    return created
