"""The web UI in headless Chromium against a demo workspace: navigation, the catalog explorer,
the SQL editor (grid, chart, CSV, errors), server errors and a server restart."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.ui.conftest import BrowserPage, UiServer

pytestmark = pytest.mark.slow

NAV = {
    "Catalog": "/catalog",
    "SQL": "/sql",
    "Jobs": "/jobs",
    "Experiments": "/mlflow/#/experiments?workflowType=machine_learning",
    "Models": "/models",
}
SUM_BY_CATEGORY = (
    "SELECT p.category, sum(o.quantity) AS units\n"
    "FROM main.default.orders o JOIN main.default.products p ON o.product_id = p.product_id\n"
    "GROUP BY p.category ORDER BY units DESC"
)


def test_nav_bar_has_the_five_links_labelled_exactly(ui: BrowserPage) -> None:
    ui.goto("/")
    nav = ui.page.get_by_role("navigation", name="Main")
    for label, href in NAV.items():
        link = nav.get_by_role("link", name=label, exact=True)
        expect(link).to_have_attribute("href", href)
        assert link.evaluate("e => e.tagName") == "A"
    nav.get_by_role("link", name="SQL", exact=True).click()
    expect(ui.page).to_have_url(re.compile(r"/sql$"))
    expect(nav.get_by_role("link", name="SQL", exact=True)).to_have_class(re.compile("active"))
    for icon, media_type in (("/favicon.ico", "image/x-icon"), ("/favicon.svg", "image/svg+xml")):
        response = ui.page.request.get(ui.url + icon)
        assert response.ok
        assert response.headers["content-type"] == media_type


@pytest.mark.serial
def test_first_page_is_interactive_within_a_second(browser: Browser, ui_server: UiServer) -> None:
    """Opening /catalog in a fresh browser (nothing cached) until the tree shows its catalog."""
    timings = []
    for _ in range(3):  # the best of three: the test machine may be busy with other work
        context = browser.new_context()
        page = context.new_page()
        page.goto(ui_server.url + "/catalog")
        page.get_by_role("treeitem", name="main", exact=True).wait_for()
        shown = page.evaluate("performance.now()")
        loaded = page.evaluate(
            "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
        )
        timings.append((shown, loaded))
        context.close()
    shown, loaded = min(timings)
    print(f"first page: DOMContentLoaded {loaded:.0f} ms, catalog tree shown {shown:.0f} ms")
    assert shown < 1000


def test_find_a_table_by_search_open_it_and_its_history(ui: BrowserPage) -> None:
    page = ui.page
    ui.goto("/catalog")
    page.get_by_role("searchbox", name="Search tables").fill("orders")
    hits = page.get_by_role("list", name="Search results")
    hits.get_by_role("link", name=re.compile(r"^orders")).click()
    expect(page).to_have_url(re.compile(r"/catalog/main/default/orders$"))
    expect(page.get_by_role("heading", name="orders", level=1)).to_be_visible()
    columns = page.get_by_role("table", name="Columns")
    expect(columns.get_by_role("row", name=re.compile(r"customer_id\s+bigint"))).to_be_visible()

    page.get_by_role("tab", name="History").click()
    expect(page).to_have_url(re.compile(r"\?tab=history$"))
    history = page.get_by_role("table", name="History")
    expect(history.get_by_role("row").nth(1)).to_contain_text("WRITE")

    page.get_by_role("tab", name="Sample data").click()
    grid = page.get_by_role("grid", name="Sample rows")
    expect(grid.get_by_role("columnheader", name=re.compile(r"^order_id"))).to_be_visible()
    expect(grid.get_by_role("row")).not_to_have_count(1)

    page.get_by_role("tab", name="Details").click()
    expect(page.get_by_text("Location")).to_be_visible()

    # A column name finds its tables too.
    page.get_by_role("searchbox", name="Search tables").fill("signup_date")
    expect(hits.get_by_role("link")).to_have_count(1)
    expect(hits.get_by_role("link")).to_contain_text("column signup_date")


def test_the_catalog_tree_works_with_the_keyboard(ui: BrowserPage) -> None:
    page = ui.page
    ui.goto("/catalog")
    main = page.get_by_role("treeitem", name="main", exact=True)
    main.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/catalog/main$"))
    expect(main).to_have_attribute("aria-expanded", "true")
    page.get_by_role("treeitem", name="default", exact=True).wait_for()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("treeitem", name="default", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/catalog/main/default$"))
    customers = page.get_by_role("treeitem", name="customers", exact=True)
    customers.wait_for()  # the schema's tables load as it opens
    page.keyboard.press("ArrowDown")
    expect(customers).to_be_focused()
    page.keyboard.press(" ")
    expect(page.get_by_role("heading", name="customers", level=1)).to_be_visible()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("treeitem", name="default", exact=True)).to_be_focused()


def set_sql(page: Page, text: str) -> None:
    editor = page.get_by_role("textbox", name="SQL editor")
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def editor_text(page: Page) -> str:
    lines = page.locator(".cm-content .cm-line").all_inner_texts()
    return "\n".join(lines)


def test_run_sql_see_grid_chart_and_export_csv(ui: BrowserPage, tmp_path: Path) -> None:
    page = ui.page
    ui.goto("/sql")
    set_sql(page, SUM_BY_CATEGORY)
    page.keyboard.press("ControlOrMeta+Enter")
    expect(page.get_by_test_id("row-count")).to_have_text(re.compile(r"^\d+ rows$"))
    expect(page.get_by_test_id("elapsed")).to_have_text(re.compile(r"\d+(\.\d+)? m?s$"))
    grid = page.get_by_role("grid", name="Query result")
    expect(grid.get_by_role("columnheader", name="category string")).to_be_visible()
    expect(grid.get_by_role("columnheader", name="units bigint")).to_be_visible()

    page.get_by_role("button", name="Chart").click()
    chart = page.get_by_test_id("result-chart")
    expect(chart.locator("canvas")).to_be_visible()
    expect(page.get_by_role("img", name="bar chart of units by category")).to_be_visible()
    for kind in ("Line", "Scatter"):
        chart.get_by_role("button", name=kind).click()
        expect(chart.locator("canvas")).to_be_visible()
    page.get_by_role("button", name="Table").click()
    expect(grid).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    saved = tmp_path / "result.csv"
    download.value.save_as(saved)
    lines = saved.read_text().splitlines()
    assert lines[0] == "category,units"
    assert len(lines) > 1

    history = page.get_by_role("complementary", name="Query history")
    expect(history.get_by_role("button").first).to_contain_text("SELECT p.category")


def test_run_only_the_selection(ui: BrowserPage) -> None:
    page = ui.page
    ui.goto("/sql")
    set_sql(page, "SELECT 1 AS first_one\nSELECT 2 AS second_one")
    page.keyboard.press("ControlOrMeta+End")
    page.keyboard.press("Shift+Home")
    page.keyboard.press("ControlOrMeta+Enter")
    grid = page.get_by_role("grid", name="Query result")
    expect(grid.get_by_role("columnheader", name=re.compile("^second_one"))).to_be_visible()


def test_sql_error_is_shown_inline_at_its_line_and_column(ui: BrowserPage) -> None:
    page = ui.page
    ui.goto("/sql")
    text = "SELECT order_id\nFROM main.default.orders\nWHERE order_id = = 1"
    set_sql(page, text)
    page.get_by_role("button", name="Run").click()
    error = page.get_by_test_id("sql-error")
    expect(error).to_contain_text("syntax error at line 3, column 18")
    expect(page.locator(".cm-lintRange-error")).to_have_count(1)
    assert editor_text(page) == text

    # A selection's error points into the whole text: line 2 of it here.
    set_sql(page, "SELECT 1 AS ok\nSELEC 2")
    page.keyboard.press("ControlOrMeta+End")
    page.keyboard.press("Shift+Home")
    page.keyboard.press("ControlOrMeta+Enter")
    expect(error).to_contain_text("In the editor: line 2, column 7.")
    assert editor_text(page) == "SELECT 1 AS ok\nSELEC 2"

    page.reload()  # the editor keeps its text across a reload too
    expect(page.locator(".cm-content")).to_contain_text("SELEC 2")


@pytest.mark.serial
def test_ten_thousand_rows_render_virtualized(ui: BrowserPage) -> None:
    page = ui.page
    ui.goto("/sql")
    set_sql(
        page,
        "SELECT n, n * 2 AS doubled, concat('row-', n) AS label\n"
        "FROM (SELECT explode(sequence(1, 10000)) AS n)",
    )
    started = page.evaluate("performance.now()")
    page.keyboard.press("ControlOrMeta+Enter")
    expect(page.get_by_test_id("row-count")).to_have_text("10,000 rows")
    grid = page.get_by_role("grid", name="Query result")
    expect(grid.get_by_role("gridcell", name="row-1", exact=True)).to_be_visible()
    shown_ms = page.evaluate("performance.now()") - started
    print(f"10,000 rows: query + render {shown_ms:.0f} ms")
    rendered = grid.get_by_role("row").count()
    assert rendered < 100, f"{rendered} rows in the DOM: the grid is not virtualized"
    grid.evaluate("e => { e.scrollTop = e.scrollHeight; }")
    expect(grid.get_by_role("gridcell", name="row-10000", exact=True)).to_be_visible()
    assert shown_ms < 3000


def test_a_server_error_shows_a_toast_and_the_page_stays_usable(ui: BrowserPage) -> None:
    page = ui.page
    ui.expect_problems = True

    def fail(route: Any) -> None:
        route.fulfill(
            status=500,
            json={"error_code": "INTERNAL_ERROR", "message": "the jobs store is down (test)"},
        )

    page.route("**/api/2.2/jobs/list*", fail)
    ui.goto("/jobs")
    toast = page.get_by_role("alert").filter(has_text="Server error 500")
    expect(toast).to_contain_text("the jobs store is down (test)")
    expect(page.locator("main .error-box")).to_contain_text("the jobs store is down (test)")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    expect(page.get_by_role("treeitem", name="main", exact=True)).to_be_visible()
    toast.get_by_role("button", name="Dismiss").click()
    expect(toast).to_have_count(0)
    assert ui.problems.page_errors == []
    assert all("/api/2.2/jobs/list" in r for r in ui.problems.failed_requests)


def test_the_page_reconnects_when_the_server_restarts(restartable: Any) -> None:
    ui, server = restartable
    assert isinstance(server, UiServer)
    page = ui.page
    ui.expect_problems = True  # requests fail while the server is away: that is the test
    ui.goto("/catalog")
    expect(page.get_by_role("treeitem", name="main", exact=True)).to_be_visible()

    server.stop()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Jobs").click()
    banner = page.get_by_role("status").filter(has_text="reconnecting")
    expect(banner).to_be_visible()

    server.start()
    expect(page.get_by_role("table", name="Jobs")).to_be_visible(timeout=20_000)
    expect(banner).to_have_count(0)
    assert ui.problems.page_errors == []
    refused = [r for r in ui.problems.failed_requests if "ERR_CONNECTION_REFUSED" not in r]
    assert refused == []


def test_models_page_lists_models_and_serving_endpoints(ui: BrowserPage) -> None:
    page = ui.page
    ui.goto("/models")
    expect(page.get_by_role("heading", name="Registered models")).to_be_visible()
    # MLflow loads on its first request: allow it the time it takes.
    expect(
        page.get_by_text("No registered model yet").or_(
            page.get_by_role("table", name="Registered models")
        )
    ).to_be_visible(timeout=60_000)
    expect(
        page.get_by_text("No serving endpoint").or_(
            page.get_by_role("table", name="Serving endpoints")
        )
    ).to_be_visible()


def test_jobs_page_lists_the_demo_jobs(ui: BrowserPage) -> None:
    page = ui.page
    ui.goto("/jobs")
    jobs = page.get_by_role("table", name="Jobs")
    jobs.get_by_role("link", name="demo", exact=True).click()
    expect(page.get_by_role("heading", name="demo", level=1)).to_be_visible()
    expect(page.get_by_role("table", name="Tasks")).to_be_visible()


def test_sign_in_then_work_with_the_session_and_its_csrf_token(
    secured_page: BrowserPage, demo_workspace: Any
) -> None:
    auth = pytest.importorskip("brickyard.api.auth", reason="sign-in comes with API security")
    users = auth.user_service(demo_workspace)
    if "ui_ada" not in {u.name for u in users.list()}:
        users.create("ui_ada", "admin", "correct-horse-battery")
    ui = secured_page
    page = ui.page
    ui.expect_problems = True  # the wrong password's 401 and the CSRF 403 are part of the test
    ui.goto("/catalog")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fcatalog$"))
    form = page.get_by_role("form", name="Sign in")
    form.get_by_label("User").fill("ui_ada")
    form.get_by_label("Password").fill("wrong")
    form.get_by_role("button", name="Sign in", exact=True).click()
    expect(form.get_by_role("alert")).to_be_visible()

    form.get_by_label("Password").fill("correct-horse-battery")
    form.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/catalog$"))
    expect(page.get_by_role("treeitem", name="main", exact=True)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("ui_ada (admin)")

    # A statement is a POST with the session cookie: it needs the CSRF token, and a tab that
    # lost it (as a new tab has none) fetches it again.
    page.evaluate("sessionStorage.clear()")
    ui.goto("/sql")
    set_sql(page, "SELECT 42 AS answer")
    page.keyboard.press("ControlOrMeta+Enter")
    grid = page.get_by_role("grid", name="Query result")
    expect(grid.get_by_role("gridcell", name="42", exact=True)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    ui.goto("/sql")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fsql$"))
    assert ui.problems.page_errors == []
    unexpected = [
        r
        for r in ui.problems.failed_requests
        if not re.match(r"(401 .*/api/auth/login|403 .*/api/2.0/sql/statements)$", r)
    ]
    assert unexpected == []


def test_home_page_lists_recently_changed_tables(ui: BrowserPage) -> None:
    page = ui.page
    ui.goto("/")
    expect(page.get_by_role("heading", name="Running now")).to_be_visible()
    tables = page.get_by_role("table", name="Recently changed tables")
    tables.get_by_role("link", name="main.default.orders").click()
    expect(page.get_by_role("heading", name="orders", level=1)).to_be_visible()
