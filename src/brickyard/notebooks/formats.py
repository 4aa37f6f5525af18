"""Notebook files: Jupyter ``.ipynb`` and the Databricks source format (``.py``, ``.sql``),
both ways.

A Databricks source notebook is a Python file::

    # Databricks notebook source
    # MAGIC %md
    # MAGIC # Title

    # COMMAND ----------

    # DBTITLE 1,Load
    df = spark.table("main.default.trips")

    # COMMAND ----------

    # MAGIC %sql
    # MAGIC SELECT count(*) FROM main.default.trips

In a notebook read from it, ``%md`` cells are markdown cells, ``%sql``/``%sh``/``%scala``/``%r``
cells are code cells under the matching cell magic (``%%sql``), ``%run``/``%pip``/``%fs`` cells
keep their line magics, and titles live in the cell metadata Databricks' own ``.ipynb`` export
uses, so they survive either way.

A SQL source notebook (``.sql``) is the same with ``--`` for ``#``: its plain cells are SQL
(``%%sql`` cells here, run by the Brickyard kernel) and ``-- MAGIC %python`` cells are Python.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from brickyard.domain.errors import InvalidInputError

# Where Databricks' .ipynb export keeps a cell's title: titles survive both formats.
CELL_METADATA = "application/vnd.databricks.v1+cell"

# Databricks magics whose whole cell is in another language: Jupyter cell magics here.
_CELL_MAGICS = frozenset({"sql", "sh", "scala", "r"})
# Databricks magics that are line magics in Jupyter too: the cell keeps its lines.
_LINE_MAGICS = frozenset({"run", "pip", "fs", "conda"})
_MARKDOWN_MAGICS = frozenset({"md", "md-sandbox"})

_MAGIC_NAME = re.compile(r"%(%?)([\w-]+)[ \t]*(.*)")


@dataclass(frozen=True)
class _Syntax:
    """A Databricks source notebook's language: its comment marker and its plain cells'
    kind. Python notebooks are ``.py`` files, SQL notebooks ``.sql`` files whose plain cells
    are SQL (``%%sql`` cells here) and whose Python cells are ``%python`` magic cells."""

    language: str
    comment: str
    suffix: str

    @property
    def header(self) -> str:
        return f"{self.comment} Databricks notebook source"

    @property
    def separator(self) -> str:
        return f"{self.comment} COMMAND ----------"

    @property
    def magic(self) -> str:
        return f"{self.comment} MAGIC"

    def split(self, body: str) -> list[str]:
        return re.split(rf"\n*^{re.escape(self.separator)}[ \t]*$\n*", body, flags=re.MULTILINE)

    def title(self, line: str) -> re.Match[str] | None:
        return re.match(rf"^{re.escape(self.comment)} DBTITLE (\d+),(.*)$", line)


PYTHON = _Syntax("python", "#", ".py")
SQL = _Syntax("sql", "--", ".sql")
_SYNTAXES = {PYTHON.suffix: PYTHON, SQL.suffix: SQL}


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """The notebook in ``path``: ``.ipynb`` JSON, or a Databricks source notebook (``.py``
    or ``.sql``)."""
    path = Path(path)
    text = _read_text(path)
    if path.suffix == ".ipynb":
        return _parse_ipynb(text, path)
    if path.suffix in _SYNTAXES:
        return _parse_source(text, path, _SYNTAXES[path.suffix])
    for syntax in _SYNTAXES.values():
        if text.lstrip("\ufeff").startswith(syntax.header):
            return _parse_source(text, path, syntax)
    if text.lstrip().startswith("{"):
        return _parse_ipynb(text, path)
    raise InvalidInputError(
        f"{path} is not a notebook: use a .ipynb file or a Databricks source notebook "
        "(.py or .sql)"
    )


def write_notebook(nb: nbformat.NotebookNode, path: str | Path) -> None:
    """Write ``nb`` to ``path`` in the format its suffix names (``.ipynb`` or ``.py``)."""
    path = Path(path)
    if path.suffix == ".ipynb":
        _validate(nb, path)
        text = nbformat.writes(nb, version=nbformat.NO_CONVERT)  # type: ignore[no-untyped-call]
        text += "" if text.endswith("\n") else "\n"
    elif path.suffix in _SYNTAXES:
        text = to_source(nb, _SYNTAXES[path.suffix].language)
    else:
        raise InvalidInputError(
            f"cannot write notebook {path}: use a .ipynb, .py or .sql (Databricks source) "
            "file name"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def convert(src: str | Path, dst: str | Path) -> None:
    """Convert the notebook ``src`` into ``dst``; formats follow the file suffixes."""
    write_notebook(read_notebook(src), dst)


def from_source(
    text: str, name: str = "<notebook>", language: str = "python"
) -> nbformat.NotebookNode:
    """A notebook from the text of a Databricks source notebook (``name`` for messages)."""
    return _parse_source(text, Path(name), _syntax(language))


def to_source(nb: nbformat.NotebookNode, language: str = "python") -> str:
    """The text of ``nb`` as a Databricks source notebook in ``language`` (python or sql)."""
    syntax = _syntax(language)
    cells = [_cell_to_source(cell, syntax) for cell in nb.cells]
    if not cells:
        return f"{syntax.header}\n"
    return f"{syntax.header}\n" + f"\n\n{syntax.separator}\n\n".join(cells) + "\n"


def _syntax(language: str) -> _Syntax:
    for syntax in _SYNTAXES.values():
        if syntax.language == language:
            return syntax
    raise InvalidInputError(f"source notebooks are python or sql, not '{language}'")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInputError(f"notebook {path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"notebook {path} is not UTF-8 text: {exc}") from None


def _parse_ipynb(text: str, path: Path) -> nbformat.NotebookNode:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"notebook {path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("nbformat"), int):
        raise InvalidInputError(
            f"{path} is not a Jupyter notebook: the JSON has no 'nbformat' version"
        )
    try:
        nb: nbformat.NotebookNode = nbformat.reads(text, as_version=4)  # type: ignore[no-untyped-call]
    # nbformat's upgrade of a malformed file fails in whatever way it happens to.
    except (nbformat.ValidationError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InvalidInputError(f"{path} is not a valid Jupyter notebook: {exc}") from None
    _validate(nb, path)
    for cell in nb.cells:  # Databricks' own .ipynb export starts SQL cells with `%sql`
        if cell.cell_type == "code":
            lines = _text(cell.source).split("\n")
            if (
                _line_magic(lines[0]) in _CELL_MAGICS
                and lines[0].strip() == f"%{_line_magic(lines[0])}"
            ):
                cell.source = "\n".join([f"%{lines[0].strip()}", *lines[1:]])
    return nb


def _validate(nb: nbformat.NotebookNode, path: Path) -> None:
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "the notebook"
        raise InvalidInputError(
            f"{path} is not a valid Jupyter notebook: at {where}: {exc.message}"
        ) from None


def _parse_source(text: str, path: Path, syntax: _Syntax = PYTHON) -> nbformat.NotebookNode:
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    first, _, body = text.partition("\n")
    if first.rstrip() != syntax.header:
        raise InvalidInputError(
            f"{path} is not a Databricks source notebook: a {syntax.language} one starts with "
            f"the line '{syntax.header}'"
        )
    nb: nbformat.NotebookNode = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    nb.metadata["language_info"] = {"name": "python"}  # run by the Brickyard (Python) kernel
    body = body.removesuffix("\n")
    cells = syntax.split(body) if body.strip() else []
    nb.cells = [_source_to_cell(chunk, syntax) for chunk in cells]
    return nb


def _source_to_cell(chunk: str, syntax: _Syntax) -> nbformat.NotebookNode:
    lines = chunk.split("\n")
    title = syntax.title(lines[0])
    if title:
        lines = lines[1:]
    if lines and (lines[0] == syntax.magic or lines[0].startswith(syntax.magic + " ")):
        cell = _magic_cell([_unmagic(line, syntax) for line in lines], syntax)
    elif syntax is SQL:  # a plain cell of a SQL notebook is SQL
        cell = _code_cell("\n".join(["%%sql", *lines]))
    else:
        cell = _code_cell("\n".join(lines))
    if title:
        cell.metadata[CELL_METADATA] = {
            "title": title.group(2),
            "showTitle": title.group(1) != "0",
        }
    return cell


def _unmagic(line: str, syntax: _Syntax) -> str:
    if line == syntax.magic:
        return ""
    # Other lines in a magic cell (rare, hand-edited) are kept as they are.
    return line.removeprefix(syntax.magic + " ")


def _magic_cell(lines: list[str], syntax: _Syntax) -> nbformat.NotebookNode:
    match = _MAGIC_NAME.fullmatch(lines[0].strip())
    name, rest = (match.group(2), match.group(3)) if match and not match.group(1) else ("", "")
    # Text on the magic's own line (`%md # Title`, `%sql SELECT 1`) is the first line of the body.
    body = ([rest] if rest else []) + lines[1:]
    if name in _MARKDOWN_MAGICS:
        return _markdown_cell("\n".join(body))
    if name in _CELL_MAGICS:
        return _code_cell("\n".join([f"%%{name}", *body]))
    if name == "python":  # a Python cell (of a SQL notebook, or redundant in a Python one)
        return _code_cell("\n".join(body))
    return _code_cell("\n".join(lines))


def _cell_to_source(cell: nbformat.NotebookNode, syntax: _Syntax) -> str:
    source = _text(cell.get("source", "")).rstrip("\n")
    lines = source.split("\n")
    magic = _cell_magic(lines[0])
    if cell.cell_type != "code":  # markdown; raw cells have no Databricks kind: shown as text
        text = _magic_lines(["%md", *lines] if source else ["%md"], syntax)
    elif syntax is SQL and lines[0].strip() == "%%sql":  # the notebook's language: plain
        text = "\n".join(lines[1:])
    elif magic in _CELL_MAGICS:
        text = _magic_lines([lines[0][1:], *lines[1:]], syntax)
    elif _line_magic(lines[0]) in _LINE_MAGICS:
        text = _magic_lines(lines, syntax)
    elif syntax is SQL:  # Python in a SQL notebook
        text = _magic_lines(["%python", *lines], syntax)
    else:
        text = source
    meta: dict[str, Any] = cell.get("metadata", {}).get(CELL_METADATA, {})
    title = meta.get("title")
    if title:
        shown = 1 if meta.get("showTitle", True) else 0
        text = f"{syntax.comment} DBTITLE {shown},{title}\n{text}"
    return text


def _magic_lines(lines: list[str], syntax: _Syntax) -> str:
    return "\n".join(f"{syntax.magic} {line}" if line else syntax.magic for line in lines)


def _cell_magic(line: str) -> str:
    match = _MAGIC_NAME.match(line)
    return match.group(2) if match and match.group(1) else ""


def _line_magic(line: str) -> str:
    match = _MAGIC_NAME.match(line)
    return match.group(2) if match and not match.group(1) else ""


def _text(source: str | list[str]) -> str:
    # In memory, nbformat allows a cell's source as a list of lines.
    return source if isinstance(source, str) else "".join(source)


# nbformat's cell constructors are untyped: typed once here.
def _code_cell(source: str) -> nbformat.NotebookNode:
    cell: nbformat.NotebookNode = nbformat.v4.new_code_cell(source)  # type: ignore[no-untyped-call]
    return cell


def _markdown_cell(source: str) -> nbformat.NotebookNode:
    cell: nbformat.NotebookNode = nbformat.v4.new_markdown_cell(source)  # type: ignore[no-untyped-call]
    return cell
