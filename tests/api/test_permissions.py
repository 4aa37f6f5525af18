"""Roles over HTTP: a user reads everything and runs SQL and jobs; admin actions need admin."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from brickyard.api.app import create_app
from brickyard.api.auth import ROUTE_ACTIONS, route_action, user_service
from brickyard.domain.errors import PermissionDeniedError
from brickyard.services.permissions import ADMIN_ACTIONS, Permissions, Principal, Role
from brickyard.workspace import Workspace
from tests.api.conftest import ADMIN, ADMIN_PASSWORD, USER, USER_PASSWORD, login

UC = "/api/2.1/unity-catalog"
SERVING = "/api/2.0/serving-endpoints"


@pytest.fixture
def app_and_tokens(ws: Workspace) -> tuple[Any, dict[str, str], dict[str, str]]:
    """An auth-on app; bearer headers of an admin and of a user."""
    users = user_service(ws)
    users.create(ADMIN, "admin", ADMIN_PASSWORD)
    users.create(USER, "user", USER_PASSWORD)
    admin, _ = ws.tokens.create(ADMIN)
    user, _ = ws.tokens.create(USER)
    app = create_app(ws, auth=True)
    return app, {"Authorization": f"Bearer {admin}"}, {"Authorization": f"Bearer {user}"}


def assert_denied(response: Any, what: str) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["error_code"] == "PERMISSION_DENIED"
    assert f"user 'bob' (role user) may not {what}: only admins may" in response.json()["message"]


def test_a_user_is_refused_admin_actions_and_an_admin_is_not(
    app_and_tokens: tuple[Any, dict[str, str], dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, admin, user = app_and_tokens
    deleted: list[str] = []
    monkeypatch.setattr(app.state.serving, "delete", deleted.append)
    endpoint = {"name": "e", "config": {"served_entities": [{"entity_name": "m", "alias": "a"}]}}
    with TestClient(app, base_url="http://127.0.0.1:8585") as client:
        assert_denied(
            client.post(f"{UC}/catalogs", json={"name": "c"}, headers=user), "create catalogs"
        )
        assert_denied(client.delete(f"{UC}/catalogs/main", headers=user), "delete catalogs")
        assert_denied(client.post(SERVING, json=endpoint, headers=user), "create serving endpoints")
        assert_denied(client.delete(f"{SERVING}/e", headers=user), "delete serving endpoints")
        assert_denied(
            client.put(f"{SERVING}/e/config", json=endpoint["config"], headers=user),
            "change serving endpoints",
        )
        assert_denied(client.get("/api/users", headers=user), "list users")
        assert_denied(
            client.post("/api/users", json={"name": "eve", "password": "x" * 10}, headers=user),
            "create users",
        )
        assert client.get(f"{UC}/catalogs/c", headers=admin).status_code == 404  # not made
        assert deleted == []

        assert client.post(f"{UC}/catalogs", json={"name": "c"}, headers=admin).status_code == 200
        assert client.delete(f"{SERVING}/e", headers=admin).status_code == 200
        assert deleted == ["e"]
        made = client.post(
            "/api/users", json={"name": "Eve", "password": "eves-password"}, headers=admin
        )
        assert made.status_code == 200
        assert made.json()["name"] == "eve"
        assert made.json()["role"] == "user"
        assert "password" not in str(made.json()).replace("has_password", "")
        again = client.post("/api/users", json={"name": "eve", "password": "x" * 10}, headers=admin)
        assert again.status_code == 409
        names = [u["name"] for u in client.get("/api/users", headers=admin).json()["users"]]
        assert names == ["ada", "bob", "eve"]
        assert client.delete(f"{UC}/catalogs/c", headers=admin).status_code == 200


def test_a_user_reads_everything_and_runs_sql_and_jobs(
    ws: Workspace, app_and_tokens: tuple[Any, dict[str, str], dict[str, str]]
) -> None:
    app, _, user = app_and_tokens
    (ws.jobs.jobs_dir / "quick.py").write_text(
        "from brickyard import job, task\n\n"
        "@job()\ndef quick():\n    @task\n    def t() -> int:\n        return 7\n    t()\n"
    )
    assert ws.jobs.reload() == []
    with TestClient(app, base_url="http://127.0.0.1:8585") as client:
        for path in (f"{UC}/catalogs", f"{UC}/schemas?catalog_name=main", "/api/2.2/jobs/list"):
            assert client.get(path, headers=user).status_code == 200, path
        statement = client.post(
            "/api/2.0/sql/statements", json={"statement": "SELECT 1 AS one"}, headers=user
        )
        assert statement.status_code == 200, statement.text
        job_id = client.get("/api/2.2/jobs/list", headers=user).json()["jobs"][0]["job_id"]
        run = client.post("/api/2.2/jobs/run-now", json={"job_id": job_id}, headers=user)
        assert run.status_code == 200, run.text
        schema = client.post(
            f"{UC}/schemas", json={"catalog_name": "main", "name": "bobs"}, headers=user
        )
        assert schema.status_code == 200


def test_pausing_jobs_is_an_admin_action(
    app_and_tokens: tuple[Any, dict[str, str], dict[str, str]],
) -> None:
    app, admin, user = app_and_tokens
    body = {"job_id": 999, "new_settings": {"schedule": {"pause_status": "PAUSED"}}}
    with TestClient(app, base_url="http://127.0.0.1:8585") as client:
        assert_denied(
            client.post("/api/2.2/jobs/update", json=body, headers=user), "pause or unpause jobs"
        )
        # An admin gets past the check: the job itself does not exist.
        assert client.post("/api/2.2/jobs/update", json=body, headers=admin).status_code == 404


def test_a_session_user_has_the_same_permissions(ws: Workspace) -> None:
    user_service(ws).create(USER, "user", USER_PASSWORD)
    user_service(ws).create(ADMIN, "admin", ADMIN_PASSWORD)
    with TestClient(create_app(ws, auth=True), base_url="http://127.0.0.1:8585") as client:
        csrf = login(client, USER, USER_PASSWORD)
        assert_denied(
            client.post(f"{UC}/catalogs", json={"name": "c"}, headers=csrf), "create catalogs"
        )
        csrf = login(client, ADMIN, ADMIN_PASSWORD)
        assert client.post(f"{UC}/catalogs", json={"name": "c"}, headers=csrf).status_code == 200


def test_with_auth_off_the_local_user_is_admin(api: TestClient) -> None:
    assert api.post(f"{UC}/catalogs", json={"name": "local"}).status_code == 200
    assert api.get("/api/users").json() == {"users": []}


def test_the_policy_in_one_place() -> None:
    policy = Permissions()
    alice, root = Principal("alice", Role.USER), Principal("root", Role.ADMIN)
    for action in ADMIN_ACTIONS:
        assert not policy.allows(alice, action, "*")
        assert policy.allows(root, action, "*")
        with pytest.raises(PermissionDeniedError, match="only admins may"):
            policy.check(alice, action, "*")
    for action in ("read", "write", "jobs.run"):
        policy.check(alice, action, "anything")
    assert Role.parse(" Admin ") is Role.ADMIN
    # Every admin route names a known admin action; resources carry the path parameter.
    assert {action for action, _ in ROUTE_ACTIONS.values()} <= set(ADMIN_ACTIONS)
    assert route_action("DELETE", f"{UC}/catalogs/{{name}}", {"name": "main"}) == (
        "catalogs.delete",
        "catalog:main",
    )
    assert route_action("GET", f"{UC}/tables/{{full_name}}", {"full_name": "a.b.c"}) == (
        "read",
        f"{UC}/tables/{{full_name}}",
    )
