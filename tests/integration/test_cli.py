"""The `brickyard` CLI on a real home: commands, JSON output, loading files, errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brickyard.cli.main import app

runner = CliRunner()


def cli(home: Path, *args: str) -> str:
    result = runner.invoke(app, [*args, "--home", str(home)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def cli_json(home: Path, *args: str) -> object:
    return json.loads(cli(home, *args, "--format", "json"))


def test_init_is_idempotent_and_demo_adds_tables(home: Path) -> None:
    assert "0 tables in main.default" in cli(home, "init")
    assert "3 tables in main.default" in cli(home, "init", "--demo")
    assert "3 tables in main.default" in cli(home, "init", "--demo")
    names = [t["full_name"] for t in cli_json(home, "table", "list")]  # type: ignore[union-attr,index]
    assert names == ["main.default.customers", "main.default.orders", "main.default.products"]


def test_catalog_and_schema_commands(home: Path) -> None:
    cli(home, "catalog", "create", "sales", "--comment", "money")
    cli(home, "schema", "create", "sales.eu")
    catalogs = cli_json(home, "catalog", "list")
    assert [c["name"] for c in catalogs] == ["main", "sales"]  # type: ignore[union-attr,index]
    assert [s["full_name"] for s in cli_json(home, "schema", "list", "sales")] == ["sales.eu"]  # type: ignore[union-attr,index]
    assert "sales.eu" in cli(home, "schema", "list", "sales")


def test_load_show_head_history_search_drop(home: Path, tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text("id,name\n1,ada\n2,alan\n")
    assert "Created main.default.people: version 0, 2 rows" in cli(
        home, "table", "load", str(csv), "--into", "people"
    )
    update = tmp_path / "update.jsonl"
    update.write_text('{"id": 2, "name": "turing"}\n{"id": 3, "name": "grace"}\n')
    out = cli(
        home, "table", "load", str(update), "--into", "people", "--mode", "merge", "--on", "id"
    )
    assert "Merged into main.default.people: version 1, 3 rows" in out
    shown = cli_json(home, "table", "show", "people")
    assert shown["rows"] == 3  # type: ignore[index]
    assert shown["version"] == 1  # type: ignore[index]
    assert [c["name"] for c in shown["columns"]] == ["id", "name"]  # type: ignore[index]
    rows = cli_json(home, "table", "head", "people", "-n", "5")
    assert sorted(r["name"] for r in rows) == ["ada", "grace", "turing"]  # type: ignore[union-attr,index]
    assert len(cli_json(home, "table", "head", "people", "--version", "0")) == 2  # type: ignore[arg-type]
    history = cli_json(home, "table", "history", "people")
    assert [h["operation"] for h in history] == ["MERGE", "WRITE"]  # type: ignore[union-attr,index]
    hits = cli_json(home, "search", "peop")
    assert {
        "full_name": "main.default.people",
        "kind": "table",
        "matched": "name",
        "text": "people",
    } in hits  # type: ignore[operator]
    assert "Dropped table main.default.people" in cli(home, "table", "drop", "people")
    assert cli_json(home, "table", "list") == []


def test_load_parquet_overwrite(home: Path, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"a": list(range(1000))}), path)
    cli(home, "table", "load", str(path), "--into", "x")
    out = cli(home, "table", "load", str(path), "--into", "x", "--mode", "overwrite")
    assert "Overwrote main.default.x: version 1, 1,000 rows" in out


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "brickyard.cli.main", *args, "--home", str(home)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_errors_print_one_line_without_traceback_and_exit_1(home: Path, tmp_path: Path) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,c\n1,2,3\n4,5\n")
    result = run_cli(home, "table", "load", str(ragged), "--into", "r")
    assert result.returncode == 1
    assert "ragged row at line 3: expected 3 columns, got 2" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli(home, "table", "show", "nope")
    assert result.returncode == 1
    assert "table 'main.default.nope' does not exist" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "is empty"), ("a,b\n1,2,3\n", "ragged row at line 2")],
)
def test_bad_files_write_nothing(home: Path, tmp_path: Path, content: str, message: str) -> None:
    import brickyard

    with brickyard.connect(home) as ws:
        ws.catalog.create_table("t", "a BIGINT, b BIGINT")
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    result = runner.invoke(app, ["table", "load", str(bad), "--into", "t", "--home", str(home)])
    assert isinstance(result.exception, brickyard.InvalidInputError)
    assert message in str(result.exception)
    with brickyard.connect(home) as ws:
        assert ws.catalog.table("t").version == 0


def test_a_ragged_row_deep_in_a_big_csv_leaves_the_table_unchanged(
    home: Path, tmp_path: Path
) -> None:
    import brickyard

    path = tmp_path / "big.csv"
    lines = ["id,name"] + [f"{i},n{i}" for i in range(300_000)]
    lines[250_000] = "250000,n,extra"
    path.write_text("\n".join(lines) + "\n")
    with brickyard.connect(home) as ws:
        ws.catalog.create_table("t", "id BIGINT, name STRING")
    result = runner.invoke(app, ["table", "load", str(path), "--into", "t", "--home", str(home)])
    assert "ragged row at line 250001" in str(result.exception)
    with brickyard.connect(home) as ws:
        assert ws.catalog.table("t").version == 0
        assert ws.catalog.table("t").to_arrow().num_rows == 0


def test_tokens_create_list_revoke(home: Path) -> None:
    created = cli_json(home, "tokens", "create", "--user", "alice")
    assert created["token"].startswith("byk_")  # type: ignore[index]
    listed = cli_json(home, "tokens", "list")
    assert [t["user"] for t in listed] == ["alice"]  # type: ignore[union-attr,index]
    assert "token" not in listed[0]  # type: ignore[index,operator]
    cli(home, "tokens", "revoke", created["id"])  # type: ignore[index]
    assert cli_json(home, "tokens", "list")[0]["revoked"]  # type: ignore[index]


def test_version_and_usage_errors(tmp_path: Path) -> None:
    version = subprocess.run(
        [sys.executable, "-m", "brickyard.cli.main", "--version"], capture_output=True, text=True
    )
    assert version.returncode == 0
    assert version.stdout.startswith("brickyard ")
    usage = run_cli(tmp_path / "h", "table", "show")
    assert usage.returncode == 2
    assert "Missing argument" in usage.stderr
    assert "Traceback" not in usage.stderr
