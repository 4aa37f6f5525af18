"""The task types Brickyard ships: Python tasks, SQL, shell, notebook, and three sensors.

Each has the shape of ``task_types.TaskType`` / ``SensorType``, as a plugin's type does.
Heavy imports (the workspace, Spark, sqlglot) happen inside ``run``/``poke``, in the worker.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brickyard.domain.errors import BrickyardError, InvalidInputError, NotFoundError
from brickyard.domain.names import parse_table_name

if TYPE_CHECKING:
    from brickyard.jobs.runtime import TaskContext
    from brickyard.jobs.task_types import AnyTaskType

MAX_SQL_ROWS = 100  # rows of a SQL task's last result kept as its task value


class PythonTask:
    """A ``@task`` (kind ``python``) or ``@task.branch`` function (kind ``branch``).

    Config: ``args`` (fixed JSON arguments) and, for a mapped task, ``expand``
    (parameter -> upstream task id; the executor gives one item per try in ``inputs``).
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def build(self, **settings: Any) -> Mapping[str, Any]:
        raise InvalidInputError("Python tasks are made with @task, not make_task")

    def run(self, config: Mapping[str, Any], ctx: TaskContext, inputs: Mapping[str, Any]) -> Any:
        from brickyard.jobs.runtime import call_python_task, resolve_python_task

        function = resolve_python_task(ctx.job_file, ctx.job_name, ctx.task_id)
        return call_python_task(function, ctx, {**config.get("args", {}), **inputs})


class SqlTask:
    kind = "sql"

    def build(self, *, sql: str, engine: str | None = None) -> Mapping[str, Any]:
        _text("sql", sql)
        if engine is not None:
            _text("engine", engine)
        return {"sql": sql, "engine": engine}

    def run(self, config: Mapping[str, Any], ctx: TaskContext, inputs: Mapping[str, Any]) -> Any:
        from brickyard.adapters.spark_sql.statements import STATEMENT_DONE

        session = ctx.spark(config.get("engine"))
        result = None
        for statement in split_statements(config["sql"]):
            ctx.log.info("running SQL: %s", statement)
            result = session.sql(statement)
        if result is None:
            return None
        data = result.toArrow()
        if data.column_names == [STATEMENT_DONE]:  # DDL/DML: no result set
            return None
        rows = data.slice(0, MAX_SQL_ROWS).to_pylist()
        return json.loads(json.dumps(rows, default=str))  # dates and decimals as text


def split_statements(text: str) -> list[str]:
    """The statements of a script, split on top-level ';'."""
    import sqlglot

    try:
        parsed = sqlglot.parse(text, read="spark")
    except sqlglot.errors.ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        raise InvalidInputError(
            f"SQL syntax error at line {first.get('line', '?')}, column {first.get('col', '?')}: "
            f"{first.get('description', exc)}"
        ) from exc
    return [e.sql(dialect="spark") for e in parsed if e is not None]


class ShellTask:
    kind = "shell"

    def build(
        self,
        *,
        cmd: str | list[str],
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
    ) -> Mapping[str, Any]:
        if isinstance(cmd, list):
            if not cmd or not all(isinstance(a, str) for a in cmd):
                raise InvalidInputError(f"cmd must be a text or a list of texts, not {cmd!r}")
        else:
            _text("cmd", cmd)
        if env is not None and not (
            isinstance(env, Mapping)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in env.items())
        ):
            raise InvalidInputError(f"env must map texts to texts, not {env!r}")
        if cwd is not None:
            _text("cwd", cwd)
        return {"cmd": cmd, "env": dict(env or {}), "cwd": cwd}

    def run(self, config: Mapping[str, Any], ctx: TaskContext, inputs: Mapping[str, Any]) -> Any:
        import os

        cmd = config["cmd"]
        process = subprocess.Popen(
            cmd,
            shell=isinstance(cmd, str),
            env={**os.environ, **config.get("env", {})},
            cwd=config.get("cwd"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        last = None
        assert process.stdout is not None
        for line in process.stdout:  # streamed: the try's log shows progress
            sys.stdout.write(line)
            sys.stdout.flush()
            if line.strip():
                last = line.rstrip("\n")
        code = process.wait()
        if code != 0:
            raise BrickyardError(f"command exited with code {code}: {cmd}")
        return last


class NotebookTask:
    kind = "notebook"

    def build(self, *, path: str, params: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
        _text("path", path)
        if params is not None and not isinstance(params, Mapping):
            raise InvalidInputError(f"notebook params must be a dict, not {params!r}")
        return {"path": path, "params": dict(params or {})}

    def run(self, config: Mapping[str, Any], ctx: TaskContext, inputs: Mapping[str, Any]) -> Any:
        """Run the notebook in a fresh Brickyard kernel: the task's params (then the job's)
        are its widget values, its exit value is the task value, the values it sets with
        dbutils.jobs.taskValues are the task's; the executed notebook is kept beside the
        try's log (``<try>.ipynb``)."""
        import os

        from brickyard.notebooks.runner import run_notebook

        path = _notebook_path(str(config["path"]), ctx)
        params = {**dict(config.get("params") or {}), **ctx.params}
        log = os.environ.get("BRICKYARD_TRY_LOG")
        timeout = os.environ.get("BRICKYARD_TASK_TIMEOUT_S")

        def progress(number: int, cells: int, first_line: str) -> None:
            print(f"cell {number}/{cells}: {first_line}", flush=True)

        result = run_notebook(
            path,
            params,
            # Stopped (interrupted, then killed) just before the executor's own deadline
            # kills this process, so the log says which cell ran out of time.
            timeout_s=max(float(timeout) - 3, 1) if timeout else None,
            progress=progress,
            upstream_values=ctx.task_values.upstream(),
            output=Path(log).with_suffix(".ipynb") if log else None,
        )
        if not result.ok:
            print(result.error, flush=True)
        result.raise_for_failure()
        for key, value in result.task_values.items():
            ctx.task_values.set(key, value)
        return result.exit_value


def _notebook_path(path: str, ctx: TaskContext) -> Path:
    """A notebook task's file: absolute, or relative to the jobs folder, else to the home's
    notebooks/ folder; a missing extension finds .ipynb, then .py."""
    import os

    from brickyard.config import default_home

    given = Path(path).expanduser()
    source = os.environ.get("BRICKYARD_JOB_SOURCE_DIR")
    bases = [Path(source)] if source else []
    bases.append(default_home() / "notebooks")
    candidates = [given] if given.is_absolute() else [base / given for base in bases]
    for candidate in candidates:
        suffixes = (".ipynb", ".py", ".sql")
        for option in (candidate, *(candidate.with_suffix(s) for s in suffixes)):
            if option.is_file() and (option == candidate or not candidate.suffix):
                return option
    raise NotFoundError(
        f"notebook '{path}' of task '{ctx.task_id}' not found; looked in "
        + ", ".join(str(c.parent) for c in candidates)
    )


class FileSensor:
    kind = "file_sensor"

    def build(self, *, glob: str) -> Mapping[str, Any]:
        return {"glob": _text("glob", glob)}

    def poke(self, config: Mapping[str, Any], ctx: TaskContext) -> bool:
        import glob

        return bool(glob.glob(config["glob"], recursive=True))


class TableSensor:
    kind = "table_sensor"

    def build(self, *, table: str, min_version: int | None = None) -> Mapping[str, Any]:
        parse_table_name(_text("table", table))
        if min_version is not None and (
            not isinstance(min_version, int) or isinstance(min_version, bool) or min_version < 0
        ):
            raise InvalidInputError(f"min_version must be a whole number >= 0, not {min_version!r}")
        return {"table": table, "min_version": min_version}

    def poke(self, config: Mapping[str, Any], ctx: TaskContext) -> bool:
        import brickyard

        with brickyard.connect() as ws:
            if not ws.catalog.table_exists(config["table"]):
                return False
            minimum = config.get("min_version")
            return minimum is None or ws.catalog.table(config["table"]).version >= minimum


class SqlSensor:
    kind = "sql_sensor"

    def build(self, *, sql: str, engine: str | None = None) -> Mapping[str, Any]:
        return {"sql": _text("sql", sql), "engine": engine}

    def poke(self, config: Mapping[str, Any], ctx: TaskContext) -> bool:
        data = ctx.spark(config.get("engine")).sql(config["sql"]).toArrow()
        if data.num_rows == 0 or data.num_columns == 0:
            return False
        return bool(data.column(0)[0].as_py())


def _text(what: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{what} must be a non-empty text, not {value!r}")
    return value


BUILTIN_TASK_TYPES: Mapping[str, AnyTaskType] = {
    t.kind: t
    for t in (
        PythonTask("python"),
        PythonTask("branch"),
        SqlTask(),
        ShellTask(),
        NotebookTask(),
        FileSensor(),
        TableSensor(),
        SqlSensor(),
    )
}
