"""The composition root: reads the config, builds the adapters, wires the services."""

from __future__ import annotations

import getpass
from pathlib import Path

from brickyard.adapters.delta_storage import DeltaStorage
from brickyard.adapters.metadata_sql import SqlMetadataStore
from brickyard.adapters.system_clock import SystemClock
from brickyard.config import Config, default_home
from brickyard.home import init_home
from brickyard.ports import Clock
from brickyard.services.catalog import DEFAULT_CATALOG, DEFAULT_SCHEMA, CatalogService
from brickyard.services.tokens import TokenService


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
        if not self.store.list_catalogs(limit=1):
            # A new metadata DB: every workspace starts with main.default, as Databricks does.
            self.catalog.create_catalog(DEFAULT_CATALOG, "Default catalog", if_not_exists=True)
            self.catalog.create_schema(
                f"{DEFAULT_CATALOG}.{DEFAULT_SCHEMA}", "Default schema", if_not_exists=True
            )

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
