"""Shared fixtures: a fresh workspace home on a tmp dir, opened through the public API."""

from __future__ import annotations

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
