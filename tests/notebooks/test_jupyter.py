"""The Brickyard kernel in Jupyter: installed by `brickyard kernel install`, the default of
the JupyterLab `brickyard notebook` starts (127.0.0.1, with a token); notebooks calling
notebooks; files; `brickyard notebook convert`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from brickyard.notebooks.runner import run_notebook
from tests.e2e.test_server import free_port

pytestmark = pytest.mark.slow
CLI = [sys.executable, "-m", "brickyard.cli.main"]


def test_kernel_install_writes_the_spec_of_this_environment(tmp_path: Path) -> None:
    done = subprocess.run([*CLI, "kernel", "install"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    spec = json.loads(
        (Path(sys.prefix) / "share/jupyter/kernels/brickyard/kernel.json").read_text()
    )
    assert spec["display_name"] == "Brickyard (Python)"
    assert spec["argv"][:3] == [sys.executable, "-m", "brickyard.notebooks.kernel"]


def test_jupyterlab_serves_the_home_notebooks_with_the_brickyard_kernel(tmp_path: Path) -> None:
    home = tmp_path / "home"
    port = free_port()
    process = subprocess.Popen(
        [*CLI, "notebook", "--port", str(port), "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/lab\?token=(\S+)", line)
        assert match, line
        token = match.group(1)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                specs = httpx.get(f"{base}/api/kernelspecs", params={"token": token}, timeout=5)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "JupyterLab did not start"
                time.sleep(0.3)
        assert specs.json()["default"] == "brickyard"
        assert httpx.get(f"{base}/api/kernelspecs", timeout=5).status_code == 403  # no token
        contents = httpx.get(f"{base}/api/contents", params={"token": token}, timeout=5)
        assert contents.json()["path"] == ""
        assert (home / "notebooks").is_dir()
    finally:
        process.terminate()
        process.wait(timeout=30)
    # JupyterLab went with the command that started it: nothing answers on its port.
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api", timeout=2)
        except httpx.ConnectError:
            break
        assert time.monotonic() < deadline, "JupyterLab outlived `brickyard notebook`"
        time.sleep(0.3)


def test_a_notebook_runs_another_and_uses_workspace_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("BRICKYARD_HOME", str(home))
    child = new_notebook(
        cells=[
            new_code_cell('dbutils.widgets.text("x", "0")'),
            new_code_cell('dbutils.notebook.exit(str(int(dbutils.widgets.get("x")) * 10))'),
        ]
    )
    nbformat.write(child, str(tmp_path / "child.ipynb"))
    parent = new_notebook(
        cells=[
            new_code_cell('got = dbutils.notebook.run("child", 60, {"x": 4})'),
            new_code_cell('dbutils.fs.put("dbfs:/out/answer.txt", got)'),
            new_code_cell('print([f.name for f in dbutils.fs.ls("dbfs:/out")])'),
            new_code_cell('dbutils.fs.head("../../etc/passwd")'),
        ]
    )
    nbformat.write(parent, str(tmp_path / "parent.ipynb"))
    result = run_notebook(tmp_path / "parent.ipynb", timeout_s=180)
    assert (home / "files" / "out" / "answer.txt").read_text() == "40"
    assert "answer.txt" in "".join(o.get("text", "") for o in result.notebook.cells[2].outputs)
    assert not result.ok  # the last cell tries to leave the file area
    assert result.failed_cell == 4
    assert "InvalidInputError" in (result.error or "")


def test_convert_round_trips_between_the_two_formats(tmp_path: Path) -> None:
    source = tmp_path / "nb.py"
    source.write_text(
        "# Databricks notebook source\n# MAGIC %md\n# MAGIC # Title\n\n"
        "# COMMAND ----------\n\nx = 1\n\n# COMMAND ----------\n\n"
        "# MAGIC %sql\n# MAGIC SELECT 1\n"
    )
    env = {**os.environ, "BRICKYARD_HOME": str(tmp_path / "home")}
    for src, dst in (
        (source, tmp_path / "nb.ipynb"),
        (tmp_path / "nb.ipynb", tmp_path / "back.py"),
    ):
        done = subprocess.run(
            [*CLI, "notebook", "convert", str(src), str(dst)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert done.returncode == 0, done.stderr
    cells = nbformat.read(str(tmp_path / "nb.ipynb"), as_version=4).cells
    assert [c.cell_type for c in cells] == ["markdown", "code", "code"]
    assert cells[2].source.startswith("%%sql")
    assert (tmp_path / "back.py").read_text() == source.read_text()
