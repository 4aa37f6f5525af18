"""Loading a jobs folder: every ``*.py`` file imported in a subprocess, with a timeout.

One worker process imports the files one after the other and reports each (see
``load_worker``). A file that hangs longer than ``timeout_s`` gets a load error and the worker
is killed; a file during whose import the worker dies (``os._exit``, a segfault) is imported
once more alone to be sure it is the culprit. A fresh worker then carries on with the files
left, so a bad file never costs the others their jobs.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from brickyard.domain.jobs import JobSpec
from brickyard.domain.spec_json import job_from_json

DEFAULT_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class LoadError:
    """A job file that could not be loaded, and why (shown by ``jobs list``, API and UI)."""

    file: str
    message: str


@dataclass
class LoadResult:
    jobs: list[JobSpec] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)


NOTEBOOK_HEADER = b"# Databricks notebook source"


def is_job_file(path: Path) -> bool:
    """A ``.py`` file of the jobs folder that defines jobs: not a notebook exported from
    Databricks (those run as notebook tasks and may sit beside the jobs that run them)."""
    try:
        with path.open("rb") as file:
            return not file.read(len(NOTEBOOK_HEADER)).startswith(NOTEBOOK_HEADER)
    except OSError:
        return False


def load_jobs(folder: Path, timeout_s: float = DEFAULT_TIMEOUT_S) -> LoadResult:
    """The jobs of every ``*.py`` in ``folder`` (sorted by file name) and the files' errors.

    ``timeout_s`` bounds the import of each file. Two jobs with the same name in different
    files: the first file (by name) keeps it, the other file gets a load error for it.
    """
    files = sorted(str(p.resolve()) for p in Path(folder).glob("*.py") if is_job_file(p))
    reports = _import_all(files, timeout_s)
    result = LoadResult()
    defined_in: dict[str, str] = {}
    for file in files:
        jobs, error = reports[file]
        if error is not None:
            result.errors.append(LoadError(file, error))
        for spec in jobs:
            first = defined_in.setdefault(spec.name, file)
            if first != file:
                result.errors.append(
                    LoadError(
                        file,
                        f"job '{spec.name}' is defined in {first} already; rename one of them",
                    )
                )
                continue
            result.jobs.append(spec)
    return result


_Report = tuple[list[JobSpec], str | None]


def _import_all(files: list[str], timeout_s: float) -> dict[str, _Report]:
    reports: dict[str, _Report] = {}
    pending = list(files)
    while pending:
        outcome = _run_worker(pending, timeout_s)
        reports.update(outcome.reports)
        if outcome.broken is not None:
            file, message = outcome.broken
            if outcome.died and len(pending) > 1:
                alone = _run_worker([file], timeout_s)  # a crash may be an earlier file's doing
                reports.update(alone.reports)
                if alone.broken is not None:
                    reports[file] = ([], alone.broken[1])
            else:
                reports[file] = ([], message)
        pending = [f for f in pending if f not in reports]
    return reports


@dataclass
class _WorkerOutcome:
    reports: dict[str, _Report]
    broken: tuple[str, str] | None = None  # the file the worker hung or died on, and why
    died: bool = False


def _run_worker(files: list[str], timeout_s: float) -> _WorkerOutcome:
    outcome = _WorkerOutcome(reports={})
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "brickyard.jobs.load_worker", *files],
            stdout=subprocess.PIPE,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            env=_worker_env(),
            start_new_session=True,  # its own process group: a timeout kills what it started
        )
        assert process.stdout is not None
        lines = _lines(process.stdout)
        current: str | None = None
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                try:
                    line = lines.get(timeout=max(deadline - time.monotonic(), 0))
                except queue.Empty:
                    _kill(process)
                    where = current or files[len(outcome.reports)]
                    outcome.broken = (
                        where,
                        f"loading the file took longer than {timeout_s:g} s (an endless loop "
                        "or a blocking call at import time?); it was stopped",
                    )
                    return outcome
                if line is None:
                    break
                message = json.loads(line)
                deadline = time.monotonic() + timeout_s
                if "start" in message:
                    current = message["start"]
                    continue
                jobs = [job_from_json(j) for j in message["jobs"]]
                outcome.reports[message["file"]] = (jobs, message["error"])
                current = None
            code = process.wait()
        finally:
            if process.poll() is None:
                _kill(process)
            process.stdout.close()
        if len(outcome.reports) < len(files):
            where = current or files[len(outcome.reports)]
            outcome.died = True
            outcome.broken = (where, _death_message(code, _tail(stderr)))
    return outcome


def _lines(stream: IO[bytes]) -> queue.Queue[str | None]:
    """The stream's lines, read by a thread (a queue's get has a timeout, a pipe's read not)."""
    found: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for raw in stream:
            found.put(raw.decode("utf-8", "replace"))
        found.put(None)

    threading.Thread(target=read, daemon=True).start()
    return found


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.wait()


def _death_message(code: int, stderr_tail: str) -> str:
    if code < 0:
        try:
            how = f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"was killed by signal {-code}"
    else:
        how = f"exited with code {code}"
    message = f"the loader process {how} while importing this file (os._exit or a crash?)"
    return f"{message}; its last output: {stderr_tail}" if stderr_tail else message


def _tail(stream: IO[bytes], size: int = 1500) -> str:
    stream.seek(0, os.SEEK_END)
    stream.seek(max(stream.tell() - size, 0))
    return stream.read().decode("utf-8", "replace").strip()


def _worker_env() -> dict[str, str]:
    # The worker must import this same brickyard, whatever the current directory.
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    paths = [package_root, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env
