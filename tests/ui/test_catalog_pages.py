"""The catalog explorer's table page in headless Chromium: search through the API, history with
rows and the writing job task, comment and tag edits, and the lineage tab's MLflow run."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pyarrow as pa
import pytest
from playwright.sync_api import expect

from brickyard.workspace import Workspace
from tests.ui.conftest import BrowserPage

pytestmark = pytest.mark.slow

TABLE = "main.default.ui_catalog_page"
URL = "/catalog/main/default/ui_catalog_page"
TASK_ENV = {
    "BRICKYARD_JOB": "nightly",
    "BRICKYARD_RUN_ID": "42",
    "BRICKYARD_TASK": "load",
    "BRICKYARD_TRY": "1",
}


@pytest.fixture(scope="module")
def mlflow_run_id(demo_workspace: Workspace) -> Iterator[str]:
    """A table of its own (the demo tables stay as other tests expect them), written once by a
    job task and read by an MLflow run of another job task."""
    catalog = demo_workspace.catalog
    catalog.create_table(
        TABLE,
        pa.table({"id": [1, 2], "score": [0.5, 0.7]}),
        comment="scores for the catalog page test",
        tags={"team": "ui"},
    )
    with pytest.MonkeyPatch.context() as patch:
        for var, value in TASK_ENV.items():
            patch.setenv(var, value)
        catalog.table(TABLE).append(pa.table({"id": [3, 4, 5], "score": [0.1, 0.2, 0.3]}))
    with pytest.MonkeyPatch.context() as patch:
        yield _mlflow_run_reading(demo_workspace, patch)
    catalog.drop_table(TABLE, if_exists=True)


def _mlflow_run_reading(ws: Workspace, patch: pytest.MonkeyPatch) -> str:
    from mlflow import MlflowClient

    from brickyard.adapters.mlflow_server import prepare
    from brickyard.ml import lineage

    prepare(ws.ml_stores)
    patch.setenv("MLFLOW_TRACKING_URI", ws.ml_stores.backend_uri)
    client = MlflowClient(tracking_uri=ws.ml_stores.backend_uri)
    experiment = client.create_experiment("/jobs/ui_scores", ws.ml_stores.artifact_root)
    tags = {"brickyard.job": "ui_scores", "brickyard.run_id": "7", "brickyard.task": "train"}
    run = client.create_run(experiment, tags=tags, run_name="train-scores")
    patch.setattr(lineage, "_READS", {TABLE: (1, ws.catalog.table_info(TABLE).id)})
    lineage.log_reads(run.info.run_id)
    client.set_terminated(run.info.run_id)
    assert os.environ["MLFLOW_TRACKING_URI"] == ws.ml_stores.backend_uri
    return str(run.info.run_id)


def test_find_the_table_by_search_and_open_its_history(ui: BrowserPage, mlflow_run_id: str) -> None:
    page = ui.page
    ui.goto("/catalog")
    page.get_by_role("searchbox", name="Search tables").fill("scores for the catalog")
    hits = page.get_by_role("list", name="Search results")
    hits.get_by_role("link", name=re.compile(r"^ui_catalog_page")).click()
    expect(page).to_have_url(re.compile(URL + "$"))
    expect(page.get_by_role("heading", name="ui_catalog_page", level=1)).to_be_visible()

    page.get_by_role("tab", name="History").click()
    history = page.get_by_role("table", name="History")
    newest = history.get_by_role("row").nth(1)
    expect(newest).to_contain_text("WRITE")
    expect(newest.get_by_role("cell").nth(4)).to_have_text("3")  # rows added
    expect(newest).to_contain_text("nightly run 42 / load")

    page.get_by_role("tab", name="Details").click()
    expect(page.get_by_text(re.compile(r"\(\d[\d,]* bytes\)"))).to_be_visible()


def test_edit_the_comment_and_the_tags(
    ui: BrowserPage, demo_workspace: Workspace, mlflow_run_id: str
) -> None:
    page = ui.page
    ui.goto(URL)
    page.get_by_role("button", name="Edit comment").click()
    page.get_by_role("textbox", name="Comment").fill("scores, edited in the browser")
    page.get_by_role("button", name="Save comment").click()
    expect(page.get_by_text("scores, edited in the browser")).to_be_visible()

    page.get_by_role("textbox", name="Tag name").fill("quality")
    page.get_by_role("textbox", name="Tag value").fill("gold")
    page.get_by_role("button", name="Add tag").click()
    tags = page.get_by_role("list", name="Tags")
    expect(tags).to_contain_text("quality: gold")
    tags.get_by_role("button", name="Remove tag team").click()
    expect(tags).not_to_contain_text("team")

    info = demo_workspace.catalog.table_info(TABLE)
    assert info.comment == "scores, edited in the browser"
    assert dict(info.tags) == {"quality": "gold"}


def test_lineage_tab_lists_the_writing_task_and_the_mlflow_run(
    ui: BrowserPage, mlflow_run_id: str
) -> None:
    page = ui.page
    ui.goto(URL + "?tab=lineage")
    runs = page.get_by_role("table", name="MLflow runs")
    link = runs.get_by_role("link", name="train-scores")
    expect(link).to_have_attribute("href", f"/mlflow/#/runs/{mlflow_run_id}", timeout=90_000)
    expect(runs).to_contain_text("ui_scores / train")
    expect(page.get_by_role("table", name="Writers")).to_contain_text("nightly")
    expect(page.get_by_role("table", name="Readers")).to_contain_text("ui_scores")
