"""One task try, inside its own worker process.

The executor forks this from a warm process (multiprocessing's forkserver, with Brickyard
preloaded), so a try starts in milliseconds. The child makes itself a process group leader
(a timeout kills the task and everything it started), caps its memory, sends stdout and
stderr to the try's log file, runs the task and writes the outcome as JSON next to the log:
``{"ok": true, "value": ...}`` or ``{"ok": false, "error": "...", "transient": bool}``. A
child that dies without writing it (a segfault, ``os._exit``, the memory cap) is a failed try.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import resource
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brickyard.domain.errors import InvalidInputError
from brickyard.domain.jobs import TaskSpec


@dataclass(frozen=True)
class TryRequest:
    """All a worker process needs to run one try (picklable)."""

    home: str
    job_name: str
    job_file: str
    task: TaskSpec
    run_id: int
    try_number: int
    logical_date_ms: int | None
    params: dict[str, Any]
    upstream_values: dict[str, Any]  # upstream task id -> its task value
    log_path: str
    result_path: str
    memory_mb: int
    value_max_bytes: int
    sensor: bool = False  # poke once (true: done) instead of running
    source_dir: str = ""  # the jobs folder: helper modules next to the job file import from it
    map_index: int = -1  # >= 0: run only this item of an expanded task
    ml_env: dict[str, str] = field(default_factory=dict)  # points mlflow at the workspace
    # upstream task id -> the values it set by key (taskValues.set), beside its return value
    upstream_set_values: dict[str, dict[str, Any]] = field(default_factory=dict)


def run_try(request: TryRequest) -> None:
    """The worker process's entry point: run the task, write the outcome, exit."""
    os.setsid()  # its own process group: a timeout kills the whole tree
    if request.memory_mb > 0:
        limit = request.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    log = _redirect_output(Path(request.log_path))
    if request.source_dir and request.source_dir not in sys.path:
        sys.path.append(request.source_dir)
    os.environ["BRICKYARD_HOME"] = request.home
    os.environ["BRICKYARD_JOB"] = request.job_name
    os.environ["BRICKYARD_RUN_ID"] = str(request.run_id)
    os.environ["BRICKYARD_TASK"] = request.task.task_id
    os.environ["BRICKYARD_TRY"] = str(request.try_number)
    os.environ["BRICKYARD_TRY_LOG"] = request.log_path
    os.environ["BRICKYARD_JOB_SOURCE_DIR"] = request.source_dir  # notebook tasks' paths
    if request.task.timeout_s:
        os.environ["BRICKYARD_TASK_TIMEOUT_S"] = str(request.task.timeout_s)
    _point_mlflow_at_workspace(request)
    try:
        ctx = _context(request)
        poked = poke(request, ctx, log) if request.sensor else None
        value = None if request.sensor else execute(request, ctx, log)
        outcome = {"ok": True, "value": value, "poked": poked}
        if ctx.task_values.set_values:
            outcome["task_values"] = ctx.task_values.set_values
        text = json.dumps(outcome)
        if len(text.encode()) > request.value_max_bytes + 32:
            outcome = _failure(
                f"the task value is {len(text.encode()):,} bytes; the limit is "
                f"{request.value_max_bytes:,} (jobs.task_value_max_bytes): write large "
                "results to a table and return its name instead"
            )
    except MemoryError:
        outcome = _failure(
            f"the task ran out of memory: its cap is {request.memory_mb} MB (jobs.task_memory_mb)"
        )
    except BaseException as exc:
        transient = bool(getattr(exc, "transient", False))
        outcome = _failure(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}", transient)
    if not outcome["ok"]:
        log.error("%s", outcome["error"])
    outcome["mlflow_runs"] = _finish_mlflow_runs(bool(outcome["ok"]), log)
    outcome["tables_read"] = _tables_read()
    _flush()
    Path(request.result_path).write_text(json.dumps(outcome, default=str))
    os._exit(0)  # no atexit handlers of the parent's modules in a forked child


def _point_mlflow_at_workspace(request: TryRequest) -> None:
    """mlflow, if the task imports it, tracks into the workspace, experiment /jobs/<job>;
    its runs are tagged with this try (brickyard.ml.run_context) and linked when it ends."""
    from datetime import UTC, datetime

    os.environ.update(request.ml_env)
    os.environ["MLFLOW_EXPERIMENT_NAME"] = f"/jobs/{request.job_name}"
    os.environ.pop("MLFLOW_EXPERIMENT_ID", None)
    os.environ.pop("MLFLOW_RUN_ID", None)
    if request.logical_date_ms is not None:
        moment = datetime.fromtimestamp(request.logical_date_ms / 1000, UTC)
        os.environ["BRICKYARD_LOGICAL_DATE"] = moment.isoformat()
    if request.map_index >= 0:
        os.environ["BRICKYARD_MAP_INDEX"] = str(request.map_index)
    uri = request.ml_env.get("MLFLOW_TRACKING_URI", "")
    if uri.startswith("sqlite:///"):
        from pathlib import Path

        from brickyard.adapters.mlflow_server import tune_sqlite

        tune_sqlite(Path(uri.removeprefix("sqlite:///")))


def _tables_read() -> dict[str, int]:
    """The catalog tables (latest version) this try's queries read: its lineage."""
    from brickyard.ml.lineage import tables_read

    return tables_read()


def _finish_mlflow_runs(succeeded: bool, log: logging.Logger) -> list[str]:
    from brickyard.ml.task_runs import finish_try_runs

    runs = finish_try_runs(succeeded)
    if runs:
        log.info("MLflow runs of this try: %s", ", ".join(runs))
    return runs


def execute(request: TryRequest, ctx: Any, log: logging.Logger) -> Any:
    """Run the task through its task type; its value, checked to be JSON."""
    from dataclasses import replace

    from brickyard.jobs.runtime import expand_inputs, task_inputs
    from brickyard.jobs.task_types import get_task_type

    spec = request.task
    log.info("%s: try %d of task %s", request.job_name, request.try_number, spec.task_id)
    task_type = get_task_type(spec.kind)
    if spec.config.get("expand"):  # one item of an expanded task (each item is a task run)
        items = expand_inputs(spec, request.upstream_values)
        index = max(request.map_index, 0)
        if index >= len(items):
            raise InvalidInputError(
                f"item {index} of task '{spec.task_id}' no longer exists: its upstream list "
                f"has {len(items)} items now"
            )
        value = task_type.run(spec.config, replace(ctx, map_index=index), items[index])  # type: ignore[union-attr]
    else:
        inputs = task_inputs(spec, request.upstream_values)
        value = task_type.run(spec.config, ctx, inputs)  # type: ignore[union-attr]
    try:
        json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"task '{request.task.task_id}' returned a {type(value).__name__}, which is not "
            f"JSON ({exc}); task values are JSON: return numbers, strings, lists or dicts, "
            "and write data to a table"
        ) from None
    return value


def poke(request: TryRequest, ctx: Any, log: logging.Logger) -> bool:
    """One poke of a sensor: whether its condition holds now."""
    from brickyard.jobs.task_types import get_task_type

    task_type = get_task_type(request.task.kind)
    result = bool(task_type.poke(request.task.config, ctx))  # type: ignore[union-attr]
    log.info("poke %d of sensor %s: %s", request.try_number, request.task.task_id, result)
    return result


def _context(request: TryRequest) -> Any:
    from datetime import UTC, datetime

    from brickyard.jobs.runtime import TaskContext, TaskValues

    spec = request.task
    return TaskContext(
        job_name=request.job_name,
        task_id=spec.task_id,
        run_id=request.run_id,
        logical_date=(
            datetime.fromtimestamp(request.logical_date_ms / 1000, UTC)
            if request.logical_date_ms is not None
            else None
        ),
        try_number=request.try_number,
        params=dict(request.params),
        job_file=request.job_file,
        task_values=TaskValues(
            {
                task: {**request.upstream_set_values.get(task, {}), "return_value": value}
                for task, value in request.upstream_values.items()
            }
        ),
    )


def _failure(error: str, transient: bool = False) -> dict[str, Any]:
    return {"ok": False, "error": error, "transient": transient}


def _redirect_output(path: Path) -> logging.Logger:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    _flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115 (the process's own)
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    log = logging.getLogger("brickyard.task")
    log.handlers[:] = []
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    return log


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
