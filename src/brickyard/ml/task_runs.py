"""The MLflow runs of a job task's try: found, ended and linked when the try ends.

A try's process has ``MLFLOW_TRACKING_URI`` and ``MLFLOW_EXPERIMENT_NAME=/jobs/<job>`` set
(no MLflow run yet: a task that never uses MLflow leaves no empty run). Runs it creates get
the ``brickyard.*`` tags from the run-context plugin (``brickyard.ml.run_context``). When the
task returns, the runs still open are ended (FAILED if the task failed), the tables the try
read are logged to each as dataset inputs, and their ids go to the try's record.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Run

# The tags that single out this try's runs (the job's name is implied by its run id).
TRY_TAGS = {
    "brickyard.job": "BRICKYARD_JOB",
    "brickyard.run_id": "BRICKYARD_RUN_ID",
    "brickyard.task": "BRICKYARD_TASK",
    "brickyard.try": "BRICKYARD_TRY",
    "brickyard.map_index": "BRICKYARD_MAP_INDEX",
}

_log = logging.getLogger(__name__)


def finish_try_runs(succeeded: bool) -> list[str]:
    """End and find the MLflow runs of this try; their ids (none if MLflow was not used)."""
    if "mlflow" not in sys.modules:
        return []
    try:
        return _finish(succeeded)
    except Exception:  # the task's outcome stands even if MLflow is unreachable now
        _log.warning("could not link the MLflow runs of this try", exc_info=True)
        return []


def _finish(succeeded: bool) -> list[str]:
    import mlflow

    from brickyard.ml.lineage import log_reads

    status = "FINISHED" if succeeded else "FAILED"
    while mlflow.active_run() is not None:
        mlflow.end_run(status)
    client = mlflow.MlflowClient()
    tags = {
        tag: os.environ[var]
        for tag, var in TRY_TAGS.items()
        if tag != "brickyard.job" and os.environ.get(var)
    }
    runs = _end_try_runs(client, tags, status)
    for run in runs:
        log_reads(run.info.run_id)
    for experiment_id in {run.info.experiment_id for run in runs}:
        _mark_model_development(client, experiment_id)
    return [run.info.run_id for run in runs]


def _end_try_runs(client: MlflowClient, tags: dict[str, str], status: str) -> list[Run]:
    """The runs tagged with a try's ``tags`` (oldest first); those still RUNNING (made with
    the client API and never ended, or left by a killed process) are ended ``status``."""
    from mlflow.entities import ViewType

    experiments = [e.experiment_id for e in client.search_experiments(ViewType.ACTIVE_ONLY)]
    if not experiments or not tags:  # no tags would select every run of the workspace
        return []
    for value in tags.values():  # ids, numbers and task names: never a quote in a filter
        if "'" in value:
            raise ValueError(f"a try's tag value cannot hold a quote: {value!r}")
    where = " and ".join(f"tags.`{tag}` = '{value}'" for tag, value in tags.items())
    runs = client.search_runs(experiments, where, max_results=1000)
    for run in runs:
        if run.info.status == "RUNNING":
            client.set_terminated(run.info.run_id, status)
    return sorted(runs, key=lambda r: r.info.start_time or 0)


def end_killed_try_runs(
    env: dict[str, str], run_id: int, task_id: str, try_number: int, map_index: int = -1
) -> list[str]:
    """For the process that ran a try's process, once that one was killed (a timeout) or died:
    the try's MLflow runs still RUNNING are ended KILLED; the ids of all its runs, to link.

    The try's own process ends and links its runs when it returns; this is for when it never
    did. MLflow is only imported when its store exists (a try of a workspace that never used
    MLflow costs nothing)."""
    uri = env.get("MLFLOW_TRACKING_URI", "")
    if not uri or (uri.startswith("sqlite:///") and not os.path.exists(uri[len("sqlite:///") :])):
        return []
    try:
        return _end_killed(uri, run_id, task_id, try_number, map_index)
    except Exception:  # the try's outcome stands even if MLflow is unreachable now
        _log.warning("could not end the MLflow runs of a killed try", exc_info=True)
        return []


def _end_killed(uri: str, run_id: int, task_id: str, try_number: int, map_index: int) -> list[str]:
    from mlflow import MlflowClient

    tags = {
        "brickyard.run_id": str(run_id),
        "brickyard.task": task_id,
        "brickyard.try": str(try_number),
    }
    if map_index >= 0:
        tags["brickyard.map_index"] = str(map_index)
    runs = _end_try_runs(MlflowClient(tracking_uri=uri), tags, "KILLED")
    return [run.info.run_id for run in runs]


# MLflow's UI opens an experiment of no declared kind on its GenAI (traces) pages; a job's
# runs are model training: declared so, its runs table opens. A kind set by the user stays.
EXPERIMENT_KIND_TAG = "mlflow.experimentKind"
MODEL_DEVELOPMENT = "custom_model_development"


def _mark_model_development(client: MlflowClient, experiment_id: str) -> None:
    if EXPERIMENT_KIND_TAG not in client.get_experiment(experiment_id).tags:
        client.set_experiment_tag(experiment_id, EXPERIMENT_KIND_TAG, MODEL_DEVELOPMENT)
