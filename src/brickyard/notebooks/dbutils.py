"""``dbutils`` in a Brickyard notebook: widgets, notebook exit/run, files, task values.

What a notebook run passes in and gets back travels through the kernel's environment:

- ``BRICKYARD_NOTEBOOK_PARAMS``: JSON object of widget values (a job's params);
- ``BRICKYARD_NOTEBOOK_RESULT``: a file where ``dbutils.notebook.exit`` and
  ``dbutils.jobs.taskValues.set`` write what the run returns;
- ``BRICKYARD_UPSTREAM_VALUES``: JSON ``{task: {key: value}}`` of the upstream tasks' values.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from brickyard.domain.errors import InvalidInputError, NotFoundError

PARAMS_VAR = "BRICKYARD_NOTEBOOK_PARAMS"
RESULT_VAR = "BRICKYARD_NOTEBOOK_RESULT"
UPSTREAM_VAR = "BRICKYARD_UPSTREAM_VALUES"


class NotebookExit(Exception):  # noqa: N818 (the name Databricks users know)
    """Raised by ``dbutils.notebook.exit``: ends the notebook's run, successfully."""

    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value


def _read_result() -> dict[str, Any]:
    path = os.environ.get(RESULT_VAR)
    if not path or not Path(path).exists():
        return {}
    result: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return result


def _write_result(**updates: Any) -> None:
    path = os.environ.get(RESULT_VAR)
    if not path:
        return
    result = _read_result() | updates
    partial = Path(path).with_suffix(".tmp")
    partial.write_text(json.dumps(result), encoding="utf-8")
    partial.replace(path)


class Widgets:
    """Notebook parameters: a widget's default in interactive use, the run's value in a run."""

    def __init__(self) -> None:
        self._given: dict[str, str] = {
            str(k): _text(v) for k, v in json.loads(os.environ.get(PARAMS_VAR) or "{}").items()
        }
        self._defined: dict[str, str] = {}

    def text(self, name: str, defaultValue: str = "", label: str | None = None) -> None:
        self._define(name, defaultValue)

    def dropdown(
        self,
        name: str,
        defaultValue: str,
        choices: Sequence[str],
        label: str | None = None,
    ) -> None:
        if defaultValue not in choices:
            raise InvalidInputError(
                f"widget '{name}': default '{defaultValue}' is not one of its choices "
                f"{list(choices)}"
            )
        given = self._given.get(name)
        if given is not None and given not in choices:
            raise InvalidInputError(
                f"widget '{name}' got '{given}', which is not one of its choices {list(choices)}"
            )
        self._define(name, defaultValue)

    combobox = text

    def multiselect(
        self,
        name: str,
        defaultValue: str,
        choices: Sequence[str],
        label: str | None = None,
    ) -> None:
        self._define(name, defaultValue)

    def _define(self, name: str, default: Any) -> None:
        self._defined[name] = _text(default)

    def get(self, name: str) -> str:
        if name in self._given:
            return self._given[name]
        if name in self._defined:
            return self._defined[name]
        known = sorted(set(self._defined) | set(self._given))
        raise InvalidInputError(
            f"no widget named '{name}': define it first, e.g. dbutils.widgets.text('{name}', "
            f"'default'); defined widgets: {', '.join(known) or 'none'}"
        )

    getArgument = get

    def getAll(self) -> dict[str, str]:
        return self._defined | self._given

    def remove(self, name: str) -> None:
        self._defined.pop(name, None)

    def removeAll(self) -> None:
        self._defined.clear()


class NotebookUtils:
    def exit(self, value: Any) -> None:
        """End the notebook here; ``value`` (as text, as in Databricks) is the run's result
        and, in a job, the task's value."""
        text = _text(value)
        _write_result(exit_value=text)
        raise NotebookExit(text)

    def run(
        self, path: str, timeout_seconds: int = 0, arguments: dict[str, Any] | None = None
    ) -> str | None:
        """Run another notebook in a fresh kernel (relative paths: from this notebook's
        folder); its exit value, or None."""
        from brickyard.notebooks.runner import run_notebook

        target = Path(path)
        if not target.is_absolute():
            target = Path.cwd() / target
        if not target.exists() and not target.suffix:
            for suffix in (".ipynb", ".py"):
                if target.with_suffix(suffix).exists():
                    target = target.with_suffix(suffix)
                    break
        if not target.exists():
            raise NotFoundError(f"notebook '{path}' does not exist (looked for {target})")
        result = run_notebook(
            target, params=arguments or {}, timeout_s=float(timeout_seconds) or None
        )
        result.raise_for_failure()
        return result.exit_value


class TaskValues:
    """``dbutils.jobs.taskValues``: values shared between the tasks of a job run."""

    def set(self, key: str, value: Any) -> None:
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"task value '{key}' must be a JSON value: {exc}") from None
        values = dict(_read_result().get("task_values", {}))
        values[key] = value
        _write_result(task_values=values)

    def get(
        self,
        taskKey: str,
        key: str,
        default: Any = None,
        debugValue: Any = None,
    ) -> Any:
        upstream = os.environ.get(UPSTREAM_VAR)
        if upstream is None:  # interactive use: Databricks returns debugValue
            return debugValue
        values: dict[str, dict[str, Any]] = json.loads(upstream)
        return values.get(taskKey, {}).get(key, default)


class JobsUtils:
    def __init__(self) -> None:
        self.taskValues = TaskValues()


class DBUtils:
    """What Databricks notebooks call ``dbutils``."""

    def __init__(
        self, home: Path, warehouse: str, storage_options: dict[str, str] | None = None
    ) -> None:
        self.widgets = Widgets()
        self.notebook = NotebookUtils()
        self.jobs = JobsUtils()
        self._home = home
        self._warehouse = warehouse
        self._storage_options = storage_options or {}
        self._fs: Any = None

    @property
    def fs(self) -> Any:
        """Files in the home's ``files/`` folder and the warehouse's volumes."""
        if self._fs is None:
            from brickyard.notebooks.files import WorkspaceFiles

            self._fs = WorkspaceFiles(self._home, self._warehouse, self._storage_options)
        return self._fs

    def help(self) -> str:
        return "dbutils: widgets, notebook (exit, run), fs, jobs.taskValues"


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, list | dict) else str(value)
