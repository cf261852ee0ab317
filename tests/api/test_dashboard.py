"""/dashboard and /dashboard/{commodity}: real HTTP through the app over a copy of the bundled store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.backends import serve_app

LITHIUM_2024 = "https://w3id.org/critmin/id/indicator/concentration/lithium/mining/production/2024"
AUS = "https://w3id.org/critmin/id/country/AUS"


@pytest.fixture(scope="module")
def client(bundled_copy, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    accounts = Path(tmp_path_factory.mktemp("accounts")) / "accounts.sqlite3"
    with serve_app(bundled_copy(), query_workers=1, accounts_db=accounts) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def table(client: TestClient) -> dict:
    response = client.get("/dashboard", headers={"Accept": "application/json"})
    assert response.status_code == 200
    return response.json()


def test_table_has_the_battery_minerals_most_concentrated_first(table: dict) -> None:
    rows = {row["key"]: row for row in table["commodities"]}
    assert {"lithium", "cobalt", "nickel", "graphite", "rare-earth-elements"} <= rows.keys()
    hhis = [row["max_production_hhi"] for row in table["commodities"]]
    assert hhis == sorted(hhis, reverse=True)
    cobalt = rows["cobalt"]
    mining = next(s for s in cobalt["signals"] if (s["stage_key"], s["quantity_kind_key"]) == ("mining", "production"))
    assert mining["top_country_label"].startswith("Congo") and mining["one_country_over_50"] and mining["hhi_over_2500"]
    assert cobalt["flags"] == 2
    assert cobalt["import_reliance"]["percent"] == 76.0 and cobalt["import_reliance"]["year"] == "2024"
    assert {"IN_MoM_2023", "UK_2021"} <= {item["identifier"] for item in cobalt["lists"]}
    assert [stage["key"] for stage in table["stages"]][:1] == ["mining"]


def test_every_number_links_to_its_evidence_and_its_inputs_in_sparql(client: TestClient, table: dict) -> None:
    lithium = next(row for row in table["commodities"] if row["key"] == "lithium")
    signal = next(s for s in lithium["signals"] if s["evidence"] == LITHIUM_2024)
    page = client.get(signal["evidence_url"], headers={"Accept": "text/html"})
    assert page.status_code == 200 and "2303" in page.text.replace(",", "")
    query = parse_qs(urlsplit(signal["trace_url"]).query)["query"][0]
    answer = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200
    rows = answer.json()["results"]["bindings"]
    counted = {row["input"]["value"] for row in rows if "sharePercent" in row}
    excluded = {row["excludedInput"]["value"] for row in rows if "excludedInput" in row}
    assert len(counted) + len(excluded) == signal["inputs"] == 11
    assert any(row["country"]["value"] == "Australia" and float(row["sharePercent"]["value"]) == pytest.approx(37.3864)
               for row in rows if "country" in row)
    assert {row["method"]["value"] for row in rows} == {"https://w3id.org/critmin/id/method/concentration-by-country/v1"}


def test_table_as_html_is_sortable_with_links(client: TestClient) -> None:
    page = client.get("/dashboard", headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.text
    assert 'id="risk-table" class="sortable"' in html and 'href="/dashboard/lithium"' in html
    assert 'type="application/atom+xml"' in html and "/static/dashboard.js" in html


def test_commodity_page_data(client: TestClient) -> None:
    body = client.get("/dashboard/lithium", params={"format": "json"}).json()
    production = next(c for c in body["concentration"] if c["quantity_kind_key"] == "production")
    assert production["year"] == "2024" and production["evidence"] == LITHIUM_2024
    assert sum(bar["percent"] for bar in production["shares"]) == pytest.approx(100.0)
    assert production["shares"][0]["label"] == "Australia" and production["shares"][0]["tonnes"] == 88000.0
    assert [p["year"] for p in body["hhi_series"]["Mining · Production"]] == ["2023", "2024"]
    assert [p["year"] for p in body["import_reliance_series"]] == ["2020", "2021", "2022", "2023", "2024"]
    # no supply links in the bundled sources: no flow, and the page says so instead of drawing one
    assert body["flow"] == [] and "no explicit supply links" in body["flow_notes"][0]
    assert len(body["facilities"]) + body["facilities_without_place"] == body["bottlenecks"]["facility_count"]
    assert all(-90 <= f["lat"] <= 90 and -180 <= f["lon"] <= 180 for f in body["facilities"])
    assert body["what_if"]["countries"][0] == {"iri": AUS, "label": "Australia"}


def test_commodity_page_html_and_unknown_commodity(client: TestClient) -> None:
    page = client.get("/dashboard/cobalt")
    assert page.status_code == 200
    assert 'id="dashboard-data"' in page.text and "chartjs-chart-sankey.min.js" in page.text
    assert "/static/vendor/leaflet/leaflet.js" in page.text  # the map's scripts are on the page
    missing = client.get("/dashboard/unobtainium")
    assert missing.status_code == 404 and "unobtainium" in missing.json()["detail"]


def test_what_if_removing_the_leading_producer(client: TestClient) -> None:
    response = client.post("/api/what-if", json={"commodity": "lithium", "remove": {"country": AUS}})
    assert response.status_code == 200
    body = response.json()
    production = next(loss for loss in body["supply_lost"] if loss["quantity_kind"].endswith("/production"))
    # USGS 2024: Australia 88,000 t of the named countries' 235,380 t. Without it the rest share 147,380 t.
    rest = {"CHL": 49000, "CHN": 41000, "ZWE": 22000, "ARG": 18000, "BRA": 10000, "CAN": 4300, "NAM": 2700,
            "PRT": 380}
    total = sum(rest.values())
    assert total == 235380 - 88000
    assert production["tonnes"] == 88000.0 and production["percent"] == pytest.approx(100 * 88000 / 235380)
    assert production["hhi_after"] == pytest.approx(sum((100 * t / total) ** 2 for t in rest.values()), abs=0.01)
    assert production["top_after_label"] == "Chile"
    mining = next(stage for stage in body["stages"] if stage["stage"].endswith("/mining"))
    assert AUS in mining["countries_before"] and AUS not in mining["countries_after"]
    assert mining["facilities_after"] < mining["facilities_before"]
