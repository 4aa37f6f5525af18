"""The composition root: reads the config, builds the adapters, wires the services."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brickyard.adapters.delta_storage import DeltaStorage
from brickyard.adapters.metadata_sql import SqlMetadataStore
from brickyard.adapters.metadata_sql.jobs_store import SqlJobStore
from brickyard.adapters.system_clock import SystemClock
from brickyard.config import Config, default_home
from brickyard.home import init_home
from brickyard.ports import Clock
from brickyard.services.catalog import DEFAULT_CATALOG, DEFAULT_SCHEMA, CatalogService
from brickyard.services.jobs import JobsService
from brickyard.services.tokens import TokenService

if TYPE_CHECKING:
    from brickyard.adapters.mlflow_server import MlflowStores
    from brickyard.domain.job_runs import RunInfo, TaskRunInfo
    from brickyard.services.job_runner import JobRunner


class Workspace:
    """One Brickyard workspace: its home, configuration and services."""

    def __init__(self, config: Config, clock: Clock | None = None, user: str | None = None) -> None:
        self.config = config
        self.home = config.home
        self.user = user or _current_user()
        clock = clock or SystemClock()
        self.store = SqlMetadataStore(config.metadata_url)
        self.storage = DeltaStorage(config.warehouse, config.storage_options, self.user)
        self.catalog = CatalogService(self.store, self.storage, clock, self.user)
        self.tokens = TokenService(self.store, clock)
        self.clock = clock
        self.job_store = SqlJobStore(self.store.engine)
        self.jobs = JobsService(
            self.job_store,
            clock,
            self._home_path(str(config.get("jobs.dir"))),
            float(config.get("jobs.load_timeout_s")),
        )
        if not self.store.list_catalogs(limit=1):
            # A new metadata DB: every workspace starts with main.default, as Databricks does.
            self.catalog.create_catalog(DEFAULT_CATALOG, "Default catalog", if_not_exists=True)
            self.catalog.create_schema(
                f"{DEFAULT_CATALOG}.{DEFAULT_SCHEMA}", "Default schema", if_not_exists=True
            )

    def job_runner(
        self,
        slots: int | None = None,
        schedule: bool = False,
        execute: bool = True,
        reload_jobs: bool = False,
    ) -> JobRunner:
        """This workspace's jobs loop: the scheduler (creating scheduled runs when
        ``schedule``), the executor (when ``execute``), reloading changed job files."""
        from brickyard.adapters.local_executor.executor import ExecutorSettings, LocalExecutor
        from brickyard.ml.client import client_environment
        from brickyard.services.job_runner import JobRunner
        from brickyard.services.scheduler import Scheduler

        settings = ExecutorSettings(
            home=Path(self.home),
            logs_dir=self.logs_dir,
            slots=int(slots or self.config.get("jobs.slots")),
            memory_mb=int(self.config.get("jobs.task_memory_mb")),
            value_max_bytes=int(self.config.get("jobs.task_value_max_bytes")),
            ml_env=client_environment(self.config),
        )
        scheduler = Scheduler(
            self.job_store,
            self.clock,
            float(self.config.get("jobs.heartbeat_timeout_s")),
            self.jobs if schedule else None,
            self._notify,
            self._finished_value,
        )
        executor = LocalExecutor(self.job_store, self.clock, settings) if execute else None
        return JobRunner(
            scheduler, executor, before_tick=self.jobs.reload_if_changed if reload_jobs else None
        )

    def _finished_value(self, run: RunInfo, task_run: TaskRunInfo) -> tuple[bool, Any]:
        from brickyard.adapters.local_executor.executor import outcome_on_disk

        outcome = outcome_on_disk(self.logs_dir, run, task_run)
        return (True, outcome.value) if outcome is not None else (False, None)

    def _notify(self, run: RunInfo) -> None:
        """Report a run's end in a process of its own (callbacks may be slow or fail)."""
        import subprocess
        import sys

        log = self.logs_dir / run.job_name / str(run.id) / "_notifications.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "brickyard.jobs.notify"]
        command += ["--home", str(self.home), "--run-id", str(run.id)]
        with log.open("ab") as output:
            subprocess.Popen(
                command,
                stdout=output,
                stderr=output,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    @property
    def ml_stores(self) -> MlflowStores:
        """Where this workspace's MLflow data lives (``[ml]`` in brickyard.toml)."""
        from brickyard.adapters.mlflow_server import MlflowStores

        return MlflowStores(self.config.ml_backend_store, self.config.ml_artifact_root)

    @property
    def logs_dir(self) -> Path:
        return self._home_path(str(self.config.get("logs.dir")))

    def _home_path(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else Path(self.home) / path

    def __repr__(self) -> str:
        return f"Workspace(home='{self.home}')"

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.store.close()


def connect(home: str | Path | None = None, demo: bool = False) -> Workspace:
    """Open the workspace at ``home`` (default ``$BRICKYARD_HOME`` or ``~/.brickyard``).

    A missing or empty home is initialised exactly as ``brickyard init`` does.
    """
    config = init_home(Path(home) if home is not None else default_home())
    from brickyard.ml.client import point_mlflow_at

    point_mlflow_at(config)  # `import mlflow` after this tracks into the workspace
    workspace = Workspace(config)
    if demo:
        from brickyard.demo import seed_demo

        seed_demo(workspace)
    return workspace


def _current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
