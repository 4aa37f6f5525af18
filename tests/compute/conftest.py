"""A Brickyard Spark session on the DuckDB engine over a fresh demo workspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import brickyard


@pytest.fixture
def spark(tmp_path: Path) -> Iterator[Any]:
    home = tmp_path / "home"
    brickyard.connect(home, demo=True).close()
    session = brickyard.spark(home=home)
    yield session
    session.stop()
