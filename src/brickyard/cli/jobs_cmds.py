"""`brickyard jobs ...`, `brickyard runs ...` and `brickyard logs`: jobs and their runs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from brickyard.cli.common import FormatOption, HomeOption, open_workspace
from brickyard.cli.output import OutputFormat, emit, emit_object, err_console, ms_to_text, say
from brickyard.domain.errors import InvalidInputError, NotFoundError

if TYPE_CHECKING:
    from brickyard.domain.job_runs import RunInfo, TaskRunInfo
    from brickyard.workspace import Workspace

jobs_app = typer.Typer(help="Jobs: Python DAGs from the jobs folder.", no_args_is_help=True)
runs_app = typer.Typer(help="Runs of jobs: list, inspect, cancel.", no_args_is_help=True)

ParamOption = Annotated[
    list[str] | None, typer.Option("--param", help="A job parameter, key=value (repeatable).")
]


@jobs_app.command("list")
def list_jobs(home: HomeOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Jobs of the jobs folder (loaded now), and the files that failed to load."""
    with open_workspace(home) as ws:
        errors = ws.jobs.reload()
        jobs = ws.jobs.list_jobs()
    rows = [
        {
            "job_id": j.id,
            "name": j.name,
            "schedule": j.spec.schedule or "manual",
            "tasks": len(j.spec.tasks),
            "paused": j.paused,
            "tags": ", ".join(j.spec.tags),
            "file": j.file,
        }
        for j in jobs
    ]
    if fmt == OutputFormat.json:
        emit_object(
            {"jobs": rows, "load_errors": [{"file": e.file, "error": e.message} for e in errors]},
            fmt,
        )
        return
    emit(rows, fmt, "Jobs", ["job_id", "name", "schedule", "tasks", "paused", "tags", "file"])
    for error in errors:
        err_console.print(f"[bold red]Load error[/] in {error.file}:", soft_wrap=True)
        err_console.print(error.message, markup=False, highlight=False, soft_wrap=True)


@jobs_app.command("show")
def show_job(name: str, home: HomeOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """A job's tasks, their dependencies and settings."""
    with open_workspace(home) as ws:
        ws.jobs.reload()
        job = ws.jobs.job(name)
        next_run = ws.jobs.next_run_time(name)
    spec = job.spec
    info = {
        "job_id": job.id,
        "name": job.name,
        "file": job.file,
        "schedule": spec.schedule or "manual",
        "timezone": spec.timezone,
        "start_date": spec.start_date,
        "catchup": spec.catchup,
        "max_active_runs": spec.max_active_runs,
        "paused": job.paused,
        "next_run": "paused" if job.paused and next_run else ms_to_text(next_run),
        "params": dict(spec.params),
        "tags": list(spec.tags),
        "edges": [f"{u} >> {t.task_id}" for t in spec.tasks for u in t.upstream],
    }
    if fmt == OutputFormat.json:
        info["tasks"] = [
            {"task_id": t.task_id, "kind": t.kind, "upstream": list(t.upstream)} for t in spec.tasks
        ]
        emit_object(info, fmt)
        return
    emit_object(info, fmt)
    rows = [
        {
            "task": t.task_id,
            "kind": t.kind,
            "upstream": ", ".join(t.upstream),
            "trigger_rule": t.trigger_rule.value,
            "retries": t.retries,
            "timeout_s": t.timeout_s,
        }
        for t in spec.tasks
    ]
    emit(
        rows,
        fmt,
        f"Tasks of {name}",
        ["task", "kind", "upstream", "trigger_rule", "retries", "timeout_s"],
    )


@jobs_app.command("run")
def run_job(
    name: str,
    param: ParamOption = None,
    wait: Annotated[bool, typer.Option("--wait", help="Run it now and wait for the end.")] = False,
    home: HomeOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Trigger a run; with --wait, run it in this process and exit 0 only if it succeeds."""
    params = _params(param or [])
    with open_workspace(home) as ws:
        ws.jobs.reload()
        run_id = ws.jobs.trigger(name, params)
        assert run_id is not None
        if not wait:
            emit_object({"run_id": run_id, "job": name, "state": "queued"}, fmt)
            return
        run = _drive(ws, run_id, fmt)
    if run.state.value != "success":
        raise typer.Exit(1)


@jobs_app.command("backfill")
def backfill_job(
    name: str,
    start: Annotated[str, typer.Option("--start", help="First logical date (ISO).")],
    end: Annotated[str, typer.Option("--end", help="Last logical date (ISO), included.")],
    max_active: Annotated[
        int | None, typer.Option("--max-active", min=1, help="Runs at once (default: the job's).")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Run the job for every data interval between two dates, showing progress."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from brickyard.services.backfill import create_backfill_runs

    with open_workspace(home) as ws:
        ws.jobs.reload()
        run_ids = create_backfill_runs(ws.jobs, name, start, end, max_active)
        if not run_ids:
            say("Nothing to backfill: every interval in that range has a run already.")
            return
        runner = ws.job_runner()
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        try:
            with Progress(*columns, console=err_console) as progress:
                bar = progress.add_task(f"backfill {name}", total=len(run_ids))

                def finished() -> bool:
                    done = [ws.jobs.run(r).state.finished for r in run_ids]
                    progress.update(bar, completed=sum(done))
                    return all(done)

                runner.run_until(finished)
        finally:
            runner.stop()
        runs = [ws.jobs.run(r) for r in run_ids]
    failed = [r.id for r in runs if r.state.value != "success"]
    say(f"Backfill of [bold]{name}[/]: {len(runs) - len(failed)} of {len(runs)} runs succeeded")
    if failed:
        err_console.print(f"Runs that did not succeed: {', '.join(map(str, failed))}")
        raise typer.Exit(1)


@jobs_app.command("pause")
def pause_job(name: str, home: HomeOption = None) -> None:
    """Stop scheduling new runs (triggered runs wait, queued, until unpaused)."""
    with open_workspace(home) as ws:
        ws.jobs.set_paused(name, True)
    say(f"Paused [bold]{name}[/]")


@jobs_app.command("unpause")
def unpause_job(name: str, home: HomeOption = None) -> None:
    """Schedule the job again; its queued runs start."""
    with open_workspace(home) as ws:
        ws.jobs.set_paused(name, False)
    say(f"Unpaused [bold]{name}[/]")


@runs_app.command("list")
def list_runs(
    job: Annotated[str | None, typer.Option("--job", help="Only this job's runs.")] = None,
    state: Annotated[str | None, typer.Option("--state", help="Only runs in this state.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    home: HomeOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Recent runs, newest first."""
    with open_workspace(home) as ws:
        runs = ws.jobs.list_runs(job, state, limit)
    rows = [_run_row(r) for r in runs]
    emit(
        rows,
        fmt,
        "Runs",
        ["run_id", "job", "state", "type", "logical_date", "started", "duration_s"],
    )


@runs_app.command("show")
def show_run(run_id: int, home: HomeOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """A run's task runs: state, tries, durations, errors."""
    with open_workspace(home) as ws:
        run = ws.jobs.run(run_id)
        task_runs = ws.jobs.task_runs(run_id)
        tries = ws.jobs.tries(run_id)
    if fmt == OutputFormat.json:
        emit_object(
            {
                **_run_row(run),
                "tasks": [
                    _task_row(t) | {"error": t.error, "value": t.value_json} for t in task_runs
                ],
                "tries": [
                    {
                        "task": t.task_id,
                        "try": t.try_number,
                        "state": t.state.value,
                        "duration_s": _duration(t.start_time, t.end_time),
                        "error": t.error,
                        "mlflow_runs": list(t.mlflow_run_ids),
                    }
                    for t in tries
                ],
            },
            fmt,
        )
        return
    emit_object(_run_row(run), fmt)
    emit(
        [_task_row(t) for t in task_runs],
        fmt,
        f"Tasks of run {run_id}",
        ["task", "state", "tries", "duration_s", "value"],
    )
    linked = [(t, run_id) for t in tries for run_id in t.mlflow_run_ids]
    if linked:
        emit(
            [{"task": t.task_id, "try": t.try_number, "mlflow_run": r} for t, r in linked],
            fmt,
            f"MLflow runs of run {run_id} (UI: /mlflow/#/runs/<id>)",
            ["task", "try", "mlflow_run"],
        )
    for task_run in task_runs:
        if task_run.error:
            err_console.print(f"[bold red]{task_run.label}[/] (try {task_run.try_number}):")
            err_console.print(task_run.error, markup=False, highlight=False, soft_wrap=True)


@runs_app.command("cancel")
def cancel_run(run_id: int, home: HomeOption = None) -> None:
    """Cancel a queued or running run; running tries are killed."""
    with open_workspace(home) as ws:
        run = ws.jobs.cancel(run_id)
    say(f"Run {run_id} of [bold]{run.job_name}[/] is {run.state.value}")


@runs_app.command("repair")
def repair_run(
    run_id: int,
    task: Annotated[
        list[str] | None,
        typer.Option("--task", help="Re-run this task (repeatable; default: the failed ones)."),
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Run it now and wait for the end.")] = False,
    home: HomeOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Re-run a finished run's failed tasks and everything downstream; successes are kept."""
    with open_workspace(home) as ws:
        ws.jobs.reload()
        repair = ws.jobs.repair(run_id, task or None)
        say(f"Repairing run {run_id}: re-running {', '.join(repair.rerun_tasks)}")
        if not wait:
            return
        run = _drive(ws, run_id, fmt)
    if run.state.value != "success":
        raise typer.Exit(1)


def logs(
    run_id: int,
    task: str,
    try_number: Annotated[
        int | None, typer.Option("--try", help="Which try (default: the last).")
    ] = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing as it grows.")
    ] = False,
    home: HomeOption = None,
) -> None:
    """Print a task try's log (stdout, stderr and ctx.log, with timestamps)."""
    with open_workspace(home) as ws:
        run = ws.jobs.run(run_id)
        task_runs = {t.label: t for t in ws.jobs.task_runs(run_id)}
        if task not in task_runs:
            raise NotFoundError(
                f"run {run_id} has no task '{task}'; its tasks: {', '.join(task_runs)}"
            )
        number = try_number or max(task_runs[task].try_number, 1)
        path = ws.logs_dir / run.job_name / str(run_id) / task / f"{number}.log"
        if not path.exists() and not follow:
            raise NotFoundError(
                f"no log for try {number} of task '{task}' in run {run_id} ({path})"
            )
        _print_log(ws, path, run_id, task, follow)


def _print_log(ws: Workspace, path: Path, run_id: int, task: str, follow: bool) -> None:
    position = 0
    while True:
        if path.exists():
            with path.open("rb") as handle:
                handle.seek(position)
                chunk = handle.read()
                position += len(chunk)
            if chunk:
                typer.echo(chunk.decode(errors="replace"), nl=False)
        if not follow:
            return
        state = {t.label: t for t in ws.jobs.task_runs(run_id)}[task].state
        if state.finished:
            return
        time.sleep(0.2)


def _drive(ws: Workspace, run_id: int, fmt: OutputFormat) -> RunInfo:
    """Run the run in this process, showing task states as they change."""
    from rich.live import Live
    from rich.table import Table

    runner = ws.job_runner()

    def table() -> Table:
        view = Table(title=f"Run {run_id}")
        for column in ("task", "state", "tries", "duration_s"):
            view.add_column(column)
        for row in (_task_row(t) for t in ws.jobs.task_runs(run_id)):
            view.add_row(
                str(row["task"]), str(row["state"]), str(row["tries"]), str(row["duration_s"] or "")
            )
        return view

    def finished() -> bool:
        return ws.jobs.run(run_id).state.finished

    try:
        if fmt == OutputFormat.json:
            runner.run_until(finished)
        else:
            with Live(table(), console=err_console, refresh_per_second=8) as live:

                def shown_and_finished() -> bool:
                    live.update(table())  # the task states as they are now
                    return finished()

                runner.run_until(shown_and_finished)
                live.update(table())
    finally:
        runner.stop()
    run = ws.jobs.run(run_id)
    emit_object(_run_row(run), fmt)
    return run


def _params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidInputError(f"--param takes key=value, got '{pair}'")
        params[key.strip()] = value
    return params


def _run_row(run: RunInfo) -> dict[str, object]:
    return {
        "run_id": run.id,
        "job": run.job_name,
        "state": run.state.value,
        "type": run.run_type,
        "logical_date": ms_to_text(run.logical_date),
        "started": ms_to_text(run.start_time),
        "duration_s": _duration(run.start_time, run.end_time),
    }


def _task_row(task_run: TaskRunInfo) -> dict[str, object]:
    return {
        "task": task_run.label,
        "state": task_run.state.value,
        "tries": task_run.try_number,
        "duration_s": _duration(task_run.start_time, task_run.end_time),
        "value": task_run.value_json,
    }


def _duration(start: int | None, end: int | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start) / 1000, 3)
