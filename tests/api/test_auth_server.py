"""`brickyard up` with auth on, as a real process: users made by the CLI log in over HTTP."""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.test_server import Server, brickyard

pytestmark = pytest.mark.slow

UC = "/api/2.1/unity-catalog"
PASSWORD = "a-long-admin-password"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("auth") / "home"
    env = {"BRICKYARD_SERVER_AUTH": "true", "BRICKYARD_SERVER_MAX_REQUEST_MB": "1"}
    created = subprocess_input(
        ["users", "create", "Ada", "--role", "admin", "--password-stdin", "--home", str(home)],
        PASSWORD + "\n",
    )
    assert "Created user ada (role admin)" in created
    running = Server(home, env=env)
    try:
        yield running
    finally:
        running.stop()


def subprocess_input(args: list[str], stdin: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "brickyard.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_cli_users_are_listed_without_secrets(server: Server) -> None:
    listed = brickyard("users", "list", "--home", str(server.home), "--format", "json")
    assert listed.returncode == 0, listed.stderr
    users = json.loads(listed.stdout)
    assert [(u["name"], u["role"], u["password"]) for u in users] == [("ada", "admin", True)]
    assert PASSWORD not in listed.stdout


def test_a_browser_session_over_http(server: Server) -> None:
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/api/auth/me").status_code == 401
        page = client.get("/", headers={"Accept": "text/html"})
        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=%2F"
        wrong = client.post("/api/auth/login", json={"user": "ada", "password": "nope-nope"})
        assert wrong.status_code == 401
        logged = client.post("/api/auth/login", json={"user": "ada", "password": PASSWORD})
        assert logged.status_code == 200, logged.text
        cookie = logged.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        csrf = {"X-CSRF-Token": logged.json()["csrf_token"]}
        assert client.get("/api/auth/me").json()["user"] == "ada"
        made = client.post(f"{UC}/catalogs", json={"name": "sales"})
        assert made.status_code == 403
        assert "X-CSRF-Token" in made.json()["message"]
        made = client.post(f"{UC}/catalogs", json={"name": "sales"}, headers=csrf)
        assert made.status_code == 200, made.text
        assert made.json()["owner"] == "ada"
        unknown = client.get("/api/2.1/unity-catalog/nope")
        assert unknown.status_code == 404
        assert unknown.json()["error_code"] == "NOT_FOUND"
        assert client.post("/api/auth/logout", json={}).status_code == 200
        assert client.get("/api/auth/me").status_code == 401


def test_tokens_made_by_the_cli_work_beside_sessions(server: Server) -> None:
    made = brickyard(
        "tokens", "create", "--user", "ci", "--home", str(server.home), "--format", "json"
    )
    secret = json.loads(made.stdout)["token"]
    headers = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{server.url}/api/auth/me", headers=headers).json()["role"] == "user"
    refused = httpx.post(f"{server.url}{UC}/catalogs", json={"name": "ci"}, headers=headers)
    assert refused.status_code == 403
    schema = httpx.post(
        f"{server.url}{UC}/schemas", json={"catalog_name": "main", "name": "ci"}, headers=headers
    )
    assert schema.status_code == 200


def test_a_200_mb_content_length_is_refused_at_once(server: Server) -> None:
    answer = raw_request(
        server,
        f"POST {UC}/catalogs HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {200 * 1024 * 1024}\r\n\r\n".encode(),
        body=iter(()),
    )
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b'"error_code": "REQUEST_TOO_LARGE"' in answer


def test_a_chunked_body_past_the_limit_is_refused_while_it_streams(server: Server) -> None:
    chunk = b"x" * 65536
    frames = (f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" for _ in range(64))  # 4 MB
    answer = raw_request(
        server,
        f"POST {UC}/catalogs HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode(),
        body=frames,
    )
    assert answer.startswith(b"HTTP/1.1 401 ")  # no credentials: refused before the body
    login = httpx.post(f"{server.url}/api/auth/login", json={"user": "ada", "password": PASSWORD})
    cookie = login.headers["set-cookie"].split(";")[0]
    csrf = login.json()["csrf_token"]
    frames = (f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" for _ in range(64))
    answer = raw_request(
        server,
        f"POST {UC}/catalogs HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Cookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode(),
        body=frames,
    )
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"request body too large: the limit is 1 MB" in answer


def raw_request(server: Server, head: bytes, body: Iterator[bytes]) -> bytes:
    """Send ``head`` then ``body`` pieces until the server answers; the answer's bytes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(head)
        for piece in body:
            if select.select([sock], [], [], 0)[0]:
                break  # the server answered before the body ended
            try:
                sock.sendall(piece)
            except OSError:
                break
        answer = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and b"\r\n\r\n" not in answer:
            try:
                data = sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            answer += data
        if b"\r\n\r\n" in answer:
            with_body = answer
            try:
                sock.settimeout(2)
                while data := sock.recv(65536):
                    with_body += data
            except OSError:
                pass
            return with_body
        return answer
