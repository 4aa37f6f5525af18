"""Task types: the specs sql/shell/notebook tasks and sensors record, and how they run."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest

from brickyard import BrickyardError, InvalidInputError, job, task
from brickyard.jobs import (
    SensorType,
    TaskContext,
    TaskType,
    file_sensor,
    get_task_type,
    is_sensor,
    make_task,
    notebook_task,
    shell_task,
    sql_sensor,
    sql_task,
    table_sensor,
    task_type_kinds,
)


def test_task_type_functions_record_specs_and_take_part_in_dependencies() -> None:
    @job
    def typed():
        wait = file_sensor("wait", "/data/in/*.csv", poke_interval=timedelta(seconds=30))
        table = table_sensor("table", "main.sales.orders", min_version=3, timeout=600)
        ready = sql_sensor("ready", "SELECT count(*) > 0 FROM main.sales.orders", retries=1)
        load = sql_task("load", "INSERT INTO t SELECT * FROM s", engine="duckdb", retries=2)
        copy = shell_task("copy", ["cp", "a", "b"], env={"X": "1"}, cwd="/tmp", timeout=60)
        nb = notebook_task("nb", "notebooks/report.ipynb", {"day": "today"})

        @task
        def report(rows: list, last_line: str) -> None: ...

        [wait, table, ready] >> load
        load >> nb
        report(load, copy)

    spec = typed.spec
    assert {t.task_id: t.kind for t in spec.tasks} == {
        "wait": "file_sensor", "table": "table_sensor", "ready": "sql_sensor", "load": "sql",
        "copy": "shell", "nb": "notebook", "report": "python",
    }
    assert dict(spec.task("wait").config) == {
        "glob": "/data/in/*.csv", "poke_interval": 30.0, "timeout": 3600.0}
    assert dict(spec.task("table").config) == {
        "table": "main.sales.orders", "min_version": 3, "poke_interval": 60.0, "timeout": 600.0}
    assert spec.task("table").timeout_s is None  # a sensor's timeout is its waiting time
    assert spec.task("ready").retries == 1
    assert dict(spec.task("load").config) == {
        "sql": "INSERT INTO t SELECT * FROM s", "engine": "duckdb"}
    assert spec.task("load").upstream == ("wait", "table", "ready")
    assert spec.task("load").retries == 2
    assert dict(spec.task("copy").config) == {"cmd": ["cp", "a", "b"], "env": {"X": "1"}, "cwd": "/tmp"}
    assert spec.task("copy").timeout_s == 60.0
    assert dict(spec.task("nb").config) == {"path": "notebooks/report.ipynb", "params": {"day": "today"}}
    assert spec.task("nb").upstream == ("load",)
    assert dict(spec.task("report").inputs) == {"rows": "load", "last_line": "copy"}


def test_every_builtin_type_has_the_plugin_shape() -> None:
    kinds = task_type_kinds()
    for kind in ["python", "branch", "sql", "shell", "notebook", "file_sensor", "table_sensor", "sql_sensor"]:
        assert kind in kinds
        task_type = get_task_type(kind)
        assert task_type.kind == kind
        assert isinstance(task_type, SensorType if kind.endswith("_sensor") else TaskType)
        assert is_sensor(task_type) == kind.endswith("_sensor")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: sql_task("q", ""), "sql must be a non-empty text"),
        (lambda: shell_task("s", []), "cmd must be a text or a list"),
        (lambda: shell_task("s", "ls", env={"A": 1}), "env must map texts to texts"),
        (lambda: table_sensor("t", "a.b.c.d"), "at most 3"),
        (lambda: table_sensor("t", "a.b.c", min_version=-1), "min_version"),
        (lambda: file_sensor("f", "*.csv", poke_interval=0), "poke_interval must be more than 0"),
        (lambda: sql_task("bad name", "SELECT 1"), "invalid task name"),
        (lambda: make_task("sql", "q", sql="SELECT 1", color="red"), "unexpected keyword argument 'color'"),
        (lambda: make_task("teleport", "t"), "unknown task type 'teleport'; the task types are .*sql"),
        (lambda: make_task("python", "p"), "made with @task"),
    ],
)
def test_bad_task_type_settings(make, message: str) -> None:
    with pytest.raises(BrickyardError, match=message):
        @job
        def bad():
            make()


def test_task_type_functions_only_inside_a_job() -> None:
    with pytest.raises(InvalidInputError, match="inside the body of a @job"):
        sql_task("q", "SELECT 1")


def ctx(task_id: str = "t") -> TaskContext:
    return TaskContext(job_name="j", task_id=task_id, run_id=1)


def test_shell_task_runs_and_returns_its_last_line(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shell = get_task_type("shell")
    assert isinstance(shell, TaskType)
    config = shell.build(cmd="echo one; echo $GREETING; pwd", env={"GREETING": "hello"}, cwd=str(tmp_path))
    assert shell.run(config, ctx(), {}) == str(tmp_path)
    assert "one\nhello\n" in capfd.readouterr().out
    argv = shell.build(cmd=[sys.executable, "-c", "print('x'); raise SystemExit(3)"])
    with pytest.raises(Exception, match="exited with code 3"):
        shell.run(argv, ctx(), {})


def test_file_sensor_pokes(tmp_path: Path) -> None:
    sensor = get_task_type("file_sensor")
    assert isinstance(sensor, SensorType)
    config = sensor.build(glob=str(tmp_path / "**" / "*.csv"))
    assert not sensor.poke(config, ctx())
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "x.csv").write_text("a\n")
    assert sensor.poke(config, ctx())


def test_a_missing_notebook_names_where_it_was_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRICKYARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BRICKYARD_JOB_SOURCE_DIR", str(tmp_path / "jobs"))
    notebook = get_task_type("notebook")
    assert isinstance(notebook, TaskType)
    with pytest.raises(Exception, match="notebook 'x.ipynb' of task 'nb' not found") as raised:
        notebook.run(notebook.build(path="x.ipynb"), ctx("nb"), {})
    assert str(tmp_path / "jobs") in str(raised.value)
    assert str(tmp_path / "home" / "notebooks") in str(raised.value)


def test_sql_task_and_sensors_on_a_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRICKYARD_HOME", str(tmp_path / "home"))
    sql = get_task_type("sql")
    assert isinstance(sql, TaskType)
    script = (
        "CREATE TABLE main.default.nums (n INT); INSERT INTO main.default.nums VALUES (1), (2);"
        "SELECT n, n * 2 AS twice FROM main.default.nums ORDER BY n"
    )
    assert sql.run(sql.build(sql=script), ctx(), {}) == [{"n": 1, "twice": 2}, {"n": 2, "twice": 4}]
    inserted = sql.run(sql.build(sql="INSERT INTO main.default.nums VALUES (3)"), ctx(), {})
    assert inserted == [{"num_affected_rows": 1, "num_inserted_rows": 1}]  # as Spark answers
    assert sql.run(sql.build(sql="CREATE SCHEMA main.more"), ctx(), {}) is None

    table = get_task_type("table_sensor")
    assert isinstance(table, SensorType)
    assert table.poke(table.build(table="main.default.nums", min_version=2), ctx())
    assert not table.poke(table.build(table="main.default.nums", min_version=9), ctx())
    assert not table.poke(table.build(table="main.default.missing"), ctx())

    sensor = get_task_type("sql_sensor")
    assert isinstance(sensor, SensorType)
    assert sensor.poke(sensor.build(sql="SELECT count(*) = 3 FROM main.default.nums"), ctx())
    assert not sensor.poke(sensor.build(sql="SELECT n FROM main.default.nums WHERE n > 5"), ctx())
