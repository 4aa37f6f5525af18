"""Task types: what a task of a given ``kind`` is built from and how it runs.

Every kind, built-in or not, is an object with the ``TaskType`` shape (or ``SensorType`` for a
task that waits for a condition): ``build(**settings)`` checks the settings a job file gives and
returns the task's JSON config; ``run(config, ctx, inputs)`` executes a try in a worker process
and returns the task value (JSON); a sensor's ``poke(config, ctx)`` says whether the condition
holds (the executor pokes every ``config["poke_interval"]`` seconds, without holding a worker
slot in between, and times the task out after ``config["timeout"]`` seconds).

Adding a type (the extension point, as Airflow's operators are): publish the class under the
entry point group ``brickyard.task_types``, named after its kind, e.g. in ``pyproject.toml``::

    [project.entry-points."brickyard.task_types"]
    http = "brickyard_http:HttpTask"

    # brickyard_http/__init__.py
    class HttpTask:
        kind = "http"
        def build(self, *, url: str) -> dict[str, Any]:
            return {"url": url}
        def run(self, config, ctx, inputs):
            return urllib.request.urlopen(config["url"]).status

    def http_task(name: str, url: str, **options: Any) -> TaskHandle:
        return make_task("http", name, url=url, **options)

and use it in a job body: ``http_task("ping", "https://example.com") >> report()``. The entry
point may name a class (made with no arguments) or a ready object; a kind cannot replace a
built-in one. tests/jobs/test_plugins.py installs such a package and runs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, Unpack, runtime_checkable

from brickyard.domain.errors import InvalidInputError
from brickyard.domain.jobs import TriggerRule
from brickyard.jobs.authoring import TaskHandle, current_builder
from brickyard.jobs.settings import TaskOptions, check_id, seconds, task_options, task_spec

if TYPE_CHECKING:
    from brickyard.jobs.runtime import TaskContext

ENTRY_POINT_GROUP = "brickyard.task_types"
DEFAULT_POKE_INTERVAL_S = 60.0
DEFAULT_SENSOR_TIMEOUT_S = 3600.0


@runtime_checkable
class TaskType(Protocol):
    """A kind of task that runs once per try and returns its task value."""

    kind: str

    # Any keyword-only signature fits: build's keywords are the type's settings.
    def build(self, *args: Any, **settings: Any) -> Mapping[str, Any]:
        """The task's config (JSON values) from the settings a job file gives."""
        ...

    def run(self, config: Mapping[str, Any], ctx: TaskContext, inputs: Mapping[str, Any]) -> Any:
        """Execute one try; the return value (JSON) is the task value."""
        ...


@runtime_checkable
class SensorType(Protocol):
    """A kind of task that waits: poked until true or until its timeout."""

    kind: str

    def build(self, *args: Any, **settings: Any) -> Mapping[str, Any]: ...

    def poke(self, config: Mapping[str, Any], ctx: TaskContext) -> bool:
        """Whether the condition holds now."""
        ...


AnyTaskType = TaskType | SensorType


class SensorOptions(TypedDict, total=False):
    """The task options a sensor takes (its ``timeout`` is how long it waits in total)."""

    retries: int
    retry_delay: float | timedelta
    retry_backoff: bool
    trigger_rule: str | TriggerRule


# -- task type functions for job files -------------------------------------------------------
def sql_task(
    name: str, sql: str, engine: str | None = None, **options: Unpack[TaskOptions]
) -> TaskHandle:
    """Run Spark SQL (one or more ';'-separated statements); the value: the last result's rows."""
    return make_task("sql", name, sql=sql, engine=engine, **options)


def shell_task(
    name: str,
    cmd: str | list[str],
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    **options: Unpack[TaskOptions],
) -> TaskHandle:
    """Run a command (a text runs in the shell); fails on a non-zero exit; the value: last line."""
    return make_task("shell", name, cmd=cmd, env=env, cwd=cwd, **options)


def notebook_task(
    name: str,
    path: str,
    params: Mapping[str, Any] | None = None,
    **options: Unpack[TaskOptions],
) -> TaskHandle:
    """Run a notebook with ``params``."""
    return make_task("notebook", name, path=path, params=params, **options)


def file_sensor(
    name: str,
    glob: str,
    poke_interval: float | timedelta = DEFAULT_POKE_INTERVAL_S,
    timeout: float | timedelta = DEFAULT_SENSOR_TIMEOUT_S,
    **options: Unpack[SensorOptions],
) -> TaskHandle:
    """Wait until a file matches ``glob`` (``**`` matches folders)."""
    return make_task(
        "file_sensor", name, glob=glob, poke_interval=poke_interval, timeout=timeout, **options
    )


def table_sensor(
    name: str,
    table: str,
    min_version: int | None = None,
    poke_interval: float | timedelta = DEFAULT_POKE_INTERVAL_S,
    timeout: float | timedelta = DEFAULT_SENSOR_TIMEOUT_S,
    **options: Unpack[SensorOptions],
) -> TaskHandle:
    """Wait until table ``c.s.t`` exists (and has reached ``min_version``)."""
    return make_task(
        "table_sensor",
        name,
        table=table,
        min_version=min_version,
        poke_interval=poke_interval,
        timeout=timeout,
        **options,
    )


def sql_sensor(
    name: str,
    sql: str,
    poke_interval: float | timedelta = DEFAULT_POKE_INTERVAL_S,
    timeout: float | timedelta = DEFAULT_SENSOR_TIMEOUT_S,
    **options: Unpack[SensorOptions],
) -> TaskHandle:
    """Wait until the query's first cell is truthy."""
    return make_task(
        "sql_sensor", name, sql=sql, poke_interval=poke_interval, timeout=timeout, **options
    )


def make_task(
    kind: str,
    name: str,
    /,
    *,
    retries: int = 0,
    retry_delay: float | timedelta = 0.0,
    retry_backoff: bool = False,
    timeout: float | timedelta | None = None,
    trigger_rule: str | TriggerRule = TriggerRule.ALL_SUCCESS,
    **settings: Any,
) -> TaskHandle:
    """Record a task of type ``kind`` in the job being built; the way every task type is added.

    ``settings`` go to the type's ``build``, except task handles: a setting given an upstream
    task's handle makes the task depend on it and receive its value in ``inputs``. For a
    sensor, ``poke_interval`` and ``timeout`` (seconds or timedelta) are its timing.
    """
    builder = current_builder(f"{kind} task '{name}'")
    check_id("task", name)
    task_type = get_task_type(kind)
    options = task_options(
        retries=retries,
        retry_delay=retry_delay,
        retry_backoff=retry_backoff,
        trigger_rule=trigger_rule,
    )
    timing: dict[str, float] = {}
    if is_sensor(task_type):
        timing = {
            "poke_interval": _positive_seconds(
                "poke_interval", settings.pop("poke_interval", DEFAULT_POKE_INTERVAL_S)
            ),
            "timeout": _positive_seconds(
                "timeout", timeout if timeout is not None else DEFAULT_SENSOR_TIMEOUT_S
            ),
        }
    elif timeout is not None:
        options = task_options(**options, timeout=timeout)
    inputs = {k: v.task_id for k, v in settings.items() if isinstance(v, TaskHandle)}
    try:
        config = task_type.build(**{k: v for k, v in settings.items() if k not in inputs})
    except TypeError as exc:
        raise InvalidInputError(f"{kind} task '{name}': {exc}") from None
    spec = task_spec(
        name,
        kind,
        {**config, **timing},
        options,
        upstream=inputs.values(),
        inputs=inputs,
    )
    return builder.add(spec)


def _positive_seconds(what: str, value: Any) -> float:
    checked = seconds(what, value)
    if not checked:
        raise InvalidInputError(f"{what} must be more than 0 seconds, not {value!r}")
    return checked


# -- the registry ----------------------------------------------------------------------------
def get_task_type(kind: str) -> AnyTaskType:
    """The task type of ``kind``: a built-in one or a ``brickyard.task_types`` entry point."""
    from brickyard.jobs.builtin_types import BUILTIN_TASK_TYPES

    found = BUILTIN_TASK_TYPES.get(kind)
    if found is not None:
        return found
    return _plugin_task_type(kind)


def task_type_kinds() -> list[str]:
    """Every kind a job file can use (plugins by entry point name, not loaded)."""
    from importlib.metadata import entry_points

    from brickyard.jobs.builtin_types import BUILTIN_TASK_TYPES

    plugins = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(set(BUILTIN_TASK_TYPES) | plugins)


def is_sensor(task_type: AnyTaskType) -> bool:
    return callable(getattr(task_type, "poke", None))


@cache
def _plugin_task_type(kind: str) -> AnyTaskType:
    from importlib.metadata import entry_points

    found = entry_points(group=ENTRY_POINT_GROUP, name=kind)
    if not found:
        raise InvalidInputError(
            f"unknown task type '{kind}'; the task types are {', '.join(task_type_kinds())} "
            f"(a new one is installed as a '{ENTRY_POINT_GROUP}' entry point)"
        )
    entry_point = next(iter(found))
    where = f"task type '{kind}' ({entry_point.value})"
    try:
        loaded = entry_point.load()
        task_type = loaded() if isinstance(loaded, type) else loaded
    except Exception as exc:
        raise InvalidInputError(f"{where} cannot be loaded: {type(exc).__name__}: {exc}") from exc
    if not callable(getattr(task_type, "build", None)) or not (
        callable(getattr(task_type, "run", None)) or is_sensor(task_type)
    ):
        raise InvalidInputError(f"{where} needs a build() method and a run() or poke() method")
    if getattr(task_type, "kind", kind) != kind:
        raise InvalidInputError(
            f"{where} says its kind is '{task_type.kind}'; name the entry point after its kind"
        )
    return task_type  # type: ignore[no-any-return]
