"""The demo home's job: SQL on a demo table, Python tasks, values passed downstream."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.workflows.test_schedules_and_cli import brickyard

pytestmark = pytest.mark.slow


def test_the_demo_job_runs_on_a_fresh_demo_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    init = brickyard(home, "init", "--demo")
    assert init.returncode == 0, init.stderr
    assert (home / "jobs" / "demo.py").exists()
    done = brickyard(home, "jobs", "run", "demo", "--wait", "--format", "json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(brickyard(home, "runs", "show", "1", "--format", "json").stdout)
    tasks = {t["task"]: t for t in shown["tasks"]}
    assert list(tasks) == ["revenue_by_category", "top_categories", "report"]
    best = json.loads(tasks["top_categories"]["value"])
    assert len(best) == 3
    assert json.loads(tasks["report"]["value"]).startswith(f"1. {best[0]['category']}: ")
    total = brickyard(
        home,
        "sql",
        "SELECT count(*) AS n FROM main.default.revenue_by_category",
        "--format",
        "json",
    )
    assert json.loads(total.stdout)[0]["n"] == 6
