"""The examples of docs/compute.md run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import brickyard

DOC = Path(__file__).parents[2] / "docs" / "compute.md"


def test_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    brickyard.connect(home, demo=True).close()
    monkeypatch.setenv("BRICKYARD_HOME", str(home))
    (code,) = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    namespace: dict[str, object] = {}
    exec(compile(code, str(DOC), "exec"), namespace)
    spark = namespace["spark"]
    with brickyard.connect(home) as ws:
        assert ws.catalog.table("main.default.revenue").to_arrow().num_rows == 6
    spark.stop()  # type: ignore[attr-defined]
