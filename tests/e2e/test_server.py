"""`brickyard up` as a real uvicorn process, reached over HTTP and by the official databricks-sdk."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

UC = "/api/2.1/unity-catalog"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def brickyard(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "brickyard.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


class Server:
    def __init__(self, home: Path, env: dict[str, str] | None = None) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "brickyard.cli.main",
                "up",
                "--home",
                str(home),
                "--port",
                str(self.port),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(env or {})},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited: {self.process.stdout.read() if self.process.stdout else ''}"
                )
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start in 60 s")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[Server]:
    home = tmp_path / "home"
    assert brickyard("init", "--demo", "--home", str(home)).returncode == 0
    server = Server(home)
    yield server
    server.stop()


def test_up_serves_the_demo_tables(demo_server: Server) -> None:
    response = httpx.get(f"{demo_server.url}{UC}/tables?catalog_name=main&schema_name=default")
    assert response.status_code == 200
    names = [t["full_name"] for t in response.json()["tables"]]
    assert names == ["main.default.customers", "main.default.orders", "main.default.products"]
    assert httpx.get(f"{demo_server.url}/docs").status_code == 200


def test_the_official_databricks_sdk_works_against_the_server(demo_server: Server) -> None:
    from databricks.sdk import WorkspaceClient

    client = WorkspaceClient(host=demo_server.url, token="unused-on-loopback")
    assert [c.name for c in client.catalogs.list()] == ["main"]
    tables = list(client.tables.list(catalog_name="main", schema_name="default"))
    assert [t.name for t in tables] == ["customers", "orders", "products"]
    assert tables[0].data_source_format is not None
    assert tables[0].data_source_format.value == "DELTA"
    client.schemas.create(name="scratch", catalog_name="main")
    assert {s.name for s in client.schemas.list(catalog_name="main")} == {"default", "scratch"}
    orders = client.tables.get("main.default.orders")
    assert [c.name for c in orders.columns or []][:2] == ["order_id", "customer_id"]
    client.tables.delete("main.default.orders")
    remaining = [t.name for t in client.tables.list(catalog_name="main", schema_name="default")]
    assert remaining == ["customers", "products"]


def test_up_initialises_a_missing_home(tmp_path: Path) -> None:
    server = Server(tmp_path / "fresh")
    try:
        body = httpx.get(f"{server.url}{UC}/schemas?catalog_name=main").json()
        assert [s["full_name"] for s in body["schemas"]] == ["main.default"]
    finally:
        server.stop()


def test_public_bind_without_auth_is_refused(tmp_path: Path) -> None:
    result = brickyard(
        "up", "--home", str(tmp_path / "h"), "--host", "0.0.0.0", "--port", str(free_port())
    )
    assert result.returncode == 1
    assert "refusing to bind 0.0.0.0 without authentication" in result.stderr


def test_auth_mode_needs_tokens_made_by_the_cli(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"BRICKYARD_SERVER_AUTH": "true"}
    created = brickyard(
        "tokens", "create", "--user", "ci", "--home", str(home), "--format", "json", env=env
    )
    assert created.returncode == 0, created.stderr
    import json

    secret = json.loads(created.stdout)["token"]
    server = Server(home, env=env)
    try:
        assert httpx.get(f"{server.url}{UC}/catalogs").status_code == 401
        ok = httpx.get(f"{server.url}{UC}/catalogs", headers={"Authorization": f"Bearer {secret}"})
        assert ok.status_code == 200
        from databricks.sdk import WorkspaceClient

        client = WorkspaceClient(host=server.url, token=secret)
        assert [c.name for c in client.catalogs.list()] == ["main"]
    finally:
        server.stop()
