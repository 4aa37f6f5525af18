"""Headless Chromium for the browser tests (Debian's, driven by Playwright; never a browser
Playwright downloads), registered for every test by tests/conftest.py. Playwright's sync API
allows one driver at a time per process and keeps an asyncio loop running in the main thread
while it lives: one per test module, stopped after it, so later tests (nbclient, asyncio.run)
find no loop running."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        if os.geteuid() != 0:
            pytest.skip(f"{CHROMIUM} is missing (`make chromium`: apt-get install chromium)")
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            timeout=900,
        )
    return CHROMIUM


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright, chromium_path: Path) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=str(chromium_path), args=CHROMIUM_ARGS, timeout=60_000
    )
    yield browser
    browser.close()
