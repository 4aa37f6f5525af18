"""Brickyard: a self-hosted data & AI workspace.

``ws = brickyard.connect()`` opens the workspace (``$BRICKYARD_HOME`` or ``~/.brickyard``);
``ws.catalog`` holds catalogs, schemas and Delta tables.
"""

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
]
