"""``POST /admin/feeds/{name}`` (api/routers/feeds.py): a feed reloaded while the service runs, through the real app
over a copy of the reference store (the ontology and the countries)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Store

from kg.analytics import freshness
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


def test_a_partner_upload_does_not_wait_for_a_recomputation_but_a_feed_reload_does(client: TestClient,
                                                                                   callers) -> None:
    """Under load a partner's upload waited a minute behind the hub summaries' background recomputation, held up by
    a feed reload's publication that waited for it while holding the publication lock. Here the test holds the
    recomputation lock, as a background run would."""
    graph = "https://w3id.org/critmin/graph/partner/alpha/recompute-sites"
    upload = '<https://example.org/site/1> <http://www.w3.org/2000/01/rdf-schema#label> "Site one" .'
    headers = {**callers["alpha"], "Content-Type": "text/turtle"}
    with ThreadPoolExecutor(2) as threads:
        with freshness._recompute_lock:
            reload = threads.submit(client.post, "/admin/feeds/critical-mineral-lists", headers=callers["admin"])
            put = threads.submit(client.put, "/store", params={"graph": graph}, content=upload, headers=headers)
            assert put.result(timeout=120).status_code == 201  # a deadlock detector, not a speed test
            assert not reload.done()  # its indicators wait for the recomputation to end
        assert reload.result(timeout=300).status_code == 200


def test_a_strict_reload_of_a_feed_with_rejected_rows_is_a_422_that_lists_them_and_loads_nothing(
        client: TestClient, callers) -> None:
    """The bundled USGS salient statistics have rows a lenient load skips (values such as "Less than 50,000 tons"):
    strict, the reload is refused with each problem's row, column and value, and nothing is written."""
    salient = "https://w3id.org/critmin/graph/usgs-mcs2025-salient"
    response = client.post("/admin/feeds/usgs-mcs2025-salient", params={"strict": "true"}, headers=callers["admin"])
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "65 problem(s)" in detail and "nothing loaded (strict)" in detail and "the store is unchanged" in detail
    assert ("in data/usgs-mcs2025/salient_commodity;" in detail  # where, and no more of the server's folders
            and r"mcs2025-fesla_salient.csv, row 2, column Exports_mmt, value 'Less than 50,000\xa0tons'" in detail)
    assert number(client, COUNT % salient) == 0 and number(client, CATALOGUED % salient) is None
    lenient = client.post("/admin/feeds/usgs-mcs2025-salient", headers=callers["admin"])
    assert lenient.status_code == 200 and lenient.json()["graph"] == salient
    # the 65 problems are in 35 rows (a row may have several), which a lenient load skips or maps in part
    assert lenient.json()["rejected_rows"] == 35 and number(client, COUNT % salient) == lenient.json()["triples"]


def test_a_reload_says_where_its_time_went(client: TestClient, callers) -> None:
    response = client.post("/admin/feeds/critical-mineral-lists", headers=callers["admin"])
    assert response.status_code == 200, response.text
    metrics = {metric.split(";")[0] for metric in response.headers["server-timing"].split(", ")}
    assert {"wait_for_the_feed_lock", "load", "read_feed", "write_data", "commit", "publish", "indicators",
            "search"} <= metrics
