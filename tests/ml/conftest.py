"""A real `brickyard up` server for the ML tests, and an mlflow client pointed at it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.test_server import Server, brickyard


def wait_for_mlflow(server: Server, timeout_s: float = 60) -> None:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if httpx.get(f"{server.url}/api/health", timeout=5).json().get("mlflow") == "ok":
            return
        time.sleep(0.2)
    raise RuntimeError("MLflow did not load in the server")


@pytest.fixture(scope="module")
def ml_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("ml") / "home"
    assert brickyard("init", "--home", str(home)).returncode == 0
    server = Server(home)
    wait_for_mlflow(server)
    yield server
    server.stop()


@pytest.fixture
def tracking_uri(ml_server: Server, monkeypatch: pytest.MonkeyPatch) -> str:
    """The mlflow client of this test process, pointed at the server over HTTP."""
    import mlflow

    uri = f"{ml_server.url}/mlflow"
    for var in [v for v in os.environ if v.startswith(("MLFLOW_", "_MLFLOW"))]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return uri
