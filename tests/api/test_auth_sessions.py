"""Browser logins with auth on: session cookies, expiry, CSRF, the MLflow mount's origin rule."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from brickyard.api.app import create_app
from brickyard.workspace import Workspace
from tests.api.conftest import (
    ADMIN,
    ADMIN_PASSWORD,
    USER,
    USER_PASSWORD,
    client_for,
    login,
)

UC = "/api/2.1/unity-catalog"
ME = "/api/auth/me"


class LaterClock:
    """The system clock moved ``hours`` ahead."""

    def __init__(self, hours: float) -> None:
        self.offset = int(hours * 3_600_000)

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self.offset


def test_login_with_a_password_sets_a_strict_httponly_session_cookie(
    ws: Workspace, secured: TestClient
) -> None:
    response = secured.post("/api/auth/login", json={"user": ADMIN, "password": ADMIN_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert (body["user"], body["role"]) == (ADMIN, "admin")
    assert len(body["csrf_token"]) >= 32
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("brickyard_session=")
    for flag in ("HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"):
        assert flag in cookie
    assert "Secure" not in cookie  # plain http: a Secure cookie would never come back
    me = secured.get(ME)
    assert me.status_code == 200
    assert me.json() == {
        "user": ADMIN,
        "role": "admin",
        "csrf_token": body["csrf_token"],
        "expires_at": body["expires_at"],
        "auth": True,
    }
    secret = cookie.split(";")[0].split("=", 1)[1]
    again = secured.post("/api/auth/login", json={"user": ADMIN, "password": ADMIN_PASSWORD})
    assert again.json()["csrf_token"] != body["csrf_token"]  # a new session replaces the old
    with ws.store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM sessions").scalar() == 1
        stored = str(list(conn.exec_driver_sql("SELECT * FROM sessions")))
        users = str(list(conn.exec_driver_sql("SELECT * FROM users")))
    assert secret not in stored  # only its hash
    assert ADMIN_PASSWORD not in users
    assert "$argon2id$" in users


def test_the_cookie_is_secure_over_https(ws: Workspace, secured: TestClient) -> None:
    with TestClient(create_app(ws, auth=True), base_url="https://127.0.0.1:8585") as client:
        response = client.post("/api/auth/login", json={"user": USER, "password": USER_PASSWORD})
    assert response.status_code == 200
    assert "; Secure" in response.headers["set-cookie"]


def test_login_with_an_api_token_acts_as_its_user(ws: Workspace, secured: TestClient) -> None:
    secret, info = ws.tokens.create("carol")  # no user record: role user
    response = secured.post("/api/auth/login", json={"token": secret})
    assert response.status_code == 200
    assert (response.json()["user"], response.json()["role"]) == ("carol", "user")
    assert secured.get(ME).json()["user"] == "carol"
    assert secured.get(f"{UC}/catalogs").status_code == 200
    ws.tokens.revoke(info.id)  # the session ends with its token
    revoked = secured.get(ME)
    assert revoked.status_code == 401
    assert "revoked" in revoked.json()["message"]
    bad = secured.post("/api/auth/login", json={"token": "byk_wrong"})
    assert bad.status_code == 401
    assert bad.json()["error_code"] == "UNAUTHENTICATED"


def test_an_admins_token_logs_in_as_admin(ws: Workspace, secured: TestClient) -> None:
    secret, _ = ws.tokens.create(ADMIN)
    assert secured.post("/api/auth/login", json={"token": secret}).json()["role"] == "admin"


def test_a_wrong_password_and_an_unknown_user_get_the_same_401(secured: TestClient) -> None:
    wrong = secured.post("/api/auth/login", json={"user": ADMIN, "password": "not-it-at-all"})
    unknown = secured.post("/api/auth/login", json={"user": "nobody", "password": "whatever1"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json() == {
        "error_code": "UNAUTHENTICATED",
        "message": "invalid user name or password",
    }
    assert "set-cookie" not in wrong.headers
    huge = secured.post("/api/auth/login", json={"user": ADMIN, "password": "x" * 5000})
    assert huge.status_code == 401
    for bad in ({}, {"user": ADMIN}, {"user": ADMIN, "password": "x", "token": "y"}):
        response = secured.post("/api/auth/login", json=bad)
        assert response.status_code == 400
        assert '{"token": TOKEN}' in response.json()["message"]


def test_the_login_page_and_what_it_loads_need_no_login(secured: TestClient) -> None:
    for path in ("/api/health", "/login", "/assets/index-1a2b3c.js", "/favicon.svg"):
        response = secured.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
        assert response.status_code in (200, 404), path  # 404: this app has no web UI
    private = secured.get("/assets/../api/auth/me", follow_redirects=False)
    assert private.status_code in (400, 401)


def test_me_without_a_login_is_a_json_401(secured: TestClient) -> None:
    response = secured.get(ME)
    assert response.status_code == 401
    assert response.json()["error_code"] == "UNAUTHENTICATED"
    assert "POST /api/auth/login" in response.json()["message"]
    assert response.headers["www-authenticate"] == 'Bearer realm="brickyard"'


def test_an_expired_session_is_a_401_for_the_api_and_a_redirect_for_pages(
    ws: Workspace,
) -> None:
    app = create_app(ws, auth=True)
    app.state.users.create(USER, "user", USER_PASSWORD)
    with TestClient(app, base_url="http://127.0.0.1:8585", follow_redirects=False) as client:
        login(client, USER, USER_PASSWORD)
        assert client.get(ME).status_code == 200
        app.state.users.clock = LaterClock(hours=12.01)  # [server] session_hours = 12
        expired = client.get(ME)
        assert expired.status_code == 401
        assert expired.json() == {
            "error_code": "UNAUTHENTICATED",
            "message": "your session has expired or is not valid: log in again",
        }
        assert "Max-Age=0" in expired.headers["set-cookie"]  # the stale cookie is dropped
        client.cookies.set("brickyard_session", "forged")
        page = client.get("/jobs/etl", params={"tab": "runs"}, headers={"Accept": "text/html"})
        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=%2Fjobs%2Fetl%3Ftab%3Druns"
        mlflow_page = client.get("/mlflow/", headers={"Accept": "text/html,*/*"})
        assert mlflow_page.status_code == 303  # MLflow's UI is behind the same login
        assert mlflow_page.headers["location"] == "/login?next=%2Fmlflow%2F"
        api = client.get(f"{UC}/catalogs", headers={"Accept": "text/html"})
        assert api.status_code == 401  # API paths never redirect


def test_logout_ends_the_session(ws: Workspace, secured: TestClient) -> None:
    login(secured, USER, USER_PASSWORD)
    response = secured.post("/api/auth/logout", json={})
    assert response.status_code == 200
    assert "Max-Age=0" in response.headers["set-cookie"]
    with ws.store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM sessions").scalar() == 0
    assert secured.get(ME).status_code == 401
    assert secured.post("/api/auth/logout", json={}).status_code == 200  # idempotent


def test_state_changing_cookie_requests_need_the_csrf_header(secured: TestClient) -> None:
    csrf = login(secured, ADMIN, ADMIN_PASSWORD)
    schema = {"catalog_name": "main", "name": "sales"}
    missing = secured.post(f"{UC}/schemas", json=schema)
    assert missing.status_code == 403
    assert missing.json()["error_code"] == "PERMISSION_DENIED"
    assert missing.json()["message"].startswith("missing X-CSRF-Token header")
    wrong = secured.post(f"{UC}/schemas", json=schema, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    assert "wrong X-CSRF-Token" in wrong.json()["message"]
    assert secured.get(f"{UC}/schemas/main.sales").status_code == 404  # nothing was made
    assert secured.post(f"{UC}/schemas", json=schema, headers=csrf).status_code == 200
    assert secured.delete(f"{UC}/schemas/main.sales").status_code == 403
    assert secured.delete(f"{UC}/schemas/main.sales", headers=csrf).status_code == 200
    assert secured.get(f"{UC}/schemas", params={"catalog_name": "main"}).status_code == 200


def test_bearer_token_requests_need_no_csrf_header(ws: Workspace) -> None:
    secret, _ = ws.tokens.create("carol")
    with client_for(ws, auth=True) as client:
        made = client.post(
            f"{UC}/schemas",
            json={"catalog_name": "main", "name": "carols"},
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert made.status_code == 200


def test_a_disabled_user_cannot_log_in_or_keep_a_session(
    ws: Workspace, secured: TestClient
) -> None:
    from brickyard.api.auth import user_service

    login(secured, USER, USER_PASSWORD)
    secret, _ = ws.tokens.create(USER)
    user_service(ws).disable(USER)
    assert secured.get(ME).status_code == 401
    refused = secured.post("/api/auth/login", json={"user": USER, "password": USER_PASSWORD})
    assert refused.status_code == 401
    assert "disabled" in refused.json()["message"]
    token = secured.get(ME, headers={"Authorization": f"Bearer {secret}"})
    assert token.status_code == 401
    user_service(ws).enable(USER)
    login(secured, USER, USER_PASSWORD)
    assert secured.get(ME).json()["user"] == USER


def test_login_answers_400_when_auth_is_off_and_me_is_the_local_admin(api: TestClient) -> None:
    refused = api.post("/api/auth/login", json={"user": ADMIN, "password": ADMIN_PASSWORD})
    assert refused.status_code == 400
    assert "auth = false" in refused.json()["message"]
    me = api.get(ME).json()
    assert (me["role"], me["csrf_token"], me["auth"]) == ("admin", None, False)


@pytest.mark.slow
def test_mlflow_writes_with_the_cookie_must_come_from_this_origin(secured: TestClient) -> None:
    login(secured, USER, USER_PASSWORD)
    create = "/mlflow/ajax-api/2.0/mlflow/experiments/create"
    foreign = secured.post(create, json={"name": "x"}, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    assert foreign.json()["error_code"] == "PERMISSION_DENIED"
    assert "cross-site request refused" in foreign.json()["message"]
    assert secured.post(create, json={"name": "x"}).status_code == 403  # no Origin, no Referer
    lookalike = secured.post(
        create, json={"name": "x"}, headers={"Origin": "http://127.0.0.1:8585.evil.example"}
    )
    assert lookalike.status_code == 403
    same = secured.post(create, json={"name": "ok"}, headers={"Origin": "http://127.0.0.1:8585"})
    assert same.status_code == 200, same.text
    assert same.json()["experiment_id"]
    by_referer = secured.post(
        create,
        json={"name": "ok2"},
        headers={"Referer": "http://127.0.0.1:8585/mlflow/#/experiments"},
    )
    assert by_referer.status_code == 200, by_referer.text
    listed = secured.get("/mlflow/ajax-api/2.0/mlflow/experiments/search?max_results=10")
    assert listed.status_code == 200  # reads need no Origin
