"""MLflow's UI in a real headless browser, under /mlflow of `brickyard up`: the index page and
its JavaScript load, no request the page makes answers 404, and the app renders into its root.

Debian's chromium (`make chromium`, run by `make test`), driven by Playwright through the
shared ``browser`` fixture (tests/browser.py: it skips when chromium is missing and we are not
root); never a browser that Playwright downloads itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.test_server import Server

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.slow

# The UI asks whether MLflow's basic-auth app is on; a server without it (a standalone
# `mlflow server` too) answers 404, which the UI takes as "no login". Not a missing file.
EXPECTED_404 = {"/mlflow/ajax-api/2.0/mlflow/users/current"}


def test_the_mlflow_ui_loads_and_renders_under_the_prefix(
    ml_server: Server, browser: Browser
) -> None:
    responses: list[tuple[int, str]] = []
    failed: list[str] = []
    page = browser.new_page()
    try:
        page.on("response", lambda r: responses.append((r.status, r.url)))
        page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
        page.goto(f"{ml_server.url}/mlflow/", wait_until="load", timeout=60_000)
        # React renders the app into #root: wait until it holds something.
        page.wait_for_function(
            "() => document.querySelector('#root')?.children.length > 0", timeout=60_000
        )
        # The page keeps a few requests going (MLflow polls): no "network idle" to wait
        # for, but its first API calls are made by now and answered within this.
        page.wait_for_timeout(3_000)
        title = page.title()
        root_text = page.inner_text("#root")
    finally:
        page.close()

    ours = [(status, url) for status, url in responses if url.startswith(ml_server.url)]
    assert title.endswith("MLflow"), title  # "MLflow", then "Home - MLflow" once rendered
    missing = [url for status, url in ours if status == 404]
    assert not [url for url in missing if _path(url, ml_server) not in EXPECTED_404], ours
    assert not [f for f in failed if f.startswith(ml_server.url)], failed
    scripts = [url for status, url in ours if status == 200 and _is_script(url)]
    assert any("/mlflow/static-files/static/js/main." in url for url in scripts), ours
    assert root_text.strip(), "the app rendered nothing into #root"
    assert (200, f"{ml_server.url}/mlflow/") in ours


def _path(url: str, server: Server) -> str:
    return url.removeprefix(server.url).split("?", 1)[0]


def _is_script(url: str) -> bool:
    return url.split("?", 1)[0].endswith(".js")
