"""Every documented example runs: the Python and CLI blocks of docs/catalog.md."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brickyard.cli.main import app

DOCS = Path(__file__).parents[2] / "docs"


def blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", path.read_text(), re.S)


def test_python_example_runs_and_prints_what_it_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRICKYARD_HOME", str(tmp_path / "home"))
    (code,) = blocks(DOCS / "catalog.md", "python")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/catalog.md", "exec"), {})
    printed = out.getvalue().splitlines()
    prints = [line for line in code.splitlines() if line.startswith("print(")]
    assert len(printed) == len(prints)
    for line, shown in zip(prints, printed, strict=True):
        if "# " in line:  # the comment documents the output, up to an optional ':' remark
            assert shown == line.split("# ", 1)[1].split(":")[0].strip(), line


def test_cli_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRICKYARD_HOME", str(tmp_path / "home"))
    (tmp_path / "people.csv").write_text("id,name\n1,ada\n2,alan\n")
    runner = CliRunner()
    commands = [
        line for line in blocks(DOCS / "catalog.md", "bash")[0].splitlines() if line.strip()
    ]
    assert len(commands) >= 10
    for command in commands:
        args = shlex.split(command)
        assert args[0] == "brickyard"
        result = runner.invoke(app, args[1:], catch_exceptions=False)
        assert result.exit_code == 0, f"{command}: {result.output}"
