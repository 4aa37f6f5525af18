"""Smoke test of the API load test: ``benchmarks/api_load.py --quick --json`` runs end to end.

Latency goals are not asserted here (a loaded CI machine would fail them); the rows and zero
errors are.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "api_load.py"


@pytest.mark.slow
@pytest.mark.serial
def test_quick_load_answers_every_request() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--json"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr  # 1: a goal missed (latency on a busy box)
    results = json.loads(done.stdout)

    assert set(results["latency"]) == {"runs_list", "tables_list", "runs_get", "overall"}
    assert results["latency"]["overall"]["count"] == results["requests"] == 500
    assert all(row["count"] > 0 for row in results["latency"].values())
    assert results["errors"] == 0, results["error_samples"]
    assert [g["goal"] for g in results["goals"]][1] == "zero errors"
    assert results["goals"][1]["passed"] is True
