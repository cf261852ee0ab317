"""GET /api/bottlenecks and POST /api/what-if through the real app, over the hand-built lithium chain and as the
caller sees it (the partner graph holding P1→C1 and P1→C2 is private)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.backends import serve_app
from tests.kg.chain_fixture import COUNTRY, chain_store, fac


@pytest.fixture
def client(tmp_path: Path, accounts_db: Path) -> Iterator[TestClient]:
    path = tmp_path / "store"
    store = chain_store(path)
    del store  # the app opens the store itself: one writer at a time
    with serve_app(path, accounts_db=accounts_db, query_workers=1) as test_client:
        yield test_client


def test_bottlenecks_for_an_admin(client: TestClient, admin_token: str) -> None:
    response = client.get("/api/bottlenecks", params={"commodity": "lithium"},
                          headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["facility_count"], body["edge_count"], body["chain_count"]) == (10, 9, 9)
    assert body["cut_vertices"] == fac("C1", "P1", "R1", "R2")
    assert [p["facility"] for p in body["single_points_of_failure"]] == fac("C1", "P1")
    assert body["recycling"]["capacity_tonnes"] == 5000.0


def test_anonymous_callers_do_not_see_the_private_links(client: TestClient) -> None:
    # without P1→C1 and P1→C2 no chain reaches a cell plant: 7 edges, no chain, nothing to cut
    body = client.get("/api/bottlenecks", params={"commodity": "lithium"}).json()
    assert (body["edge_count"], body["chain_count"], body["cut_vertices"]) == (7, 0, [])
    assert body["notes"] == ["supply links exist but none joins a mine to a cell plant or EV maker"]


def test_what_if(client: TestClient, admin_token: str) -> None:
    response = client.post("/api/what-if", json={"remove": {"country": COUNTRY + "CHN"}, "commodity": "lithium"},
                           headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["chains_before"], len(body["lost_chains"]), body["surviving_chains"]) == (9, 9, [])
    assert body["removed_facilities"] == fac("P1", "R1")


@pytest.mark.parametrize("body", [
    {"remove": {}, "commodity": "lithium"},
    {"remove": {"country": COUNTRY + "CHN", "facility": fac("C1")[0]}, "commodity": "lithium"},
])
def test_what_if_needs_exactly_one_removal(client: TestClient, body: dict) -> None:
    assert client.post("/api/what-if", json=body).status_code == 422


def test_unknown_commodity_is_404(client: TestClient) -> None:
    assert client.get("/api/bottlenecks", params={"commodity": "unobtainium"}).status_code == 404
    response = client.post("/api/what-if", json={"remove": {"country": COUNTRY + "CHN"}, "commodity": "unobtainium"})
    assert response.status_code == 404


def test_in_openapi(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/bottlenecks" in spec["paths"] and "/api/what-if" in spec["paths"]
    assert "WhatIfOut" in spec["components"]["schemas"] and "BottlenecksOut" in spec["components"]["schemas"]
