"""The authoring API job files use: ``@job``, ``@task``, task handles and ``>>``.

``@job`` runs the decorated function at once, in a *build*: every task function called (and
every task type function such as ``sql_task``) inside it records a task and returns a
``TaskHandle``; passing a handle as an argument makes the task depend on the handle's task and
receive its return value. When the body returns, the tasks become a ``JobSpec`` checked by the
domain's ``validate_dag`` (duplicate names, unknown dependencies, cycles).
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, overload

from brickyard.domain.errors import InvalidInputError
from brickyard.domain.jobs import JobSpec, TaskSpec, TriggerRule, validate_dag
from brickyard.jobs.settings import (
    JobSettings,
    TaskOptions,
    check_id,
    job_settings,
    json_value,
    task_options,
    task_spec,
)

CTX_PARAM = "ctx"  # a task function whose first parameter has this name receives the context


# -- @job ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    """A job built from its decorated function: its spec and its Python task functions."""

    spec: JobSpec
    functions: Mapping[str, Callable[..., Any]]

    @property
    def name(self) -> str:
        return self.spec.name

    def __call__(self) -> JobSpec:
        # Airflow users call the DAG function at the end of the file; the job is built already.
        return self.spec


@overload
def job(func: Callable[..., Any], /) -> Job: ...


@overload
def job(
    *,
    schedule: str | timedelta | None = None,
    start_date: str | date | None = None,
    catchup: bool = False,
    max_active_runs: int = 1,
    params: Mapping[str, Any] | None = None,
    tags: Sequence[str] = (),
    timezone: str = "UTC",
    description: str | None = None,
    on_failure: Callable[[dict[str, Any]], Any] | None = None,
    on_success: Callable[[dict[str, Any]], Any] | None = None,
    webhook: str | None = None,
) -> Callable[[Callable[..., Any]], Job]: ...


def job(
    func: Callable[..., Any] | None = None,
    /,
    *,
    schedule: str | timedelta | None = None,
    start_date: str | date | None = None,
    catchup: bool = False,
    max_active_runs: int = 1,
    params: Mapping[str, Any] | None = None,
    tags: Sequence[str] = (),
    timezone: str = "UTC",
    description: str | None = None,
    on_failure: Callable[[dict[str, Any]], Any] | None = None,
    on_success: Callable[[dict[str, Any]], Any] | None = None,
    webhook: str | None = None,
) -> Job | Callable[[Callable[..., Any]], Job]:
    """Make the decorated function a job named after it; its body defines the tasks.

    ``schedule``: a cron text (5 fields), a preset (``@daily``...), a ``timedelta`` (stored as
    ``"every <N>s"``) or None (manual runs only). ``start_date`` is an ISO date or datetime in
    ``timezone``. ``params`` are the job's parameters and their defaults (JSON values).
    ``on_failure``/``on_success``: top-level functions of the job file called with the run's
    summary (a dict) when a run ends so; ``webhook``: a URL that gets it as JSON either way.
    """
    settings = job_settings(
        schedule=schedule,
        start_date=start_date,
        catchup=catchup,
        max_active_runs=max_active_runs,
        params=params,
        tags=tags,
        timezone=timezone,
        description=description,
        on_failure=on_failure,
        on_success=on_success,
        webhook=webhook,
    )

    def decorate(function: Callable[..., Any]) -> Job:
        built = _build_job(function, settings)
        _JOB_COLLECTOR.add(built)
        return built

    return decorate(func) if func is not None else decorate


def _build_job(function: Callable[..., Any], settings: JobSettings) -> Job:
    name = check_id("job", function.__name__)
    builder = _JobBuilder(name, settings.params)
    if _BUILDS.current is not None:
        raise InvalidInputError(
            f"job '{name}' is defined inside job '{_BUILDS.current.job_name}'; define jobs "
            "at the top level of the file"
        )
    _BUILDS.current = builder
    try:
        function()
    finally:
        _BUILDS.current = None
    tasks = builder.specs()
    validate_dag(name, tasks)
    spec = JobSpec(
        name=name,
        tasks=tuple(tasks),
        file=function.__code__.co_filename,
        schedule=settings.schedule,
        start_date=settings.start_date,
        catchup=settings.catchup,
        max_active_runs=settings.max_active_runs,
        params=settings.params,
        tags=settings.tags,
        timezone=settings.timezone,
        description=settings.description or inspect.getdoc(function) or "",
        notifications=settings.notifications,
    )
    return Job(spec=spec, functions=dict(builder.functions))


class _Builds(threading.local):
    current: _JobBuilder | None = None


_BUILDS = _Builds()


class _JobCollector:
    """Collects the jobs a job file defines while it is imported (see ``job_file``)."""

    def __init__(self) -> None:
        self.jobs: list[Job] | None = None

    def add(self, built: Job) -> None:
        if self.jobs is None:
            return
        for other in self.jobs:
            if other.name == built.name:
                raise InvalidInputError(
                    f"two jobs are named '{built.name}'; rename one of the functions"
                )
        self.jobs.append(built)


_JOB_COLLECTOR = _JobCollector()


def current_builder(what: str) -> _JobBuilder:
    """The job being built; ``what`` (a task's name) is only allowed inside a job's body."""
    builder = _BUILDS.current
    if builder is None:
        raise InvalidInputError(
            f"{what} can only be used inside the body of a @job function (to call a task "
            "function's Python code directly, use its .function)"
        )
    return builder


# -- the build: tasks recorded while a job's body runs -----------------------------------------
@dataclass
class _TaskRecord:
    spec: TaskSpec
    upstream: list[str] = field(default_factory=list)

    def depend_on(self, task_id: str) -> None:
        if task_id not in self.upstream:
            self.upstream.append(task_id)


class _JobBuilder:
    def __init__(self, job_name: str, params: Mapping[str, Any]) -> None:
        self.job_name = job_name
        self.params = params
        self.records: list[_TaskRecord] = []
        self.functions: dict[str, Callable[..., Any]] = {}

    def add(self, spec: TaskSpec, function: Callable[..., Any] | None = None) -> TaskHandle:
        check_id("task", spec.task_id)
        record = _TaskRecord(spec)
        for parent in spec.upstream:
            record.depend_on(parent)
        self.records.append(record)
        if function is not None:
            # The first function keeps the name; validate_dag reports the duplicate.
            self.functions.setdefault(spec.task_id, function)
        return TaskHandle(spec.task_id, self)

    def record(self, task_id: str) -> _TaskRecord:
        for record in self.records:
            if record.spec.task_id == task_id:
                return record
        raise InvalidInputError(f"job '{self.job_name}' has no task '{task_id}'")

    def specs(self) -> list[TaskSpec]:
        return [replace(r.spec, upstream=tuple(r.upstream)) for r in self.records]


class TaskHandle:
    """A task recorded in a job's body; stands for its return value (like Airflow's XComArg).

    Pass it as an argument to another task function to hand that value downstream, or order
    tasks with ``a >> b`` (b runs after a), ``[a, b] >> c``, ``a << b``.
    """

    __slots__ = ("_builder", "task_id")

    def __init__(self, task_id: str, builder: _JobBuilder) -> None:
        self.task_id = task_id
        self._builder = builder

    def __repr__(self) -> str:
        return f"TaskHandle('{self._builder.job_name}.{self.task_id}')"

    def set_downstream(self, other: TaskHandle | Sequence[TaskHandle]) -> None:
        for handle in _handles(other):
            # The downstream task is recorded in its own job: a handle from another job's body
            # then names a task this job does not have, which validate_dag reports.
            handle._builder.record(handle.task_id).depend_on(self.task_id)

    def __rshift__(self, other: Any) -> Any:
        self.set_downstream(other)
        return other

    def __lshift__(self, other: Any) -> Any:
        for handle in _handles(other):
            handle.set_downstream(self)
        return other

    def __rrshift__(self, other: Any) -> TaskHandle:  # [a, b] >> self
        for handle in _handles(other):
            handle.set_downstream(self)
        return self

    def __rlshift__(self, other: Any) -> TaskHandle:  # [a, b] << self
        self.set_downstream(other)
        return self


def _handles(value: Any) -> list[TaskHandle]:
    items = list(value) if isinstance(value, list | tuple) else [value]
    for item in items:
        if not isinstance(item, TaskHandle):
            raise InvalidInputError(
                f">> and << order tasks: use the handles that task calls return, not "
                f"{type(item).__name__} {item!r}"
            )
    return items


# -- @task -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TaskFunction:
    """A function decorated with ``@task``: calling it inside a job's body records a task."""

    function: Callable[..., Any]
    kind: str  # "python" or "branch"
    task_id: str
    options: TaskOptions
    fixed: Mapping[str, Any] = field(default_factory=dict)  # from .partial(...)

    @property
    def takes_ctx(self) -> bool:
        params = list(inspect.signature(self.function).parameters)
        return bool(params) and params[0] == CTX_PARAM

    # Typed Any: inside a job's body the call stands for the task's return value, so that
    # ``report(extract())`` type-checks against ``report(n: int)``.
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        builder = current_builder(f"task '{self.task_id}'")
        bound = self._bind(args, {**self.fixed, **kwargs})
        return self._record(builder, bound, expand={})

    def override(self, *, task_id: str | None = None, **options: Any) -> TaskFunction:
        """A copy with another task id or options (Airflow's ``override``: tasks made in a loop)."""
        merged: dict[str, Any] = {**self.options, **options}
        name = self.task_id if task_id is None else check_id("task", task_id)
        return replace(self, task_id=name, options=task_options(**merged))

    def partial(self, **fixed: Any) -> TaskFunction:
        """A copy with arguments fixed for every mapped try of ``.expand``."""
        return replace(self, fixed={**self.fixed, **fixed})

    def expand(self, **mapped: Any) -> TaskHandle:
        """One try per item of an upstream task's list (dynamic fan-out, mapped at run time)."""
        builder = current_builder(f"task '{self.task_id}'")
        if not mapped:
            raise InvalidInputError(f"{self.task_id}.expand() needs a keyword argument")
        for param, value in mapped.items():
            if not isinstance(value, TaskHandle):
                raise InvalidInputError(
                    f"{self.task_id}.expand({param}=...) takes an upstream task's result (a "
                    "task call's handle); fix other arguments with .partial(...)"
                )
        parameters = self._signature_without_ctx().parameters
        unknown = [p for p in mapped if p not in parameters]
        if unknown:
            raise InvalidInputError(
                f"task '{self.task_id}' has no parameter '{unknown[0]}' to expand over"
            )
        bound = self._bind((), dict(self.fixed))
        return self._record(builder, bound, expand={p: h.task_id for p, h in mapped.items()})

    def _signature_without_ctx(self) -> inspect.Signature:
        signature = inspect.signature(self.function)
        params = list(signature.parameters.values())
        if self.takes_ctx:
            params = params[1:]
        return signature.replace(parameters=params)

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        signature = self._signature_without_ctx()
        try:
            bound = signature.bind_partial(*args, **kwargs)
        except TypeError as exc:
            raise InvalidInputError(f"task '{self.task_id}': {exc}") from None
        return dict(bound.arguments)

    def _record(
        self, builder: _JobBuilder, arguments: dict[str, Any], expand: Mapping[str, str]
    ) -> TaskHandle:
        inputs: dict[str, str] = {}
        literals: dict[str, Any] = {}
        for param, value in arguments.items():
            if isinstance(value, TaskHandle):
                inputs[param] = value.task_id
            else:
                _check_no_nested_handle(self.task_id, param, value)
                literals[param] = json_value(f"argument '{param}' of task '{self.task_id}'", value)
        self._check_every_parameter_gets_a_value(builder, {*arguments, *expand})
        config: dict[str, Any] = {}
        if literals:
            config["args"] = literals
        if expand:
            config["expand"] = dict(expand)
        upstream = [*inputs.values(), *(t for t in expand.values() if t not in inputs.values())]
        spec = task_spec(
            self.task_id, self.kind, config, self.options, upstream=upstream, inputs=inputs
        )
        return builder.add(spec, self.function)

    def _check_every_parameter_gets_a_value(self, builder: _JobBuilder, given: set[str]) -> None:
        for param in self._signature_without_ctx().parameters.values():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            if param.name in given or param.default is not param.empty:
                continue
            if param.name in builder.params or param.name == "params":
                continue
            raise InvalidInputError(
                f"parameter '{param.name}' of task '{self.task_id}' gets no value: pass an "
                f"upstream task's result or a value, give it a default, or add a job param "
                f"'{param.name}'"
            )


class TaskDecorator:
    """``@task`` / ``@task(...)``, and ``@task.branch`` for a task returning the ids to follow."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    @property
    def branch(self) -> TaskDecorator:
        return TaskDecorator("branch")

    @overload
    def __call__(self, func: Callable[..., Any], /) -> TaskFunction: ...

    @overload
    def __call__(
        self,
        /,
        *,
        retries: int = 0,
        retry_delay: float | timedelta = 0.0,
        retry_backoff: bool = False,
        timeout: float | timedelta | None = None,
        trigger_rule: str | TriggerRule = TriggerRule.ALL_SUCCESS,
        task_id: str | None = None,
        max_active_tis: int | None = None,
    ) -> Callable[[Callable[..., Any]], TaskFunction]: ...

    def __call__(
        self,
        func: Callable[..., Any] | None = None,
        /,
        *,
        retries: int = 0,
        retry_delay: float | timedelta = 0.0,
        retry_backoff: bool = False,
        timeout: float | timedelta | None = None,
        trigger_rule: str | TriggerRule = TriggerRule.ALL_SUCCESS,
        task_id: str | None = None,
        max_active_tis: int | None = None,
    ) -> TaskFunction | Callable[[Callable[..., Any]], TaskFunction]:
        options = task_options(
            retries=retries,
            retry_delay=retry_delay,
            retry_backoff=retry_backoff,
            timeout=timeout,
            trigger_rule=trigger_rule,
            max_active_tis=max_active_tis,
        )

        def decorate(function: Callable[..., Any]) -> TaskFunction:
            if not callable(function):
                raise InvalidInputError(f"@task decorates a function, not {function!r}")
            name = check_id("task", function.__name__ if task_id is None else task_id)
            return TaskFunction(function=function, kind=self.kind, task_id=name, options=options)

        return decorate(func) if func is not None else decorate


task = TaskDecorator("python")


def _check_no_nested_handle(task_id: str, param: str, value: Any) -> None:
    items: Iterable[Any] = ()
    if isinstance(value, list | tuple | set):
        items = value
    elif isinstance(value, dict):
        items = value.values()
    for item in items:
        if isinstance(item, TaskHandle):
            raise InvalidInputError(
                f"argument '{param}' of task '{task_id}' holds the result of task "
                f"'{item.task_id}' inside a {type(value).__name__}; pass each upstream result "
                "as its own argument"
            )
        _check_no_nested_handle(task_id, param, item)
