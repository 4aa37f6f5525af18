"""What a task try uses in its worker process: the task context and Python task calling.

The executor builds a ``TaskContext`` per try and runs the task's type::

    task_type = get_task_type(spec.kind)
    inputs = task_inputs(spec, upstream_values)          # or expand_inputs(...) for a mapped task
    value = task_type.run(spec.config, ctx, inputs)      # a sensor: task_type.poke(spec.config, ctx)

For a Python task, ``run`` imports the job file again (``resolve_python_task``) and calls the
function with ``call_python_task``.
"""

from __future__ import annotations

import inspect
import itertools
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from brickyard.domain.errors import InvalidInputError, NotFoundError
from brickyard.domain.jobs import JobSpec, TaskSpec
from brickyard.jobs.authoring import CTX_PARAM, TaskFunction
from brickyard.jobs.job_file import import_job_file

RETURN_VALUE = "return_value"  # the task value key of a task's return value


class TaskValues:
    """Values shared between the tasks of a run (Databricks' ``dbutils.jobs.taskValues``).

    ``get`` reads what upstream tasks returned or set (the executor passes them in as
    ``{task_id: {key: value}}``, the return value under ``"return_value"``); ``set`` records a
    value this try shares, which the executor stores when the try succeeds.
    """

    def __init__(self, upstream: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._upstream = {k: dict(v) for k, v in (upstream or {}).items()}
        self.set_values: dict[str, Any] = {}

    def get(self, task_id: str, key: str = RETURN_VALUE, default: Any = None) -> Any:
        return self._upstream.get(task_id, {}).get(key, default)

    def upstream(self) -> dict[str, dict[str, Any]]:
        """Every upstream task's values by key (its return value under "return_value")."""
        return {task: dict(values) for task, values in self._upstream.items()}

    def set(self, key: str, value: Any) -> None:
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"task value '{key}' must be a JSON value: {exc}") from None
        self.set_values[key] = value


@dataclass
class TaskContext:
    """What a task function gets as its ``ctx`` parameter."""

    job_name: str
    task_id: str
    run_id: int | str
    logical_date: datetime | None = None
    try_number: int = 1
    params: dict[str, Any] = field(default_factory=dict)
    job_file: str = ""
    map_index: int | None = None  # which item of an expanded task this try runs
    task_values: TaskValues = field(default_factory=TaskValues)
    log: logging.Logger = field(init=False)

    def __post_init__(self) -> None:
        self.log = logging.getLogger(f"brickyard.task.{self.job_name}.{self.task_id}")

    def spark(self, engine: str | None = None) -> Any:
        """The workspace's Spark session (``brickyard.spark()``)."""
        import brickyard

        return brickyard.spark(engine)


# -- Python tasks ----------------------------------------------------------------------------
_FILES: dict[tuple[str, int], Mapping[str, Any]] = {}


def resolve_python_task(file: str, job_name: str, task_id: str) -> Callable[..., Any]:
    """The function of Python task ``task_id`` of job ``job_name``, from the job file as it is.

    The file is imported again (its job bodies rebuild the DAG); a file changed since is
    imported once more.
    """
    path = Path(file).resolve()
    try:
        key = (str(path), path.stat().st_mtime_ns)
    except OSError:
        raise NotFoundError(f"job file '{file}' of job '{job_name}' is gone") from None
    jobs = _FILES.get(key)
    if jobs is None:
        jobs = {j.name: j for j in import_job_file(path)}
        _FILES[key] = jobs
    job = jobs.get(job_name)
    if job is None:
        raise NotFoundError(f"job file '{file}' no longer defines job '{job_name}'")
    function = job.functions.get(task_id)
    if function is None:
        raise NotFoundError(f"job '{job_name}' in '{file}' has no Python task '{task_id}'")
    return function  # type: ignore[no-any-return]


def call_python_task(func: Callable[..., Any], ctx: TaskContext, inputs: Mapping[str, Any]) -> Any:
    """Call a task function: ``ctx`` first if it asks for it, then each parameter from
    ``inputs`` (upstream values and fixed arguments), else the job param of that name, else
    ``params`` (all job params) for a parameter named so, else its default."""
    if isinstance(func, TaskFunction):
        func = func.function
    parameters = list(inspect.signature(func).parameters.values())
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if parameters and parameters[0].name == CTX_PARAM:
        args.append(ctx)
        parameters = parameters[1:]
    used: set[str] = set()
    for param in parameters:
        if param.kind == param.VAR_POSITIONAL:
            continue
        if param.kind == param.VAR_KEYWORD:
            kwargs.update({k: v for k, v in inputs.items() if k not in used})
            continue
        found, value = _value_for(param, ctx, inputs)
        if not found:
            if param.default is not param.empty:
                continue
            raise InvalidInputError(
                f"parameter '{param.name}' of task '{ctx.task_id}' gets no value: no upstream "
                f"result or argument is bound to it and job '{ctx.job_name}' has no param "
                f"'{param.name}'"
            )
        used.add(param.name)
        if param.kind == param.POSITIONAL_ONLY:
            args.append(value)
        else:
            kwargs[param.name] = value
    return func(*args, **kwargs)


def _value_for(
    param: inspect.Parameter, ctx: TaskContext, inputs: Mapping[str, Any]
) -> tuple[bool, Any]:
    if param.name in inputs:
        return True, inputs[param.name]
    if param.name in ctx.params:
        return True, ctx.params[param.name]
    if param.name == "params":
        return True, dict(ctx.params)
    return False, None


# -- helpers for the executor ------------------------------------------------------------------
def task_inputs(spec: TaskSpec, upstream_values: Mapping[str, Any]) -> dict[str, Any]:
    """A try's inputs: ``{parameter: return value of the upstream task bound to it}``."""
    return {param: upstream_values.get(task_id) for param, task_id in spec.inputs.items()}


def expand_inputs(spec: TaskSpec, upstream_values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The inputs of each mapped try of an expanded task (every combination of the lists)."""
    expand: Mapping[str, str] = spec.config.get("expand", {})
    lists: dict[str, list[Any]] = {}
    for param, task_id in expand.items():
        value = upstream_values.get(task_id)
        if not isinstance(value, list):
            raise InvalidInputError(
                f"task '{spec.task_id}' expands over '{param}', which needs a list from task "
                f"'{task_id}'; it returned {type(value).__name__}"
            )
        lists[param] = value
    base = task_inputs(spec, upstream_values)
    return [
        {**base, **dict(zip(lists, combination, strict=True))}
        for combination in itertools.product(*lists.values())
    ]


def branch_targets(job: JobSpec, task_id: str, value: Any) -> list[str]:
    """The tasks a branch task's return value says to follow (a task id, a list of them, or
    None for none); each must be a direct downstream task of the branch."""
    chosen = [] if value is None else [value] if isinstance(value, str) else value
    if not isinstance(chosen, list | tuple) or not all(isinstance(t, str) for t in chosen):
        raise InvalidInputError(
            f"branch task '{task_id}' must return a task id, a list of task ids or None, "
            f"not {value!r}"
        )
    direct = [t.task_id for t in job.tasks if task_id in t.upstream]
    for target in chosen:
        if target not in direct:
            raise InvalidInputError(
                f"branch task '{task_id}' returned '{target}', which is not directly downstream "
                f"of it; its downstream tasks: {', '.join(direct) or 'none'}"
            )
    return list(dict.fromkeys(chosen))
