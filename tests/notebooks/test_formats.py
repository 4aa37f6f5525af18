"""Notebook files: .ipynb and Databricks source notebooks, read, written and converted."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from brickyard.domain.errors import InvalidInputError
from brickyard.notebooks.formats import (
    CELL_METADATA,
    convert,
    from_source,
    read_notebook,
    to_source,
    write_notebook,
)

# As Databricks exports it: header, separators with a blank line each side, `# MAGIC` prefixes
# (an empty magic line without a trailing space), a titled Python cell and a titled SQL cell.
EXPORTED = """\
# Databricks notebook source
# MAGIC %md
# MAGIC # Trips
# MAGIC
# MAGIC Counts trips per day.

# COMMAND ----------

# DBTITLE 1,Load the trips
df = spark.table("main.default.trips")
display(df)

# COMMAND ----------

# DBTITLE 1,Per day
# MAGIC %sql
# MAGIC SELECT day, count(*) AS trips
# MAGIC FROM main.default.trips
# MAGIC GROUP BY day

# COMMAND ----------

# MAGIC %sh
# MAGIC ls -la
# MAGIC   echo done

# COMMAND ----------

# MAGIC %pip install tqdm

# COMMAND ----------

# MAGIC %run ./setup

# COMMAND ----------

x = 1

print(x)
"""


def cells(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source) for cell in nb.cells]


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    path = tmp_path / "trips.py"
    path.write_text(EXPORTED, encoding="utf-8")
    return path


def test_a_databricks_source_notebook_reads_as_cells(exported: Path) -> None:
    nb = read_notebook(exported)

    assert cells(nb) == [
        ("markdown", "# Trips\n\nCounts trips per day."),
        ("code", 'df = spark.table("main.default.trips")\ndisplay(df)'),
        ("code", "%%sql\nSELECT day, count(*) AS trips\nFROM main.default.trips\nGROUP BY day"),
        ("code", "%%sh\nls -la\n  echo done"),
        ("code", "%pip install tqdm"),
        ("code", "%run ./setup"),
        ("code", "x = 1\n\nprint(x)"),
    ]
    assert nb.cells[1].metadata[CELL_METADATA] == {"title": "Load the trips", "showTitle": True}
    assert nb.cells[2].metadata[CELL_METADATA]["title"] == "Per day"
    assert CELL_METADATA not in nb.cells[0].metadata
    nbformat.validate(nb)


def test_source_to_ipynb_to_source_is_byte_identical(exported: Path, tmp_path: Path) -> None:
    convert(exported, tmp_path / "trips.ipynb")
    convert(tmp_path / "trips.ipynb", tmp_path / "back.py")

    assert (tmp_path / "back.py").read_bytes() == exported.read_bytes()


def test_ipynb_to_source_to_ipynb_keeps_cells(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    titled = nbformat.v4.new_code_cell("%%sql\nSELECT 1")
    titled.metadata[CELL_METADATA] = {"title": "One", "showTitle": False}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\n* item\n"),
        nbformat.v4.new_code_cell("import os\n\n\nprint(os.sep)"),
        titled,
        nbformat.v4.new_code_cell("%%sh\necho hi"),
        nbformat.v4.new_code_cell("%matplotlib inline\nx = 1"),
        nbformat.v4.new_code_cell(""),
        nbformat.v4.new_markdown_cell(""),
    ]
    write_notebook(nb, tmp_path / "a.ipynb")
    convert(tmp_path / "a.ipynb", tmp_path / "a.py")
    convert(tmp_path / "a.py", tmp_path / "b.ipynb")
    back = read_notebook(tmp_path / "b.ipynb")

    expected = [(kind, source.rstrip("\n")) for kind, source in cells(nb)]
    assert cells(back) == expected
    assert back.cells[2].metadata[CELL_METADATA] == {"title": "One", "showTitle": False}
    # A Jupyter line magic in a Python cell stays Python: Databricks runs it with IPython.
    source = (tmp_path / "a.py").read_text()
    assert "\n%matplotlib inline\nx = 1\n" in source
    assert "# DBTITLE 0,One\n# MAGIC %sql\n# MAGIC SELECT 1\n" in source


def test_magic_lines_are_written_as_databricks_writes_them() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("a\n\nb"),
        nbformat.v4.new_code_cell("%%sql\nSELECT 1"),
    ]

    assert to_source(nb) == (
        "# Databricks notebook source\n"
        "# MAGIC %md\n# MAGIC a\n# MAGIC\n# MAGIC b\n\n"
        "# COMMAND ----------\n\n"
        "# MAGIC %sql\n# MAGIC SELECT 1\n"
    )


def test_hand_written_variants_are_read() -> None:
    text = (
        "# Databricks notebook source\r\n"
        "# MAGIC %md # Heading \r\n"
        "# COMMAND ----------\r\n"
        "# MAGIC %sql SELECT 1\r\n"
        "\r\n# COMMAND ----------\r\n"
        "# MAGIC %python\r\n# MAGIC print(1)\r\n"
    )

    assert cells(from_source(text)) == [
        ("markdown", "# Heading"),
        ("code", "%%sql\nSELECT 1"),
        ("code", "print(1)"),
    ]


def test_a_header_only_notebook_has_no_cells(tmp_path: Path) -> None:
    path = tmp_path / "empty.py"
    path.write_text("# Databricks notebook source\n")

    nb = read_notebook(path)

    assert nb.cells == []
    write_notebook(nb, tmp_path / "again.py")
    assert (tmp_path / "again.py").read_text() == "# Databricks notebook source\n"


def test_invalid_json_names_the_file_and_the_position(tmp_path: Path) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text('{\n  "cells": [\n    {"cell_type": "code",,}\n  ]\n}')

    with pytest.raises(InvalidInputError) as caught:
        read_notebook(path)

    message = str(caught.value)
    assert str(path) in message
    assert "not valid JSON" in message
    assert "line 3, column 26" in message


def test_json_that_is_not_a_notebook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.ipynb"
    path.write_text("[]")
    with pytest.raises(InvalidInputError, match="no 'nbformat' version"):
        read_notebook(path)

    path.write_text('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"x": 1}]}')
    with pytest.raises(
        InvalidInputError, match=r"list.ipynb is not a valid Jupyter notebook: .*metadata"
    ):
        read_notebook(path)


def test_a_py_file_without_the_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "script.py"
    path.write_text("print('hello')\n")

    with pytest.raises(InvalidInputError) as caught:
        read_notebook(path)

    message = str(caught.value)
    assert str(path) in message
    assert "a python one starts with the line '# Databricks notebook source'" in message


def test_other_suffixes_are_refused_or_sniffed(tmp_path: Path, exported: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"use a \.ipynb, \.py or \.sql"):
        write_notebook(read_notebook(exported), tmp_path / "trips.txt")

    renamed = tmp_path / "trips"
    renamed.write_text(EXPORTED)
    assert len(read_notebook(renamed).cells) == 7

    missing = tmp_path / "nope.ipynb"
    with pytest.raises(InvalidInputError, match="does not exist"):
        read_notebook(missing)


def test_sql_cells_of_databricks_ipynb_exports_become_cell_magics(tmp_path: Path) -> None:
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell("%sql\nSELECT 1"), new_code_cell("%sql SELECT 2")])
    path = tmp_path / "exported.ipynb"
    nbformat.write(nb, str(path))
    cells = read_notebook(path).cells
    assert cells[0].source == "%%sql\nSELECT 1"
    assert cells[1].source == "%sql SELECT 2"  # a line magic with its statement stays


# A SQL notebook as Databricks exports it: `--` comments, plain cells in SQL.
SQL_EXPORTED = """-- Databricks notebook source
-- MAGIC %md
-- MAGIC # Orders by day

-- COMMAND ----------

-- DBTITLE 1,Count
SELECT count(*) AS n
FROM main.default.orders

-- COMMAND ----------

-- MAGIC %python
-- MAGIC rows = spark.table("main.default.orders").count()
-- MAGIC print(rows)

-- COMMAND ----------

-- MAGIC %sh
-- MAGIC ls /tmp
"""


def test_a_sql_source_notebook_reads_as_sql_and_python_cells_and_writes_back(
    tmp_path: Path,
) -> None:
    path = tmp_path / "orders.sql"
    path.write_text(SQL_EXPORTED)
    nb = read_notebook(path)
    assert [(c.cell_type, c.source) for c in nb.cells] == [
        ("markdown", "# Orders by day"),
        ("code", "%%sql\nSELECT count(*) AS n\nFROM main.default.orders"),
        ("code", 'rows = spark.table("main.default.orders").count()\nprint(rows)'),
        ("code", "%%sh\nls /tmp"),
    ]
    assert nb.cells[1].metadata[CELL_METADATA]["title"] == "Count"

    convert(path, tmp_path / "orders.ipynb")
    convert(tmp_path / "orders.ipynb", tmp_path / "again.sql")
    assert (tmp_path / "again.sql").read_text() == SQL_EXPORTED  # byte for byte
    convert(tmp_path / "orders.ipynb", tmp_path / "as_python.py")
    python = (tmp_path / "as_python.py").read_text()
    assert python.startswith("# Databricks notebook source\n# MAGIC %md")
    assert "# MAGIC %sql\n# MAGIC SELECT count(*) AS n" in python
    assert read_notebook(tmp_path / "as_python.py").cells[2].source == nb.cells[2].source


def test_a_sql_source_notebook_runs_in_the_brickyard_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brickyard.notebooks.runner import run_notebook

    monkeypatch.setenv("BRICKYARD_HOME", str(tmp_path / "home"))
    path = tmp_path / "make_table.sql"
    path.write_text(
        "-- Databricks notebook source\n"
        "CREATE TABLE main.default.from_sql_notebook AS SELECT 1 AS x UNION ALL SELECT 2\n\n"
        "-- COMMAND ----------\n\n"
        "-- MAGIC %python\n"
        '-- MAGIC dbutils.notebook.exit(str(spark.table("main.default.from_sql_notebook").count()))\n'
    )
    result = run_notebook(path, timeout_s=120)
    assert result.ok, result.error
    assert result.exit_value == "2"
