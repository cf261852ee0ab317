"""Entity pages and linked-data publishing, against the app serving a store with all bundled data."""

from __future__ import annotations

import html
import json
import statistics
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse

from api.routers.entities import split_suffix
from kg import iris
from kg.entities import describe_entity
from kg.store import open_store
from tests.backends import serve_app
from tests.conftest import PRINTED

AUS = iris.country("AUS").value
RDFS_LABEL = NamedNode(iris.PREFIXES["rdfs"] + "label")
DCT_TITLE = NamedNode(iris.PREFIXES["dct"] + "title")
EVIL = "<script>alert('x')</script> & co"


@pytest.fixture(scope="module")
def client(bundled_copy) -> Iterator[TestClient]:
    """The app over a store of its own: all bundled data plus one entity whose label is hostile HTML.

    The session fixture ``bundled`` keeps its store open (RocksDB allows one writer), so this module loads its own.
    """
    path = bundled_copy()
    store = open_store(path)
    evil = iris.entity("test", "evil")
    graph = iris.graph("test-evil")
    store.add(Quad(evil, RDFS_LABEL, Literal(EVIL), graph))
    store.add(Quad(evil, NamedNode(iris.PREFIXES["rdfs"] + "seeAlso"), NamedNode("javascript:alert(1)"), graph))
    store.flush()
    del store
    with serve_app(path, query_workers=1) as test_client:
        yield test_client


RDF_CASES = [
    # (path, Accept, status, content type, pyoxigraph format to parse it back or None)
    ("/id/country/AUS", "text/turtle", 200, "text/turtle; charset=utf-8", RdfFormat.TURTLE),
    ("/id/country/AUS", "application/ld+json", 200, "application/ld+json", RdfFormat.JSON_LD),
    ("/id/country/AUS", "application/n-triples", 200, "application/n-triples", RdfFormat.N_TRIPLES),
    ("/id/country/AUS", "application/rdf+xml", 200, "application/rdf+xml; charset=utf-8", RdfFormat.RDF_XML),
    ("/id/country/AUS", "application/trig", 200, "application/trig", RdfFormat.TRIG),
    ("/id/country/AUS", "application/json", 200, "application/ld+json", RdfFormat.JSON_LD),
    ("/id/country/AUS", "text/html", 200, "text/html; charset=utf-8", None),
    ("/id/country/AUS", None, 200, "text/html; charset=utf-8", None),
    ("/id/country/AUS", "*/*", 200, "text/html; charset=utf-8", None),
    ("/id/country/AUS", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 200,
     "text/html; charset=utf-8", None),
    ("/id/country/AUS", "image/png", 406, "text/plain; charset=utf-8", None),
    ("/id/country/AUS.ttl", None, 200, "text/turtle; charset=utf-8", RdfFormat.TURTLE),
    ("/id/country/AUS.ttl", "application/rdf+xml", 200, "text/turtle; charset=utf-8", RdfFormat.TURTLE),  # suffix wins
    ("/id/country/AUS.jsonld", None, 200, "application/ld+json", RdfFormat.JSON_LD),
    ("/id/country/AUS.nt", "text/html", 200, "application/n-triples", RdfFormat.N_TRIPLES),
    ("/id/country/AUS.rdf", None, 200, "application/rdf+xml; charset=utf-8", RdfFormat.RDF_XML),
    ("/id/country/AUS.trig", None, 200, "application/trig", RdfFormat.TRIG),
    ("/id/country/AUS.json", "text/turtle", 200, "application/json", None),
    ("/id/country/AUS.html", "text/turtle", 200, "text/html; charset=utf-8", None),
    ("/id/country/AUS.png", None, 404, "text/html; charset=utf-8", None),
    ("/id/country/XYZ.ttl", None, 404, "application/json", None),
    ("/ontology/Mine.ttl", None, 200, "text/turtle; charset=utf-8", RdfFormat.TURTLE),
    ("/graph/icmm-gmd.nt", None, 200, "application/n-triples", RdfFormat.N_TRIPLES),
]


@pytest.mark.parametrize(("path", "accept", "status", "media_type", "rdf_format"), RDF_CASES)
def test_content_negotiation(client: TestClient, path: str, accept: str | None, status: int, media_type: str,
                             rdf_format: RdfFormat | None) -> None:
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert (response.status_code, response.headers["content-type"]) == (status, media_type)
    assert "Accept" in response.headers.get("vary", "")
    if rdf_format is not None:
        subject = urls_iri(path)
        triples = {(q.subject, q.predicate, q.object) for q in parse(response.content, format=rdf_format)}
        label = DCT_TITLE if "/graph/" in path else RDFS_LABEL  # a graph's catalog entry has a title, no label
        assert any(s == NamedNode(subject) and p == label for s, p, _ in triples), response.text[:500]


def urls_iri(path: str) -> str:
    stem, _ = split_suffix(path.lstrip("/"))
    return iris.BASE + stem


@pytest.mark.parametrize(("path", "expected"), [
    ("country/AUS.ttl", ("country/AUS", "text/turtle")),
    ("country/AUS", ("country/AUS", None)),
    ("country/AUS.jsonld", ("country/AUS", "application/ld+json")),
    ("record/usgs/row-3.json", ("record/usgs/row-3", "application/json")),
    ("odd/name.v2", ("odd/name.v2", None)),
    ("country/.ttl", ("country/.ttl", None)),
])
def test_split_suffix(path: str, expected: tuple[str, str | None]) -> None:
    assert split_suffix(path) == expected


def test_html_pages_link_their_other_formats(client: TestClient) -> None:
    page = client.get("/id/country/AUS").text
    for media_type, suffix in [("text/turtle", "ttl"), ("application/ld+json", "jsonld"),
                               ("application/n-triples", "nt"), ("application/rdf+xml", "rdf")]:
        assert f'<link rel="alternate" type="{media_type}" href="/id/country/AUS.{suffix}">' in page
        assert f'<a href="/id/country/AUS.{suffix}" type="{media_type}">' in page


def test_commodity_lithium_shows_australias_production_and_the_lists(client: TestClient) -> None:
    page = client.get("/id/commodity/lithium").text
    assert "Producers by country" in page and 'id="producers-chart"' in page
    series = json.loads(html.unescape(page.split('data-series="', 1)[1].split('"', 1)[0]))
    assert series["labels"] == ["2023", "2024"] and {"label": "Australia · Mining · TONNE", "data": [91700, 88000]} in (
        series["datasets"])
    row = page.split('href="/id/country/AUS">Australia</a>', 1)[1].split("</tr>", 1)[0]
    assert "91,700" in row and "88,000" in row  # USGS MCS 2025: 2023 and 2024 mine production, t Li content
    for list_id in ("EU_CRMA_2024_CRM", "US_USGS_2025", "IN_MoM_2023", "UK_2021"):
        assert f'href="/id/list/{list_id}"' in page
    assert 'href="https://www.wikidata.org/wiki/Q568"' in page
    assert 'href="https://minmod.isi.edu/resource/Q569"' in page
    data = client.get("/id/commodity/lithium.json").json()
    by_stage = {c["stage"]["iri"].rsplit("/", 1)[1]: c["count"] for c in data["commodity"]["facilities_by_stage"]}
    assert by_stage["mining"] > 0 and "Facilities by stage" in page


def test_a_narrower_commodity_shows_the_lists_of_its_broader_concept(client: TestClient) -> None:
    data = client.get("/id/commodity/lithium-hydroxide.json").json()
    via = {(entry["list"]["iri"].rsplit("/", 1)[1], (entry["via"] or {}).get("iri"))
           for entry in data["commodity"]["lists"]}
    assert ("EU_CRMA_2024_CRM", iris.commodity("lithium").value) in via


def test_country_page(client: TestClient) -> None:
    page = client.get("/id/country/AUS").text
    assert "<h1>Australia</h1>" in page
    assert "ISO 3166-1 alpha-2" in page and ">AU<" in page
    data = client.get("/id/country/AUS.json").json()
    commodities = {p["commodity"]["iri"].rsplit("/", 1)[1] for p in data["country"]["production"]}
    assert {"lithium", "cobalt"} <= commodities
    assert data["country"]["facility_count"] > 0 and len(data["country"]["facilities"]) <= 100
    gbr = client.get("/id/country/GBR.json").json()
    assert any(entry["list"]["iri"].endswith("/UK_CMIC_2024") for entry in gbr["country"]["lists"])


def test_icmm_facility_page_has_coordinates_and_cites_its_csv_row(client: TestClient) -> None:
    page = client.get("/id/facility/icmm-ICMM00566").text
    assert ('<div id="map" data-lat="-9.864831575" data-lon="-39.8674088" '
            'data-wkt="POINT(-39.8674088 -9.864831575)">') in page
    assert "<svg" in page and "<circle" in page
    assert "ICMM Global Mining Dataset, September 2025 (V1)" in page
    assert "icmm-global-mining-dataset/icmm_gmd_battery_minerals_india_uk_subset.csv</code>, row 3" in page
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in page
    data = client.get("/id/facility/icmm-ICMM00566.json").json()
    [source] = {(s["graph"], s["row"], s["confidence"]) for g in data["properties"] for st in g["statements"]
                for s in st["sources"] if s["via"] is None}
    assert source == (iris.graph("icmm-gmd").value, 3, "High")


def test_same_as_partners_are_merged_and_marked(client: TestClient) -> None:
    data = client.get("/id/facility/icmm-ICMM08544.json").json()
    partner = iris.facility("minmod-8a9cc158eb158805").value
    assert [t["iri"] for t in data["same_as"]] == [partner]
    vias = {s["via"] for g in data["properties"] for st in g["statements"] for s in st["sources"]}
    assert vias == {None, partner}
    assert "via partner" in client.get("/id/facility/icmm-ICMM08544").text


def test_uk_2024_list_page_says_incomplete(client: TestClient) -> None:
    page = client.get("/id/list/UK_CMIC_2024").text
    assert "14 of 34 recorded, incomplete" in page
    data = client.get("/id/list/UK_CMIC_2024.json").json()
    assert len(data["criticality_list"]["members"]) == 14 and data["criticality_list"]["complete"] is False


def test_inbound_links_are_paged(client: TestClient) -> None:
    first = client.get("/id/country/USA.json").json()["inbound"]
    second = client.get("/id/country/USA.json?inbound_page=2").json()["inbound"]
    assert first["total"] == second["total"] > 100 and first["pages"] == -(-first["total"] // 50)
    assert len(first["links"]) == len(second["links"]) == 50
    assert not {link["subject"]["iri"] + link["property"]["iri"] for link in first["links"]} & {
        link["subject"]["iri"] + link["property"]["iri"] for link in second["links"]}
    page = client.get("/id/country/USA?inbound_page=2").text
    assert 'rel="next" href="/id/country/USA?inbound_page=3"' in page
    assert 'rel="prev" href="/id/country/USA?inbound_page=1"' in page


def test_unknown_iri_is_a_404_that_helps(client: TestClient) -> None:
    response = client.get("/id/commodity/lithum-ore")
    assert response.status_code == 404
    assert "https://w3id.org/critmin/id/commodity/lithum-ore" in response.text
    assert 'href="/"' in response.text and "/search?q=lithum+ore" in response.text
    helped = client.get("/id/facility/lithium").text
    assert 'href="/id/commodity/lithium"' in helped


def test_graph_page_shows_its_catalog_entry(client: TestClient) -> None:
    page = client.get("/graph/icmm-gmd").text
    assert "<h1>ICMM Global Mining Dataset, September 2025 (V1)</h1>" in page
    assert client.get("/graph/nothing").status_code == 404


def test_ontology_term_page_for_mine(client: TestClient) -> None:
    page = client.get("/ontology/Mine").text
    assert "<h1>Mine</h1>" in page and "A site where ore or minerals are extracted from the ground." in page
    assert '<a href="/ontology/Facility">Facility</a>' in page
    assert 'href="http://www.wikidata.org/entity/Q820477"' in page
    instances = client.get("/ontology/Mine.json").json()["instances"]
    assert instances > 100 and f"{instances:,} instances" in page
    index = client.get("/ontology/").text
    assert '<a href="/ontology/Mine">Mine</a>' in index and '<a href="/ontology/refArea">' in index
    assert client.get("/ontology/Nothing").status_code == 404


def test_literals_are_escaped_and_only_http_iris_are_links(client: TestClient) -> None:
    page = client.get("/id/test/evil").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co" in page
    assert 'href="javascript:' not in page and "<code>javascript:alert(1)</code>" in page


def test_describe_entity_is_none_for_unknown(client: TestClient) -> None:
    assert describe_entity(client.app.state.store, AUS + "X") is None


def test_page_latency(client: TestClient, record_property) -> None:
    """p50/p95 over 50 requests for five kinds of page (printed at the end of the run, not asserted)."""
    pages = {"country": "/id/country/USA", "commodity": "/id/commodity/lithium",
             "facility": "/id/facility/icmm-ICMM08544", "list": "/id/list/UK_CMIC_2024", "term": "/ontology/Mine"}
    lines = []
    for kind, path in pages.items():
        timings = []
        for _ in range(50):
            started = time.perf_counter()
            assert client.get(path).status_code == 200
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        lines.append(f"{kind:10} {path:32} p50 {statistics.median(timings):6.1f} ms  p95 {timings[47]:6.1f} ms")
    record_property(PRINTED, "\n".join(lines))
