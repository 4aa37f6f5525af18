"""docs/jobs.md: its job file loads and runs, and its commands work on it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

import brickyard
from brickyard.cli.main import app
from brickyard.domain.jobs import TaskState

DOCS = Path(__file__).parents[2] / "docs" / "jobs.md"
DROP = Path("/tmp/brickyard-docs-drop")

pytestmark = pytest.mark.slow


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOCS.read_text(), re.S)


def test_the_documented_job_and_commands_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("BRICKYARD_HOME", str(home))
    ws = brickyard.connect(home, demo=True)
    (code,) = blocks("python")
    (ws.jobs.jobs_dir / "daily_sales.py").write_text(code)
    assert ws.jobs.reload() == []
    DROP.mkdir(exist_ok=True)
    (DROP / "landed.csv").write_text("x\n1\n")  # the sensor's file is there
    ws.close()
    runner = CliRunner()
    for command in [line for line in blocks("bash")[0].splitlines() if line.strip()]:
        args = shlex.split(command)
        assert args[0] == "brickyard"
        result = runner.invoke(app, args[1:], catch_exceptions=False)
        assert result.exit_code == 0, f"{command}: {result.output}"
    ws = brickyard.connect(home)
    states = {t.task_id: t.state for t in ws.jobs.task_runs(1)}
    assert states["summarise"] == TaskState.SUCCESS
    assert states["skip_it"] == TaskState.SKIPPED
    values = {t.task_id: t.value_json for t in ws.jobs.task_runs(1)}
    assert values["report"] == '"doubled: [0, 2, 4]"'
    assert values["announce"] == '"rebuilt"'
    ws.close()
