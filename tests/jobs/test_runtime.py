"""Runtime helpers: the task context, binding ctx/inputs/params, and Python tasks in a worker."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from brickyard import InvalidInputError, NotFoundError, job, task
from brickyard.jobs import (
    TaskContext,
    TaskValues,
    branch_targets,
    call_python_task,
    expand_inputs,
    resolve_python_task,
    task_inputs,
)


def make_ctx(**params: object) -> TaskContext:
    return TaskContext(job_name="j", task_id="t", run_id=7, params=dict(params))


def test_ctx_inputs_and_params_are_bound_by_name() -> None:
    def f(ctx, n: int, region: str, params: dict, limit: int = 10) -> tuple:
        return ctx.run_id, n, region, params, limit

    ctx = make_ctx(region="EU", other=1)
    assert call_python_task(f, ctx, {"n": 3}) == (7, 3, "EU", {"region": "EU", "other": 1}, 10)
    # An upstream value wins over a job param of the same name; a default can be overridden.
    assert call_python_task(f, ctx, {"n": 3, "region": "US", "limit": 1})[2:5:2] == ("US", 1)


def test_no_ctx_unless_the_first_parameter_is_named_ctx() -> None:
    def g(n: int, ctx: object = None) -> object:
        return ctx

    assert call_python_task(g, make_ctx(), {"n": 1}) is None


def test_positional_only_and_kwargs() -> None:
    def h(a: int, /, **rest: int) -> tuple:
        return a, rest

    assert call_python_task(h, make_ctx(), {"a": 1, "b": 2}) == (1, {"b": 2})


def test_a_parameter_without_a_value_is_an_error() -> None:
    def f(missing: int) -> None: ...

    with pytest.raises(InvalidInputError, match="parameter 'missing' of task 't' gets no value"):
        call_python_task(f, make_ctx(), {})


def test_the_context() -> None:
    ctx = TaskContext(job_name="daily", task_id="extract", run_id="r1", try_number=2,
                      task_values=TaskValues({"up": {"return_value": 5, "rows": 9}}))
    assert ctx.log.name == "brickyard.task.daily.extract"
    assert ctx.task_values.get("up") == 5
    assert ctx.task_values.get("up", "rows") == 9
    assert ctx.task_values.get("nope", default="d") == "d"
    ctx.task_values.set("count", 3)
    assert ctx.task_values.set_values == {"count": 3}
    with pytest.raises(InvalidInputError, match="must be a JSON value"):
        ctx.task_values.set("bad", object())


def test_inputs_expand_and_branch_targets_from_a_spec() -> None:
    @job
    def shaped():
        @task
        def files() -> list[str]: ...

        @task
        def sizes() -> list[int]: ...

        @task
        def pair(name: str, size: int, total: int = 0) -> None: ...

        @task.branch
        def choose() -> str: ...

        @task
        def a() -> None: ...

        @task
        def b() -> None: ...

        f = files()
        pair.expand(name=f, size=sizes())
        choose() >> [a(), b()]
        f >> pair.override(task_id="summed")(name=f, size=1, total=f)

    spec = shaped.spec
    values = {"files": ["x", "y"], "sizes": [1, 2]}
    assert task_inputs(spec.task("summed"), values) == {"name": ["x", "y"], "total": ["x", "y"]}
    assert expand_inputs(spec.task("pair"), values) == [
        {"name": "x", "size": 1}, {"name": "x", "size": 2},
        {"name": "y", "size": 1}, {"name": "y", "size": 2},
    ]
    with pytest.raises(InvalidInputError, match="needs a list from task 'files'; it returned dict"):
        expand_inputs(spec.task("pair"), {"files": {}, "sizes": []})
    assert branch_targets(spec, "choose", "a") == ["a"]
    assert branch_targets(spec, "choose", ["a", "b", "a"]) == ["a", "b"]
    assert branch_targets(spec, "choose", None) == []
    with pytest.raises(InvalidInputError, match="'files', which is not directly downstream"):
        branch_targets(spec, "choose", "files")
    with pytest.raises(InvalidInputError, match="must return a task id"):
        branch_targets(spec, "choose", 3)


JOB_FILE = """
    from brickyard import job, task

    @task
    def shared(ctx, n: int) -> int:
        return n + ctx.try_number

    @job(params={"region": "EU"})
    def worker_job():
        @task
        def extract(ctx) -> int:
            ctx.log.warning("extracting for %s", ctx.params["region"])
            print("to stdout")
            return 41

        @task
        def report(n: int, region: str, label: str) -> str:
            return f"{label}:{region}:{n}"

        @task.branch
        def choose(n: int) -> str:
            return "report"

        value = extract()
        report(value, label="total")
        choose(value)
        shared(value)
"""

RUN_TASK = """
import json, sys
from brickyard.jobs import TaskContext, get_task_type
from brickyard.jobs.loader import load_jobs  # noqa: F401  (the executor imports it too)
file, job_name, task_id, inputs, config = sys.argv[1:6]
ctx = TaskContext(job_name=job_name, task_id=task_id, run_id=1, try_number=2,
                  params={"region": "US"}, job_file=file)
kind = "branch" if task_id == "choose" else "python"
value = get_task_type(kind).run(json.loads(config), ctx, json.loads(inputs))
print("VALUE=" + json.dumps(value))
"""


def run_task(file: Path, task_id: str, inputs: dict, config: dict | None = None) -> tuple[object, str]:
    done = subprocess.run(
        [sys.executable, "-c", RUN_TASK, str(file), "worker_job", task_id, json.dumps(inputs),
         json.dumps(config or {})],
        capture_output=True, text=True, timeout=60, check=True,
    )
    line = [x for x in done.stdout.splitlines() if x.startswith("VALUE=")][-1]
    return json.loads(line.removeprefix("VALUE=")), done.stdout + done.stderr


def test_python_tasks_run_in_a_worker_process(tmp_path: Path) -> None:
    file = tmp_path / "worker_job.py"
    file.write_text(textwrap.dedent(JOB_FILE))
    value, output = run_task(file, "extract", {})
    assert value == 41
    assert "to stdout" in output
    assert "extracting for US" in output
    assert run_task(file, "report", {"n": 41}, {"args": {"label": "total"}})[0] == "total:US:41"
    assert run_task(file, "choose", {"n": 1})[0] == "report"
    assert run_task(file, "shared", {"n": 1})[0] == 3


def test_resolve_python_task(tmp_path: Path) -> None:
    file = tmp_path / "worker_job.py"
    file.write_text(textwrap.dedent(JOB_FILE))
    extract = resolve_python_task(str(file), "worker_job", "extract")
    assert extract.__name__ == "extract"
    assert resolve_python_task(str(file), "worker_job", "extract") is extract  # imported once
    with pytest.raises(NotFoundError, match="no longer defines job 'gone'"):
        resolve_python_task(str(file), "gone", "extract")
    with pytest.raises(NotFoundError, match="has no Python task 'nope'"):
        resolve_python_task(str(file), "worker_job", "nope")
    with pytest.raises(NotFoundError, match="is gone"):
        resolve_python_task(str(tmp_path / "deleted.py"), "worker_job", "extract")
