"""The extension point: a task type installed as a ``brickyard.task_types`` entry point.

The example package below is what a plugin author writes: a class per kind (``build`` and
``run``, or ``poke`` for a sensor) and, for job files, a function calling ``make_task``. It is
"installed" by putting a folder with the package and its ``dist-info`` on PYTHONPATH of the
processes that load and run jobs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from brickyard.jobs import load_jobs

PLUGIN = '''
    """brickyard-echo: an example task type package."""
    import os
    from typing import Any

    from brickyard.jobs import make_task


    class EchoTask:
        kind = "echo"

        def build(self, *, message: str, times: int = 1) -> dict[str, Any]:
            if not isinstance(times, int) or times < 1:
                raise ValueError(f"times must be >= 1, not {times!r}")
            return {"message": message, "times": times}

        def run(self, config, ctx, inputs):
            words = [config["message"]] * config["times"]
            return " ".join(words) + str(inputs.get("suffix", ""))


    class FlagSensor:
        kind = "flag"

        def build(self, *, path: str) -> dict[str, Any]:
            return {"path": path}

        def poke(self, config, ctx) -> bool:
            return os.path.exists(config["path"])


    class Misnamed:
        kind = "something_else"

        def build(self):
            return {}

        def run(self, config, ctx, inputs):
            return None


    def echo_task(name: str, message: str, times: int = 1, **options: Any):
        return make_task("echo", name, message=message, times=times, **options)
'''

ENTRY_POINTS = """
    [brickyard.task_types]
    echo = brickyard_echo:EchoTask
    flag = brickyard_echo:FlagSensor
    misnamed = brickyard_echo:Misnamed
    broken = brickyard_echo_missing:Nothing
"""

JOB = """
    from brickyard import job, task
    from brickyard.jobs import make_task
    from brickyard_echo import echo_task

    @job
    def plugged():
        @task
        def extract() -> str:
            return "!"

        flag = make_task("flag", "wait_flag", path="/tmp/flag", poke_interval=5, timeout=50)
        flag >> echo_task("hello", "hi", times=2, suffix=extract(), retries=3)
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "site"
    (folder / "brickyard_echo").mkdir(parents=True)
    (folder / "brickyard_echo" / "__init__.py").write_text(textwrap.dedent(PLUGIN))
    info = folder / "brickyard_echo-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: brickyard-echo\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(ENTRY_POINTS))
    monkeypatch.setenv("PYTHONPATH", str(folder))  # for the loader's and the test's workers
    return folder


def job_folder(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "jobs"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.py").write_text(textwrap.dedent(text))
    return folder


def test_a_plugin_task_type_is_loaded_into_specs(site: Path, tmp_path: Path) -> None:
    result = load_jobs(job_folder(tmp_path, "plugged", JOB))
    assert result.errors == []
    spec = result.jobs[0]
    hello = spec.task("hello")
    assert (hello.kind, dict(hello.config), hello.retries) == (
        "echo", {"message": "hi", "times": 2}, 3)
    assert hello.upstream == ("extract", "wait_flag")
    assert dict(hello.inputs) == {"suffix": "extract"}
    flag = spec.task("wait_flag")
    assert (flag.kind, dict(flag.config)) == (
        "flag", {"path": "/tmp/flag", "poke_interval": 5.0, "timeout": 50.0})


RUN = """
import json, sys
from brickyard.jobs import TaskContext, get_task_type, is_sensor, task_type_kinds
ctx = TaskContext(job_name="plugged", task_id="x", run_id=1)
echo, flag = get_task_type("echo"), get_task_type("flag")
print(json.dumps({
    "kinds": task_type_kinds(),
    "echo": echo.run(echo.build(message="hi", times=3), ctx, {"suffix": "?"}),
    "flag_sensor": is_sensor(flag),
    "flag": flag.poke(flag.build(path=sys.argv[1]), ctx),
}))
"""


def test_a_plugin_task_type_runs_in_a_worker(site: Path, tmp_path: Path) -> None:
    (tmp_path / "flag").touch()
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(tmp_path / "flag")],
        capture_output=True, text=True, timeout=60, check=True, env=dict(os.environ),
    )
    answer = json.loads(done.stdout)
    assert {"echo", "flag", "sql", "python"} <= set(answer["kinds"])
    assert answer["echo"] == "hi hi hi?"
    assert answer["flag_sensor"] is True
    assert answer["flag"] is True


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('make_task("misnamed", "m")', "says its kind is 'something_else'; name the entry point after its kind"),
        ('make_task("broken", "b")', "task type 'broken' .* cannot be loaded: ModuleNotFoundError"),
        ('make_task("nothing", "n")', "unknown task type 'nothing'; the task types are .*echo.*flag"),
        ('echo_task("e", "hi", times=0)', "times must be >= 1"),
    ],
)
def test_bad_plugin_use_is_a_load_error(site: Path, tmp_path: Path, body: str, message: str) -> None:
    text = f"""
        from brickyard import job
        from brickyard.jobs import make_task
        from brickyard_echo import echo_task

        @job
        def bad():
            {body}
    """
    result = load_jobs(job_folder(tmp_path, "bad", text))
    assert result.jobs == []
    assert len(result.errors) == 1
    assert re.search(message, result.errors[0].message), result.errors[0].message
