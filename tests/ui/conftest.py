"""Browser tests of the web UI: a demo workspace served by uvicorn in a thread, and headless
Chromium (Debian's, through Python Playwright; nothing is downloaded) with every page's console
errors and failed requests collected, so each test can say none happened."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn

import brickyard
from brickyard.api.app import create_app
from brickyard.api.web import DIST
from brickyard.services.sql import SqlService
from brickyard.workspace import Workspace

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        ConsoleMessage,
        Error,
        Page,
        Request,
        Response,
    )

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class UiServer:
    """``create_app`` + ``install_web_ui`` under uvicorn in a thread; stop and start again."""

    def __init__(
        self, workspace: Workspace, sql: SqlService, auth: bool = False, run_jobs: bool = False
    ) -> None:
        self.workspace = workspace
        self.sql = sql
        self.auth = auth
        self.run_jobs = run_jobs  # the app runs the jobs (scheduler and executor), as `up` does
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        app = create_app(self.workspace, auth=self.auth, run_jobs=self.run_jobs)
        # One SQL engine session per process, as under `brickyard up` (a second DuckDB
        # session in the same process fails to apply its file-access limits).
        app.state.sql = self.sql
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="ui-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the UI test server did not start on port {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=30)
        self._server = self._thread = None


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    workspace = brickyard.connect(tmp_path_factory.mktemp("ui") / "home", demo=True)
    assert workspace.jobs.reload() == []  # the demo jobs, listed by the jobs page
    yield workspace
    workspace.close()


@pytest.fixture(scope="session")
def sql_service(demo_workspace: Workspace) -> Iterator[SqlService]:
    service = SqlService(demo_workspace.home)
    yield service
    service.close()


@pytest.fixture(scope="session")
def built_ui() -> Path:
    """The UI build; built with ui/build.sh when missing (as `make ui` does), by one test
    process at a time (`make test` runs several)."""
    import fcntl
    import tempfile

    with open(Path(tempfile.gettempdir()) / "brickyard-ui-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (DIST / "index.html").is_file():
            if shutil.which("npm") is None:
                pytest.fail("the web UI is not built and npm is missing: install Node.js, `make ui`")
            subprocess.run([str(REPO / "ui" / "build.sh")], check=True, timeout=600)
    return DIST


@pytest.fixture(scope="session")
def ui_server(
    demo_workspace: Workspace, sql_service: SqlService, built_ui: Path
) -> Iterator[UiServer]:
    server = UiServer(demo_workspace, sql_service)
    server.start()
    yield server
    server.stop()


@dataclass
class PageProblems:
    """What went wrong on a page: console errors, uncaught errors, failed requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return self.console_errors + self.page_errors + self.failed_requests

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location})")

    def on_page_error(self, error: Error) -> None:
        self.page_errors.append(str(error))

    def on_response(self, response: Response) -> None:
        if response.status >= 400:
            self.failed_requests.append(f"{response.status} {response.url}")

    def on_request_failed(self, request: Request) -> None:
        # An aborted fetch is a page that moved on, not a failure.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.failed_requests.append(f"{request.failure} {request.url}")


@dataclass
class BrowserPage:
    page: Page
    url: str
    problems: PageProblems
    expect_problems: bool = False  # a test that provokes errors checks them itself

    def goto(self, path: str) -> Any:
        return self.page.goto(self.url + path)


@pytest.fixture
def ui(browser: Browser, ui_server: UiServer) -> Iterator[BrowserPage]:
    """A fresh browser context on the demo server; fails the test on any page problem."""
    with _page_on(browser, ui_server.url) as handle:
        yield handle


@contextmanager
def _page_on(browser: Browser, url: str) -> Iterator[BrowserPage]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems = PageProblems()
    page.on("console", problems.on_console)
    page.on("pageerror", problems.on_page_error)
    page.on("response", problems.on_response)
    page.on("requestfailed", problems.on_request_failed)
    handle = BrowserPage(page, url, problems)
    try:
        yield handle
        if not handle.expect_problems:
            assert problems.all() == [], "the page logged errors or had failed requests"
    finally:
        context.close()


@pytest.fixture
def secured_page(
    browser: Browser, demo_workspace: Workspace, sql_service: SqlService, built_ui: Path
) -> Iterator[BrowserPage]:
    """A page on a server of its own with ``[server] auth = true``."""
    server = UiServer(demo_workspace, sql_service, auth=True)
    server.start()
    try:
        with _page_on(browser, server.url) as handle:
            yield handle
    finally:
        server.stop()


@pytest.fixture
def restartable(
    browser: Browser, demo_workspace: Workspace, sql_service: SqlService, built_ui: Path
) -> Iterator[Any]:
    """A page on a server of its own, which the test stops and starts again."""
    server = UiServer(demo_workspace, sql_service)
    server.start()
    try:
        with _page_on(browser, server.url) as handle:
            yield handle, server
    finally:
        server.stop()


@pytest.fixture
def page_on(browser: Browser) -> Any:
    """Open a checked page (as ``ui`` does) on any server: ``with page_on(url) as handle``."""

    def open_page(url: str) -> Any:
        return _page_on(browser, url)

    return open_page
