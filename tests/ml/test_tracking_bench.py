"""benchmarks/tracking_bench.py runs end to end (`--quick`) and reports every measure for every
server; no speed is asserted here (the numbers belong to the machine that runs it)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "tracking_bench.py"


def bench_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tracking_bench", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tracking_bench"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.timeout(900)
def test_a_quick_run_measures_every_row_on_every_server() -> None:
    bench = bench_module()
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--json"],
        capture_output=True,
        text=True,
        timeout=840,
    )
    # 0: every goal met, 1: one missed (not judged on a smoke run); anything else is an error.
    assert done.returncode in (0, 1), done.stderr[-4000:]
    report = json.loads(done.stdout)
    servers = [bench.BRICKYARD, bench.DEFAULT, bench.ONE_WORKER]
    assert list(report["results"]) == servers
    for name in servers:
        result = report["results"][name]
        for row in bench.ROWS:
            assert result[row.attr] > 0, (name, row.label)
        assert result["processes"] >= 1
    assert set(report["ratios"]) == {row.attr for row in bench.ROWS}
    assert len(report["goals"]) == 7
    assert "View run" not in done.stdout + done.stderr  # MLflow's per-run lines suppressed


def test_the_table_has_every_row_and_goal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = bench_module()
    monkeypatch.setenv("COLUMNS", "250")
    results = {}
    for i, name in enumerate((bench.BRICKYARD, bench.DEFAULT, bench.ONE_WORKER)):
        values = {row.attr: float(i + 1) for row in bench.ROWS}
        results[name] = bench.Result(name, processes=1, **values)
    bench.print_table(results, bench.QUICK, quick=True)
    out = capsys.readouterr().out
    for row in bench.ROWS:
        assert row.label in out
    for goal, _, _ in bench.goals(results):
        assert goal in out
