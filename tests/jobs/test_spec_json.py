"""JobSpec <-> JSON round trip (the loader's wire format)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from brickyard import InvalidInputError, job, task
from brickyard.domain.spec_json import dumps, job_from_json, job_to_json, loads
from brickyard.jobs import file_sensor, shell_task, sql_task


def test_round_trip_of_a_job_with_every_kind_of_setting() -> None:
    @job(schedule=timedelta(hours=1), start_date="2026-01-01T06:00:00", catchup=True,
         max_active_runs=3, params={"region": "EU", "limits": [1, 2], "deep": {"a": None}},
         tags=["a", "b"], timezone="Europe/Paris", description="all of it")
    def everything():
        @task(retries=2, retry_delay=1.5, retry_backoff=True, timeout=30, trigger_rule="all_done")
        def extract() -> list[int]:
            return [1]

        @task.branch
        def choose(values: list[int]) -> str:
            return "load"

        @task
        def process(item: int, scale: float) -> int:
            return item

        values = extract()
        wait = file_sensor("wait", "/in/*.csv", poke_interval=5)
        wait >> choose(values) >> [sql_task("load", "SELECT 1"), shell_task("copy", "true")]
        process.partial(scale=0.5).expand(item=values)

    spec = everything.spec
    text = dumps(spec)
    assert loads(text) == spec
    assert job_from_json(json.loads(json.dumps(job_to_json(spec)))) == spec
    assert json.loads(text)["tasks"][0]["trigger_rule"] == "all_done"


def test_a_malformed_document_is_an_input_error() -> None:
    with pytest.raises(InvalidInputError, match="malformed job definition"):
        job_from_json({"name": "x"})
    with pytest.raises(InvalidInputError, match="malformed job definition"):
        job_from_json({"name": "x", "tasks": [{"task_id": "a", "kind": "python", "trigger_rule": "never"}]})
