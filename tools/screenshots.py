"""Screenshots of each page of the workspace UI, for the README: ``make screenshots``.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots]

A fresh demo home in a temporary folder (``brickyard init --demo``), its demo and ML demo
jobs run once from the CLI, ``brickyard up`` on a free port of 127.0.0.1, then Debian's
chromium (driven by Playwright; no browser is downloaded) clicks through the pages as the
browser tests do and writes one PNG per page. The server is stopped at the end, also on
Ctrl+C or an error.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from rich.console import Console

if TYPE_CHECKING:
    from playwright.sync_api import Page

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # benchmarks/: `brickyard up` started and stopped as it does

from benchmarks.api_load import running_server  # noqa: E402

BRICKYARD = Path(sys.executable).parent / "brickyard"
CHROMIUM = Path("/usr/bin/chromium")
HOST = "127.0.0.1"
VIEWPORT = {"width": 1440, "height": 900}
TIMEOUT_MS = 60_000
QUERY = (
    "SELECT p.category, sum(o.quantity) AS units\n"
    "FROM main.default.orders o JOIN main.default.products p ON o.product_id = p.product_id\n"
    "GROUP BY p.category ORDER BY units DESC"
)

console = Console()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: `make chromium` installs it")
    signal.signal(signal.SIGTERM, _interrupt)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="brickyard-screenshots-") as tmp:
        home = Path(tmp) / "home"
        with console.status("demo home: init --demo, run the demo and ML demo jobs ..."):
            _cli(home, "init", "--demo")
            _cli(home, "jobs", "run", "demo", "--wait")
            _cli(home, "jobs", "run", "ml_demo", "--wait")
        with running_server(home) as (port, _pid):  # healthy, MLflow loaded; stopped after
            written = _shoot(f"http://{HOST}:{port}", args.out)
    for path in written:
        console.print(f"  {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    console.print(f"{len(written)} screenshots in {args.out}")
    return 0


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _cli(home: Path, *args: str) -> None:
    done = subprocess.run(
        [str(BRICKYARD), *args, "--home", str(home)],
        capture_output=True,
        text=True,
        timeout=600,
        env=_env(),
    )
    if done.returncode != 0:
        raise SystemExit(f"brickyard {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("BRICKYARD_", "MLFLOW_"))}


def _shoot(url: str, out: Path) -> list[Path]:
    from playwright.sync_api import expect, sync_playwright

    jobs = httpx.get(f"{url}/api/2.2/jobs/list", timeout=10).json()["jobs"]
    job_ids = {j["settings"]["name"]: j["job_id"] for j in jobs}
    demo_run = httpx.get(
        f"{url}/api/2.2/jobs/runs/list", params={"job_id": job_ids["demo"]}, timeout=10
    ).json()["runs"][0]["run_id"]
    demo_tasks = httpx.get(
        f"{url}/api/2.2/jobs/runs/get", params={"run_id": demo_run}, timeout=10
    ).json()["tasks"]
    written: list[Path] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.set_default_timeout(TIMEOUT_MS)

        def shot(name: str) -> None:
            page.wait_for_timeout(400)  # let charts and transitions settle
            path = out / f"{name}.png"
            page.screenshot(path=str(path))
            written.append(path)

        page.goto(url + "/")
        expect(page.get_by_role("heading", level=1).first).to_be_visible()
        shot("home")

        page.goto(url + "/catalog")
        page.get_by_role("searchbox", name="Search tables").fill("orders")
        hits = page.get_by_role("list", name="Search results")
        hits.get_by_role("link", name=re.compile(r"^orders")).click()
        expect(page.get_by_role("table", name="Columns")).to_be_visible()
        shot("catalog-table")
        page.get_by_role("tab", name="History").click()
        expect(page.get_by_role("table", name="History")).to_be_visible()
        shot("catalog-history")

        page.goto(url + "/sql")
        _type_sql(page, QUERY)
        page.keyboard.press("ControlOrMeta+Enter")
        expect(page.get_by_test_id("row-count")).to_be_visible()
        page.get_by_role("button", name="Chart").click()
        expect(page.get_by_test_id("result-chart").locator("canvas")).to_be_visible()
        shot("sql-chart")

        page.goto(url + "/jobs")
        expect(page.get_by_role("table", name="Jobs")).to_be_visible()
        shot("jobs")

        page.goto(f"{url}/jobs/{job_ids['demo']}?run={demo_run}")
        page.locator("g.dag-node[data-state=success]").first.wait_for()
        shot("job-graph")

        last = demo_tasks[-1]["task_key"]
        page.goto(f"{url}/jobs/{job_ids['demo']}/runs/{demo_run}/tasks/{last}")
        expect(page.get_by_role("heading", level=1).first).to_be_visible()
        page.wait_for_timeout(1_000)  # the log's first chunk
        shot("task-log")

        page.goto(url + "/models")
        expect(page.get_by_role("link", name="demo_model")).to_be_visible()
        shot("models")

        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Experiments", exact=True
        ).click()
        page.get_by_role("link", name="/jobs/ml_demo").click()
        expect(page.get_by_text(re.compile(r"^train \(job run \d+\)$")).first).to_be_visible()
        page.wait_for_timeout(1_500)  # MLflow's charts
        shot("mlflow-experiment")
        browser.close()
    return written


def _type_sql(page: Page, text: str) -> None:
    page.get_by_role("textbox", name="SQL editor").click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


if __name__ == "__main__":
    raise SystemExit(main())
