"""``POST /admin/feeds/{name}`` (api/routers/feeds.py): a feed reloaded while the service runs, through the real app
over a copy of the reference store (the ontology and the countries)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Store

from tests.api.conftest import serve_copy

LISTS = "https://w3id.org/critmin/graph/critical-mineral-lists"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <%s> { ?s ?p ?o } }"
CATALOGUED = """PREFIX void: <http://rdfs.org/ns/void#>
SELECT ?n WHERE { GRAPH <https://w3id.org/critmin/graph/catalog> { <%s> void:triples ?n } }"""


@pytest.fixture(scope="module")
def client(reference_store: Store, tmp_path_factory: pytest.TempPathFactory, accounts: Path) -> Iterator[TestClient]:
    yield from serve_copy(reference_store, tmp_path_factory.mktemp("feed-reload"), accounts)


def number(client: TestClient, query: str) -> int | None:
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    rows = response.json()["results"]["bindings"]
    return int(rows[0]["n"]["value"]) if rows else None


def test_only_admins_may_reload_a_feed(client: TestClient, callers) -> None:
    assert client.post("/admin/feeds/countries").status_code == 401
    assert client.post("/admin/feeds/countries", headers=callers["alpha"]).status_code == 403
    assert number(client, COUNT % LISTS) == 0


def test_an_unknown_feed_is_a_404_naming_the_known_ones(client: TestClient, callers) -> None:
    response = client.post("/admin/feeds/no-such-feed", headers=callers["admin"])
    assert response.status_code == 404
    assert "no-such-feed" in response.text and "critical-mineral-lists" in response.text


def test_a_feed_loads_then_reloads_whole_and_readers_see_it(client: TestClient, callers) -> None:
    first = client.post("/admin/feeds/critical-mineral-lists", headers=callers["admin"])
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["graph"] == LISTS and body["triples"] > 1000 and body["rejected_rows"] == 0
    assert number(client, COUNT % LISTS) == body["triples"] == number(client, CATALOGUED % LISTS)
    again = client.post("/admin/feeds/critical-mineral-lists", headers=callers["admin"])
    assert again.status_code == 200 and again.json()["triples"] == body["triples"]
    assert number(client, COUNT % LISTS) == body["triples"]  # replaced, not appended
