"""A run's end is reported: on_failure / on_success callbacks and a webhook, once per run."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from brickyard.domain.errors import InvalidInputError
from brickyard.workspace import Workspace


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A local HTTP server recording the JSON bodies posted to it."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


def wait_for(condition: Callable[[], bool], timeout_s: float = 20) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_failure_callback_and_webhook_get_the_run_summary_once(
    ws: Workspace,
    add_job: Callable[..., None],
    run_to_end: Callable[..., Any],
    webhook: tuple[str, list[dict[str, Any]]],
    tmp_path: Path,
) -> None:
    url, received = webhook
    marker = tmp_path / "callback.json"
    add_job(
        "alerts.py",
        f"""
        import json

        def alert(summary):
            with open({str(marker)!r}, "a") as out:
                out.write(json.dumps(summary) + "\\n")

        @job(on_failure=alert, webhook={url!r})
        def alerts():
            @task
            def breaks() -> int:
                raise RuntimeError("disk full")

            breaks()
        """,
    )
    run = run_to_end("alerts")
    assert wait_for(lambda: bool(received) and marker.exists())
    assert received[0]["state"] == "failed"
    assert received[0]["run_id"] == run.id
    assert "disk full" in received[0]["failed_tasks"][0]["error"]
    lines = marker.read_text().splitlines()
    assert json.loads(lines[0])["failed_tasks"][0]["task"] == "breaks"
    scheduler = ws.job_runner().scheduler
    assert scheduler is not None
    scheduler.tick()  # a later tick (or a restarted scheduler) does not report it again
    time.sleep(1)
    assert len(received) == 1
    assert len(marker.read_text().splitlines()) == 1


def test_callbacks_must_be_top_level_functions(add_job: Callable[..., None]) -> None:
    with pytest.raises(InvalidInputError, match="top level of the job file"):
        add_job(
            "bad_callback.py",
            """
            @job(on_failure=lambda summary: None)
            def bad_callback():
                @task
                def t() -> int:
                    return 1

                t()
            """,
        )
