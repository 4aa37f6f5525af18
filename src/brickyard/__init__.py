"""Brickyard: a self-hosted data & AI workspace.

``ws = brickyard.connect()`` opens the workspace (``$BRICKYARD_HOME`` or ``~/.brickyard``);
``ws.catalog`` holds catalogs, schemas and Delta tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from brickyard.domain.errors import (
    AlreadyExistsError,
    AuthError,
    BrickyardError,
    ConcurrentWriteError,
    ConfigError,
    InvalidInputError,
    InvalidNameError,
    NotFoundError,
    SchemaMismatchError,
    StorageError,
)

if TYPE_CHECKING:
    from brickyard.compute import spark
    from brickyard.jobs import job, task
    from brickyard.ml.client import mlflow
    from brickyard.services.table import Table
    from brickyard.workspace import Workspace, connect

__version__ = "0.1.0"

__all__ = [
    "AlreadyExistsError",
    "AuthError",
    "BrickyardError",
    "ConcurrentWriteError",
    "ConfigError",
    "InvalidInputError",
    "InvalidNameError",
    "NotFoundError",
    "SchemaMismatchError",
    "StorageError",
    "Table",
    "Workspace",
    "__version__",
    "connect",
    "job",
    "mlflow",
    "spark",
    "task",
]

# The workspace pulls in delta-rs, SQLAlchemy and pyarrow: load it on first use, so that
# `import brickyard` (and `brickyard --help`) stays fast.
_LAZY = {
    "connect": "brickyard.workspace",
    "Workspace": "brickyard.workspace",
    "Table": "brickyard.services.table",
    "spark": "brickyard.compute",
    "job": "brickyard.jobs",
    "task": "brickyard.jobs",
    "mlflow": "brickyard.ml.client",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'brickyard' has no attribute '{name}'")
