"""JobSpec <-> JSON: how a loaded job crosses process boundaries and is stored."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from brickyard.domain.errors import InvalidInputError
from brickyard.domain.jobs import JobSpec, TaskSpec, TriggerRule


def job_to_json(spec: JobSpec) -> dict[str, Any]:
    """A JSON-ready dict of the job (tuples as lists, enums as their text)."""
    return {
        "name": spec.name,
        "file": spec.file,
        "schedule": spec.schedule,
        "start_date": spec.start_date,
        "catchup": spec.catchup,
        "max_active_runs": spec.max_active_runs,
        "params": dict(spec.params),
        "tags": list(spec.tags),
        "timezone": spec.timezone,
        "description": spec.description,
        "notifications": dict(spec.notifications),
        "tasks": [task_to_json(t) for t in spec.tasks],
    }


def task_to_json(spec: TaskSpec) -> dict[str, Any]:
    return {
        "task_id": spec.task_id,
        "kind": spec.kind,
        "upstream": list(spec.upstream),
        "config": dict(spec.config),
        "inputs": dict(spec.inputs),
        "retries": spec.retries,
        "retry_delay_s": spec.retry_delay_s,
        "retry_backoff": spec.retry_backoff,
        "timeout_s": spec.timeout_s,
        "trigger_rule": spec.trigger_rule.value,
        "max_active_tis": spec.max_active_tis,
    }


def job_from_json(data: Mapping[str, Any]) -> JobSpec:
    """The JobSpec ``job_to_json`` made; raises InvalidInputError on a malformed document."""
    try:
        return JobSpec(
            name=data["name"],
            file=data.get("file", ""),
            schedule=data.get("schedule"),
            start_date=data.get("start_date"),
            catchup=bool(data.get("catchup", False)),
            max_active_runs=int(data.get("max_active_runs", 1)),
            params=dict(data.get("params", {})),
            tags=tuple(data.get("tags", ())),
            timezone=data.get("timezone", "UTC"),
            description=data.get("description", ""),
            notifications={str(k): str(v) for k, v in data.get("notifications", {}).items()},
            tasks=tuple(task_from_json(t) for t in data["tasks"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInputError(f"malformed job definition: {type(exc).__name__}: {exc}") from None


def task_from_json(data: Mapping[str, Any]) -> TaskSpec:
    timeout = data.get("timeout_s")
    return TaskSpec(
        task_id=data["task_id"],
        kind=data["kind"],
        upstream=tuple(data.get("upstream", ())),
        config=dict(data.get("config", {})),
        inputs=dict(data.get("inputs", {})),
        retries=int(data.get("retries", 0)),
        retry_delay_s=float(data.get("retry_delay_s", 0.0)),
        retry_backoff=bool(data.get("retry_backoff", False)),
        timeout_s=float(timeout) if timeout is not None else None,
        trigger_rule=TriggerRule(data.get("trigger_rule", TriggerRule.ALL_SUCCESS)),
        max_active_tis=_optional_int(data.get("max_active_tis")),
    )


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def dumps(spec: JobSpec) -> str:
    return json.dumps(job_to_json(spec), sort_keys=True)


def loads(text: str) -> JobSpec:
    return job_from_json(json.loads(text))
