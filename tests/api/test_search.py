"""Search and autocomplete against the real app over a store with all bundled data."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kg.search import SearchIndex, normalise
from tests.backends import serve_app


@pytest.fixture(scope="module")
def client(bundled_copy) -> Iterator[TestClient]:
    """The app over its own copy of the store with all bundled data."""
    path = bundled_copy()
    with serve_app(path, query_workers=1) as test_client:
        yield test_client


def hits(client: TestClient, **params: str) -> list[dict]:
    response = client.get("/search", params={**params, "format": "json"})
    assert response.status_code == 200, response.text
    return response.json()["hits"]


def test_lithium_finds_the_commodity_first(client: TestClient) -> None:
    first = hits(client, q="lithium")[0]
    assert (first["iri"], first["kind"], first["match"]) == (
        "https://w3id.org/critmin/id/commodity/lithium", "commodity", "exact")
    assert first["url"] == "/id/commodity/lithium"


@pytest.mark.parametrize("text", ["caraiba", "Caraíba", "CARAIBA"])
def test_caraiba_finds_the_icmm_facility_by_its_accent_folded_name(client: TestClient, text: str) -> None:
    assert hits(client, q=text)[0]["iri"] == "https://w3id.org/critmin/id/facility/icmm-ICMM00566"


def test_an_alt_label_finds_its_entity(client: TestClient) -> None:
    first = hits(client, q="Aluminum")[0]
    assert (first["iri"], first["label"], first["matched"]) == (
        "https://w3id.org/critmin/id/commodity/aluminium", "Aluminium", "Aluminum")


def test_a_word_inside_a_label_matches(client: TestClient) -> None:
    assert "https://w3id.org/critmin/id/facility/icmm-ICMM00566" in [h["iri"] for h in hits(client, q="copper dep")]


def test_the_type_filter_keeps_one_kind(client: TestClient) -> None:
    found = hits(client, q="lithium", type="facility")
    assert found and {h["kind"] for h in found} == {"facility"}


def test_each_entity_appears_once(client: TestClient) -> None:
    iris = [h["iri"] for h in hits(client, q="a", limit="100")]
    assert len(iris) == len(set(iris)) == 100


def test_suggest_answers_json_for_autocomplete(client: TestClient) -> None:
    body = client.get("/search/suggest", params={"q": "lith"}).json()
    assert body["prefix"] == "lith" and 0 < len(body["result"]) <= 8
    first = body["result"][0]
    assert set(first) >= {"id", "name", "matched", "kind", "type", "url"}
    assert first["id"] == "https://w3id.org/critmin/id/commodity/lithium"
    assert client.get("/search/suggest", params={"q": ""}).json()["result"] == []


def test_the_results_page_is_html_and_links_the_entity(client: TestClient) -> None:
    page = client.get("/search", params={"q": "lithium"}, headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert 'href="/id/commodity/lithium"' in page.text
    assert client.get("/search", params={"q": "lithium"}, headers={"Accept": "application/json"}).json()["hits"]


def test_every_page_loads_the_autocomplete_script(client: TestClient) -> None:
    assert '/static/autocomplete.js' in client.get("/", headers={"Accept": "text/html"}).text
    assert client.get("/static/autocomplete.js").status_code == 200


@pytest.mark.parametrize(("text", "expected"), [
    ("Caraíba", "caraiba"), ("  São  Paulo-Norte ", "sao paulo norte"), ("Straße", "strasse"), ("", ""),
])
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_ranking_is_exact_then_prefix_then_word_then_popularity() -> None:
    index = SearchIndex.from_rows([
        ("x:word", "Big Cobalt", True, "facility", 1000),
        ("x:prefix-popular", "Cobalt Mine", True, "facility", 500),
        ("x:prefix", "Cobalt Mine B", True, "facility", 5),
        ("x:exact", "Cobalt", True, "commodity", 1),
    ])
    assert [hit.iri for hit in index.search("cobalt")] == ["x:exact", "x:prefix-popular", "x:prefix", "x:word"]
    assert [hit.iri for hit in index.search("cobalt", types=["commodity"])] == ["x:exact"]
