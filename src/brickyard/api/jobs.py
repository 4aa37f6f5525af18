"""Databricks Jobs API 2.2 shapes over Brickyard's jobs: list/get jobs, run-now, runs.

Endpoints (under ``/api/2.2/jobs``): ``GET list``, ``GET get``, ``POST run-now``,
``GET runs/get``, ``GET runs/list``, ``POST runs/cancel``, ``POST runs/repair``,
``GET runs/get-output``, ``POST update`` (pause_status only). For the web UI: ``GET overview``
(next run, latest runs per job), ``GET grid`` (runs x tasks states) and ``GET runs/get-log``
(a task log from a byte offset, for live tail). Job ids are the jobs table's stable ids; a run's ``run_id`` is the
run's id (``number_in_job`` is the same, as Databricks documents).

States, ours -> Databricks ``state`` (``life_cycle_state`` / ``result_state``)::

    run   queued           QUEUED          (state_message: paused job or max_concurrent_runs)
          running          RUNNING
          success          TERMINATED / SUCCESS
          failed           TERMINATED / FAILED
          canceled         TERMINATED / CANCELED      user_cancelled_or_timedout: true
          timed_out        TERMINATED / TIMEDOUT      user_cancelled_or_timedout: true
    task  pending          PENDING         (waiting for its upstream tasks)
          queued           QUEUED          (ready; waiting for a worker slot)
          running          RUNNING
          up_for_retry     PENDING         (state_message: which try failed, which comes next)
          up_for_reschedule RUNNING        (a sensor between two pokes)
          success          TERMINATED / SUCCESS
          failed           TERMINATED / FAILED
          timed_out        TERMINATED / TIMEDOUT
          canceled         TERMINATED / CANCELED
          upstream_failed  TERMINATED / UPSTREAM_FAILED
          skipped          SKIPPED / EXCLUDED  (a branch or trigger rule left it out)

Only the issue's life cycle states are used (no BLOCKED, WAITING_FOR_RETRY or TERMINATING),
so clients that know the classic set parse every answer; INTERNAL_ERROR never occurs (a
broken try fails its task). ``attempt_number`` is 0-based as in Databricks: try 1 is
attempt 0; a task waiting to retry shows its coming attempt. Times are epoch ms; an
``end_time`` of 0 means not ended.

Task runs have their own ids: ``tasks[].run_id`` is ``TASK_RUN_ID_BASE`` + the task run's
id, so a task run id can never be mistaken for a job run's. ``runs/get-output`` takes such a
task run id, or a job run's id with ``task_key`` (or alone when the run has one task).

Repair re-runs the failed, upstream-failed, canceled and timed-out tasks (or
``rerun_tasks``) *and everything downstream of them* (``rerun_dependent_tasks`` is always
on), with the job's current definition as Databricks does: fix the job file, and the repair
runs the fixed code. ``repair_id`` is the repair's time in epoch ms; ``latest_repair_id`` is
accepted and not checked (repairs have no history table yet). Canceling a finished run does
nothing and succeeds, as in Databricks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from brickyard.api.responses import json_response
from brickyard.api.security import inside_folder
from brickyard.domain.errors import InvalidInputError, NotFoundError
from brickyard.domain.job_runs import JobInfo, RunInfo, RunSummary, TaskRunInfo, TryInfo
from brickyard.domain.jobs import JobSpec, RunState, TaskSpec, TaskState, TriggerRule
from brickyard.domain.schedules import PRESETS, parse_cron
from brickyard.services.jobs import JobsService, TaskOutput

router = APIRouter(prefix="/api/2.2/jobs", tags=["jobs"])

TASK_RUN_ID_BASE = 10**12
DEFAULT_JOBS_PAGE, MAX_JOBS_PAGE = 20, 100
DEFAULT_RUNS_PAGE, MAX_RUNS_PAGE = 25, 1000
LOG_CHUNK_BYTES = 256 * 1024

_RUN_STATES: dict[RunState, tuple[str, str | None]] = {
    RunState.QUEUED: ("QUEUED", None),
    RunState.RUNNING: ("RUNNING", None),
    RunState.SUCCESS: ("TERMINATED", "SUCCESS"),
    RunState.FAILED: ("TERMINATED", "FAILED"),
    RunState.CANCELED: ("TERMINATED", "CANCELED"),
    RunState.TIMED_OUT: ("TERMINATED", "TIMEDOUT"),
}
_TASK_STATES: dict[TaskState, tuple[str, str | None]] = {
    TaskState.PENDING: ("PENDING", None),
    TaskState.QUEUED: ("QUEUED", None),
    TaskState.RUNNING: ("RUNNING", None),
    TaskState.UP_FOR_RETRY: ("PENDING", None),
    TaskState.UP_FOR_RESCHEDULE: ("RUNNING", None),
    TaskState.SUCCESS: ("TERMINATED", "SUCCESS"),
    TaskState.FAILED: ("TERMINATED", "FAILED"),
    TaskState.TIMED_OUT: ("TERMINATED", "TIMEDOUT"),
    TaskState.CANCELED: ("TERMINATED", "CANCELED"),
    TaskState.UPSTREAM_FAILED: ("TERMINATED", "UPSTREAM_FAILED"),
    TaskState.SKIPPED: ("SKIPPED", "EXCLUDED"),
}
# Databricks' NONE_FAILED is "none failed and at least one ran": Airflow's
# none_failed_min_one_success; Airflow's none_failed (which also runs when all were
# skipped) has no exact match and is shown as the closest, NONE_FAILED.
_RUN_IF = {
    TriggerRule.ALL_SUCCESS: "ALL_SUCCESS",
    TriggerRule.ALL_DONE: "ALL_DONE",
    TriggerRule.ALL_FAILED: "ALL_FAILED",
    TriggerRule.ONE_SUCCESS: "AT_LEAST_ONE_SUCCESS",
    TriggerRule.ONE_FAILED: "AT_LEAST_ONE_FAILED",
    TriggerRule.NONE_FAILED: "NONE_FAILED",
    TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS: "NONE_FAILED",
}
_TRIGGERS = {"manual": "ONE_TIME", "scheduled": "PERIODIC", "backfill": "PERIODIC"}

PageToken = Annotated[str | None, Query(description="next_page_token of the previous page.")]


class RunNowIn(BaseModel):
    job_id: int
    job_parameters: dict[str, Any] | None = None
    idempotency_token: str | None = None  # accepted; every call starts a run


class UpdateJobIn(BaseModel):
    job_id: int
    new_settings: dict[str, Any] | None = None
    fields_to_remove: list[str] | None = None


class CancelRunIn(BaseModel):
    run_id: int


class RepairRunIn(BaseModel):
    run_id: int
    rerun_tasks: list[str] | None = None
    rerun_all_failed_tasks: bool = False
    rerun_dependent_tasks: bool | None = None  # always on: downstream tasks re-run too
    latest_repair_id: int | None = None
    job_parameters: dict[str, Any] | None = None


# -- jobs ------------------------------------------------------------------------------------
@router.get("/list")
def list_jobs(
    request: Request,
    limit: int = DEFAULT_JOBS_PAGE,
    offset: int = 0,
    page_token: PageToken = None,
    name: str | None = None,
    expand_tasks: bool = False,  # tasks are always included
) -> Response:
    """The jobs by name, a page at a time, and the job files that failed to load."""
    service = _service(request)
    start, size = _page(offset, page_token, limit, MAX_JOBS_PAGE)
    jobs = service.list_jobs()
    if name is not None:
        jobs = [j for j in jobs if j.name.lower() == name.lower()]
    page = jobs[start : start + size]
    body: dict[str, Any] = {
        "jobs": [_job(j) for j in page],
        "has_more": start + size < len(jobs),
        "load_errors": [{"file": e.file, "message": e.message} for e in service.load_errors()],
    }
    if body["has_more"]:
        body["next_page_token"] = str(start + size)
    return json_response(body)


@router.get("/get")
def get_job(request: Request, job_id: int) -> Response:
    return json_response(_job(_service(request).job_by_id(job_id)))


@router.post("/run-now")
def run_now(request: Request, body: RunNowIn) -> dict[str, Any]:
    """Queue a run of the job; the server's job runner (if it has one) starts it at once."""
    service = _service(request)
    job = service.job_by_id(body.job_id)
    run_id = service.trigger(job.name, body.job_parameters or {})
    assert run_id is not None  # only scheduled runs (a schedule key) can be refused
    _wake(request)
    return {"run_id": run_id, "number_in_job": run_id}


@router.post("/update")
def update_job(request: Request, body: UpdateJobIn) -> dict[str, Any]:
    """Pause or unpause a job: the one setting changed here (the rest lives in its file)."""
    settings = dict(body.new_settings or {})
    schedule = settings.pop("schedule", None) or {}
    pause = schedule.get("pause_status") if isinstance(schedule, dict) else None
    others = sorted(settings) + [f"schedule.{k}" for k in schedule if k != "pause_status"]
    if others or body.fields_to_remove or pause not in ("PAUSED", "UNPAUSED"):
        raise InvalidInputError(
            "only new_settings.schedule.pause_status (PAUSED or UNPAUSED) can be updated: the "
            "other settings come from the job's file"
        )
    service = _service(request)
    service.set_paused(service.job_by_id(body.job_id).name, pause == "PAUSED")
    _wake(request)  # a run queued behind the pause may start now
    return {}


@router.get("/overview")
def jobs_overview(request: Request, runs: int = 10, job_id: int | None = None) -> Response:
    """For the jobs pages: each job's (or one job's) paused state, next run time (epoch ms,
    null if none) and its latest ``runs`` runs (newest first) with their states."""
    if not 1 <= runs <= 50:
        raise InvalidInputError(f"runs must be between 1 and 50, not {runs}")
    service = _service(request)
    listed = [service.job_by_id(job_id)] if job_id is not None else service.list_jobs()
    jobs = []
    for job in listed:
        jobs.append(
            {
                "job_id": job.id,
                "paused": job.paused,
                "next_run_time": service.next_run_time(job.name),
                "recent_runs": [
                    {"run_id": r.id, "state": r.state.value, "start_time": _started(r)}
                    for r in service.run_summaries(job.id, runs)
                ],
            }
        )
    return json_response({"jobs": jobs})


@router.get("/grid")
def runs_grid(request: Request, job_id: int, limit: int = 25) -> Response:
    """Airflow's grid in one answer: the job's latest ``limit`` runs oldest first, each with
    its tasks' states by task key (our state names: success, failed, running, ...)."""
    if not 1 <= limit <= 100:
        raise InvalidInputError(f"limit must be between 1 and 100, not {limit}")
    service = _service(request)
    job = service.job_by_id(job_id)
    latest = service.run_summaries(job_id, limit)[::-1]
    states = service.task_states([r.id for r in latest])
    body = {
        "task_keys": [t.task_id for t in job.spec.tasks],
        "runs": [
            {
                "run_id": run.id,
                "state": run.state.value,
                "start_time": _started(run),
                "end_time": run.end_time or 0,
                "tasks": {key: state.value for key, state in states[run.id].items()},
            }
            for run in latest
        ],
    }
    return json_response(body)


def _started(run: RunSummary) -> int:
    return run.start_time if run.start_time is not None else run.queued_at


# -- runs ------------------------------------------------------------------------------------
# runs/get and runs/list are the API's most frequent calls (clients poll them): a bounded
# read of a few indexed rows, answered on the event loop. Handing such a read to a worker
# thread cost more than the read, and under load the threads fought over the interpreter
# lock (benchmarks/api_load.py). Unbounded or slow routes stay in threads.
@router.get("/runs/get")
async def get_run(
    request: Request,
    run_id: int,
    include_history: bool = False,  # accepted; repairs have no history yet
    include_resolved_values: bool = False,
) -> Response:
    service = _service(request)
    if run_id >= TASK_RUN_ID_BASE:
        raise InvalidInputError(
            f"{run_id} is a task run's id (runs/get's tasks[].run_id): runs/get takes a job "
            "run's id; runs/get-output takes a task run's"
        )
    run, task_runs, tries = service.run_detail(run_id)
    return json_response(_run(service, run, task_runs, tries=tries))


@router.get("/runs/list")
async def list_runs(
    request: Request,
    job_id: int | None = None,
    active_only: bool = False,
    completed_only: bool = False,
    limit: int = DEFAULT_RUNS_PAGE,
    offset: int = 0,
    page_token: PageToken = None,
    expand_tasks: bool = False,
) -> Response:
    """Runs newest first, optionally of one job, only active or only completed ones."""
    if active_only and completed_only:
        raise InvalidInputError("active_only and completed_only cannot both be true")
    service = _service(request)
    start, size = _page(offset, page_token, limit, MAX_RUNS_PAGE)
    states: list[RunState] | None = None
    if active_only:
        states = [s for s in RunState if not s.finished]
    elif completed_only:
        states = [s for s in RunState if s.finished]
    runs, has_more = service.runs_page(job_id, states, start, size)
    # Task runs in one query: all of them with expand_tasks, else those a message names.
    wanted = [r.id for r in runs if expand_tasks or r.state in _STATES_NAMING_TASKS]
    task_runs = service.task_runs_of(wanted)
    body: dict[str, Any] = {
        "runs": [
            _run(service, run, task_runs.get(run.id), expand_tasks=expand_tasks) for run in runs
        ],
        "has_more": has_more,
    }
    if has_more:
        body["next_page_token"] = str(start + size)
    return json_response(body)


@router.post("/runs/cancel")
def cancel_run(request: Request, body: CancelRunIn) -> dict[str, Any]:
    """Cancel a queued or running run; a finished run stays as it is."""
    service = _service(request)
    if not service.run(body.run_id).state.finished:
        service.cancel(body.run_id)
        _wake(request)  # the executor kills the run's running tries on its next round
    return {}


@router.post("/runs/repair")
def repair_run(request: Request, body: RepairRunIn) -> dict[str, Any]:
    """Re-run the failed (or the named) tasks of a finished run and their downstream tasks."""
    if body.rerun_tasks and body.rerun_all_failed_tasks:
        raise InvalidInputError("use only one of rerun_tasks and rerun_all_failed_tasks")
    if body.rerun_tasks is not None and not body.rerun_tasks and not body.rerun_all_failed_tasks:
        raise InvalidInputError("rerun_tasks is empty; name tasks or set rerun_all_failed_tasks")
    repair = _service(request).repair(body.run_id, body.rerun_tasks, body.job_parameters)
    _wake(request)
    return {"repair_id": repair.repair_id}


@router.get("/runs/get-output")
def get_run_output(request: Request, run_id: int, task_key: str | None = None) -> dict[str, Any]:
    """A task run's value, error and log tail: by task run id, or by run id and task_key."""
    service = _service(request)
    return _output(service, _task_output(request, run_id, task_key))


@router.get("/runs/get-log")
def get_run_log(request: Request, run_id: int, offset: int = 0) -> dict[str, Any]:
    """A task run's latest log from byte ``offset`` (at most 256 KiB): ``text``, the
    ``next_offset`` to ask for next, and ``complete`` once the task run ended and all of its
    log was read. For tailing a running task's log."""
    if offset < 0:
        raise InvalidInputError(f"offset must be 0 or more, not {offset}")
    if run_id < TASK_RUN_ID_BASE:
        raise InvalidInputError(
            f"{run_id} is a job run's id: runs/get-log takes a task's run_id (runs/get's "
            "tasks[].run_id)"
        )
    output = _task_output(request, run_id, None)
    data, size = b"", 0
    if output.log_path is not None:
        path = inside_folder(_logs_dir(request), output.log_path)
        try:
            with path.open("rb") as file:
                size = file.seek(0, 2)
                file.seek(min(offset, size))
                data = file.read(LOG_CHUNK_BYTES)
        except FileNotFoundError:
            pass  # no log yet: the try has not written one
    start = min(offset, size)
    # Cut at the last newline so a multi-byte character or a line is never split (unless
    # one line is larger than the chunk).
    if len(data) == LOG_CHUNK_BYTES and b"\n" in data:
        data = data[: data.rindex(b"\n") + 1]
    next_offset = start + len(data)
    complete = output.task_run.state.finished and next_offset >= size
    return {
        "text": data.decode("utf-8", errors="replace"),
        "next_offset": next_offset,
        "complete": complete,
    }


def _task_output(request: Request, run_id: int, task_key: str | None) -> TaskOutput:
    """The output of the task run chosen by ``run_id`` (and ``task_key``), once its log
    folder is known to be inside the logs folder: nothing outside it is ever read."""
    service = _service(request)
    logs_dir = _logs_dir(request)
    if run_id >= TASK_RUN_ID_BASE:
        if task_key is not None:
            raise InvalidInputError(
                f"{run_id} is a task run's id; pass task_key only with a job run's id"
            )
        task_run = service.store.get_task_run(run_id - TASK_RUN_ID_BASE)
        if task_run is None:
            raise NotFoundError(f"task run {run_id - TASK_RUN_ID_BASE} does not exist")
    else:
        task_runs = service.task_runs(run_id)
        chosen = [t for t in task_runs if task_key is None or t.task_id == task_key]
        if task_key is not None and not chosen:
            known = ", ".join(t.task_id for t in task_runs)
            raise NotFoundError(f"run {run_id} has no task '{task_key}'; its tasks: {known}")
        if task_key is None and len(task_runs) != 1:
            keys = ", ".join(t.task_id for t in task_runs)
            raise InvalidInputError(
                f"run {run_id} has {len(task_runs)} tasks ({keys}): pass task_key, or a task's "
                "run_id from runs/get's tasks[]"
            )
        task_run = chosen[0]
    run = service.run(task_run.run_id)
    inside_folder(logs_dir, logs_dir / run.job_name / str(run.id) / task_run.label)
    return service.task_output(task_run.id, logs_dir)


# -- shapes ----------------------------------------------------------------------------------
def _job(job: JobInfo) -> dict[str, Any]:
    spec = job.spec
    settings: dict[str, Any] = {
        "name": job.name,
        "description": spec.description,
        "tags": dict.fromkeys(spec.tags, ""),
        "max_concurrent_runs": spec.max_active_runs,
        "format": "MULTI_TASK",
        "tasks": [_task_settings(t) for t in spec.tasks],
        "parameters": [{"name": k, "default": _text(v)} for k, v in spec.params.items()],
    }
    if spec.schedule:
        settings["schedule"] = {
            "quartz_cron_expression": quartz_cron(spec.schedule) or spec.schedule,
            "timezone_id": spec.timezone,
            "pause_status": "PAUSED" if job.paused else "UNPAUSED",
        }
    return {"job_id": job.id, "created_time": job.created_at, "settings": settings}


def _task_settings(task: TaskSpec) -> dict[str, Any]:
    return {
        "task_key": task.task_id,
        "depends_on": [{"task_key": u} for u in task.upstream],
        "run_if": _RUN_IF[task.trigger_rule],
        "max_retries": task.retries,
        "min_retry_interval_millis": int(task.retry_delay_s * 1000),
        "timeout_seconds": int(task.timeout_s or 0),
    }


def _run(
    service: JobsService,
    run: RunInfo,
    task_runs: list[TaskRunInfo] | None,
    expand_tasks: bool = True,
    tries: list[TryInfo] | None = None,
) -> dict[str, Any]:
    """A run in the Jobs API's shape; with ``task_runs`` its tasks too, unless not
    ``expand_tasks`` (they then only name the failed tasks in the state message)."""
    life, result = _RUN_STATES[run.state]
    state: dict[str, Any] = {
        "life_cycle_state": life,
        "state_message": _run_message(service, run, task_runs),
        "user_cancelled_or_timedout": run.state in (RunState.CANCELED, RunState.TIMED_OUT),
    }
    if result is not None:
        state["result_state"] = result
    start = run.start_time if run.start_time is not None else run.queued_at
    body: dict[str, Any] = {
        "job_id": run.job_id,
        "run_id": run.id,
        "number_in_job": run.id,
        "original_attempt_run_id": run.id,
        "run_name": run.job_name,
        "run_type": "JOB_RUN",
        "trigger": _TRIGGERS.get(run.run_type, "ONE_TIME"),
        "format": "MULTI_TASK",
        "state": state,
        "start_time": start,
        "end_time": run.end_time or 0,
        "run_duration": (run.end_time - start) if run.end_time else 0,
        "setup_duration": 0,
        "execution_duration": 0,
        "cleanup_duration": 0,
        "job_parameters": [
            {"name": k, "default": _text(run.spec.params.get(k)), "value": _text(v)}
            for k, v in run.params.items()
        ],
    }
    if task_runs is not None and expand_tasks:
        body["tasks"] = [_task_run(run.spec, t) for t in task_runs]
        found = tries if tries is not None else service.tries(run.id)
        _link_mlflow_runs(body["tasks"], task_runs, found)
    return body


def _link_mlflow_runs(
    tasks: list[dict[str, Any]], task_runs: list[TaskRunInfo], tries: list[TryInfo]
) -> None:
    """Each task's MLflow runs (of all its tries, oldest first), with their UI links."""
    by_task_run: dict[int, list[str]] = {}
    for attempt in tries:
        by_task_run.setdefault(attempt.task_run_id, []).extend(attempt.mlflow_run_ids)
    for task, task_run in zip(tasks, task_runs, strict=True):
        ids = by_task_run.get(task_run.id, [])
        if ids:
            task["mlflow_runs"] = [
                {"run_id": run_id, "url": f"/mlflow/#/runs/{run_id}"} for run_id in ids
            ]


def _task_run(spec: JobSpec, task_run: TaskRunInfo) -> dict[str, Any]:
    life, result = _TASK_STATES[task_run.state]
    state: dict[str, Any] = {
        "life_cycle_state": life,
        "state_message": _task_message(task_run),
        "user_cancelled_or_timedout": task_run.state in (TaskState.CANCELED, TaskState.TIMED_OUT),
    }
    if result is not None:
        state["result_state"] = result
    upstream = next((t.upstream for t in spec.tasks if t.task_id == task_run.task_id), ())
    attempt = task_run.try_number if task_run.state == TaskState.UP_FOR_RETRY else None
    return {
        "run_id": TASK_RUN_ID_BASE + task_run.id,
        "task_key": task_run.task_id,
        "depends_on": [{"task_key": u} for u in upstream],
        "state": state,
        "attempt_number": attempt if attempt is not None else max(task_run.try_number - 1, 0),
        "start_time": task_run.start_time or 0,
        "end_time": task_run.end_time or 0,
        "execution_duration": (
            task_run.end_time - task_run.start_time
            if task_run.end_time and task_run.start_time
            else 0
        ),
    }


def _output(service: JobsService, output: TaskOutput) -> dict[str, Any]:
    task = _task_run(output.run.spec, output.task_run)
    metadata = _run(service, output.run, None)
    metadata.update(
        run_id=task["run_id"],
        job_run_id=output.run.id,
        run_name=output.task_run.task_id,
        task_key=output.task_run.task_id,
        state=task["state"],
        attempt_number=task["attempt_number"],
        start_time=task["start_time"],
        end_time=task["end_time"],
        run_duration=task["execution_duration"],
        tasks=[task],
    )
    metadata.pop("job_parameters", None)
    notebook = output.run.spec.task(output.task_run.task_id).kind == "notebook"
    body: dict[str, Any] = {
        "metadata": metadata,
        "logs": output.log_tail,
        "logs_truncated": output.log_truncated,
        "task_value": output.value,
        "notebook_output": (
            {"result": _text(output.value), "truncated": False} if notebook else None
        ),
    }
    if output.error is not None:
        body["error"] = output.error
    if output.error_trace is not None:
        body["error_trace"] = output.error_trace
    if notebook and _executed_notebook(output) is not None:
        body["notebook_url"] = (
            f"/api/2.2/jobs/runs/export?run_id={task['run_id']}&views_to_export=CODE&format=HTML"
        )
    return body


def _executed_notebook(output: TaskOutput) -> Path | None:
    """The executed notebook the task's latest try kept beside its log, if any."""
    if output.log_path is None:
        return None
    path = output.log_path.with_suffix(".ipynb")
    return path if path.is_file() else None


@router.get("/runs/export", response_model=None)
def export_run(
    request: Request, run_id: int, views_to_export: str = "CODE", format: str = "JSON"
) -> dict[str, Any] | HTMLResponse:
    """A notebook task run's executed notebook as HTML: Databricks' ``{"views": [...]}``, or
    the page itself with ``format=HTML``."""
    from brickyard.notebooks.runner import render_html

    if run_id < TASK_RUN_ID_BASE:
        raise InvalidInputError(
            f"{run_id} is a job run's id: runs/export takes a notebook task's run_id (runs/get's "
            "tasks[].run_id)"
        )
    if views_to_export.upper() not in ("CODE", "ALL"):
        raise InvalidInputError("views_to_export must be CODE or ALL (dashboards do not exist)")
    output = _task_output(request, run_id, None)
    notebook = _executed_notebook(output)
    if notebook is None:
        raise NotFoundError(
            f"task run {run_id} ({output.task_run.task_id}) has no executed notebook: it is not a "
            "notebook task, or it has not run yet"
        )
    html = render_html(inside_folder(_logs_dir(request), notebook))
    if format.upper() == "HTML":
        return HTMLResponse(html)
    return {"views": [{"content": html, "name": notebook.stem, "type": "NOTEBOOK"}]}


_STATES_NAMING_TASKS = frozenset({RunState.FAILED, RunState.TIMED_OUT})


def _run_message(service: JobsService, run: RunInfo, task_runs: list[TaskRunInfo] | None) -> str:
    if run.state == RunState.QUEUED:
        try:
            paused = service.job_by_id(run.job_id).paused
        except NotFoundError:
            paused = False
        if paused:
            return "queued: the job is paused; the run starts when it is unpaused"
        return (
            "queued: waiting for a free place among the job's max_concurrent_runs "
            f"({run.spec.max_active_runs})"
        )
    if run.state in _STATES_NAMING_TASKS:
        task_runs = task_runs if task_runs is not None else service.task_runs(run.id)
        bad = [t.task_id for t in task_runs if t.state in (TaskState.FAILED, TaskState.TIMED_OUT)]
        verb = "timed out" if run.state == RunState.TIMED_OUT else "failed"
        return f"task(s) {', '.join(bad)} {verb}" if bad else f"the run {verb}"
    if run.state == RunState.CANCELED:
        return "the run was canceled"
    return ""


def _task_message(task_run: TaskRunInfo) -> str:
    state = task_run.state
    if state == TaskState.PENDING:
        return "waiting for its upstream tasks"
    if state == TaskState.QUEUED:
        return "waiting for a worker slot"
    if state == TaskState.UP_FOR_RETRY:
        first_line = (task_run.error or "").splitlines()[:1]
        why = f" ({first_line[0]})" if first_line else ""
        return (
            f"try {task_run.try_number} failed{why}; waiting to retry "
            f"(try {task_run.try_number + 1} of {task_run.max_tries})"
        )
    if state == TaskState.UP_FOR_RESCHEDULE:
        return "a sensor waiting for its next poke"
    if state == TaskState.SKIPPED:
        return "skipped by a branch or its trigger rule"
    if state == TaskState.UPSTREAM_FAILED:
        return "not run: an upstream task failed"
    if state in (TaskState.FAILED, TaskState.TIMED_OUT, TaskState.CANCELED) and task_run.error:
        return task_run.error.splitlines()[0]
    return ""


def quartz_cron(schedule: str) -> str | None:
    """A 5-field cron (or @daily-style preset) as a Quartz expression; None when Quartz cannot
    say it (intervals, @once, both day fields restricted: cron's "either day" rule)."""
    text = PRESETS.get(schedule.strip().lower(), schedule)
    parts = text.split()
    if len(parts) != 5:
        return None
    minute, hour = _quartz_step(parts[0], 0), _quartz_step(parts[1], 0)
    day, month, weekday = _quartz_step(parts[2], 1), _quartz_step(parts[3], 1), parts[4]
    if parts[4] == "*":
        weekday = "?"
    elif parts[2] == "*":
        try:
            days = sorted(parse_cron(text).weekdays)
        except InvalidInputError:
            return None
        day, weekday = "?", ",".join(_WEEKDAYS[d] for d in days)
    else:
        return None
    return f"0 {minute} {hour} {day} {month.upper()} {weekday}"


_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


def _quartz_step(field: str, lowest: int) -> str:
    # Quartz writes "every n" as "<start>/n"; cron's "*/n" starts at the field's minimum.
    return f"{lowest}/{field[2:]}" if field.startswith("*/") else field


# -- plumbing --------------------------------------------------------------------------------
def _service(request: Request) -> JobsService:
    service: JobsService = request.app.state.workspace.jobs
    return service


def _logs_dir(request: Request) -> Path:
    logs_dir: Path = request.app.state.workspace.logs_dir
    return logs_dir


def _wake(request: Request) -> None:
    runner = getattr(request.app.state, "job_runner", None)
    if runner is not None:
        runner.wake()


def _page(offset: int, page_token: str | None, limit: int, most: int) -> tuple[int, int]:
    """The first item and the size of the page asked for (page_token wins over offset)."""
    if page_token:
        if not page_token.isdigit():
            raise InvalidInputError(f"page_token '{page_token}' is not one this server gave")
        offset = int(page_token)
    if offset < 0:
        raise InvalidInputError(f"offset must be 0 or more, not {offset}")
    if not 1 <= limit <= most:
        raise InvalidInputError(f"limit must be between 1 and {most}, not {limit}")
    return offset, limit


def _text(value: Any) -> str | None:
    """A parameter value as Databricks shows parameters: text (JSON for non-strings)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, default=str)
