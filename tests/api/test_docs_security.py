"""Every example of docs/security.md runs: the CLI block, then the Python block against a real
`brickyard up` with auth on, and the configuration block names real keys and defaults."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from brickyard.config import DEFAULTS
from tests.e2e.test_server import Server

DOC = Path(__file__).parents[2] / "docs" / "security.md"
PASSWORDS = {
    "ADA_PASSWORD": "ada-password-1",
    "BOB_PASSWORD": "bob-password-1",
    "NEW_PASSWORD": "bob-password-2",
}


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), re.S)


@pytest.mark.slow
def test_the_cli_and_python_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    env = {
        **os.environ,
        **PASSWORDS,
        "BRICKYARD_HOME": str(home),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    (commands,) = blocks("bash")
    result = subprocess.run(
        ["bash", "-e", "-c", commands], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "byk_" in result.stdout  # the token, printed once
    for password in PASSWORDS.values():
        assert password not in result.stdout + result.stderr

    for key, value in PASSWORDS.items():
        monkeypatch.setenv(key, value)
    server = Server(home, env={"BRICKYARD_SERVER_AUTH": "true"})
    try:
        (code,) = blocks("python")
        code = code.replace("http://127.0.0.1:8585", server.url)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "docs/security.md", "exec"), {})
    finally:
        server.stop()
    printed = out.getvalue().splitlines()
    prints = [line.strip() for line in code.splitlines() if line.strip().startswith("print(")]
    assert len(printed) == len(prints)
    for line, shown in zip(prints, printed, strict=True):
        assert shown == line.split("# ", 1)[1].split(":")[0].strip(), line


def test_the_configuration_example_shows_the_defaults() -> None:
    (toml,) = blocks("toml")
    server = tomllib.loads(toml)["server"]
    assert set(server) <= set(DEFAULTS["server"])
    assert server["session_hours"] == DEFAULTS["server"]["session_hours"]
    assert server["max_request_mb"] == DEFAULTS["server"]["max_request_mb"]
