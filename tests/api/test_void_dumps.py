"""VoID and dumps, against the real app over a store with all bundled data."""

import gzip
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, RdfFormat, parse

from kg import iris
from kg.catalog import list_catalog
from kg.store import open_store
from tests.backends import serve_app

VOID = "http://rdfs.org/ns/void#"


@pytest.fixture(scope="module")
def catalog_and_client(bundled_copy) -> Iterator[tuple[dict[str, int], TestClient]]:
    path = bundled_copy()
    store = open_store(path)
    triples = {entry.graph: entry.triples for entry in list_catalog(store)}
    del store
    with serve_app(path, query_workers=1) as test_client:
        yield triples, test_client


@pytest.fixture(scope="module")
def client(catalog_and_client: tuple[dict[str, int], TestClient]) -> TestClient:
    return catalog_and_client[1]


def test_void_parses_and_its_subsets_have_the_catalog_triples(
        catalog_and_client: tuple[dict[str, int], TestClient]) -> None:
    catalog, client = catalog_and_client
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    graph = list(parse(response.content, format=RdfFormat.TURTLE))
    subsets = {t.object.value for t in graph if t.predicate.value == VOID + "subset"}
    assert subsets == set(catalog)
    counts = {t.subject.value: int(t.object.value) for t in graph
              if t.predicate.value == VOID + "triples" and t.subject.value in catalog}
    assert counts == catalog
    dataset = [t for t in graph if t.predicate.value == VOID + "sparqlEndpoint" and "dataset" in t.subject.value]
    assert dataset[0].object.value == "http://testserver/sparql"
    linkset = iris.graph("facility-links")
    assert any(t.subject == linkset and t.object == NamedNode(VOID + "Linkset") for t in graph)
    assert any(t.subject == linkset and t.predicate.value == VOID + "linkPredicate" for t in graph)


@pytest.mark.parametrize(("accept", "media_type", "rdf_format"), [
    ("application/ld+json", "application/ld+json", RdfFormat.JSON_LD),
    ("application/n-triples", "application/n-triples", RdfFormat.N_TRIPLES),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/plain; charset=utf-8",
     RdfFormat.TURTLE),
])
def test_void_formats(client: TestClient, accept: str, media_type: str, rdf_format: RdfFormat) -> None:
    response = client.get("/void", headers={"Accept": accept})
    assert response.headers["content-type"] == media_type
    assert len(list(parse(response.content, format=rdf_format))) > 50


def test_dump_is_the_graphs_quads(catalog_and_client: tuple[dict[str, int], TestClient]) -> None:
    catalog, client = catalog_and_client
    response = client.get("/dumps/icmm-gmd.nq.gz")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/gzip"
    assert 'filename="icmm-gmd.nq.gz"' in response.headers["content-disposition"]
    assert int(response.headers["content-length"]) == len(response.content)
    quads = list(parse(gzip.decompress(response.content), format=RdfFormat.N_QUADS))
    assert len(quads) == catalog[iris.graph("icmm-gmd").value]
    assert {q.graph_name for q in quads} == {iris.graph("icmm-gmd")}
    assert client.get("/dumps/icmm-gmd.nq.gz").content == response.content  # served from the cache


def test_the_dump_of_everything_has_every_graph(catalog_and_client: tuple[dict[str, int], TestClient]) -> None:
    catalog, client = catalog_and_client
    quads = list(parse(gzip.decompress(client.get("/dumps/all.nq.gz").content), format=RdfFormat.N_QUADS))
    assert {q.graph_name.value for q in quads} >= set(catalog)


def test_the_dumps_page_lists_every_graph(catalog_and_client: tuple[dict[str, int], TestClient]) -> None:
    catalog, client = catalog_and_client
    body = client.get("/dumps/", headers={"Accept": "application/json"}).json()
    names = {d["name"] for d in body["dumps"]}
    assert names == {g[len(iris.GRAPH):] for g in catalog} | {"catalog", "all"}
    assert 'href="/dumps/all.nq.gz"' in client.get("/dumps/").text


@pytest.mark.parametrize("path", [
    "/dumps/unknown.nq.gz", "/dumps/..%2F..%2Fetc%2Fpasswd.nq.gz", "/dumps/..%2Fstore.nq.gz", "/dumps/icmm-gmd",
    "/dumps/.nq.gz", "/dumps/%2E%2E.nq.gz", "/dumps/staging%2Ficmm-gmd.nq.gz", "/dumps/../../etc/passwd",
])
def test_unknown_or_traversal_names_are_404(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404
