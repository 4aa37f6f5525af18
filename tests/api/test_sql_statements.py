"""POST /api/2.0/sql/statements in the Databricks shape, on the DuckDB engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import brickyard
from brickyard.api.app import create_app

SQL = "/api/2.0/sql"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    ws = brickyard.connect(tmp_path / "home", demo=True)
    app = create_app(ws)
    with TestClient(app, base_url="http://127.0.0.1:8585") as test_client:
        yield test_client
    app.state.sql.close()
    ws.close()


def test_warehouses_list_one_per_engine_duckdb_first(client: TestClient) -> None:
    warehouses = client.get(f"{SQL}/warehouses").json()["warehouses"]
    assert [w["id"] for w in warehouses] == ["duckdb", "spark"]
    assert "duckdb" in warehouses[0]["name"]


def test_a_statement_answers_manifest_and_string_rows(client: TestClient) -> None:
    body = {
        "statement": "SELECT category, count(*) AS n FROM products WHERE category = :cat GROUP BY category",
        "warehouse_id": "duckdb",
        "catalog": "main",
        "schema": "default",
        "parameters": [{"name": "cat", "value": "books", "type": "STRING"}],
        "wait_timeout": "30s",
        "format": "JSON_ARRAY",
        "disposition": "INLINE",
    }
    answer = client.post(f"{SQL}/statements", json=body).json()
    assert answer["status"]["state"] == "SUCCEEDED", answer
    columns = answer["manifest"]["schema"]["columns"]
    assert [(c["name"], c["type_name"]) for c in columns] == [("category", "STRING"), ("n", "LONG")]
    assert answer["result"]["data_array"] == [["books", "10"]]
    again = client.get(f"{SQL}/statements/{answer['statement_id']}").json()
    assert again["result"] == answer["result"]


def test_a_failing_statement_is_200_with_failed_state(client: TestClient) -> None:
    for statement, fragment in [
        ("SELEC 1", "SQL syntax error at line 1"),
        ("SELECT * FROM main.default.ordrs", "did you mean: main.default.orders"),
    ]:
        response = client.post(f"{SQL}/statements", json={"statement": statement})
        assert response.status_code == 200
        status = response.json()["status"]
        assert status["state"] == "FAILED"
        assert fragment in status["error"]["message"]


def test_writes_go_through_the_catalog_and_bad_requests_are_4xx(client: TestClient) -> None:
    made = client.post(
        f"{SQL}/statements",
        json={"statement": "CREATE TABLE main.default.top AS SELECT * FROM orders LIMIT 3"},
    ).json()
    assert made["status"]["state"] == "SUCCEEDED", made
    count = client.post(
        f"{SQL}/statements", json={"statement": "SELECT count(*) AS n FROM top", "row_limit": 1}
    ).json()
    assert count["result"]["data_array"] == [["3"]]
    assert client.post(f"{SQL}/statements", json={}).status_code == 400
    wrong = client.post(f"{SQL}/statements", json={"statement": "SELECT 1", "warehouse_id": "x9"})
    assert wrong.status_code == 400
    assert client.get(f"{SQL}/statements/nope").status_code == 404
    # The server keeps statements on its confined DuckDB session and says where Spark runs.
    spark = client.post(f"{SQL}/statements", json={"statement": "SELECT 1", "warehouse_id": "spark"})
    assert spark.status_code == 400
    assert "brickyard sql --engine spark" in spark.json()["message"]


def test_statements_cannot_read_the_servers_files(client: TestClient, tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("password\nhunter2\n")
    created = client.post(
        "/api/2.0/sql/statements",
        json={"statement": "CREATE TABLE main.default.t AS SELECT 1 AS x"},
    ).json()
    assert created["status"]["state"] == "SUCCEEDED", created
    for query in (
        f"SELECT * FROM read_csv('{secret}')",
        "SELECT * FROM read_text('/etc/hostname')",
        f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'",
    ):
        body = client.post("/api/2.0/sql/statements", json={"statement": query}).json()
        assert body["status"]["state"] == "FAILED", query
        assert "hunter2" not in str(body)
    assert not (tmp_path / "out.csv").exists()
    table = client.post(
        "/api/2.0/sql/statements", json={"statement": "SELECT x FROM main.default.t"}
    ).json()
    assert table["result"]["data_array"] == [["1"]]


def test_two_statement_services_in_one_process_share_the_confined_session(
    tmp_path: Path,
) -> None:
    from brickyard.services.sql import SqlService

    home = tmp_path / "home"
    first, second = SqlService(home), SqlService(home)
    for service in (first, second):
        assert service.execute("SELECT 1 AS x").state == "SUCCEEDED"
        assert service.execute("SELECT * FROM read_text('/etc/hostname')").state == "FAILED"
