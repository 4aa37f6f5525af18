"""Shared fixtures: a fresh workspace home on a tmp dir, opened through the public API."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
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
    saved = {k: v for k, v in os.environ.items() if "MLFLOW" in k}
    yield
    for key in [k for k in os.environ if "MLFLOW" in k]:
        del os.environ[key]
    os.environ.update(saved)
    if "mlflow.tracking" in sys.modules:
        from mlflow.tracking._model_registry import utils as registry_utils
        from mlflow.tracking._tracking_service import utils as tracking_utils

        tracking_utils._tracking_uri = saved.get("MLFLOW_TRACKING_URI")
        registry_utils._registry_uri = saved.get("MLFLOW_REGISTRY_URI")
