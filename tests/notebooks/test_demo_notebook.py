"""The demo notebook (`brickyard init --demo`): runnable from the CLI and as a job task."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.slow
CLI = [sys.executable, "-m", "brickyard.cli.main"]


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args, "--home", str(home)], capture_output=True, text=True, timeout=300
    )


def test_demo_notebook_runs_from_the_cli_and_as_a_job_task(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert cli(home, "init", "--demo").returncode == 0
    notebook = home / "notebooks" / "explore_orders.ipynb"
    executed = tmp_path / "executed.ipynb"
    done = cli(
        home, "notebook", "run", str(notebook), "--param", "top=3", "--output", str(executed)
    )
    assert done.returncode == 0, done.stderr
    best = done.stdout.strip().splitlines()[-1]
    cells = nbformat.read(str(executed), as_version=4).cells
    assert any("image/png" in o.get("data", {}) for o in cells[3].outputs)  # the chart
    assert "<table" in json.dumps(cells[2].outputs)  # the %%sql result

    ran = cli(home, "jobs", "run", "notebook_demo", "--wait")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    shown = json.loads(cli(home, "runs", "show", "1", "--format", "json").stdout)
    values = {t["task"]: t["value"] for t in shown["tasks"]}
    assert json.loads(values["announce"]) == best
