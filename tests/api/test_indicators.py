"""/api/indicators/…: real HTTP through the app over a copy of the bundled store with its indicators materialised."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kg.analytics.materialise import materialise
from kg.store import open_store
from tests.backends import serve_app


@pytest.fixture(scope="module")
def client(bundled_copy, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = bundled_copy()
    store = open_store(path)
    materialise(store)
    store.flush()
    del store  # the app opens the store itself: one writer at a time
    accounts = Path(tmp_path_factory.mktemp("accounts")) / "accounts.sqlite3"
    with serve_app(path, query_workers=1, accounts_db=accounts) as test_client:
        yield test_client


def test_concentration_of_lithium_mining_2024(client: TestClient) -> None:
    response = client.get("/api/indicators/concentration",
                          params={"commodity": "lithium", "stage": "mining", "year": "2024"})
    assert response.status_code == 200
    [item] = response.json()
    # USGS MCS 2025: Australia 88,000 t of the countries' 235,380 t (world total and the withheld US left out)
    assert item["total_tonnes"] == pytest.approx(235380)
    assert item["top_country"] == "https://w3id.org/critmin/id/country/AUS"
    assert item["top1_share"] == pytest.approx(100 * 88000 / 235380, abs=1e-3)
    assert item["hhi_over_2500"] is False and item["one_country_over_50"] is False
    assert item["resource"] == ("https://w3id.org/critmin/id/indicator/concentration/lithium/mining/production/2024")
    assert {e["area"].rsplit("/", 1)[-1] for e in item["excluded"]} == {"world", "USA"}
    assert item["company_shares"] is None and item["company_shares_note"]


def test_import_reliance_of_the_us_on_cobalt(client: TestClient) -> None:
    response = client.get("/api/indicators/import-reliance", params={"country": "USA", "commodity": "cobalt",
                                                                     "year": "2024"})
    [item] = response.json()
    assert item["net_import_reliance"] == 76.0
    assert [s["rank"] for s in item["suppliers"]] == [1, 2, 3, 4]
    assert item["supplier_hhi"] is None
    assert item["resource"].endswith("/indicator/import-reliance/USA/cobalt/2024")
    no_iri = client.get("/api/indicators/import-reliance", params={"country": "USA", "commodity": "S\u0090"})
    assert no_iri.status_code == 422 and "commodity" in no_iri.text  # a 500 before (fuzzing)


def test_list_overlap_india_uk(client: TestClient) -> None:
    body = client.get("/api/indicators/list-overlap", params={"lists": "IN_MoM_2023,UK_2021"}).json()
    assert [(item["list"], item["year"]) for item in body["lists"]] == [("IN_MoM_2023", "2023"), ("UK_2021", "2021")]
    assert {"Lithium", "Cobalt", "Graphite"} <= {c["label"] for c in body["common"]}
    assert body["resource"].endswith("/indicator/list-overlap/IN_MoM_2023--UK_2021")
    assert body["inputs"]


def test_list_overlap_errors(client: TestClient) -> None:
    assert client.get("/api/indicators/list-overlap", params={"lists": "IN_MoM_2023"}).status_code == 400
    assert client.get("/api/indicators/list-overlap", params={"lists": "IN_MoM_2023,NOPE"}).status_code == 404


def test_documented_in_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/indicators/concentration", "/api/indicators/import-reliance", "/api/indicators/list-overlap"):
        assert "200" in paths[path]["get"]["responses"]
        assert "$ref" in str(paths[path]["get"]["responses"]["200"])
