"""In-process API clients (Starlette's TestClient) over a real workspace."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from brickyard.api.app import create_app
from brickyard.workspace import Workspace


def client_for(
    ws: Workspace, auth: bool = False, host: str = "127.0.0.1", raise_server_exceptions: bool = True
) -> TestClient:
    return TestClient(
        create_app(ws, auth=auth),
        base_url=f"http://{host}:8585",
        raise_server_exceptions=raise_server_exceptions,
    )


@pytest.fixture
def api(ws: Workspace) -> Iterator[TestClient]:
    with client_for(ws) as client:
        yield client
