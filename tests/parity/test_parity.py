"""The parity suite: every program on the DuckDB engine and on Spark, compared exactly.

Each engine runs in its own subprocess (``run_engine.py``), in parallel, on its own home. The
reference is Brickyard's Spark engine; until that engine exists it is plain local PySpark,
which cannot run the programs that need the Brickyard catalog (those are reported as skipped,
with the DuckDB result still required to succeed). Comparison rules: ``compare.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.parity.compare import differences
from tests.parity.known_differences import KNOWN_DIFFERENCES
from tests.parity.registry import list_programs

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = list_programs()
pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """``{"duckdb": ..., "reference": ...}``: each engine's output, run in parallel."""
    base = tmp_path_factory.mktemp("parity")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TZ": "UTC"}
    running = {}
    for label, engine in (("reference", "spark"), ("duckdb", "duckdb")):
        out = base / f"{label}.json"
        command = [sys.executable, "-m", "tests.parity.run_engine", "--engine", engine]
        command += ["--home", str(base / f"home-{label}"), "--out", str(out)]
        running[label] = (subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE), out)
    outputs = {}
    for label, (process, out) in running.items():
        _, stderr = process.communicate(timeout=240)
        assert process.returncode == 0, f"{label} engine run failed:\n{stderr.decode()[-4000:]}"
        outputs[label] = json.loads(out.read_text())
    return outputs


@pytest.mark.parametrize("name", [p.name for p in PROGRAMS])
def test_program_matches_spark(results: dict[str, dict[str, Any]], name: str) -> None:
    ours = results["duckdb"]["programs"][name]
    reference = results["reference"]["programs"][name]
    if "skipped" in reference:
        assert "error" not in ours, f"DuckDB failed: {ours.get('error')}"
        pytest.skip(f"{results['reference']['engine']}: {reference['skipped']}")
    found = differences(ours, reference)
    if name in KNOWN_DIFFERENCES:
        assert found, (
            f"{name} now matches Spark: remove it from known_differences.py and docs/compute.md"
        )
    else:
        assert not found, "\n".join(found)


def test_known_differences_are_programs_listed_in_the_docs() -> None:
    names = {p.name for p in PROGRAMS}
    docs = (ROOT / "docs" / "compute.md").read_text()
    parity = docs.split("## Parity", 1)[-1]
    for name, reason in KNOWN_DIFFERENCES.items():
        assert name in names, f"{name} is not a parity program"
        assert reason, f"{name} needs a reason"
        assert f"`{name}`" in parity, f"{name} is not listed under '## Parity' in docs/compute.md"
