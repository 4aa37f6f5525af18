"""The access-control middleware: loopback Host guard, JSON-only writes, bearer tokens."""

import pytest
from fastapi.testclient import TestClient

from brickyard import StorageError
from brickyard.api.auth import user_service
from brickyard.workspace import Workspace
from tests.api.conftest import client_for

UC = "/api/2.1/unity-catalog"


def test_default_bind_needs_no_token_and_ignores_one_sent(api: TestClient) -> None:
    assert api.get(f"{UC}/catalogs").status_code == 200
    assert api.get(f"{UC}/catalogs", headers={"Authorization": "Bearer junk"}).status_code == 200


def test_non_loopback_host_header_is_refused(ws: Workspace) -> None:
    for host in ("evil.example", "localhost.evil.example", "10.0.0.1"):
        with client_for(ws, host=host) as client:
            response = client.get(f"{UC}/catalogs")
            assert response.status_code == 403
            assert "not a loopback name" in response.json()["message"]
    for host in ("localhost", "127.0.0.1", "[::1]"):
        with client_for(ws, host=host) as client:
            assert client.get(f"{UC}/catalogs").status_code == 200


def test_state_changing_requests_must_be_json(api: TestClient) -> None:
    form = api.post(f"{UC}/catalogs", data={"name": "x"})
    assert form.status_code == 415
    assert "Content-Type: application/json" in form.json()["message"]
    text = api.post(
        f"{UC}/catalogs", content=b'{"name": "x"}', headers={"Content-Type": "text/plain"}
    )
    assert text.status_code == 415
    body_delete = api.request(
        "DELETE", f"{UC}/catalogs/main", content=b"x", headers={"Content-Type": "text/plain"}
    )
    assert body_delete.status_code == 415
    patch = api.patch(
        f"{UC}/catalogs/main", content=b'{"comment": "x"}', headers={"Content-Type": "text/plain"}
    )
    assert patch.status_code == 415
    assert api.get(f"{UC}/catalogs/x").status_code == 404  # nothing was created
    assert api.get(f"{UC}/catalogs/main").json().get("comment") != "x"
    api.post(f"{UC}/catalogs", json={"name": "gone"})
    assert api.delete(f"{UC}/catalogs/gone").status_code == 200  # a bodiless DELETE is fine


def test_auth_requires_a_valid_unrevoked_token(ws: Workspace) -> None:
    secret, info = ws.tokens.create("alice")
    with client_for(ws, auth=True, host="brickyard.example") as client:
        assert client.get("/api/health").status_code == 200
        missing = client.get(f"{UC}/catalogs")
        assert missing.status_code == 401
        assert missing.json()["error_code"] == "UNAUTHENTICATED"
        assert "brickyard tokens create" in missing.json()["message"]
        assert (
            client.get(f"{UC}/catalogs", headers={"Authorization": "Bearer byk_wrong"}).status_code
            == 401
        )
        ok = {"Authorization": f"Bearer {secret}"}
        assert client.get(f"{UC}/catalogs", headers=ok).status_code == 200
        ws.tokens.revoke(info.id)
        assert client.get(f"{UC}/catalogs", headers=ok).status_code == 401


def test_tokens_are_stored_hashed(ws: Workspace) -> None:
    secret, _ = ws.tokens.create("bob", lifetime_days=1)
    with ws.store.engine.connect() as conn:
        dump = str(list(conn.exec_driver_sql("SELECT * FROM api_tokens")))
    assert secret not in dump
    assert ws.tokens.authenticate(secret).user == "bob"


def test_objects_made_with_a_token_belong_to_its_user(ws: Workspace) -> None:
    user_service(ws).create("alice", "admin")  # creating catalogs is an admin action
    secret, _ = ws.tokens.create("alice")
    bobs, _ = ws.tokens.create("bob")  # no user record: role user
    with client_for(ws, auth=True) as client:
        made = client.post(
            f"{UC}/catalogs", json={"name": "alices"}, headers={"Authorization": f"Bearer {secret}"}
        )
        schema = client.post(
            f"{UC}/schemas",
            json={"catalog_name": "alices", "name": "bobs"},
            headers={"Authorization": f"Bearer {bobs}"},
        )
    assert made.json()["owner"] == "alice"
    assert ws.catalog.get_catalog("alices").owner == "alice"
    assert schema.json()["owner"] == "bob"


def test_a_broken_token_store_fails_closed_with_json(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(secret_hash: str) -> None:
        raise StorageError("the metadata database is down", transient=True)

    monkeypatch.setattr(ws.store, "find_token", unavailable)
    with client_for(ws, auth=True) as client:
        response = client.get(f"{UC}/catalogs", headers={"Authorization": "Bearer byk_x"})
    assert response.status_code == 503
    assert response.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"
