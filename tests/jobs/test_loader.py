"""The loader: job files imported in a subprocess; each bad file is a load error of its own."""

from __future__ import annotations

import re
import textwrap
import time
from pathlib import Path

import pytest

from brickyard.jobs import LoadResult, load_jobs

GOOD = """
from brickyard import job, task

@job(schedule="@daily", params={{"n": 1}})
def {name}():
    @task
    def extract() -> int:
        return 1

    @task
    def report(value: int) -> None:
        print(value)

    report(extract())
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(text))
    return path


def errors_by_file(result: LoadResult) -> dict[str, str]:
    return {Path(e.file).name: e.message for e in result.errors}


def test_loads_good_files_with_their_path(tmp_path: Path) -> None:
    a = write(tmp_path, "a", GOOD.format(name="alpha"))
    write(tmp_path, "b", GOOD.format(name="beta"))
    (tmp_path / "notes.txt").write_text("not a job")
    result = load_jobs(tmp_path)
    assert result.errors == []
    assert [j.name for j in result.jobs] == ["alpha", "beta"]
    alpha = result.jobs[0]
    assert alpha.file == str(a.resolve())
    assert [t.task_id for t in alpha.tasks] == ["extract", "report"]
    assert alpha.task("report").inputs == {"value": "extract"}


def test_an_empty_or_missing_folder_loads_nothing(tmp_path: Path) -> None:
    assert load_jobs(tmp_path) == LoadResult([], [])
    assert load_jobs(tmp_path / "missing") == LoadResult([], [])


BAD_FILES = {
    "syntax": ("def broken(:\n    pass\n", r"SyntaxError at line 1: .*def broken\(:"),
    "imports": ("import no_such_module_xyz\n", r"ModuleNotFoundError: No module named 'no_such_module_xyz' \(line 1\)"),
    "cycle": (
        """
        from brickyard import job, task

        @job
        def cyclic():
            @task
            def t() -> None: ...
            a, b = t.override(task_id="a")(), t.override(task_id="b")()
            a >> b >> a
        """,
        "dependency cycle: (a >> b >> a|b >> a >> b)",
    ),
    "duplicate": (
        """
        from brickyard import job, task

        @task
        def f() -> None: ...

        @job
        def dup():
            f()
            f()
        """,
        r"two tasks named 'f'.*\(line 7\)",
    ),
    "unknown_dep": (
        """
        from brickyard import job, task

        leaked = []

        @job
        def first():
            @task
            def other() -> None: ...
            leaked.append(other())

        @job
        def second():
            @task
            def mine() -> None: ...
            leaked[0] >> mine()
        """,
        "depends on 'other', which is not a task of the job",
    ),
    "schedule_type": (
        """
        from brickyard import job

        @job(schedule=3600)
        def hourly():
            pass
        """,
        "schedule must be a cron text.*not int 3600 \\(line 4\\)",
    ),
    "bad_cron": (
        """
        from brickyard import job

        @job(schedule="0 25 * * *")
        def late():
            pass
        """,
        "hour field '25' is out of range 0-23",
    ),
    "same_file_twice": (
        """
        from brickyard import job

        @job
        def twin():
            pass

        @job
        def twin():
            pass
        """,
        "two jobs are named 'twin'",
    ),
    "exits": ("import sys\nsys.exit(3)\n", r"called sys.exit\(3\)"),
    "hard_exit": ("import os\nos._exit(7)\n", "loader process exited with code 7 while importing this file"),
    "segfault": ("import ctypes\nctypes.string_at(0)\n", "loader process was killed by SIGSEGV"),
    "hangs": ("import time\nwhile True:\n    time.sleep(0.05)\n", "took longer than 1.5 s"),
}


def test_each_bad_file_is_a_load_error_of_its_own(tmp_path: Path) -> None:
    for index, (name, (text, _)) in enumerate(BAD_FILES.items()):
        write(tmp_path, name, text)
        write(tmp_path, f"{name}_ok", GOOD.format(name=f"good_{index}"))  # right after it
    write(tmp_path, "printer", 'print("noise on stdout")\n' + GOOD.format(name="printed"))

    started = time.monotonic()
    result = load_jobs(tmp_path, timeout_s=1.5)
    assert time.monotonic() - started < 10

    errors = errors_by_file(result)
    assert set(errors) == {f"{name}.py" for name in BAD_FILES}
    for name, (_, message) in BAD_FILES.items():
        assert re.search(message, errors[f"{name}.py"]), (name, errors[f"{name}.py"])
    names = {j.name for j in result.jobs}
    assert names == {f"good_{i}" for i in range(len(BAD_FILES))} | {"printed"}


def test_a_job_name_in_two_files_is_an_error_of_the_second(tmp_path: Path) -> None:
    write(tmp_path, "a_first", GOOD.format(name="shared"))
    write(tmp_path, "b_second", GOOD.format(name="shared") + GOOD.format(name="other"))
    result = load_jobs(tmp_path)
    assert [(j.name, Path(j.file).name) for j in result.jobs] == [
        ("shared", "a_first.py"), ("other", "b_second.py")]
    errors = errors_by_file(result)
    assert list(errors) == ["b_second.py"]
    assert "job 'shared' is defined in" in errors["b_second.py"]
    assert "a_first.py already" in errors["b_second.py"]


def test_a_job_file_can_import_a_helper_next_to_it(tmp_path: Path) -> None:
    write(tmp_path, "helpers", "REGIONS = ['eu', 'us']\n")
    write(tmp_path, "regional", """
        from brickyard import job, task
        from helpers import REGIONS

        @job
        def regional():
            @task
            def start() -> None: ...
            first = start()
            for region in REGIONS:
                @task(task_id=f"load_{region}")
                def load() -> None: ...
                first >> load()
        """)
    result = load_jobs(tmp_path)
    assert result.errors == []
    assert [t.task_id for t in result.jobs[0].tasks] == ["start", "load_eu", "load_us"]


def test_a_crash_is_blamed_on_the_file_that_crashes(tmp_path: Path) -> None:
    # The first file's thread kills the worker while the second file is being imported.
    write(tmp_path, "a_bomb", """
        import os, threading, time
        threading.Thread(target=lambda: (time.sleep(0.3), os._exit(9)), daemon=True).start()
        """)
    write(tmp_path, "b_slow", "import time\ntime.sleep(0.6)\n" + GOOD.format(name="slow"))
    result = load_jobs(tmp_path, timeout_s=5)
    assert [j.name for j in result.jobs] == ["slow"]
    assert result.errors == []


@pytest.mark.serial
def test_fifty_files_load_fast(tmp_path: Path) -> None:
    for i in range(50):
        write(tmp_path, f"job_{i:02d}", GOOD.format(name=f"job_{i:02d}"))
    load_jobs(tmp_path)  # warm the OS caches
    started = time.monotonic()
    result = load_jobs(tmp_path)
    elapsed = time.monotonic() - started
    assert len(result.jobs) == 50
    assert result.errors == []
    assert elapsed < 2.0, elapsed


def test_databricks_notebooks_beside_job_files_are_not_imported(tmp_path: Path) -> None:
    write(tmp_path, "etl", GOOD.format(name="etl"))
    (tmp_path / "explore.py").write_text(
        "# Databricks notebook source\ndbutils.widgets.text('x', '1')\n"
    )
    result = load_jobs(tmp_path)
    assert [j.name for j in result.jobs] == ["etl"]
    assert result.errors == []
