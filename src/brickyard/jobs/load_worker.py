"""``python -m brickyard.jobs.load_worker FILE...``: import job files, report their jobs as JSON.

Run by ``loader.load_jobs`` in a subprocess. For each file it writes one line
``{"start": file}`` before importing it and one line ``{"file": file, "jobs": [...], "error":
text or null}`` after, so that the parent knows which file a crash or a hang belongs to. Job
files may print: what they write to stdout goes to stderr, the report has its own descriptor.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO


def main(files: list[str]) -> int:
    report = _private_stdout()
    for file in files:
        _send(report, {"start": file})
        _send(report, load_file(file))
    return 0


def load_file(file: str) -> dict[str, Any]:
    """The report of one file: its jobs as JSON, or the error that stopped its import."""
    from brickyard.domain.spec_json import job_to_json
    from brickyard.jobs.job_file import import_job_file

    try:
        jobs = import_job_file(file)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        return {"file": file, "jobs": [], "error": describe_error(exc, file)}
    return {
        "file": file,
        "jobs": [job_to_json(replace(j.spec, file=file)) for j in jobs],
        "error": None,
    }


def describe_error(exc: BaseException, file: str) -> str:
    """A one-paragraph message: the error and the line of the job file it came from."""
    if isinstance(exc, SyntaxError):
        where = f"line {exc.lineno}"
        if exc.filename and Path(exc.filename).resolve() != Path(file).resolve():
            where += f" of {exc.filename}"
        code = f": {exc.text.strip()}" if exc.text and exc.text.strip() else ""
        return f"{type(exc).__name__} at {where}: {exc.msg}{code}"
    if isinstance(exc, SystemExit):
        return f"the file called sys.exit({exc.code!r}) while being loaded"
    message = f"{type(exc).__name__}: {exc}"
    line = _line_in(exc, file)
    return f"{message} (line {line})" if line else message


def _line_in(exc: BaseException, file: str) -> int | None:
    """The deepest line of ``file`` in the traceback: where the job file raised or called."""
    target = str(Path(file).resolve())
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == target or frame.filename == file:
            found = frame.lineno
    return found


def _private_stdout() -> TextIO:
    """The report's own copy of stdout; fd 1 then points at stderr, for the files' prints."""
    sys.stdout.flush()
    report = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    return report


def _send(report: TextIO, message: dict[str, Any]) -> None:
    report.write(json.dumps(message) + "\n")
    report.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
