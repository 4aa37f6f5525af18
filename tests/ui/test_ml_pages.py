"""From a job run to MLflow: the demo home's ML job run from the CLI, then, in Chromium, its
run page's MLflow run link opens MLflow's own UI on that run, the nav's Experiments link
leads to the job's experiment (/jobs/ml_demo) and its run, and the Models page lists the
registered model with its alias."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from brickyard.home import init_home
from brickyard.services.sql import SqlService
from brickyard.workspace import Workspace
from tests.ui.conftest import UiServer
from tests.workflows.test_schedules_and_cli import brickyard

pytestmark = pytest.mark.slow  # the ML demo job trains and registers a model: ~20 s

# MLflow's UI asks whether its basic-auth app is on; without it the answer is 404 (as from a
# standalone `mlflow server`): not a missing file.
EXPECTED_404 = "/mlflow/ajax-api/2.0/mlflow/users/current"


@pytest.fixture(scope="module")
def ml_demo(
    tmp_path_factory: pytest.TempPathFactory, sql_service: SqlService, built_ui: Path
) -> Iterator[tuple[UiServer, str]]:
    """A demo home whose ML job has run once (from the CLI, as a user would), served with
    the UI; and the MLflow run id the job's train task logged."""
    home = tmp_path_factory.mktemp("ui-ml") / "home"
    assert brickyard(home, "init", "--demo").returncode == 0
    done = brickyard(home, "jobs", "run", "ml_demo", "--wait", "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    shown = json.loads(brickyard(home, "runs", "show", "1", "--format", "json").stdout)
    train = next(t for t in shown["tasks"] if t["task"] == "train")
    run_id = json.loads(train["value"])["mlflow_run_id"]
    # Opened without connect(): this test process's mlflow client settings stay as they were.
    workspace = Workspace(init_home(home))
    server = UiServer(workspace, sql_service)
    server.start()
    yield server, run_id
    server.stop()
    workspace.close()


def test_the_ml_demo_run_leads_to_its_mlflow_run_experiment_and_model(
    page_on: Any, ml_demo: tuple[UiServer, str]
) -> None:
    from playwright.sync_api import expect

    server, run_id = ml_demo
    job_id = server.workspace.jobs.job("ml_demo").id
    with page_on(server.url) as ui:
        ui.expect_problems = True  # MLflow's UI makes the one expected 404: checked below
        page = ui.page
        ui.goto(f"/jobs/{job_id}")
        runs = page.get_by_label("MLflow runs")
        link = runs.get_by_role("link", name=re.compile(r"^train"))
        expect(link).to_have_attribute("href", f"/mlflow/#/runs/{run_id}")
        link.click()
        # MLflow's own run page: the run's metrics and parameter, logged by the train task.
        page.wait_for_url(re.compile(r"/mlflow/"), timeout=30_000)
        expect(page.get_by_text("r2", exact=True).first).to_be_visible(timeout=60_000)
        expect(page.get_by_text("alpha", exact=True).first).to_be_visible()

        page.goto(server.url + "/models")
        models = page.get_by_role("main")
        expect(models.get_by_role("link", name="demo_model")).to_be_visible(timeout=30_000)
        expect(models.get_by_text("champion").first).to_be_visible()

        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Experiments", exact=True
        ).click()
        experiment = page.get_by_role("link", name="/jobs/ml_demo")
        expect(experiment).to_be_visible(timeout=60_000)
        experiment.click()
        # The experiment's runs table: the train task's run, named after the job run.
        page.wait_for_url(re.compile(r"/mlflow/#/experiments/\d+"))
        expect(page.get_by_text("train (job run 1)").first).to_be_visible(timeout=30_000)

    problems = ui.problems
    assert problems.page_errors == []
    failed = [p for p in problems.failed_requests if EXPECTED_404 not in p]
    assert failed == [], failed
