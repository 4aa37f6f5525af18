"""Workspace configuration: ``<home>/brickyard.toml`` with env var overrides.

Every key can be overridden by an env var named after its full path, upper-case, joined by
underscores: ``metadata.url`` -> ``BRICKYARD_METADATA_URL``. Keys of the free-form table
``[storage.options]`` (object-store settings passed to delta-rs) are taken from any
``BRICKYARD_STORAGE_OPTIONS_<KEY>`` variable.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brickyard.domain.errors import ConfigError

CONFIG_FILE = "brickyard.toml"
ENV_PREFIX = "BRICKYARD_"
HOME_ENV = "BRICKYARD_HOME"

DEFAULTS: dict[str, Any] = {
    "metadata": {"url": ""},
    "storage": {"warehouse": "warehouse", "options": {}},
    "server": {
        "host": "127.0.0.1",
        "port": 8585,
        "auth": False,
        "session_hours": 12,
        "max_request_mb": 64,
        "threads": 4,
        "query_threads": 8,
    },
    "engine": {
        "default": "duckdb",
        "duckdb": {"memory_limit": "60%", "temp_directory": "tmp/duckdb", "threads": 0},
        "spark": {
            "master": "local[*]",
            "remote": "",
            "driver_memory": "1g",
            "shuffle_partitions": 8,
        },
    },
    "jobs": {
        "dir": "jobs",
        "slots": 8,
        "task_memory_mb": 4096,
        "task_value_max_bytes": 65536,
        "heartbeat_timeout_s": 30,
        "load_timeout_s": 30,
    },
    "logs": {"dir": "logs"},
    "ml": {"backend_store": "", "artifact_root": "", "serving": {}},
    "notebooks": {"jupyter": False, "port": 8888},
}

# Tables whose keys are free-form (not known in advance).
_OPEN_TABLES = {("storage", "options"), ("ml", "serving")}

CONFIG_TEMPLATE = """\
# Brickyard workspace configuration. Every key can be overridden by an env var named after
# its path: metadata.url -> BRICKYARD_METADATA_URL, engine.spark.master -> BRICKYARD_ENGINE_SPARK_MASTER.

[metadata]
# Empty: SQLite file metadata.db in this home (WAL mode). Or postgresql+psycopg://user@host/db
url = ""

[storage]
# Where managed Delta tables live: a folder (relative to this home) or s3://bucket/prefix.
warehouse = "warehouse"

[storage.options]
# Object-store settings passed to delta-rs, e.g. for S3:
# aws_endpoint_url = "http://127.0.0.1:9000"
# aws_region = "us-east-1"

[server]
host = "127.0.0.1"
port = 8585
# Required (true) to bind anything but a loopback address; then every request needs a token.
auth = false
# With auth: a browser login (POST /api/auth/login) lasts this long.
session_hours = 12
# Larger request bodies are refused (413) before they are read; 0 = no limit.
max_request_mb = 64
# Threads answering API requests at once. More is slower under load: they share one
# interpreter lock. SQL statements (which may run for minutes) have their own query_threads.
threads = 4
query_threads = 8

[engine]
default = "duckdb"

[engine.duckdb]
# Past the memory limit DuckDB spills to temp_directory (relative to this home) instead of
# taking the machine down; a percentage of RAM or a size such as "8GB". threads = 0: all cores.
memory_limit = "60%"
temp_directory = "tmp/duckdb"
threads = 0

[engine.spark]
# engine = "spark" runs on Apache Spark: a local master, or a Spark Connect server (remote).
master = "local[*]"
# remote = "sc://host:15002"
remote = ""
driver_memory = "1g"
shuffle_partitions = 8

[jobs]
# Job files: every *.py in this folder (relative to this home).
dir = "jobs"
# Task tries running at once, in worker processes.
slots = 8
# Memory cap of one task's process (MB, 0 = none): a task over it fails, nothing else does.
task_memory_mb = 4096
# Largest task value (a task's JSON return value) kept in the metadata DB.
task_value_max_bytes = 65536
# A running try whose worker has not reported for this long is failed (and retried).
heartbeat_timeout_s = 30
load_timeout_s = 30

[logs]
dir = "logs"

[ml]
# MLflow's tracking and registry store. Empty: SQLite file mlflow.db in this home, or schema
# "mlflow" of the metadata database when metadata.url is PostgreSQL. Or any MLflow store URI.
backend_store = ""
# Where run artifacts and models go. Empty: the artifacts folder of this home, or
# <warehouse>/_artifacts when the warehouse is on S3. Or a folder, file:// or s3:// URI.
artifact_root = ""

[ml.serving]
# Serving endpoints started by `brickyard up`: name = "models:/NAME@alias" (or /VERSION).
# demo = "models:/demo_model@champion"

[notebooks]
# true: `brickyard up` also starts JupyterLab (127.0.0.1, with a token) on this port, its root
# the notebooks folder of this home. Otherwise `brickyard notebook` starts it.
jupyter = false
port = 8888
"""


def default_home() -> Path:
    """``$BRICKYARD_HOME`` or ``~/.brickyard``."""
    env = os.environ.get(HOME_ENV)
    return Path(env).expanduser() if env else Path.home() / ".brickyard"


@dataclass(frozen=True)
class Config:
    """The resolved configuration of one workspace home."""

    home: Path
    values: Mapping[str, Any]

    def get(self, dotted: str) -> Any:
        node: Any = self.values
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise ConfigError(f"unknown configuration key '{dotted}'")
            node = node[part]
        return node

    @property
    def metadata_url(self) -> str:
        url = str(self.get("metadata.url"))
        if url:
            return url
        # Built as a URL object: a home path with '%', '@' or '?' stays the same path.
        from sqlalchemy.engine import URL

        sqlite = URL.create("sqlite", database=str(self.home / "metadata.db"))
        return sqlite.render_as_string(hide_password=False)

    @property
    def warehouse(self) -> str:
        return self._path_or_uri(str(self.get("storage.warehouse")))

    @property
    def storage_options(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.get("storage.options").items()}

    @property
    def server_host(self) -> str:
        return str(self.get("server.host"))

    @property
    def server_port(self) -> int:
        return int(self.get("server.port"))

    @property
    def server_auth(self) -> bool:
        return bool(self.get("server.auth"))

    @property
    def ml_backend_store(self) -> str:
        """MLflow's store URI (``[ml] backend_store``, by default beside the metadata)."""
        value = str(self.get("ml.backend_store"))
        if value:
            return value if "://" in value else _sqlite_url(self.home / value)
        metadata = self.metadata_url
        if metadata.startswith("postgresql"):
            from sqlalchemy.engine import make_url

            # MLflow's own tables (and its Alembic version table) in schema "mlflow".
            url = make_url(metadata).update_query_dict({"options": "-csearch_path=mlflow"})
            return url.render_as_string(hide_password=False)
        return _sqlite_url(self.home / "mlflow.db")

    @property
    def ml_artifact_root(self) -> str:
        """Where MLflow artifacts go (``[ml] artifact_root``), as a URI."""
        value = str(self.get("ml.artifact_root"))
        if value:
            return value.rstrip("/") if "://" in value else (self.home / value).resolve().as_uri()
        if "://" in self.warehouse:
            return f"{self.warehouse}/_artifacts"
        return (self.home / "artifacts").resolve().as_uri()

    @property
    def ml_serving(self) -> dict[str, str]:
        """Serving endpoints from ``[ml.serving]``: name -> model URI."""
        return {str(k): str(v) for k, v in self.get("ml.serving").items()}

    @property
    def jobs_dir(self) -> Path:
        return self.home / str(self.get("jobs.dir"))

    @property
    def logs_dir(self) -> Path:
        return self.home / str(self.get("logs.dir"))

    def _path_or_uri(self, value: str) -> str:
        if "://" in value:
            return value.rstrip("/")
        return str((self.home / value).resolve())


def _sqlite_url(path: Path) -> str:
    from sqlalchemy.engine import URL

    return URL.create("sqlite", database=str(path.resolve())).render_as_string(hide_password=False)


def load_config(home: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read ``<home>/brickyard.toml`` (if present) over the defaults, then apply env overrides."""
    env = os.environ if environ is None else environ
    values = copy.deepcopy(DEFAULTS)
    path = home / CONFIG_FILE
    if path.exists():
        try:
            from_file = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                f"{path} is not valid TOML: {exc}; fix the file or delete it"
            ) from exc
        _merge(values, from_file, (), str(path))
    _apply_env(values, (), env)
    for key, value in env.items():
        prefix = ENV_PREFIX + "STORAGE_OPTIONS_"
        if key.startswith(prefix) and len(key) > len(prefix):
            values["storage"]["options"][key[len(prefix) :].lower()] = value
    return Config(home=home, values=values)


def _merge(
    into: dict[str, Any], new: Mapping[str, Any], path: tuple[str, ...], source: str
) -> None:
    for key, value in new.items():
        here = (*path, key)
        if here[:-1] in _OPEN_TABLES or path in _OPEN_TABLES:
            into[key] = value
            continue
        if key not in into:
            raise ConfigError(
                f"unknown configuration key '{'.'.join(here)}' in {source}; "
                f"known keys: {', '.join(sorted(_flat_keys(DEFAULTS)))}"
            )
        if isinstance(into[key], dict):
            if not isinstance(value, Mapping):
                raise ConfigError(f"'{'.'.join(here)}' in {source} must be a table")
            _merge(into[key], value, here, source)
        else:
            into[key] = _coerce(value, into[key], ".".join(here), source)


def _apply_env(values: dict[str, Any], path: tuple[str, ...], env: Mapping[str, str]) -> None:
    for key, value in values.items():
        here = (*path, key)
        if here in _OPEN_TABLES:
            continue
        if isinstance(value, dict):
            _apply_env(value, here, env)
            continue
        var = ENV_PREFIX + "_".join(here).upper()
        if var in env:
            values[key] = _coerce(env[var], value, ".".join(here), f"env var {var}")


def _coerce(value: Any, default: Any, key: str, source: str) -> Any:
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"'{key}' from {source} must be true or false, got {value!r}")
    if isinstance(default, int):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"'{key}' from {source} must be an integer, got {value!r}") from None
    return str(value)


def _flat_keys(values: Mapping[str, Any], path: tuple[str, ...] = ()) -> list[str]:
    keys: list[str] = []
    for key, value in values.items():
        here = (*path, key)
        if isinstance(value, dict) and here not in _OPEN_TABLES:
            keys.extend(_flat_keys(value, here))
        else:
            keys.append(".".join(here))
    return keys
