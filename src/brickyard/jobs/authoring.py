"""The authoring API job files use: ``@job``, ``@task``, task handles and ``>>``.

``@job`` runs the decorated function at once, in a *build*: every task function called (and
every task type function such as ``sql_task``) inside it records a task and returns a
``TaskHandle``; passing a handle as an argument makes the task depend on the handle's task and
receive its return value. When the body returns, the tasks become a ``JobSpec`` checked by the
domain's ``validate_dag`` (duplicate names, unknown dependencies, cycles).
"""

from __future__ import annotations

import inspect
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, TypedDict, overload

from brickyard.domain.errors import InvalidInputError
from brickyard.domain.jobs import JobSpec, TaskSpec, TriggerRule, validate_dag
from brickyard.domain.schedules import interval_text, parse_local_datetime, parse_schedule, zone_of

_ID = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
CTX_PARAM = "ctx"  # a task function whose first parameter has this name receives the context


class TaskOptions(TypedDict, total=False):
    """Retry, timeout and trigger settings every task type takes as keywords."""

    retries: int
    retry_delay: float | timedelta
    retry_backoff: bool
    timeout: float | timedelta | None
    trigger_rule: str | TriggerRule


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
) -> Job | Callable[[Callable[..., Any]], Job]:
    """Make the decorated function a job named after it; its body defines the tasks.

    ``schedule``: a cron text (5 fields), a preset (``@daily``...), a ``timedelta`` (stored as
    ``"every <N>s"``) or None (manual runs only). ``start_date`` is an ISO date or datetime in
    ``timezone``. ``params`` are the job's parameters and their defaults (JSON values).
    """
    zone = _timezone(timezone)
    settings = _JobSettings(
        schedule=_schedule_text(schedule, zone),
        start_date=_start_date_text(start_date, zone),
        catchup=_check_type("catchup", catchup, bool),
        max_active_runs=_positive_int("max_active_runs", max_active_runs),
        params=_json_params(params),
        tags=_tags(tags),
        timezone=zone,
        description=description if description is not None else "",
    )

    def decorate(function: Callable[..., Any]) -> Job:
        built = _build_job(function, settings)
        _JOB_COLLECTOR.add(built)
        return built

    return decorate(func) if func is not None else decorate


@dataclass(frozen=True)
class _JobSettings:
    schedule: str | None
    start_date: str | None
    catchup: bool
    max_active_runs: int
    params: dict[str, Any]
    tags: tuple[str, ...]
    timezone: str
    description: str


def _build_job(function: Callable[..., Any], settings: _JobSettings) -> Job:
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
        return replace(self, task_id=name, options=_options(**merged))

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
                literals[param] = _json_value(f"argument '{param}' of task '{self.task_id}'", value)
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
    ) -> TaskFunction | Callable[[Callable[..., Any]], TaskFunction]:
        options = _options(
            retries=retries,
            retry_delay=retry_delay,
            retry_backoff=retry_backoff,
            timeout=timeout,
            trigger_rule=trigger_rule,
        )

        def decorate(function: Callable[..., Any]) -> TaskFunction:
            if not callable(function):
                raise InvalidInputError(f"@task decorates a function, not {function!r}")
            name = check_id("task", function.__name__ if task_id is None else task_id)
            return TaskFunction(function=function, kind=self.kind, task_id=name, options=options)

        return decorate(func) if func is not None else decorate


task = TaskDecorator("python")


# -- shared by task types ------------------------------------------------------------------------
def task_spec(
    task_id: str,
    kind: str,
    config: Mapping[str, Any],
    options: TaskOptions,
    upstream: Iterable[str] = (),
    inputs: Mapping[str, str] | None = None,
) -> TaskSpec:
    """A TaskSpec from a task's settings (``options`` already checked by ``_options``)."""
    _json_value(f"the settings of task '{task_id}'", dict(config))
    timeout = options.get("timeout")
    return TaskSpec(
        task_id=task_id,
        kind=kind,
        upstream=tuple(dict.fromkeys(upstream)),
        config=dict(config),
        inputs=dict(inputs or {}),
        retries=options.get("retries", 0),
        retry_delay_s=float(_seconds("retry_delay", options.get("retry_delay", 0.0)) or 0.0),
        retry_backoff=options.get("retry_backoff", False),
        timeout_s=_seconds("timeout", timeout),
        trigger_rule=TriggerRule(options.get("trigger_rule", TriggerRule.ALL_SUCCESS)),
    )


def _options(**options: Any) -> TaskOptions:
    """Checked task options: a message naming the bad one, as a load error."""
    known = set(TaskOptions.__annotations__)
    unknown = sorted(set(options) - known)
    if unknown:
        raise InvalidInputError(
            f"unknown task option '{unknown[0]}'; the options are {', '.join(sorted(known))}"
        )
    checked: TaskOptions = {}
    if "retries" in options:
        retries = options["retries"]
        if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
            raise InvalidInputError(f"retries must be a whole number >= 0, not {retries!r}")
        checked["retries"] = retries
    if "retry_delay" in options:
        checked["retry_delay"] = _seconds("retry_delay", options["retry_delay"]) or 0.0
    if "retry_backoff" in options:
        checked["retry_backoff"] = _check_type("retry_backoff", options["retry_backoff"], bool)
    if "timeout" in options:
        checked["timeout"] = _seconds("timeout", options["timeout"])
    if "trigger_rule" in options:
        checked["trigger_rule"] = _trigger_rule(options["trigger_rule"])
    return checked


def check_id(what: str, name: Any) -> str:
    """A job or task name: letters, digits, ``_`` and ``-``."""
    if not isinstance(name, str) or not _ID.match(name):
        raise InvalidInputError(
            f"invalid {what} name {name!r}: use letters, digits, '_' and '-' (at most 200)"
        )
    return name


def _trigger_rule(value: Any) -> TriggerRule:
    try:
        return TriggerRule(value)
    except ValueError:
        raise InvalidInputError(
            f"unknown trigger_rule {value!r}; use one of {', '.join(r.value for r in TriggerRule)}"
        ) from None


def _seconds(what: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InvalidInputError(
            f"{what} must be a number of seconds >= 0 or a datetime.timedelta, not {value!r}"
        )
    return float(value)


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


def _json_value(what: str, value: Any) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{what} must be a JSON value: {exc}") from None
    return value


# -- job settings --------------------------------------------------------------------------
def _schedule_text(schedule: Any, timezone: str) -> str | None:
    """The schedule as JobSpec text, checked by the schedules domain (the field that is wrong)."""
    if isinstance(schedule, timedelta):
        return interval_text(schedule)
    if schedule is not None and not isinstance(schedule, str):
        raise InvalidInputError(
            "schedule must be a cron text ('0 3 * * *'), a preset ('@daily'), a "
            f"datetime.timedelta or None, not {type(schedule).__name__} {schedule!r}"
        )
    return parse_schedule(schedule, timezone).text


def _start_date_text(value: Any, timezone: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):  # datetime is a date too
        return value.isoformat()
    if not isinstance(value, str):
        raise InvalidInputError(f"start_date must be an ISO date text or a date, not {value!r}")
    parse_local_datetime(value, timezone)
    return value.strip()


def _json_params(params: Any) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, Mapping) or not all(isinstance(k, str) for k in params):
        raise InvalidInputError(f"params must be a dict with text keys, not {params!r}")
    return dict(_json_value("params", dict(params)))


def _tags(tags: Any) -> tuple[str, ...]:
    if isinstance(tags, str) or not all(isinstance(t, str) for t in tags):
        raise InvalidInputError(f"tags must be a list of texts, not {tags!r}")
    return tuple(tags)


def _timezone(name: Any) -> str:
    if not isinstance(name, str):
        raise InvalidInputError(f"timezone must be an IANA name like 'UTC', not {name!r}")
    zone_of(name)
    return name


def _positive_int(what: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidInputError(f"{what} must be a whole number >= 1, not {value!r}")
    return value


def _check_type(what: str, value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise InvalidInputError(f"{what} must be a {kind.__name__}, not {value!r}")
    return value
