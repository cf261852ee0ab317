"""Entity pages cite the materialised indicators (kg/entity_indicators.py): real app over a copy of the bundled store,
each number checked against what the analytics graph holds, read straight from the store."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, RdfFormat, Store, parse

from api.urls import Urls
from kg import iris
from tests.backends import serve_app

LITHIUM_2024 = iris.indicator("concentration", "lithium", "mining", "production", "2024")
AUS_SHARE = NamedNode(LITHIUM_2024.value + "/share/AUS")
US_COBALT_2024 = iris.indicator("import-reliance", "USA", "cobalt", "2024")
EU_US_OVERLAP = iris.indicator("list-overlap", "EU_CRMA_2024_CRM--US_USGS_2025")


@pytest.fixture(scope="module")
def client(bundled_copy) -> Iterator[TestClient]:
    with serve_app(bundled_copy(), query_workers=1) as test_client:
        yield test_client


def materialised(store: Store, node: NamedNode, local: str) -> str:
    [value] = [q.object.value for q in store.quads_for_pattern(node, iris.term(local), None, iris.ANALYTICS_GRAPH)]
    return value


def page_of(iri: NamedNode) -> str:
    return Urls(base_iri=iris.BASE).for_iri(iri.value)


def indicators_section(body: str) -> str:
    match = re.search(r'<section class="indicators" id="indicators">(.*?)</section>', body, re.S)
    assert match, "no indicators section"
    return html.unescape(match.group(1))


def text_of(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def test_the_lithium_page_cites_the_2024_mine_production_hhi(client: TestClient, bundled) -> None:
    store = bundled[0]
    hhi = float(materialised(store, LITHIUM_2024, "hhi"))
    computed = next(store.quads_for_pattern(LITHIUM_2024, iris.ns("prov", "generatedAtTime"), None,
                                            iris.ANALYTICS_GRAPH)).object.value
    response = client.get("/id/commodity/lithium")
    assert response.status_code == 200
    section = indicators_section(response.text)
    row = next(r for r in section.split("<tr>") if page_of(LITHIUM_2024) + '"' in r)
    assert f"{hhi:,.0f}" in row and "Australia" in row and "2024" in row
    assert "concentration-by-country/v1" in row and " v1" in row  # the method, with its version
    assert computed[:16].replace("T", " ") in row
    assert "EU_CRMA_2024_CRM" in section and page_of(EU_US_OVERLAP) in section

    indicator_page = client.get(page_of(LITHIUM_2024))
    assert indicator_page.status_code == 200
    # the indicator's own page: its method, the observations it was derived from (linked), its time
    assert page_of(iris.indicator_method("concentration-by-country", 1)) in indicator_page.text
    assert "/id/observation/usgs-mcs2025-world/lithium/mine-production-lithium-content/AUS/2024/production" in (
        indicator_page.text)
    assert computed in indicator_page.text


def test_the_json_form_carries_the_same(client: TestClient, bundled) -> None:
    store = bundled[0]
    body = client.get("/id/commodity/lithium.json").json()
    fact = next(f for f in body["indicators"]["concentration"]
                if f["citation"]["indicator"]["iri"] == LITHIUM_2024.value)
    assert fact["hhi"] == float(materialised(store, LITHIUM_2024, "hhi"))
    assert fact["top_country"]["iri"] == iris.country("AUS").value
    assert fact["citation"]["method"]["iri"] == iris.indicator_method("concentration-by-country", 1).value
    assert fact["citation"]["method_version"] == "1" and fact["citation"]["computed"]
    overlap = next(f for f in body["indicators"]["list_overlap"]
                   if f["citation"]["indicator"]["iri"] == EU_US_OVERLAP.value)
    assert overlap["common_member_count"] == int(materialised(store, EU_US_OVERLAP, "commonMemberCount"))


def test_the_australia_page_shows_its_lithium_share(client: TestClient, bundled) -> None:
    share = float(materialised(bundled[0], AUS_SHARE, "sharePercent"))
    section = indicators_section(client.get("/id/country/AUS").text)
    assert f"{share:.1f}% of Lithium mining production 2024" in text_of(section)
    row = next(r for r in section.split("<tr>") if page_of(LITHIUM_2024) + '"' in r)
    assert f"{share:.1f}%" in row and "Lithium" in row and "2024" in row

    body = client.get("/id/country/AUS.json").json()
    fact = next(f for f in body["indicators"]["concentration"]
                if f["citation"]["indicator"]["iri"] == LITHIUM_2024.value)
    assert fact["share"] == share and fact["commodity"]["iri"] == iris.commodity("lithium").value


def test_the_us_page_shows_its_import_reliance(client: TestClient, bundled) -> None:
    percent = float(materialised(bundled[0], US_COBALT_2024, "netImportReliance"))
    section = indicators_section(client.get("/id/country/USA").text)
    assert f'href="{page_of(US_COBALT_2024)}"' in section and "Net import reliance" in section
    body = client.get("/id/country/USA.json").json()
    fact = next(f for f in body["indicators"]["import_reliance"]
                if f["citation"]["indicator"]["iri"] == US_COBALT_2024.value)
    assert fact["percent"] == percent and fact["commodity"]["iri"] == iris.commodity("cobalt").value
    assert client.get(page_of(US_COBALT_2024)).status_code == 200


def test_the_rdf_forms_carry_the_indicators(client: TestClient, bundled) -> None:
    response = client.get("/id/country/AUS.ttl")
    triples = {(t.subject, t.predicate, t.object) for t in parse(response.content, format=RdfFormat.TURTLE)}
    assert (LITHIUM_2024, iris.term("countryShare"), AUS_SHARE) in triples
    assert (AUS_SHARE, iris.term("refArea"), iris.country("AUS")) in triples
    hhi = next(q.object for q in bundled[0].quads_for_pattern(LITHIUM_2024, iris.term("hhi"), None,
                                                              iris.ANALYTICS_GRAPH))
    assert (LITHIUM_2024, iris.term("hhi"), hhi) in triples
    assert (LITHIUM_2024, iris.term("method"), iris.indicator_method("concentration-by-country", 1)) in triples

    quads = list(parse(client.get("/id/commodity/lithium.trig").content, format=RdfFormat.TRIG))
    assert any(q.subject == LITHIUM_2024 and q.predicate == iris.ns("prov", "generatedAtTime")
               and q.graph_name == iris.ANALYTICS_GRAPH for q in quads)


def test_a_facility_page_has_no_indicators_section(client: TestClient) -> None:
    body = client.get("/id/country/AUS.json").json()
    facility = body["country"]["facilities"][0]["iri"]
    page = client.get(Urls(base_iri=iris.BASE).for_iri(facility))
    assert page.status_code == 200 and 'id="indicators"' not in page.text
