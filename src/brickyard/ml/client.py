"""Pointing the mlflow client at the workspace.

Clients in Brickyard's own processes (tasks, notebooks, ``brickyard.connect()``) talk to the
workspace's store directly (its SQLite file or Postgres schema, artifacts in the artifact
root): no server needed, and nothing of HTTP in the way. ``brickyard up`` serves the same
store at ``/mlflow`` for the UI and remote clients. Nothing here imports mlflow (slow to
import): it sets the environment the mlflow client reads when it is imported.
"""

from __future__ import annotations

import getpass
import os
from types import ModuleType

from brickyard.config import Config

# mlflow reads the default artifact root of a store it opens itself from the variable its
# server sets for its workers (private: checked by tests/ml/test_mlflow_contract.py).
ARTIFACT_ROOT_VAR = "_MLFLOW_SERVER_ARTIFACT_ROOT"

# Every value point_mlflow_at has set per variable, to tell them from the user's own: a value
# set here for another workspace (even one restored by code that saved it) is replaced.
_SET_HERE: dict[str, set[str]] = {}


def client_environment(config: Config) -> dict[str, str]:
    """The environment variables that point an mlflow client at this workspace."""
    uri = config.ml_backend_store
    env = {
        "MLFLOW_TRACKING_URI": uri,
        "MLFLOW_REGISTRY_URI": uri,
        ARTIFACT_ROOT_VAR: config.ml_artifact_root,
    }
    if config.ml_artifact_root.startswith("s3://"):
        env.update(_s3_environment(config.storage_options))
    return env


def _s3_environment(options: dict[str, str]) -> dict[str, str]:
    """The warehouse's S3 settings (delta-rs option names) as the boto3 variables mlflow uses."""
    names = {
        "aws_endpoint_url": "MLFLOW_S3_ENDPOINT_URL",
        "aws_access_key_id": "AWS_ACCESS_KEY_ID",
        "aws_secret_access_key": "AWS_SECRET_ACCESS_KEY",
        "aws_region": "AWS_DEFAULT_REGION",
        "aws_session_token": "AWS_SESSION_TOKEN",
    }
    return {names[k]: v for k, v in options.items() if k in names}


def default_experiment() -> str:
    """``/jobs/<job>`` inside a job's task, ``/users/<user>/scratch`` elsewhere."""
    job = os.environ.get("BRICKYARD_JOB")
    if job:
        return f"/jobs/{job}"
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"/users/{user}/scratch"


def point_mlflow_at(config: Config, override: bool = False) -> None:
    """Set this process's mlflow environment for the workspace of ``config``.

    Variables the user (or a task's runner) already set win unless ``override``. If mlflow is
    already imported, its tracking and registry URIs are set too.
    """
    import sys

    from brickyard.adapters.mlflow_server import MlflowStores, prepare

    env = client_environment(config)
    if not os.environ.get("MLFLOW_EXPERIMENT_ID"):
        env["MLFLOW_EXPERIMENT_NAME"] = default_experiment()
    for key, value in env.items():
        if override or key not in os.environ or os.environ[key] in _SET_HERE.get(key, ()):
            os.environ[key] = value
            _SET_HERE.setdefault(key, set()).add(value)
    if os.environ["MLFLOW_TRACKING_URI"] == config.ml_backend_store:
        prepare(MlflowStores(config.ml_backend_store, config.ml_artifact_root))
    mlflow = sys.modules.get("mlflow")
    if mlflow is not None:
        mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
        mlflow.set_registry_uri(os.environ["MLFLOW_REGISTRY_URI"])


def mlflow(home: str | os.PathLike[str] | None = None) -> ModuleType:
    """The ``mlflow`` module, pointed at the workspace (``$BRICKYARD_HOME`` by default):
    tracking and registry URI, artifact root, default experiment."""
    from pathlib import Path

    from brickyard.config import default_home
    from brickyard.home import init_home

    config = init_home(Path(home) if home is not None else default_home())
    point_mlflow_at(config)
    import mlflow as module

    return module
