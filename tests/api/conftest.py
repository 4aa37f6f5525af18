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


ADMIN, ADMIN_PASSWORD = "ada", "correct-horse-battery"
USER, USER_PASSWORD = "bob", "bobs-password-1"


@pytest.fixture
def secured(ws: Workspace) -> Iterator[TestClient]:
    """A client of an app with auth on, with users ada (admin) and bob (user)."""
    from brickyard.api.auth import user_service

    users = user_service(ws)
    users.create(ADMIN, "admin", ADMIN_PASSWORD)
    users.create(USER, "user", USER_PASSWORD)
    with client_for(ws, auth=True) as client:
        yield client


def login(client: TestClient, user: str, password: str) -> dict[str, str]:
    """Log ``client`` in (its cookie jar keeps the session); the CSRF header to send."""
    response = client.post("/api/auth/login", json={"user": user, "password": password})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}
