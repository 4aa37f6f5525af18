"""Crash safety with real processes and signals (issue 4, "Crash safety").

`brickyard up` (or `brickyard scheduler` + `brickyard worker`) runs in subprocesses on a
temporary home; the tests `kill -9` the server and every process it started (the forkserver
and the task processes, found through /proc children), start it again with a short
heartbeat timeout and read the outcome from the metadata DB. Tasks append a line to a file
per execution, so "no successful task ran twice" is counted, not assumed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import brickyard
from brickyard.domain.jobs import RunState, TaskState
from brickyard.workspace import Workspace

pytestmark = pytest.mark.slow

HEARTBEAT_TIMEOUT_S = 3

JOB_FILE = """
import os
import time
from pathlib import Path

from brickyard import job, task

OUT = Path({out!r})


def note(text):
    with open(OUT / "executions.txt", "a") as f:
        f.write(text + "\\n")


@job()
def crashy():
    @task
    def first() -> int:
        note("first")
        return 1

    @task(retries=1, retry_delay=0)
    def slow(ctx, x: int) -> int:
        note(f"slow try {{ctx.try_number}}")
        marker = OUT / "slow.pid"
        if not marker.exists():  # the first try sleeps (and gets killed); the second returns
            marker.write_text(str(os.getpid()))
            time.sleep(30)
        return x + 1

    @task
    def last(y: int) -> int:
        note("last")
        return y

    last(slow(first()))


@job()
def gated():
    @task(retries=1, retry_delay=0)
    def quick() -> str:
        (OUT / "quick.started").write_text(str(os.getpid()))
        while not (OUT / "quick.gate").exists():
            time.sleep(0.02)
        note("quick")
        return "done"

    quick()
"""

DOOMED_FILE = """
import time
from pathlib import Path

from brickyard import job, task

OUT = Path({out!r})


@job()
def doomed():
    @task
    def wait_for_gate() -> int:
        (OUT / "doomed.started").write_text("")
        while not (OUT / "doomed.gate").exists():
            time.sleep(0.02)
        return 1

    @task
    def after(v: int) -> int:
        return v + 1

    after(wait_for_gate())
"""

SCHEDULED_FILE = """
from datetime import timedelta
from pathlib import Path

from brickyard import job, task

OUT = Path({out!r})


@job(schedule=timedelta(seconds=2), start_date="2026-01-01", catchup=False)
def every_2s():
    @task(retries=2, retry_delay=0)  # a try killed with the server is retried
    def tick(ctx) -> str:
        with open(OUT / "ticks.txt", "a") as f:
            f.write(ctx.logical_date.isoformat() + "\\n")
        return ctx.logical_date.isoformat()

    tick()
"""


# -- processes ----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError):
        return 0


def tree(pid: int) -> list[int]:
    """``pid`` and every process under it (/proc/<pid>/task/*/children, recursively)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo.extend(int(c) for c in children.read_text().split())
    return found


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def wait_for(what: str, check: Callable[[], Any], timeout_s: float, every_s: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


class Brickyard:
    """`brickyard up` (mode "up") or `brickyard scheduler` + `brickyard worker` on a home."""

    def __init__(self, home: Path, mode: str = "up") -> None:
        self.home = home
        self.mode = mode
        self.port = free_port()
        self.processes: list[subprocess.Popen[bytes]] = []
        self.starts = 0

    def start(self, env: dict[str, str] | None = None) -> float:
        """Start; the seconds until it is ready (healthy, or the jobs folder is loaded)."""
        self.starts += 1
        environ = {**os.environ, **(env or {})}
        environ.pop("BRICKYARD_HOME", None)
        base = [sys.executable, "-m", "brickyard.cli.main"]
        home = ["--home", str(self.home)]
        if self.mode == "up":
            commands = [[*base, "up", *home, "--port", str(self.port)]]
        else:
            commands = [[*base, "scheduler", *home], [*base, "worker", *home]]
        started = time.monotonic()
        for number, command in enumerate(commands):
            log = (self.home / f"server-{self.starts}-{number}.log").open("wb")
            self.processes.append(
                subprocess.Popen(
                    command,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=environ,
                    start_new_session=True,
                )
            )
        if self.mode == "up":
            wait_for("brickyard up to be healthy", lambda: health(self.port) == 200, 60)
        else:
            with brickyard.connect(self.home) as ws:
                wait_for("the scheduler to load the jobs", lambda: ws.job_store.list_jobs(), 60)
        for process in self.processes:
            assert process.poll() is None, f"{process.args} exited: {self.logs()}"
        return time.monotonic() - started

    def pids(self) -> list[int]:
        return [pid for p in self.processes if p.poll() is None for pid in tree(p.pid)]

    def kill9(self) -> list[int]:
        """kill -9 the server(s) and every process they started; the pids killed."""
        pids = self.pids()
        for process in self.processes:  # stop first, so no process starts another meanwhile
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGSTOP)
        pids = sorted(set(pids) | set(self.pids()))
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for process in self.processes:
            process.wait(timeout=10)
        wait_for("every killed process to be gone", lambda: not any(map(alive, pids)), 10)
        self.processes.clear()
        return pids

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGINT)
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)
        if any(p.poll() is None for p in self.processes):
            self.kill9()
        self.processes.clear()

    def logs(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-3000:] for p in self.home.glob("server-*.log")
        )


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def home(tmp_path: Path, out: Path) -> Iterator[Path]:
    path = tmp_path / "home"
    with brickyard.connect(path) as ws:  # initialised (and migrated) before any server starts
        jobs_dir = ws.jobs.jobs_dir
    jobs_dir.mkdir(parents=True, exist_ok=True)
    (jobs_dir / "crash_jobs.py").write_text(textwrap.dedent(JOB_FILE).format(out=str(out)))
    return path


@pytest.fixture
def ws(home: Path) -> Iterator[Workspace]:
    workspace = brickyard.connect(home)
    yield workspace
    workspace.close()


@pytest.fixture
def servers() -> Iterator[list[Brickyard]]:
    started: list[Brickyard] = []
    yield started
    for server in started:
        server.stop()


def executions(out: Path) -> list[str]:
    path = out / "executions.txt"
    return path.read_text().splitlines() if path.exists() else []


def task_run(ws: Workspace, run_id: int, task_id: str) -> Any:
    return next(t for t in ws.job_store.task_runs(run_id) if t.task_id == task_id)


def finished_run(ws: Workspace, run_id: int, timeout_s: float) -> Any:
    return wait_for(
        f"run {run_id} to finish",
        lambda: (run := ws.job_store.get_run(run_id)) is not None and run.state.finished and run,
        timeout_s,
    )


def assert_nothing_left_running(ws: Workspace) -> None:
    assert ws.job_store.list_runs(states=[RunState.RUNNING, RunState.QUEUED]) == []
    unfinished = [
        (t.run_id, t.task_id, t.state)
        for t in ws.job_store.task_runs_in_state([s for s in TaskState if not s.finished])
    ]
    assert unfinished == []


# -- (a) kill -9 everything mid-run, restart ------------------------------------------------
@pytest.mark.parametrize("mode", ["up", "scheduler+worker"])
def test_kill_9_of_everything_mid_run_is_recovered_after_a_restart(
    mode: str, home: Path, out: Path, ws: Workspace, servers: list[Brickyard]
) -> None:
    server = Brickyard(home, mode)
    servers.append(server)
    server.start()
    run_id = ws.jobs.trigger("crashy")
    assert run_id is not None
    marker = out / "slow.pid"
    wait_for("the slow task's first try to run", marker.exists, 60)
    task_pid = int(wait_for("the task's pid", lambda: marker.read_text().strip(), 5))
    killed = server.kill9()
    killed_at = time.time()
    assert task_pid in killed, "the task process was not found under the server's processes"
    assert not alive(task_pid)
    slow = task_run(ws, run_id, "slow")
    assert (slow.state, slow.try_number) == (TaskState.RUNNING, 1)  # as the dead server left it

    ready_s = server.start({"BRICKYARD_JOBS_HEARTBEAT_TIMEOUT_S": str(HEARTBEAT_TIMEOUT_S)})
    ready_at = time.time()

    def lost_try() -> Any:
        tries = [t for t in ws.job_store.tries(run_id) if (t.task_id, t.try_number) == ("slow", 1)]
        return tries[0] if tries and tries[0].state != TaskState.RUNNING else None

    lost = wait_for("the lost try to be detected", lost_try, HEARTBEAT_TIMEOUT_S + 10)
    assert lost.state == TaskState.UP_FOR_RETRY
    assert lost.error is not None
    assert "stopped reporting" in lost.error
    assert lost.end_time is not None
    # Detected within the heartbeat timeout (+ a few seconds) of the restarted server.
    assert lost.end_time / 1000 - ready_at <= HEARTBEAT_TIMEOUT_S + 3, (
        f"detected {lost.end_time / 1000 - killed_at:.1f} s after the kill "
        f"(restart took {ready_s:.1f} s)"
    )

    run = finished_run(ws, run_id, 60)
    assert run.state == RunState.SUCCESS, server.logs()
    assert task_run(ws, run_id, "slow").try_number == 2
    assert task_run(ws, run_id, "last").value_json == "2"
    # first ran once (it had succeeded before the crash), slow twice (the lost try), last once
    assert sorted(executions(out)) == ["first", "last", "slow try 1", "slow try 2"]
    assert_nothing_left_running(ws)


# -- (b) kill -9 only the task's worker process --------------------------------------------
def test_kill_9_of_a_task_process_fails_that_try_with_a_clear_message_and_retries(
    home: Path, out: Path, ws: Workspace, servers: list[Brickyard]
) -> None:
    server = Brickyard(home)
    servers.append(server)
    server.start()
    run_id = ws.jobs.trigger("crashy")
    assert run_id is not None
    marker = out / "slow.pid"
    wait_for("the slow task's first try to run", marker.exists, 60)
    task_pid = int(wait_for("the task's pid", lambda: marker.read_text().strip(), 5))
    assert task_pid in server.pids()
    os.kill(task_pid, signal.SIGKILL)

    run = finished_run(ws, run_id, 30)  # well under the 30 s heartbeat timeout: not a lost try
    assert run.state == RunState.SUCCESS, server.logs()
    tries = [(t.task_id, t.try_number, t.state) for t in ws.job_store.tries(run_id)]
    assert tries == [
        ("first", 1, TaskState.SUCCESS),
        ("slow", 1, TaskState.UP_FOR_RETRY),
        ("slow", 2, TaskState.SUCCESS),
        ("last", 1, TaskState.SUCCESS),
    ]
    killed = next(t for t in ws.job_store.tries(run_id) if t.task_id == "slow")
    assert killed.error is not None
    assert "died" in killed.error, killed.error
    assert "killed by signal 9" in killed.error, killed.error
    assert sorted(executions(out)) == ["first", "last", "slow try 1", "slow try 2"]
    assert server.pids()
    assert all(map(alive, server.pids()))
    assert_nothing_left_running(ws)


# -- (c) a job file deleted while its run is active ----------------------------------------
def test_a_job_file_deleted_while_its_run_is_active_finishes_with_its_stored_definition(
    home: Path, out: Path, ws: Workspace, servers: list[Brickyard]
) -> None:
    doomed = ws.jobs.jobs_dir / "doomed.py"
    doomed.write_text(textwrap.dedent(DOOMED_FILE).format(out=str(out)))
    server = Brickyard(home)
    servers.append(server)
    server.start()
    run_id = ws.jobs.trigger("doomed")
    assert run_id is not None
    wait_for("the first task to run", (out / "doomed.started").exists, 60)
    doomed.unlink()
    wait_for(
        "the server to notice the deleted file",
        lambda: "doomed" not in {j.name for j in ws.job_store.list_jobs()},
        30,
    )
    (out / "doomed.gate").write_text("")
    run = finished_run(ws, run_id, 30)  # it ends either way: never stays running
    assert_nothing_left_running(ws)
    errors = {t.task_id: t.error for t in ws.job_store.task_runs(run_id)}
    assert run.state == RunState.SUCCESS, errors
    assert task_run(ws, run_id, "after").value_json == "2"


# -- (d) a scheduled job survives a restart without a duplicate run -------------------------
@pytest.mark.parametrize("how", ["kill -9", "SIGINT"])
def test_a_scheduled_job_survives_a_restart_without_a_duplicate_run(
    how: str, home: Path, out: Path, ws: Workspace, servers: list[Brickyard]
) -> None:
    (ws.jobs.jobs_dir / "scheduled.py").write_text(
        textwrap.dedent(SCHEDULED_FILE).format(out=str(out))
    )
    server = Brickyard(home)
    servers.append(server)

    def scheduled() -> list[Any]:
        job = ws.job_store.get_job("every_2s")
        return [] if job is None else ws.job_store.list_runs(job_id=job.id, limit=1000)

    server.start()
    wait_for("two scheduled runs", lambda: len(scheduled()) >= 2, 30)
    if how == "kill -9":
        server.kill9()
    else:
        server.stop()
    before = {r.id for r in scheduled()}
    server.start({"BRICKYARD_JOBS_HEARTBEAT_TIMEOUT_S": str(HEARTBEAT_TIMEOUT_S)})
    wait_for(
        "two more scheduled runs after the restart", lambda: len(scheduled()) >= len(before) + 2, 30
    )
    wait_for(
        "the runs from before the restart to finish",
        lambda: all(r.state.finished for r in scheduled() if r.id in before),
        HEARTBEAT_TIMEOUT_S + 15,
    )
    runs = scheduled()
    dates = [r.logical_date for r in runs]
    assert len(dates) == len(set(dates)), f"duplicate runs for a logical date: {sorted(dates)}"
    assert all(r.run_type == "scheduled" for r in runs)
    assert all((d - min(dates)) % 2000 == 0 for d in dates), "logical dates off the 2 s grid"
    assert [r.state for r in runs if r.id in before] == [RunState.SUCCESS] * len(before), [
        (t.task_id, t.try_number, t.state, t.error) for r in runs for t in ws.job_store.tries(r.id)
    ]
    ticks = set((out / "ticks.txt").read_text().splitlines())
    succeeded = {r.logical_date for r in runs if r.state == RunState.SUCCESS}
    assert len(ticks) >= len(succeeded)  # each successful run's task really ran


# -- (e) the server dies after a task succeeded, before it recorded the success ------------
def test_a_task_that_succeeded_just_before_the_crash_does_not_run_again(
    home: Path, out: Path, ws: Workspace, servers: list[Brickyard]
) -> None:
    server = Brickyard(home)
    servers.append(server)
    server.start()
    run_id = ws.jobs.trigger("gated")
    assert run_id is not None
    wait_for("the task to run", (out / "quick.started").exists, 60)
    for process in server.processes:  # the server freezes; the task process carries on
        os.kill(process.pid, signal.SIGSTOP)
    (out / "quick.gate").write_text("")
    wait_for("the task to succeed", lambda: executions(out) == ["quick"], 10)
    result = wait_for(
        "the task's result file",
        lambda: next(ws.logs_dir.glob("gated/*/quick/1.result.json"), None),
        10,
    )
    assert '"ok": true' in result.read_text()
    server.kill9()
    server.start({"BRICKYARD_JOBS_HEARTBEAT_TIMEOUT_S": str(HEARTBEAT_TIMEOUT_S)})
    run = finished_run(ws, run_id, HEARTBEAT_TIMEOUT_S + 30)
    assert_nothing_left_running(ws)
    assert executions(out) == ["quick"], "the task that had succeeded ran again"
    assert run.state == RunState.SUCCESS
