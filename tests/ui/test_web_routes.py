"""The web UI's routes: the built files, the page routes, and never an API path."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Match

from brickyard.api.app import create_app
from brickyard.workspace import Workspace

INDEX = b"<!doctype html><title>Brickyard</title><div id=root></div>"
SCRIPT = b"console.log('brickyard');" * 100


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A stand-in for the Vite build: index.html, a hashed asset (+ .gz) and the favicons."""
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_bytes(INDEX)
    (folder / "assets" / "index-AbC123.js").write_bytes(SCRIPT)
    (folder / "assets" / "index-AbC123.js.gz").write_bytes(gzip.compress(SCRIPT))
    (folder / "favicon.ico").write_bytes(b"\x00\x00\x01\x00")
    (folder / "favicon.svg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_text("not for the web")
    return folder


def app_with_ui(ws: Workspace, dist: Path) -> FastAPI:
    return create_app(ws, web_dist=dist)


@pytest.fixture
def client(ws: Workspace, dist: Path) -> Iterator[TestClient]:
    with TestClient(app_with_ui(ws, dist), base_url="http://127.0.0.1:8585") as test_client:
        yield test_client


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/catalog",
        "/catalog/main/default/orders",
        "/sql",
        "/jobs",
        "/jobs/3",
        "/models",
        "/login",
    ],
)
def test_page_routes_answer_the_app(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.content == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_api_and_mlflow_paths_are_never_the_app(ws: Workspace, dist: Path) -> None:
    app = app_with_ui(ws, dist)
    added = [
        route
        for route in app.routes
        if getattr(getattr(route, "endpoint", None), "__module__", "") == "brickyard.api.web"
    ]
    assert added, "install_web_ui added no route"
    for path in (
        "/api/nope",
        "/api/2.1/unity-catalog/nope",
        "/mlflow/",
        "/mlflow/ajax-api/2.0/mlflow/experiments/search",
        "/serving-endpoints/demo/invocations",
        "/docs",
        "/openapi.json",
        "/catalogs",
    ):
        scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
        assert all(route.matches(scope)[0] is Match.NONE for route in added), path
    with TestClient(app, base_url="http://127.0.0.1:8585") as client:
        for path in ("/api/nope", "/api/2.1/unity-catalog/nope", "/serving-endpoints/nope/x"):
            response = client.get(path, headers={"Accept": "text/html"})
            assert response.status_code == 404, path
            assert response.headers["content-type"] == "application/json"
            assert set(response.json()) == {"error_code", "message"}
        assert client.get("/api/2.1/unity-catalog/catalogs").json()["catalogs"]


def test_assets_are_immutable_and_sent_compressed(client: TestClient) -> None:
    plain = client.get("/assets/index-AbC123.js", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert plain.content == SCRIPT
    assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert plain.headers["content-type"].startswith("text/javascript")
    assert plain.headers["vary"] == "Accept-Encoding"
    zipped = client.get("/assets/index-AbC123.js", headers={"Accept-Encoding": "br;q=0, gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == SCRIPT  # httpx decodes it


@pytest.mark.parametrize(
    "path", ["/assets/missing.js", "/assets/..%2Fsecret.txt", "/assets/.hidden", "/assets/a/b.js"]
)
def test_missing_or_outside_assets_are_json_404s(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (400, 404)
    assert "not for the web" not in response.text
    assert response.headers["content-type"] == "application/json"


def test_favicons_are_served(client: TestClient) -> None:
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200
    assert ico.headers["content-type"] == "image/x-icon"
    assert client.get("/favicon.svg").headers["content-type"] == "image/svg+xml"


def test_without_a_build_the_pages_say_how_to_build_it(ws: Workspace, tmp_path: Path) -> None:
    app = app_with_ui(ws, tmp_path / "not-built")
    with TestClient(app, base_url="http://127.0.0.1:8585") as client:
        response = client.get("/")
        assert response.status_code == 200
        assert "make ui" in response.text
        assert client.get("/sql").text == response.text
        assert client.get("/assets/index.js").status_code == 404
        assert client.get("/api/2.1/unity-catalog/catalogs").status_code == 200
