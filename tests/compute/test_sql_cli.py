"""`brickyard sql` on a demo home: one statement, a file, formats, errors, the shell."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import brickyard


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("sql") / "home"
    brickyard.connect(home, demo=True).close()
    return home


def run(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "brickyard.cli.main", "sql", *args, "--home", str(home)],
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
    )


def test_a_statement_on_the_demo_home(demo_home: Path) -> None:
    result = run(demo_home, "SELECT count(*) AS n FROM main.default.orders", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"n": 5000}]
    table = run(demo_home, "SELECT count(*) AS n FROM main.default.orders")
    assert "5000" in table.stdout
    assert "1 row" in table.stdout


def test_a_file_of_statements_and_csv(demo_home: Path, tmp_path: Path) -> None:
    script = tmp_path / "build.sql"
    script.write_text(
        "CREATE SCHEMA IF NOT EXISTS main.reports;\n"
        "-- a comment; with a semicolon\n"
        "CREATE OR REPLACE TABLE main.reports.regions AS\n"
        "  SELECT region, count(*) AS customers FROM customers GROUP BY region;\n"
        "SELECT * FROM main.reports.regions ORDER BY region;\n"
    )
    result = run(demo_home, "-f", str(script), "--format", "csv")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "region,customers"
    assert [line.split(",")[0] for line in lines[1:]] == ["APAC", "EU", "LATAM", "US"]


def test_errors_name_line_and_column_and_exit_1(demo_home: Path) -> None:
    result = run(demo_home, "SELECT a,\n FROM orders WHERE")
    assert result.returncode == 1
    assert "SQL syntax error at line 2" in result.stderr
    missing = run(demo_home, "SELECT * FROM main.default.ordrs")
    assert missing.returncode == 1
    assert "did you mean: main.default.orders" in missing.stderr


def test_the_interactive_shell_runs_statements_until_eof(demo_home: Path) -> None:
    result = run(
        demo_home, stdin="SELECT count(*) AS n\nFROM products;\nSELEC 1;\nSELECT 2 AS two;\n"
    )
    assert result.returncode == 0, result.stderr
    assert "60" in result.stdout
    assert "SQL syntax error" in result.stdout
    assert "two" in result.stdout
