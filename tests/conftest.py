"""Shared fixtures: a fresh workspace home on a tmp dir, opened through the public API."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import brickyard
from brickyard.workspace import Workspace

# The one headless Chromium every browser test shares (Playwright: one driver per process).
pytest_plugins = ["tests.browser"]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def ws(home: Path) -> Iterator[Workspace]:
    workspace = brickyard.connect(home)
    yield workspace
    workspace.close()


@pytest.fixture(autouse=True)
def _restore_mlflow_settings() -> Iterator[None]:
    """mlflow keeps its URIs in the environment and module globals: each test starts from the
    settings the one before it found, whatever it set itself."""
    with _mlflow_settings_kept():
        yield


@pytest.fixture(scope="module", autouse=True)
def _restore_mlflow_settings_of_module() -> Iterator[None]:
    """The same around each module: its module fixtures may point mlflow somewhere too, and a
    test process runs other modules after it (in whatever order `pytest -n` gives it)."""
    with _mlflow_settings_kept():
        yield


@contextmanager
def _mlflow_settings_kept() -> Iterator[None]:
    saved_env = {k: v for k, v in os.environ.items() if "MLFLOW" in k}
    saved_uris = _mlflow_uris()
    try:
        yield
    finally:
        for key in [k for k in os.environ if "MLFLOW" in k]:
            del os.environ[key]
        os.environ.update(saved_env)
        if "mlflow.tracking" in sys.modules:
            from mlflow.tracking._model_registry import utils as registry_utils
            from mlflow.tracking._tracking_service import utils as tracking_utils

            # What they were, unset included: a URI pinned here would outrank the environment
            # that later tests set (mlflow reads these before MLFLOW_TRACKING_URI).
            tracking_utils._tracking_uri, registry_utils._registry_uri = saved_uris


def _mlflow_uris() -> tuple[str | None, str | None]:
    """mlflow's own tracking and registry URIs (set by ``mlflow.set_*_uri``), if loaded."""
    if "mlflow.tracking" not in sys.modules:
        return None, None
    from mlflow.tracking._model_registry import utils as registry_utils
    from mlflow.tracking._tracking_service import utils as tracking_utils

    return tracking_utils._tracking_uri, registry_utils._registry_uri
