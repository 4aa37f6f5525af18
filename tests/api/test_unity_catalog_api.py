"""The Unity Catalog REST shapes: catalogs, schemas, tables, pagination and errors."""

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from brickyard.workspace import Workspace

UC = "/api/2.1/unity-catalog"


def test_health(api: TestClient) -> None:
    assert api.get("/api/health").json()["status"] == "ok"


def test_table_info_has_the_unity_catalog_shape(ws: Workspace, api: TestClient) -> None:
    ws.catalog.create_table(
        "main.default.sales",
        pa.table({"id": [1], "amount": pa.array([1], pa.decimal128(10, 2)), "region": ["EU"]}),
        comment="all sales",
        partition_by=["region"],
        tags={"domain": "money"},
    )
    listed = api.get(
        f"{UC}/tables", params={"catalog_name": "main", "schema_name": "default"}
    ).json()
    assert "next_page_token" not in listed
    (table,) = listed["tables"]
    assert table["full_name"] == "main.default.sales"
    assert table["data_source_format"] == "DELTA"
    assert table["table_type"] == "MANAGED"
    assert table["storage_location"].endswith(f"/main/default/sales-{table['table_id']}")
    assert table["comment"] == "all sales"
    assert table["properties"] == {"domain": "money"}
    columns = {c["name"]: c for c in table["columns"]}
    assert columns["id"] == {
        "name": "id",
        "type_text": "bigint",
        "type_name": "LONG",
        "position": 0,
        "nullable": True,
        "type_json": '{"name": "id", "type": "long", "nullable": true, "metadata": {}}',
    }
    assert columns["amount"]["type_precision"] == 10
    assert columns["amount"]["type_scale"] == 2
    assert columns["region"]["partition_index"] == 0
    assert api.get(f"{UC}/tables/main.default.sales").json() == table


def test_catalogs_and_schemas_round_trip(api: TestClient) -> None:
    created = api.post(f"{UC}/catalogs", json={"name": "sales", "comment": "money"}).json()
    assert created["name"] == "sales"
    assert created["comment"] == "money"
    assert [c["name"] for c in api.get(f"{UC}/catalogs").json()["catalogs"]] == ["main", "sales"]
    schema = api.post(f"{UC}/schemas", json={"name": "eu", "catalog_name": "sales"}).json()
    assert schema["full_name"] == "sales.eu"
    assert api.get(f"{UC}/schemas/sales.eu").json()["catalog_name"] == "sales"
    assert (
        api.patch(f"{UC}/schemas/sales.eu", json={"comment": "Europe"}).json()["comment"]
        == "Europe"
    )
    listed = api.get(f"{UC}/schemas", params={"catalog_name": "sales"}).json()["schemas"]
    assert [s["full_name"] for s in listed] == ["sales.eu"]
    assert api.delete(f"{UC}/schemas/sales.eu").status_code == 200
    assert api.delete(f"{UC}/catalogs/sales").status_code == 200
    assert api.get(f"{UC}/catalogs/sales").status_code == 404


def test_create_get_delete_table(ws: Workspace, api: TestClient) -> None:
    body = {
        "name": "events",
        "catalog_name": "main",
        "schema_name": "default",
        "table_type": "MANAGED",
        "data_source_format": "DELTA",
        "comment": "clicks",
        "columns": [
            {
                "name": "id",
                "type_text": "bigint",
                "type_name": "LONG",
                "position": 0,
                "nullable": False,
            },
            {"name": "tags", "type_text": "array<string>", "type_name": "ARRAY", "position": 1},
            {"name": "day", "type_name": "DATE", "position": 2, "partition_index": 0},
        ],
    }
    created = api.post(f"{UC}/tables", json=body)
    assert created.status_code == 200, created.text
    info = created.json()
    assert [(c["name"], c["type_text"]) for c in info["columns"]] == [
        ("id", "bigint"),
        ("tags", "array<string>"),
        ("day", "date"),
    ]
    assert ws.catalog.table("events").describe().partition_by == ("day",)
    again = api.post(f"{UC}/tables", json=body)
    assert again.status_code == 409
    assert again.json()["error_code"] == "RESOURCE_ALREADY_EXISTS"
    assert api.delete(f"{UC}/tables/main.default.events").status_code == 200
    missing = api.get(f"{UC}/tables/main.default.events")
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert "does not exist" in missing.json()["message"]


def test_pagination_follows_next_page_token(ws: Workspace, api: TestClient) -> None:
    for i in range(5):
        ws.catalog.create_table(f"t{i}", pa.table({"a": [i]}))
    params = {"catalog_name": "main", "schema_name": "default", "max_results": 2}
    seen, pages, token = [], 0, None
    while True:
        page = api.get(
            f"{UC}/tables", params={**params, **({"page_token": token} if token else {})}
        ).json()
        seen += [t["name"] for t in page["tables"]]
        pages += 1
        token = page.get("next_page_token")
        if not token:
            break
    assert seen == ["t0", "t1", "t2", "t3", "t4"]
    assert pages == 3
    everything = api.get(f"{UC}/tables", params={**params, "max_results": 0}).json()
    assert len(everything["tables"]) == 5
    assert "next_page_token" not in everything  # absent on the last page


def test_max_results_zero_means_the_server_default_page_size(
    ws: Workspace, api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("brickyard.api.unity_catalog.DEFAULT_PAGE_SIZE", 3)
    for i in range(5):
        ws.catalog.create_table(f"t{i}", pa.table({"a": [i]}))
    params = {"catalog_name": "main", "schema_name": "default"}
    for extra in ({"max_results": 0}, {}):  # the official SDK always sends 0
        first = api.get(f"{UC}/tables", params={**params, **extra}).json()
        assert [t["name"] for t in first["tables"]] == ["t0", "t1", "t2"]
        rest = api.get(f"{UC}/tables", params={**params, "page_token": first["next_page_token"]})
        assert [t["name"] for t in rest.json()["tables"]] == ["t3", "t4"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code", "fragment"),
    [
        (
            "post",
            "/catalogs",
            {"json": {"name": "bad name"}},
            400,
            "INVALID_PARAMETER_VALUE",
            "invalid name",
        ),
        (
            "post",
            "/catalogs",
            {"json": {"name": "../etc"}},
            400,
            "INVALID_PARAMETER_VALUE",
            "not allowed",
        ),
        ("post", "/catalogs", {"json": {}}, 400, "INVALID_PARAMETER_VALUE", "name: Field required"),
        (
            "get",
            "/catalogs/nope",
            {},
            404,
            "RESOURCE_DOES_NOT_EXIST",
            "catalog 'nope' does not exist",
        ),
        (
            "get",
            "/tables",
            {"params": {"catalog_name": "main", "schema_name": "nope"}},
            404,
            "RESOURCE_DOES_NOT_EXIST",
            "schema 'main.nope' does not exist",
        ),
        (
            "get",
            "/tables",
            {"params": {"catalog_name": "main", "schema_name": "default", "page_token": "%%%"}},
            400,
            "INVALID_PARAMETER_VALUE",
            "page_token is not valid",
        ),
        (
            "get",
            "/tables",
            {"params": {"catalog_name": "main", "schema_name": "default", "max_results": -1}},
            400,
            "INVALID_PARAMETER_VALUE",
            "max_results",
        ),
        ("get", "/tables/main.default", {}, 400, "INVALID_PARAMETER_VALUE", "catalog.schema.table"),
        (
            "post",
            "/tables",
            {
                "json": {
                    "name": "x",
                    "catalog_name": "main",
                    "schema_name": "default",
                    "table_type": "EXTERNAL",
                    "columns": [{"name": "a", "type_text": "int"}],
                }
            },
            400,
            "INVALID_PARAMETER_VALUE",
            "use MANAGED",
        ),
        (
            "post",
            "/tables",
            {
                "json": {
                    "name": "x",
                    "catalog_name": "main",
                    "schema_name": "default",
                    "columns": [{"name": "a", "type_text": "intt"}],
                }
            },
            400,
            "INVALID_PARAMETER_VALUE",
            "unknown type 'intt'",
        ),
    ],
)
def test_errors_have_code_message_and_status(
    api: TestClient,
    method: str,
    path: str,
    kwargs: dict[str, object],
    status: int,
    code: str,
    fragment: str,
) -> None:
    response = getattr(api, method)(UC + path, **kwargs)
    assert response.status_code == status, response.text
    assert response.json()["error_code"] == code
    assert fragment in response.json()["message"]


def test_non_empty_schema_delete_needs_force(ws: Workspace, api: TestClient) -> None:
    ws.catalog.create_table("t", pa.table({"a": [1]}))
    refused = api.delete(f"{UC}/schemas/main.default")
    assert refused.status_code == 400
    assert "not empty" in refused.json()["message"]
    assert api.delete(f"{UC}/schemas/main.default", params={"force": "true"}).status_code == 200
    assert ws.catalog.list_schemas("main") == []


def test_omit_columns_and_properties_shrink_listings(ws: Workspace, api: TestClient) -> None:
    ws.catalog.create_table("t", pa.table({"a": [1]}), tags={"k": "v"})
    params = {"catalog_name": "main", "schema_name": "default"}
    full = api.get(f"{UC}/tables", params=params).json()["tables"][0]
    assert [c["name"] for c in full["columns"]] == ["a"]
    assert full["properties"] == {"k": "v"}
    brief = api.get(
        f"{UC}/tables", params={**params, "omit_columns": True, "omit_properties": True}
    )
    table = brief.json()["tables"][0]
    assert "columns" not in table
    assert "properties" not in table
    assert table["full_name"] == "main.default.t"


def test_properties_round_trip_on_catalogs_and_schemas(api: TestClient) -> None:
    created = api.post(f"{UC}/catalogs", json={"name": "c", "properties": {"team": "data"}}).json()
    assert created["properties"] == {"team": "data"}
    assert api.get(f"{UC}/catalogs/c").json()["properties"] == {"team": "data"}
    schema = {"name": "s", "catalog_name": "c", "properties": {"delta.appendOnly": "true"}}
    assert api.post(f"{UC}/schemas", json=schema).json()["properties"] == {
        "delta.appendonly": "true"
    }
    bad = api.post(f"{UC}/catalogs", json={"name": "d", "properties": {"bad key!": "x"}})
    assert bad.status_code == 400
    assert api.get(f"{UC}/catalogs/d").status_code == 404


def test_unexpected_errors_still_answer_json(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.api.conftest import client_for

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(ws.catalog, "list_catalogs", explode)
    with client_for(ws, raise_server_exceptions=False) as client:
        response = client.get(f"{UC}/catalogs")
    assert response.status_code == 500
    assert response.json()["error_code"] == "INTERNAL_ERROR"
    assert "RuntimeError" in response.json()["message"]
