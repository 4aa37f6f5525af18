"""Real servers for the scale-out backends, started once per test session.

* ``postgres_server``: a throw-away PostgreSQL cluster from Debian's ``postgresql`` package
  (``initdb`` + ``pg_ctl``, trust auth, 127.0.0.1 on a free port, socket dir in a tmp dir).
  ``postgres_url`` is a database on it; ``fresh_postgres_url`` is a new empty database per test.
* ``s3_server``: moto in server mode (own process) on 127.0.0.1, no network, one bucket;
  ``s3_options`` are the delta-rs storage options that reach it.

Import the fixtures you use into the test module: ``from tests.integration.servers import ...``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

PG_MISSING = "PostgreSQL server not installed: run `make postgres` (apt-get install postgresql)"
PG_SYSTEM_USER = "postgres"  # created by the Debian package; the server refuses to run as root
S3_BUCKET = "brickyard-test"
S3_REGION = "us-east-1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _missing(message: str) -> NoReturn:
    """Fail in CI (where the Makefile installs the server), skip on a developer machine."""
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set, so this is an error, not a skip)", pytrace=False)
    pytest.skip(message)


# -- PostgreSQL ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PostgresServer:
    port: int
    user: str

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        dsn = f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"'.encode())
        return self.url(name)


def _pg_bin_dir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if not found:
        return None
    bin_dir = Path(found[-1]).parent
    return bin_dir if (bin_dir / "pg_ctl").exists() else None


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", PG_SYSTEM_USER, "--", *args]
    return ["su", PG_SYSTEM_USER, "-s", "/bin/sh", "-c", subprocess.list2cmdline(args)]


def _run(args: list[str], cwd: Path, what: str) -> None:
    done = subprocess.run(
        _as_server_user(args), cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{what} failed (exit {done.returncode}): {' '.join(args)}\n"
            f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = _pg_bin_dir()
    if bin_dir is None:
        _missing(PG_MISSING)
    if os.geteuid() == 0:
        try:
            server_user = pwd.getpwnam(PG_SYSTEM_USER)
        except KeyError:
            _missing(f"running as root but there is no '{PG_SYSTEM_USER}' user; {PG_MISSING}")
    # Directly under /tmp (not pytest's root-only tmp tree) so the postgres user can reach it,
    # and short, because a unix socket path must stay under ~100 characters.
    root = Path(tempfile.mkdtemp(prefix="brickyard-pg-"))
    data, sockets, log = root / "data", root / "sock", root / "server.log"
    sockets.mkdir()
    if os.geteuid() == 0:
        for path in (root, sockets):
            os.chown(path, server_user.pw_uid, server_user.pw_gid)
    port = free_port()
    pg_ctl = str(bin_dir / "pg_ctl")
    started = False
    try:
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
        _run([*initdb, "-E", "UTF8", "--no-locale", "--no-sync"], root, "initdb")
        options = (
            f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        start = [pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", options]
        try:
            _run([*start, "start"], root, "pg_ctl start")
        except RuntimeError as exc:
            server_log = log.read_text(errors="replace") if log.exists() else "(no log)"
            raise RuntimeError(f"{exc}\nserver log:\n{server_log}") from None
        started = True
        yield PostgresServer(port=port, user="postgres")
    finally:
        if started:
            _run([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], root, "pg_ctl stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """A database shared by the session (tests must not assume it is empty)."""
    return postgres_server.create_database("brickyard")


@pytest.fixture
def fresh_postgres_url(postgres_server: PostgresServer) -> str:
    """A new, empty database (no schema, no migrations applied) for this test only."""
    return postgres_server.create_database(f"t_{uuid.uuid4().hex[:12]}")


# -- S3 (moto) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str
    options: dict[str, str]

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.options["aws_access_key_id"],
            aws_secret_access_key=self.options["aws_secret_access_key"],
            region_name=S3_REGION,
        )

    def keys(self, prefix: str) -> list[str]:
        pages = (
            self.client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=self.bucket, Prefix=prefix)
        )
        return [obj["Key"] for page in pages for obj in page.get("Contents", [])]


def _wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the moto server exited at start (exit {process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the moto server did not listen on 127.0.0.1:{port} within {seconds}s")


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server in its own process.

    Not ``ThreadedMotoServer`` inside the test process: some deltalake calls (e.g.
    ``DeltaTable.history``) hold the GIL while waiting for S3, so an in-process server thread
    could never answer them and the call hangs until delta-rs's 180 s retry timeout.
    """
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    options = {
        "aws_endpoint_url": endpoint,
        "aws_access_key_id": "brickyard-test",
        "aws_secret_access_key": "brickyard-test-secret",
        "aws_region": S3_REGION,
        "aws_allow_http": "true",
        # Safe commits without a lock service: delta-rs 1.x writes every _delta_log entry as a
        # conditional put (If-None-Match: *; seen on the wire with deltalake 1.6), which moto
        # enforces, so a racing writer gets "already exists" and retries. The setting below is
        # what S3-compatible stores need to turn conditional puts on; we never set
        # `aws_s3_allow_unsafe_rename` (unsafe with several writers).
        "aws_conditional_put": "etag",
    }
    try:
        _wait_for_port(port, process, 30)
        s3 = S3Server(endpoint=endpoint, bucket=S3_BUCKET, options=options)
        s3.client().create_bucket(Bucket=S3_BUCKET)
        yield s3
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def s3_options(s3_server: S3Server) -> dict[str, str]:
    return dict(s3_server.options)
