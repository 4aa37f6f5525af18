"""Running a notebook top to bottom in a fresh Brickyard kernel (nbclient), as a job task
or ``brickyard notebook run`` does.

Parameters reach the notebook as widget values; ``dbutils.notebook.exit(value)`` ends the
run with that value; the first cell that raises ends it as failed, with the cell's number
and traceback; a dead kernel (``os._exit``, a crash) and a timeout (interrupt, then kill)
fail it too. The executed notebook, outputs and tracebacks included, is kept.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brickyard.domain.errors import BrickyardError
from brickyard.notebooks.dbutils import PARAMS_VAR, RESULT_VAR, UPSTREAM_VAR

Progress = Callable[[int, int, str], None]  # (cell number, cells, first line of the source)


class NotebookFailedError(BrickyardError):
    """A notebook run that did not finish: a cell raised, the kernel died or time ran out."""


@dataclass
class NotebookResult:
    path: Path
    notebook: Any  # the executed nbformat notebook
    ok: bool
    exit_value: str | None = None
    task_values: dict[str, Any] = field(default_factory=dict)
    failed_cell: int | None = None  # 1-based, counting every cell
    error: str | None = None  # what failed, with the traceback

    def raise_for_failure(self) -> None:
        if not self.ok:
            raise NotebookFailedError(self.error or f"notebook {self.path} failed")


def run_notebook(
    path: Path,
    params: Mapping[str, Any] | None = None,
    timeout_s: float | None = None,
    progress: Progress | None = None,
    upstream_values: Mapping[str, Mapping[str, Any]] | None = None,
    output: Path | None = None,
) -> NotebookResult:
    """Run ``path`` (``.ipynb`` or Databricks source ``.py``) with ``params`` as widget values;
    the executed notebook is written to ``output`` (``.ipynb``) when given."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    from brickyard.notebooks.formats import read_notebook
    from brickyard.notebooks.kernelspec import KERNEL_NAME, ensure_kernel

    path = Path(path).resolve()
    notebook = read_notebook(path)
    ensure_kernel()
    deadline = time.monotonic() + timeout_s if timeout_s else None
    with tempfile.TemporaryDirectory(prefix="brickyard-nb-") as scratch:
        result_file = Path(scratch) / "result.json"
        env = dict(os.environ)
        env[PARAMS_VAR] = json.dumps(dict(params or {}), default=str)
        env[RESULT_VAR] = str(result_file)
        if upstream_values is not None:
            env[UPSTREAM_VAR] = json.dumps(upstream_values, default=str)
        client = NotebookClient(
            notebook,
            kernel_name=KERNEL_NAME,
            timeout=None,
            interrupt_on_timeout=True,
            shutdown_kernel="immediate",
            resources={"metadata": {"path": str(path.parent)}},
        )
        result = NotebookResult(path, notebook, ok=True)
        cells = len(notebook.cells)
        current = 0  # the cell being run (a dead kernel or a timeout fails this one)
        try:
            with client.setup_kernel(env=env):
                for index, cell in enumerate(notebook.cells):
                    if cell.cell_type != "code":
                        continue
                    current = index
                    if progress is not None:
                        progress(index + 1, cells, _first_line(cell.source))
                    if deadline is not None:
                        client.timeout = max(int(deadline - time.monotonic()), 1)
                    try:
                        client.execute_cell(cell, index)
                    except CellExecutionError as exc:
                        if exc.ename == "KeyboardInterrupt" and _past(deadline):
                            # nbclient interrupted the cell at the timeout
                            what = f"timed out after {timeout_s:g} s (interrupted)"
                            _fail(result, index, what, _traceback(cell))
                        elif _read(result_file).get("exit_value") is None:
                            _fail(result, index, f"{exc.ename}: {exc.evalue}", _traceback(cell))
                        break
                    if _read(result_file).get("exit_value") is not None:
                        break  # dbutils.notebook.exit: the rest does not run
        except CellTimeoutError:
            _fail(result, current, f"timed out after {timeout_s:g} s", "")
        except DeadKernelError:
            _fail(result, current, "kernel died while running this cell", "")
        answer = _read(result_file)
    if result.ok:
        result.exit_value = answer.get("exit_value")
        result.task_values = dict(answer.get("task_values") or {})
    if output is not None:
        _write(notebook, output)
    return result


def _past(deadline: float | None) -> bool:
    """Whether the run's time is up (nbclient's cell timeout is whole seconds: within 1 s)."""
    return deadline is not None and time.monotonic() >= deadline - 1.0


def _fail(result: NotebookResult, index: int, what: str, traceback: str) -> None:
    result.ok = False
    result.failed_cell = index + 1
    where = f"cell {index + 1}"
    result.error = f"{result.path.name}: {where} failed: {what}" + (
        f"\n{traceback}" if traceback else ""
    )


def _traceback(cell: Any) -> str:
    import re

    for item in cell.get("outputs", []):
        if item.get("output_type") == "error":
            text = "\n".join(item.get("traceback", []))
            return re.sub(r"\x1b\[[0-9;]*m", "", text)  # no terminal colours in logs
    return ""


def _first_line(source: str) -> str:
    line = next((line for line in source.splitlines() if line.strip()), "")
    return line[:80]


def _read(result_file: Path) -> dict[str, Any]:
    try:
        value: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value


def _write(notebook: Any, output: Path) -> None:
    import nbformat

    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_suffix(".tmp")
    nbformat.write(notebook, str(partial))
    partial.replace(output)


def render_html(notebook_file: Path) -> str:
    """The executed notebook as a standalone HTML page."""
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.read(str(notebook_file), as_version=4)
    html, _ = HTMLExporter(template_name="classic").from_notebook_node(notebook)
    return str(html)
