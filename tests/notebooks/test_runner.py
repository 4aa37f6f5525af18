"""Notebooks run top to bottom in a fresh Brickyard kernel: spark, display, %%sql, widgets,
exit values, task values, and each way a run fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from brickyard.notebooks.runner import run_notebook

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("BRICKYARD_HOME", str(home))
    return home


def notebook(path: Path, *cells: str) -> Path:
    made = [new_markdown_cell("# A test notebook")]
    made += [new_code_cell(source) for source in cells]
    nbformat.write(new_notebook(cells=made), str(path))
    return path


def outputs(cell: nbformat.NotebookNode) -> str:
    texts = []
    for item in cell.get("outputs", []):
        texts.append(item.get("text", ""))
        texts.extend(str(v) for v in item.get("data", {}).values())
        texts.extend(item.get("traceback", []))
    return "\n".join(texts)


def test_spark_display_sql_widgets_and_exit(tmp_path: Path) -> None:
    path = notebook(
        tmp_path / "explore.ipynb",
        'dbutils.widgets.text("n", "3")\nn = int(dbutils.widgets.get("n"))',
        'spark.sql("CREATE TABLE main.default.nums AS SELECT * FROM VALUES (1), (2), (3) AS t(x)")'
        "\ndisplay(spark.table('main.default.nums').where(f'x <= {n}'))",
        "%%sql totals\nSELECT count(*) AS n, sum(x) AS total FROM main.default.nums",
        "%sql SELECT 'line magic' AS kind",
        'dbutils.jobs.taskValues.set("total", totals.collect()[0]["total"])\n'
        "dbutils.notebook.exit(f'{n} of 3')",
        'raise RuntimeError("cells after exit do not run")',
    )
    executed = tmp_path / "executed.ipynb"
    result = run_notebook(path, {"n": 2}, timeout_s=120, output=executed)
    assert result.ok, result.error
    assert result.exit_value == "2 of 3"
    assert result.task_values == {"total": 6}
    cells = nbformat.read(str(executed), as_version=4).cells
    shown = outputs(cells[2])
    assert "<table" in shown
    assert "2 rows" in shown
    assert "int" in shown  # column types in the header
    assert "total" in outputs(cells[3])
    assert "line magic" in outputs(cells[4])
    assert cells[6].get("execution_count") is None  # never ran


def test_defaults_apply_without_params_and_unknown_widgets_are_named(tmp_path: Path) -> None:
    path = notebook(
        tmp_path / "w.ipynb",
        'dbutils.widgets.text("day", "2026-01-01")\n'
        'dbutils.widgets.dropdown("size", "s", ["s", "m"])\n'
        'print(dbutils.widgets.get("day"), dbutils.widgets.get("size"))',
        'dbutils.widgets.get("region")',
    )
    result = run_notebook(path, timeout_s=120)
    assert not result.ok
    assert result.failed_cell == 3
    assert "no widget named 'region'" in (result.error or "")
    assert "defined widgets: day, size" in (result.error or "")
    assert "2026-01-01 s" in outputs(result.notebook.cells[1])


def test_a_failing_cell_stops_the_run_and_keeps_its_traceback(tmp_path: Path) -> None:
    path = notebook(
        tmp_path / "fails.ipynb",
        "x = 1",
        "def broken():\n    return 1 / 0\n\nbroken()",
        "x = 2",
    )
    executed = tmp_path / "out.ipynb"
    result = run_notebook(path, timeout_s=120, output=executed)
    assert not result.ok
    assert result.failed_cell == 3
    assert "ZeroDivisionError" in (result.error or "")
    assert "broken()" in (result.error or "")  # the traceback
    kept = nbformat.read(str(executed), as_version=4).cells
    assert "ZeroDivisionError" in outputs(kept[2])
    assert kept[3].get("execution_count") is None


def test_a_sql_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = notebook(tmp_path / "sql.ipynb", "%%sql\nSELECT 1 AS a,\nFROM WHERE")
    result = run_notebook(path, timeout_s=120)
    assert not result.ok
    assert "SqlSyntaxError: SQL syntax error at line 2, column 10" in (result.error or "")
    assert "FROM WHERE\n         ^" in (result.error or "")  # the caret under the spot


def test_a_dying_kernel_fails_the_run(tmp_path: Path) -> None:
    path = notebook(tmp_path / "dies.ipynb", "import os\nos._exit(3)", "print('never')")
    result = run_notebook(path, timeout_s=120)
    assert not result.ok
    assert result.failed_cell == 2
    assert "kernel died" in (result.error or "")


def test_a_notebook_that_runs_forever_is_stopped_at_its_timeout(tmp_path: Path) -> None:
    path = notebook(tmp_path / "forever.ipynb", "x = 1", "import time\nwhile True:\n    time.sleep(1)")
    result = run_notebook(path, timeout_s=8)
    assert not result.ok
    assert result.failed_cell == 3
    assert "timed out after 8 s" in (result.error or "")


def test_cli_run_prints_progress_and_the_exit_value_last(tmp_path: Path, home: Path) -> None:
    good = notebook(
        tmp_path / "good.ipynb",
        'dbutils.widgets.text("who", "x")',
        'dbutils.notebook.exit("hello " + dbutils.widgets.get("who"))',
    )
    bad = notebook(tmp_path / "bad.ipynb", "raise ValueError('bad input')")
    command = [sys.executable, "-m", "brickyard.cli.main", "notebook", "run"]
    done = subprocess.run(
        [*command, str(good), "--param", "who=you"], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "hello you"
    assert "cell 3/3" in done.stderr
    failed = subprocess.run([*command, str(bad)], capture_output=True, text=True, timeout=180)
    assert failed.returncode == 1
    assert "cell 2 failed: ValueError: bad input" in failed.stderr
