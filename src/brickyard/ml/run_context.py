"""Tags on the MLflow runs a job's task creates (an ``mlflow.run_context_provider`` plugin).

MLflow calls this for every run made with ``mlflow.start_run`` (or implicitly by logging with
no active run); inside a task try it adds the job, run, task, try and logical date, so the
run can be found from the job run and the job run from the MLflow UI.
"""

from __future__ import annotations

import os

from mlflow.tracking.context.abstract_context import RunContextProvider

TAGS = {
    "brickyard.job": "BRICKYARD_JOB",
    "brickyard.run_id": "BRICKYARD_RUN_ID",
    "brickyard.task": "BRICKYARD_TASK",
    "brickyard.try": "BRICKYARD_TRY",
    "brickyard.logical_date": "BRICKYARD_LOGICAL_DATE",
    "brickyard.map_index": "BRICKYARD_MAP_INDEX",  # one item of an expanded task
}


class TaskRunContext(RunContextProvider):  # type: ignore[misc]
    def in_context(self) -> bool:
        return bool(os.environ.get("BRICKYARD_RUN_ID") and os.environ.get("BRICKYARD_TASK"))

    def tags(self) -> dict[str, str]:
        return {tag: os.environ[var] for tag, var in TAGS.items() if os.environ.get(var)}
