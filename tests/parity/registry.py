"""The parity programs, found without importing them.

Program modules import ``pyspark.sql`` at the top, as user code does; in a DuckDB process that
import must come after ``brickyard.spark()``. So the test process lists programs from the
source (the ``@program`` decorators) and only the engine subprocesses import the modules.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROGRAMS_DIR = Path(__file__).parent / "programs"


@dataclass(frozen=True)
class ProgramInfo:
    """A program's name (``module.function``) and how its result is compared."""

    name: str
    ordered: bool  # the program orders its output: rows compare as a sequence
    catalog: bool  # reads or writes catalog tables: needs a Brickyard engine


@dataclass(frozen=True)
class Program:
    info: ProgramInfo
    run: Callable[[Any, str], Any]  # (spark, schema) -> DataFrame


_registered: list[Program] = []


def program(*, ordered: bool = False, catalog: bool = False) -> Callable[..., Any]:
    """Mark a function ``(spark, schema) -> DataFrame`` as a parity program."""

    def mark(func: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
        module = func.__module__.rsplit(".", 1)[-1]
        info = ProgramInfo(f"{module}.{func.__name__}", ordered, catalog)
        _registered.append(Program(info, func))
        return func

    return mark


def load_programs() -> list[Program]:
    """Import every program module (in an engine process) and return the programs."""
    for path in sorted(PROGRAMS_DIR.glob("[!_]*.py")):
        importlib.import_module(f"tests.parity.programs.{path.stem}")
    return list(_registered)


def list_programs() -> list[ProgramInfo]:
    """The programs as declared in the source, without importing PySpark."""
    found: list[ProgramInfo] = []
    for path in sorted(PROGRAMS_DIR.glob("[!_]*.py")):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Name)
                    and decorator.func.id == "program"
                ):
                    flags = {
                        kw.arg: bool(ast.literal_eval(kw.value))
                        for kw in decorator.keywords
                        if kw.arg
                    }
                    found.append(
                        ProgramInfo(
                            f"{path.stem}.{node.name}",
                            flags.get("ordered", False),
                            flags.get("catalog", False),
                        )
                    )
    return found
