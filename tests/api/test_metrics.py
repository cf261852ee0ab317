"""``GET /metrics`` (api/observability/metrics.py) through a real app: requests by route template and status class,
SPARQL queries by form and outcome, timeouts, the store's size after a write, the query workers, build info; and
the admin-only setting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pyoxigraph import Store

from tests.api.conftest import serve_copy
from tests.conftest import issue_token

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z . ?d ?s ?w }"
BASE = "https://w3id.org/critmin/"
SITES = f"{BASE}graph/partner/metrics-test/sites"
SITES_TTL = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/critmin/id/record/metrics-test/row-1> rdfs:label "row one" .
<https://w3id.org/critmin/id/record/metrics-test/row-2> rdfs:label "row two" .
<https://w3id.org/critmin/id/record/metrics-test/row-3> rdfs:label "row three" .
"""


@pytest.fixture(scope="module")
def client(reference_store: Store, tmp_path_factory: pytest.TempPathFactory, accounts: Path) -> Iterator[TestClient]:
    yield from serve_copy(reference_store, tmp_path_factory.mktemp("metrics"), accounts, query_timeout_ms=1500)


def samples(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape, by name and labels."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(scraped: dict, name: str, **labels: str) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


def test_requests_are_counted_by_route_template_and_status_class(client: TestClient) -> None:
    before = samples(client)
    for _ in range(2):
        assert client.get("/id/country/AUS").status_code == 200
    assert client.get("/id/country/NO-SUCH-COUNTRY").status_code == 404
    assert client.get("/no/such/page/7e1f").status_code == 404
    after = samples(client)
    template = "/id/{path:path}"
    routes = {dict(labels).get("route") for (name, labels) in after if name == "critmin_http_requests_total"}
    assert template in routes, routes
    assert not any("AUS" in route or "7e1f" in route for route in routes if route)  # templates, never raw paths
    grew = value(after, "critmin_http_requests_total", method="GET", route=template, status_class="2xx") \
        - value(before, "critmin_http_requests_total", method="GET", route=template, status_class="2xx")
    assert grew == 2
    assert value(after, "critmin_http_requests_total", method="GET", route=template, status_class="4xx") \
        - value(before, "critmin_http_requests_total", method="GET", route=template, status_class="4xx") == 1
    assert value(after, "critmin_http_requests_total", method="GET", route="unmatched", status_class="4xx") \
        - value(before, "critmin_http_requests_total", method="GET", route="unmatched", status_class="4xx") == 1
    assert value(after, "critmin_http_request_duration_seconds_count", method="GET", route=template,
                 status_class="2xx") >= 2


def test_sparql_queries_by_form_and_outcome(client: TestClient) -> None:
    before = samples(client)
    ask = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    select = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"})
    broken = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    service = client.get("/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
    update = client.post("/sparql", content=b"INSERT DATA { <http://a> <http://b> <http://c> }",
                         headers={"Content-Type": "application/sparql-update"})
    runaway = client.get("/sparql", params={"query": RUNAWAY})
    assert [ask.status_code, select.status_code, broken.status_code, service.status_code, update.status_code,
            runaway.status_code] == [200, 200, 400, 403, 403, 503]
    after = samples(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("critmin_sparql_queries_total", form="ask", outcome="ok") == 1
    assert grew("critmin_sparql_queries_total", form="select", outcome="ok") == 1
    assert grew("critmin_sparql_queries_total", form="select", outcome="error") == 1
    assert grew("critmin_sparql_queries_total", form="select", outcome="refused") == 1  # SERVICE not allowlisted
    assert grew("critmin_sparql_queries_total", form="update", outcome="refused") == 1
    assert grew("critmin_sparql_queries_total", form="select", outcome="timeout") == 1
    assert grew("critmin_sparql_query_timeouts_total") == 1
    assert grew("critmin_sparql_query_duration_seconds_count", form="ask", outcome="ok") == 1
    # the timed-out query waited its whole limit: it is counted past the 1 s bucket, never under it
    one_second = {"form": "select", "outcome": "timeout", "le": "1.0"}
    assert ("critmin_sparql_query_duration_seconds_bucket", frozenset(one_second.items())) in after
    assert grew("critmin_sparql_query_duration_seconds_bucket", **one_second) == 0
    assert grew("critmin_sparql_query_duration_seconds_bucket", form="select", outcome="timeout", le="+Inf") == 1


def test_store_size_follows_a_write(client: TestClient, accounts: Path) -> None:
    before = samples(client)
    graphs_before = value(before, "critmin_store_named_graphs")
    assert graphs_before == client.get("/readyz").json()["checks"]["store"]["graphs"]
    quads_before = value(before, "critmin_store_catalogued_quads")
    assert quads_before > 1000  # the ontology and the countries, as their loads counted them
    token = issue_token(accounts, "read", "write", partner="metrics-test")
    response = client.put("/store", params={"graph": SITES}, content=SITES_TTL.encode(),
                          headers={"Authorization": f"Bearer {token}", "Content-Type": "text/turtle"})
    assert response.status_code == 201, response.text
    after = samples(client)
    assert value(after, "critmin_store_catalogued_quads") == quads_before + 3
    assert value(after, "critmin_store_named_graphs") == client.get("/readyz").json()["checks"]["store"]["graphs"]
    assert value(after, "critmin_store_named_graphs") > graphs_before  # the graph and its catalog companion
    assert token not in client.get("/metrics").text


def test_workers_build_info_and_process(client: TestClient) -> None:
    scraped = samples(client)
    settings = client.app.state.settings
    if settings.store_backend == "remote":
        assert value(scraped, "critmin_query_workers") == 1  # query_workers=1 in these tests
    else:  # and the quick workers beside it
        assert value(scraped, "critmin_query_workers") == 1 + settings.query_quick_workers > 1
        assert value(scraped, "critmin_queries_moved_out_of_quick_lane_total") == 0
    assert value(scraped, "critmin_query_workers_busy") == 0  # nothing runs while the scrape is answered
    builds = [dict(labels) for (name, labels) in scraped if name == "critmin_build_info"]
    assert len(builds) == 1 and builds[0]["version"] and builds[0]["pyoxigraph"]
    assert builds[0]["store_backend"] == client.app.state.settings.store_backend
    assert value(scraped, "process_resident_memory_bytes") > 0
    assert value(scraped, "critmin_http_requests_in_flight") == 0  # the scrape itself is not counted


def test_metrics_can_require_an_admin_token(reference_store: Store, tmp_path: Path, accounts_db: Path) -> None:
    admin = {"Authorization": f"Bearer {issue_token(accounts_db, 'admin', partner='hub-admins')}"}
    reader = {"Authorization": f"Bearer {issue_token(accounts_db, 'read', partner='alpha')}"}
    for client in serve_copy(reference_store, tmp_path, accounts_db, metrics_require_admin=True):
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers=reader).status_code == 403
        response = client.get("/metrics", headers=admin)
        assert response.status_code == 200 and "critmin_http_requests_total" in response.text
