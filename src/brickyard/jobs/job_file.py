"""Importing one job file and collecting the jobs its ``@job`` functions define."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import threading
from pathlib import Path

from brickyard.domain.errors import InvalidInputError
from brickyard.jobs.authoring import _JOB_COLLECTOR, Job

_LOCK = threading.Lock()


def import_job_file(path: str | Path) -> list[Job]:
    """Run the file as a fresh module and return the jobs it defined, in definition order.

    Errors of the file (syntax, imports, a bad job) propagate as raised. The file's folder is
    put on ``sys.path`` first, so a job file can import a helper module next to it.
    """
    file = Path(path).resolve()
    if not file.is_file():
        raise InvalidInputError(f"job file '{file}' does not exist")
    folder = str(file.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    digest = hashlib.sha1(str(file).encode()).hexdigest()[:10]
    module_name = f"brickyard_jobfile_{file.stem.replace('-', '_')}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise InvalidInputError(f"'{file}' cannot be imported as a Python file")
    module = importlib.util.module_from_spec(spec)
    with _LOCK:
        collected: list[Job] = []
        _JOB_COLLECTOR.jobs = collected
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(module_name, None)
            raise
        finally:
            _JOB_COLLECTOR.jobs = None
    return collected
