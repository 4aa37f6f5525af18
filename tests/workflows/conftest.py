"""A workspace with job files, and a helper that runs one run to its end in-process."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import brickyard
from brickyard.domain.job_runs import RunInfo
from brickyard.jobs.job_file import import_job_file
from brickyard.workspace import Workspace

HEADER = "from brickyard.jobs.authoring import job, task\n"


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    monkeypatch.setenv("BRICKYARD_JOBS_TASK_MEMORY_MB", "1024")  # the 1 GB cap
    workspace = brickyard.connect(tmp_path / "home")
    yield workspace
    workspace.close()


@pytest.fixture
def add_job(ws: Workspace) -> Callable[[str, str], None]:
    """Write a job file into the jobs folder and record its jobs (as a reload does)."""

    def add(file_name: str, source: str) -> None:
        path = ws.jobs.jobs_dir / file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(HEADER + textwrap.dedent(source))
        specs = [job.spec for job in import_job_file(path)]
        ws.job_store.save_jobs(specs, [], ws.clock.now_ms())

    return add


@pytest.fixture
def run_to_end(ws: Workspace) -> Iterator[Callable[..., RunInfo]]:
    """Trigger a job and drive it with the real scheduler and executor until it ends."""
    runner = ws.job_runner()

    def run(name: str, params: dict[str, object] | None = None, timeout_s: float = 60) -> RunInfo:
        run_id = ws.jobs.trigger(name, params)
        assert run_id is not None
        finished = runner.run_until(lambda: ws.jobs.run(run_id).state.finished, timeout_s)
        assert finished, f"run {run_id} did not finish in {timeout_s} s"
        return ws.jobs.run(run_id)

    yield run
    runner.stop()
