"""A Spark Connect server started from the installed pyspark package, for tests.

The pyspark wheel carries Spark's jars (the Connect server's included) and ``sbin/``, so
``$SPARK_HOME/sbin/start-connect-server.sh`` with ``SPARK_HOME`` = the pyspark package runs
a server with no download. Its pid file and logs stay in the test's folder, not in the
package or ``/tmp``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class ConnectServer:
    port: int
    folder: Path
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"sc://localhost:{self.port}"

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.folder.glob("*.out"))

    def pid(self) -> int | None:
        files = list(self.folder.glob("*.pid"))
        return int(files[0].read_text().strip()) if files else None


def spark_home() -> Path:
    """The installed pyspark package, found on sys.path: in a process running the DuckDB
    engine, ``sys.modules["pyspark"]`` is Brickyard's stand-in, not the package."""
    from importlib.machinery import PathFinder

    spec = PathFinder.find_spec("pyspark")
    if spec is None or spec.origin is None:
        raise RuntimeError("pyspark is not installed")
    return Path(spec.origin).parent


def start(folder: Path, timeout_s: float = 120) -> ConnectServer:
    """Start a server on a free port (local[2], 1 GB driver); returns once it accepts calls."""
    folder.mkdir(parents=True, exist_ok=True)
    home = spark_home()
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_PID_DIR": str(folder),
        "SPARK_LOG_DIR": str(folder),
        "SPARK_IDENT_STRING": "brickyard-test",
        # The server's Python side (if any) is this venv's.
        "PYSPARK_PYTHON": sys.executable,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    server = ConnectServer(port=free_port(), folder=folder, env=env)
    subprocess.run(
        [
            str(home / "sbin" / "start-connect-server.sh"),
            "--master",
            "local[2]",
            "--driver-memory",
            "1g",
            "--conf",
            f"spark.connect.grpc.binding.port={server.port}",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.sql.shuffle.partitions=2",
        ],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if "Spark Connect server started" in server.log() and accepts(server.port):
            return server
        pid = server.pid()
        if pid is not None and not alive(pid):
            raise RuntimeError(f"the Spark Connect server exited:\n{server.log()[-4000:]}")
        time.sleep(0.5)
    stop(server)
    raise RuntimeError(f"the Spark Connect server did not start:\n{server.log()[-4000:]}")


def stop(server: ConnectServer) -> None:
    """Stop it with ``stop-connect-server.sh``; kill its pid if it is still there after."""
    pid = server.pid()
    subprocess.run(
        [str(spark_home() / "sbin" / "stop-connect-server.sh")],
        cwd=server.folder,
        env=server.env,
        capture_output=True,
        timeout=60,
    )
    if pid is None:
        return
    deadline = time.monotonic() + 20
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("localhost", port), timeout=1):
            return True
    except OSError:
        return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) counts as gone.
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return False
