"""GET /api/indicators/status and recomputation in the server, through the real app over copies of the bundled
store: a hub write leaves the indicators fresh, a partner upload does not trigger a recomputation, a source that
changed while the server was down is recomputed at start-up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Store, Triple

from api.app import publish_snapshot
from extractors.documents import read_document
from extractors.nlp.pipeline import build_pipeline
from kg import iris
from kg.analytics.graph_versions import catalog_versions
from kg.catalog import GraphDescription
from kg.document_facts import load_document_facts
from kg.loading import replace_graph
from kg.store import open_store
from tests.backends import serve_app

WORLD = iris.graph("usgs-mcs2025-world")
AUS_2024 = NamedNode("https://w3id.org/critmin/id/observation/usgs-mcs2025-world/lithium/"
                     "mine-production-lithium-content/AUS/2024/production")
NUMERIC_VALUE = iris.ns("qudt", "numericValue")
NEWS = "Albemarle Corporation operates the Kemerton lithium hydroxide plant in Western Australia."
PARTNER_GRAPH = "https://w3id.org/critmin/graph/partner/bgs/survey"
PARTNER_TTL = """
@prefix cm: <https://w3id.org/critmin/ontology/> .
@prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
<https://w3id.org/critmin/id/observation/bgs-test/lithium-GBR-2024> a cm:ProductionObservation ;
    cm:commodity <https://w3id.org/critmin/id/commodity/lithium> ; cm:stage <https://w3id.org/critmin/id/stage/mining> ;
    cm:quantityKind <https://w3id.org/critmin/id/quantity-kind/production> ; cm:refYear "2024"^^xsd:gYear ;
    cm:refArea <https://w3id.org/critmin/id/country/GBR> ;
    cm:valueStatus <https://w3id.org/critmin/id/value-status/reported> ;
    prov:wasDerivedFrom <https://w3id.org/critmin/id/record/bgs-test/row-1> ;
    qudt:numericValue "900000"^^xsd:decimal ; qudt:unit <http://qudt.org/vocab/unit/TONNE> .
<https://w3id.org/critmin/id/record/bgs-test/row-1> a cm:SourceRecord ; cm:sourceFile "survey.csv" ; cm:sourceRow 1 .
"""


def change_value(store: Store, tonnes: float) -> None:
    """Load the world graph again, as a newer release would, with Australia's 2024 lithium changed."""
    triples = [Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, WORLD)
               if not (q.subject == AUS_2024 and q.predicate == NUMERIC_VALUE)]
    triples.append(Triple(AUS_2024, NUMERIC_VALUE, Literal(str(tonnes), datatype=iris.ns("xsd", "decimal"))))
    replace_graph(store, GraphDescription(name="usgs-mcs2025-world", title="USGS world (test release)",
                                          description="test", license_url=None, citation="test"),
                  triples, records_read=len(triples))


def with_document(path: Path, folder: Path) -> Path:
    source = folder / "lithium-news.txt"
    source.write_text(NEWS, encoding="utf-8")
    document = read_document(source)
    doc = build_pipeline()(document.text)
    store = open_store(path)
    load_document_facts(store, document, doc._.mentions, doc._.facts)
    store.flush()
    return path


def serve(path: Path, accounts_db: Path) -> Iterator[TestClient]:
    with serve_app(path, query_workers=1, accounts_db=accounts_db) as client:
        yield client


@pytest.fixture
def client(bundled_copy, tmp_path: Path, accounts_db: Path) -> Iterator[TestClient]:
    yield from serve(with_document(bundled_copy(), tmp_path), accounts_db)


def status(client: TestClient) -> dict:
    response = client.get("/api/indicators/status")
    assert response.status_code == 200, response.text
    return response.json()


def lithium_2024(client: TestClient) -> dict:
    [item] = client.get("/api/indicators/concentration",
                        params={"commodity": "lithium", "stage": "mining", "year": "2024"}).json()
    return item


def test_status_names_the_run_and_the_versions_it_read(client: TestClient) -> None:
    body = status(client)
    assert body["state"] == "fresh" and body["changed"] == body["appeared"] == body["disappeared"] == []
    assert body["last_run"].startswith(iris.ID + "analytics-run/") and body["ended"]
    inputs = {v["graph"]: v for v in body["inputs"]}
    world = catalog_versions(client.app.state.store)[WORLD.value]
    assert inputs[WORLD.value] == {"graph": WORLD.value, "modified": world.modified, "triples": world.triples}
    assert isinstance(body["check_ms"], int | float)  # how long the check took: measured, not bounded (bench/)
    assert "/api/indicators/status" in client.get("/openapi.json").json()["paths"]


def test_a_review_decision_leaves_them_fresh(client: TestClient, admin_token: str) -> None:
    before = status(client)
    rows = client.get("/review.json", params={"relation": "OPERATES"}).json()["candidates"]
    accept = rows[0]["actions"]["accept"]
    response = client.post(accept, json={"reviewer": "test"}, headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 200, response.text
    after = status(client)
    # the curated graph changed, but holds nothing an indicator reads: current as they were, not recomputed
    assert after["state"] == "fresh" and after["last_run"] == before["last_run"]


def test_a_document_upload_leaves_them_fresh(client: TestClient, token_for) -> None:
    before = status(client)
    response = client.post("/documents", headers={"Authorization": f"Bearer {token_for('write', partner='bgs')}"},
                           files={"file": ("news.txt", NEWS.encode(), "text/plain")})
    assert response.status_code == 201, response.text
    after = status(client)
    assert after["state"] == "fresh" and after["last_run"] == before["last_run"]


def test_a_partner_upload_triggers_no_recomputation(client: TestClient, token_for) -> None:
    before, hhi = status(client), lithium_2024(client)["hhi"]
    response = client.put("/store", params={"graph": PARTNER_GRAPH}, content=PARTNER_TTL.encode(),
                          headers={"Authorization": f"Bearer {token_for('read', 'write', partner='bgs')}",
                                   "Content-Type": "text/turtle"})
    assert response.status_code in (200, 201, 204), response.text
    after = status(client)
    assert after["state"] == "fresh" and after["last_run"] == before["last_run"]
    assert PARTNER_GRAPH not in {v["graph"] for v in after["inputs"]}
    anonymous = lithium_2024(client)  # the partner graph is private: the public number is the materialised one
    assert anonymous["hhi"] == hhi and anonymous["resource"]


def test_a_hub_graph_written_while_serving_is_recomputed_before_readers_see_it(client: TestClient) -> None:
    before = status(client)
    change_value(client.app.state.store, 8000)
    publish_snapshot(client.app)  # what every write route does last
    after = status(client)
    assert after["state"] == "fresh" and after["last_run"] != before["last_run"]
    item = lithium_2024(client)
    assert item["resource"] is not None  # the served number is the materialised one
    assert item["shares"][0]["country"].endswith("/CHL")  # Australia's 8,000 t is no longer the largest


def test_a_source_changed_while_the_server_was_down_is_recomputed_at_start(bundled_copy, accounts_db: Path) -> None:
    path = bundled_copy()
    store = open_store(path)
    change_value(store, 8000)
    store.flush()
    del store
    for client in serve(path, accounts_db):
        body = status(client)
        assert body["state"] == "fresh"
        assert lithium_2024(client)["top_country"].endswith("/CHL")
