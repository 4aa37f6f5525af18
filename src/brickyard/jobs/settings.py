"""Checking what a job file writes: job settings, task options, names; making TaskSpecs.

Each check raises InvalidInputError with a message naming the setting, which the loader shows
as the file's load error. Schedules, start dates and time zones are read by the schedules
domain, so that a bad cron names its field here as the scheduler would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypedDict

from brickyard.domain.errors import InvalidInputError
from brickyard.domain.jobs import TaskSpec, TriggerRule
from brickyard.domain.schedules import interval_text, parse_local_datetime, parse_schedule, zone_of

_ID = re.compile(r"^[A-Za-z0-9_-]{1,200}$")


class TaskOptions(TypedDict, total=False):
    """Retry, timeout and trigger settings every task type takes as keywords."""

    retries: int
    retry_delay: float | timedelta
    retry_backoff: bool
    timeout: float | timedelta | None
    trigger_rule: str | TriggerRule
    max_active_tis: int | None


@dataclass(frozen=True)
class JobSettings:
    schedule: str | None
    start_date: str | None
    catchup: bool
    max_active_runs: int
    params: dict[str, Any]
    tags: tuple[str, ...]
    timezone: str
    description: str
    notifications: dict[str, str]


def job_settings(
    *,
    schedule: Any,
    start_date: Any,
    catchup: Any,
    max_active_runs: Any,
    params: Any,
    tags: Any,
    timezone: Any,
    description: Any,
    on_failure: Any = None,
    on_success: Any = None,
    webhook: Any = None,
) -> JobSettings:
    """The checked settings of ``@job(...)``."""
    zone = _timezone(timezone)
    return JobSettings(
        schedule=_schedule_text(schedule, zone),
        start_date=_start_date_text(start_date, zone),
        catchup=_check_type("catchup", catchup, bool),
        max_active_runs=_positive_int("max_active_runs", max_active_runs),
        params=_json_params(params),
        tags=_tags(tags),
        timezone=zone,
        description=description if description is not None else "",
        notifications=_notifications(on_failure, on_success, webhook),
    )


def _notifications(on_failure: Any, on_success: Any, webhook: Any) -> dict[str, str]:
    """Callbacks by name (top-level functions of the job file) and the webhook URL."""
    found: dict[str, str] = {}
    for key, callback in (("on_failure", on_failure), ("on_success", on_success)):
        if callback is None:
            continue
        qualname = getattr(callback, "__qualname__", "")
        if not callable(callback) or not qualname or "<" in qualname or "." in qualname:
            raise InvalidInputError(
                f"{key} must be a function defined at the top level of the job file (it is "
                f"called by name when a run ends), not {callback!r}"
            )
        found[key] = qualname
    if webhook is not None:
        if not isinstance(webhook, str) or not webhook.startswith(("http://", "https://")):
            raise InvalidInputError(f"webhook must be an http(s) URL, not {webhook!r}")
        found["webhook"] = webhook
    return found


def task_spec(
    task_id: str,
    kind: str,
    config: Mapping[str, Any],
    options: TaskOptions,
    upstream: Iterable[str] = (),
    inputs: Mapping[str, str] | None = None,
) -> TaskSpec:
    """A TaskSpec from a task's settings (``options`` already checked by ``task_options``)."""
    json_value(f"the settings of task '{task_id}'", dict(config))
    timeout = options.get("timeout")
    return TaskSpec(
        task_id=task_id,
        kind=kind,
        upstream=tuple(dict.fromkeys(upstream)),
        config=dict(config),
        inputs=dict(inputs or {}),
        retries=options.get("retries", 0),
        retry_delay_s=float(seconds("retry_delay", options.get("retry_delay", 0.0)) or 0.0),
        retry_backoff=options.get("retry_backoff", False),
        timeout_s=seconds("timeout", timeout),
        trigger_rule=TriggerRule(options.get("trigger_rule", TriggerRule.ALL_SUCCESS)),
        max_active_tis=options.get("max_active_tis"),
    )


def task_options(**options: Any) -> TaskOptions:
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
        checked["retry_delay"] = seconds("retry_delay", options["retry_delay"]) or 0.0
    if "retry_backoff" in options:
        checked["retry_backoff"] = _check_type("retry_backoff", options["retry_backoff"], bool)
    if "timeout" in options:
        checked["timeout"] = seconds("timeout", options["timeout"])
    if "trigger_rule" in options:
        checked["trigger_rule"] = trigger_rule(options["trigger_rule"])
    if options.get("max_active_tis") is not None:
        limit = options["max_active_tis"]
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise InvalidInputError(f"max_active_tis must be a whole number >= 1, not {limit!r}")
        checked["max_active_tis"] = limit
    return checked


def check_id(what: str, name: Any) -> str:
    """A job or task name: letters, digits, ``_`` and ``-``."""
    if not isinstance(name, str) or not _ID.match(name):
        raise InvalidInputError(
            f"invalid {what} name {name!r}: use letters, digits, '_' and '-' (at most 200)"
        )
    return name


def trigger_rule(value: Any) -> TriggerRule:
    try:
        return TriggerRule(value)
    except ValueError:
        raise InvalidInputError(
            f"unknown trigger_rule {value!r}; use one of {', '.join(r.value for r in TriggerRule)}"
        ) from None


def seconds(what: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InvalidInputError(
            f"{what} must be a number of seconds >= 0 or a datetime.timedelta, not {value!r}"
        )
    return float(value)


def json_value(what: str, value: Any) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{what} must be a JSON value: {exc}") from None
    return value


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
    return dict(json_value("params", dict(params)))


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
