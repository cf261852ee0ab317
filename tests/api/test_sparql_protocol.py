"""The /sparql endpoint over the real app and a real store: the SPARQL 1.1 Protocol, formats, limits and SERVICE.

One app serves the whole module (its query workers take a moment to start). Its store has three small named graphs
and a "big" one of 3000 triples, whose 6-fold cross product never finishes within query_timeout_ms.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, RdfFormat, Store, parse

from api.formats import W3C_FORMAT_IRIS
from tests.backends import serve_app
from tests.security.hits import recording_server

EX = "http://example.org/"
GRAPH_A, GRAPH_B, GRAPH_BIG = f"{EX}graph/a", f"{EX}graph/b", f"{EX}graph/big"
PREFIX = f"PREFIX ex: <{EX}> "
SD = "http://www.w3.org/ns/sparql-service-description#"
SRX = "{http://www.w3.org/2005/sparql-results#}"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
COMMODITIES = PREFIX + "SELECT ?c WHERE { ?c a ex:Commodity } ORDER BY ?c"
CONSTRUCT = PREFIX + "CONSTRUCT { ?c ex:label ?l } WHERE { ?c a ex:Commodity ; ex:label ?l }"
RUNAWAY = PREFIX + "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{i} ex:value ?v{i} ." for i in range(6)) + " }"

GRAPH_A_TTL = f"""@prefix ex: <{EX}> .
ex:lithium a ex:Commodity ; ex:label "lithium"@en .
ex:cobalt a ex:Commodity ; ex:label "cobalt, \\"blue\\""@en .
"""
GRAPH_B_TTL = f"""@prefix ex: <{EX}> .
ex:nickel a ex:Commodity ; ex:label "nickel"@en .
ex:AUS a ex:Country ; ex:label "Australia"@en .
"""


@pytest.fixture(scope="module")
def remote() -> Iterator[tuple[str, list[str]]]:
    """A stand-in remote SPARQL endpoint on loopback that records each request's path: one solution, remote "hi"."""
    answer = {"head": {"vars": ["remote"]}, "results": {"bindings": [{"remote": {"type": "literal", "value": "hi"}}]}}
    with recording_server(json.dumps(answer).encode(), "application/sparql-results+json") as recorder:
        yield recorder


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sparql") / "store"
    store = Store(str(path))
    store.load(GRAPH_A_TTL.encode(), format=RdfFormat.TURTLE, to_graph=NamedNode(GRAPH_A))
    store.load(GRAPH_B_TTL.encode(), format=RdfFormat.TURTLE, to_graph=NamedNode(GRAPH_B))
    big = "".join(f"<{EX}e{i}> <{EX}value> {i} .\n" for i in range(3000))
    store.load(big.encode(), format=RdfFormat.TURTLE, to_graph=NamedNode(GRAPH_BIG))
    store.flush()
    del store  # releases the RocksDB lock before the app opens the store
    return path


@pytest.fixture(scope="module")
def client(store_path: Path, remote: tuple[str, list[str]]) -> Iterator[TestClient]:
    with serve_app(
        store_path,
        query_timeout_ms=1500,
        query_workers=2,
        query_workers_per_client=2,  # the test client is one client: its runaway must not hold its other query
        query_max_request_bytes=2048,
        query_max_result_bytes=64 * 1024,
        remote_endpoint_allowlist=[f"{remote[0]}/allowed"],
    ) as test_client:
        yield test_client


def bindings(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def values(response, name: str) -> list[str]:
    return [row[name]["value"] for row in bindings(response)]


# -- the three kinds of request ---------------------------------------------------------------------------------


def test_get_with_query_parameter(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": COMMODITIES})
    assert values(response, "c") == [f"{EX}cobalt", f"{EX}lithium", f"{EX}nickel"]
    assert response.headers["content-type"] == "application/sparql-results+json"
    assert response.headers["vary"] == "Accept"


def test_post_sparql_query_body_with_dataset_in_the_url(client: TestClient) -> None:
    response = client.post(
        "/sparql",
        params={"default-graph-uri": GRAPH_A},
        content=COMMODITIES.encode(),
        headers={"content-type": "application/sparql-query"},
    )
    assert values(response, "c") == [f"{EX}cobalt", f"{EX}lithium"]


def test_post_form(client: TestClient) -> None:
    response = client.post("/sparql", data={"query": COMMODITIES, "default-graph-uri": GRAPH_B})
    assert values(response, "c") == [f"{EX}nickel"]


def test_head_answers_headers_without_a_body(client: TestClient) -> None:
    response = client.head("/sparql", params={"query": COMMODITIES}, headers={"accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content == b""
    assert int(response.headers["content-length"]) > 0


# -- the dataset --------------------------------------------------------------------------------------------------


def test_the_default_graph_is_the_union_of_the_named_graphs(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": PREFIX + "SELECT (COUNT(*) AS ?n) { ?c a ex:Commodity }"})
    assert values(response, "n") == ["3"]


def test_repeated_default_graph_uris_are_merged(client: TestClient) -> None:
    response = client.get(
        "/sparql", params=[("query", COMMODITIES), ("default-graph-uri", GRAPH_A), ("default-graph-uri", GRAPH_B)]
    )
    assert values(response, "c") == [f"{EX}cobalt", f"{EX}lithium", f"{EX}nickel"]


def test_named_graph_uri_restricts_the_named_graphs(client: TestClient) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    assert values(client.get("/sparql", params={"query": query}), "g") == [GRAPH_A, GRAPH_B, GRAPH_BIG]
    response = client.get(
        "/sparql", params=[("query", query), ("named-graph-uri", GRAPH_B), ("named-graph-uri", GRAPH_A)]
    )
    assert values(response, "g") == [GRAPH_A, GRAPH_B]


def test_a_protocol_dataset_replaces_both_the_default_and_the_named_graphs(client: TestClient) -> None:
    only_named = client.get("/sparql", params={"query": COMMODITIES, "named-graph-uri": GRAPH_A})
    only_default = client.get(
        "/sparql", params={"query": "SELECT ?g WHERE { GRAPH ?g { } }", "default-graph-uri": GRAPH_A}
    )
    assert (values(only_named, "c"), values(only_default, "g")) == ([], [])


def test_a_graph_uri_that_is_not_an_iri_is_a_400(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": COMMODITIES, "default-graph-uri": "not an iri"})
    assert response.status_code == 400
    assert "not an absolute IRI" in response.text


# -- formats --------------------------------------------------------------------------------------------------


def parse_json_results(body: bytes) -> list[str]:
    return [row["c"]["value"] for row in json.loads(body)["results"]["bindings"]]


def parse_xml_results(body: bytes) -> list[str]:
    root = ET.fromstring(body)
    return [uri.text for uri in root.iter(f"{SRX}uri")]


def parse_csv_results(body: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[0] == ["c"]
    return [row[0] for row in rows[1:]]


def parse_tsv_results(body: bytes) -> list[str]:
    rows = [line.split("\t") for line in body.decode().splitlines()]
    assert rows[0] == ["?c"]
    return [row[0].strip("<>") for row in rows[1:]]


RESULT_PARSERS = {
    "application/sparql-results+json": parse_json_results,
    "application/sparql-results+xml": parse_xml_results,
    "text/csv": parse_csv_results,
    "text/tab-separated-values": parse_tsv_results,
}


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("application/xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/*", "text/csv"),
        ("text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
        ("application/sparql-results+json;q=0, */*;q=0.1", "application/sparql-results+xml"),
        (BROWSER, "application/sparql-results+xml"),
    ],
)
def test_select_answers_in_the_negotiated_format_and_it_parses_back(
    client: TestClient, accept: str | None, media_type: str
) -> None:
    headers = {"accept": accept} if accept else {}
    response = client.get("/sparql", params={"query": COMMODITIES}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["vary"] == "Accept"
    assert RESULT_PARSERS[media_type](response.content) == [f"{EX}cobalt", f"{EX}lithium", f"{EX}nickel"]


def test_textual_formats_say_their_charset(client: TestClient) -> None:
    for accept, expected in [
        ("text/csv", "text/csv; charset=utf-8"),
        ("application/sparql-results+xml", "application/sparql-results+xml; charset=utf-8"),
        ("application/sparql-results+json", "application/sparql-results+json"),
    ]:
        response = client.get("/sparql", params={"query": COMMODITIES}, headers={"accept": accept})
        assert response.headers["content-type"] == expected


def test_ask_answers_a_boolean(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": PREFIX + "ASK { ex:lithium a ex:Commodity }"})
    assert response.json()["boolean"] is True
    response = client.get(
        "/sparql", params={"query": "ASK { ?s ?p 'nothing like this' }"}, headers={"accept": "application/xml"}
    )
    assert ET.fromstring(response.content).find(f"{SRX}boolean").text == "false"


RDF_FORMATS = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/n-quads": RdfFormat.N_QUADS,
    "application/trig": RdfFormat.TRIG,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/rdf+xml": RdfFormat.RDF_XML,
}


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        *((media_type, media_type) for media_type in RDF_FORMATS),
        ("application/json", "application/ld+json"),
        ("application/xml", "application/rdf+xml"),
        ("text/plain", "application/n-triples"),
        (BROWSER, "application/rdf+xml"),
        ("application/n-triples;q=0.2, text/turtle;q=0.1", "application/n-triples"),
    ],
)
def test_construct_answers_in_the_negotiated_rdf_format_and_it_parses_back(
    client: TestClient, accept: str | None, media_type: str
) -> None:
    headers = {"accept": accept} if accept else {}
    response = client.get("/sparql", params={"query": CONSTRUCT}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    labels = {quad.object.value for quad in parse(response.content, format=RDF_FORMATS[media_type])}
    assert labels == {"lithium", 'cobalt, "blue"', "nickel"}


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (COMMODITIES, "image/png"),
        (COMMODITIES, "text/turtle"),
        (COMMODITIES, "application/sparql-results+json;q=0"),
        (CONSTRUCT, "text/csv"),
        (CONSTRUCT, "application/sparql-results+json"),
    ],
)
def test_nothing_acceptable_is_a_406_listing_what_is_available(client: TestClient, query: str, accept: str) -> None:
    response = client.get("/sparql", params={"query": query}, headers={"accept": accept})
    assert response.status_code == 406
    assert response.headers["vary"] == "Accept"
    expected = "application/sparql-results+json" if query == COMMODITIES else "application/ld+json"
    assert expected in response.text


@pytest.mark.parametrize(
    ("query", "parameter", "value", "media_type"),
    [
        (COMMODITIES, "format", "csv", "text/csv"),
        (COMMODITIES, "output", "tsv", "text/tab-separated-values"),
        (COMMODITIES, "format", "xml", "application/sparql-results+xml"),
        (COMMODITIES, "format", "application/sparql-results+json", "application/sparql-results+json"),
        (CONSTRUCT, "format", "ttl", "text/turtle"),
        (CONSTRUCT, "output", "nt", "application/n-triples"),
        (CONSTRUCT, "format", "jsonld", "application/ld+json"),
        (CONSTRUCT, "format", "xml", "application/rdf+xml"),
    ],
)
def test_the_format_override_wins_over_accept(
    client: TestClient, query: str, parameter: str, value: str, media_type: str
) -> None:
    response = client.get("/sparql", params={"query": query, parameter: value}, headers={"accept": "image/png"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type


def test_the_format_override_also_comes_in_a_form(client: TestClient) -> None:
    response = client.post("/sparql", data={"query": COMMODITIES, "format": "csv"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"


def test_an_unknown_format_is_a_400_listing_the_allowed_values(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": COMMODITIES, "format": "yaml"})
    assert response.status_code == 400
    assert "'yaml'" in response.text and "turtle" in response.text and "csv" in response.text


def test_a_format_that_does_not_fit_the_query_is_a_406(client: TestClient) -> None:
    assert client.get("/sparql", params={"query": COMMODITIES, "format": "ttl"}).status_code == 406


# -- request errors ---------------------------------------------------------------------------------------------


def test_a_syntax_error_gives_the_parser_message_line_and_column(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT ?s\nWHERE { ?s ?p }"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "line 2, column" in response.text
    assert "expected" in response.text  # pyoxigraph's own message
    assert "WHERE { ?s ?p }" in response.text  # the offending line, with a caret under the column


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("post", {"data": {"default-graph-uri": GRAPH_A}}),
        ("post", {"content": b"", "headers": {"content-type": "application/sparql-query"}}),
        ("get", {"params": {"query": ""}}),
        ("get", {"params": {"default-graph-uri": GRAPH_A}}),
    ],
)
def test_a_missing_query_is_a_400(client: TestClient, method: str, kwargs: dict) -> None:
    response = getattr(client, method)("/sparql", **kwargs)
    assert response.status_code == 400
    assert "query" in response.text


def test_a_query_in_the_url_and_a_body_is_a_400(client: TestClient) -> None:
    response = client.post("/sparql", params={"query": COMMODITIES}, data={"query": COMMODITIES})
    assert response.status_code == 400
    response = client.post(
        "/sparql",
        params={"query": COMMODITIES},
        content=COMMODITIES,
        headers={"content-type": "application/sparql-query"},
    )
    assert response.status_code == 400
    response = client.get("/sparql", params=[("query", COMMODITIES), ("query", COMMODITIES)])
    assert response.status_code == 400


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", None])
def test_a_post_of_another_content_type_is_a_415(client: TestClient, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/sparql", content=COMMODITIES.encode(), headers=headers)
    assert response.status_code == 415
    assert "application/sparql-query" in response.text


def test_a_query_over_query_max_request_bytes_is_a_413(client: TestClient) -> None:
    long_query = COMMODITIES + " #" + "x" * 2100
    for response in [
        client.get("/sparql", params={"query": long_query}),
        client.post("/sparql", data={"query": long_query}),
        client.post("/sparql", content=long_query.encode(), headers={"content-type": "application/sparql-query"}),
    ]:
        assert response.status_code == 413
        assert "query_max_request_bytes" in response.text


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("get", {"params": {"update": "CLEAR ALL"}}),
        ("post", {"data": {"update": "CLEAR ALL"}}),
        ("post", {"content": b"CLEAR ALL", "headers": {"content-type": "application/sparql-update"}}),
        ("get", {"params": {"query": "DROP GRAPH <http://example.org/graph/a>"}}),
        ("post", {"data": {"query": PREFIX + "INSERT DATA { ex:a ex:b ex:c }"}}),
    ],
)
def test_an_update_is_forbidden(client: TestClient, method: str, kwargs: dict) -> None:
    response = getattr(client, method)("/sparql", **kwargs)
    assert response.status_code == 403
    assert "SPARQL Update is not accepted at /sparql" in response.text and "/update" in response.text
    assert values(client.get("/sparql", params={"query": COMMODITIES}), "c")[0] == f"{EX}cobalt"  # still there


# -- SERVICE and LOAD ---------------------------------------------------------------------------------------------


def test_a_service_off_the_allowlist_is_refused_before_any_request(
    client: TestClient, remote: tuple[str, list[str]]
) -> None:
    url, hits = remote
    hits.clear()
    for query in [
        f"SELECT * WHERE {{ SERVICE <{url}/refused> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{url}/refused> {{ ?s ?p ?o }} }}",
        f"PREFIX r: <{url}/> SELECT * WHERE {{ SERVICE r:refused {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{url}/allowed> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        f"BASE <{url}/> SELECT * WHERE {{ SERVICE <refused> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE # a comment\n <{url}/refused> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}/refused> {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE <{url}/refused> {{ ?s ?p ?o }} }} }}",
        f"ASK {{ FILTER EXISTS {{ SERVICE <{url}/refused> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ ?a ?b ?c }} MINUS {{ SERVICE <{url}/refused> {{ ?a ?p ?o }} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{url}/refused> {{ ?s ?p ?o }} }} }}",
        f"PREFIX SERVICE: <{url}/> SELECT * WHERE {{ SERVICE SERVICE:refused {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE<{url}/refused>{{ ?s ?p ?o }} }}",
    ]:
        response = client.get("/sparql", params={"query": query})
        assert response.status_code == 403, query
        assert "remote_endpoint_allowlist" in response.text
        assert "/refused" in response.text or "?e" in response.text
    # SPARQL's \u escapes are undone before parsing: spelled with them, the keyword or the IRI is still checked
    for query in [
        f"SELECT * WHERE {{ \\u0053ERVICE <{url}/refused> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <{url}/\\u0072efused> {{ ?s ?p ?o }} }}",
    ]:
        response = client.get("/sparql", params={"query": query})
        assert response.status_code in (400, 403), query
    assert hits == []


def test_load_is_refused(client: TestClient, remote: tuple[str, list[str]]) -> None:
    url, hits = remote
    hits.clear()
    response = client.post("/sparql", data={"update": f"LOAD <{url}/refused>"})
    assert response.status_code == 403
    response = client.get("/sparql", params={"query": f"LOAD <{url}/allowed>"})
    assert response.status_code == 403
    assert hits == []


def test_an_allowlisted_service_is_reached(client: TestClient, remote: tuple[str, list[str]]) -> None:
    url, hits = remote
    hits.clear()
    query = f"SELECT ?remote WHERE {{ SERVICE <{url}/allowed> {{ ?x ?y ?remote }} }}"
    response = client.get("/sparql", params={"query": query})
    assert values(response, "remote") == ["hi"]
    assert hits == ["/allowed"]


# -- limits ---------------------------------------------------------------------------------------------------


def test_a_runaway_query_gets_a_503_while_a_simple_one_is_answered(client: TestClient) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        runaway = pool.submit(client.get, "/sparql", params={"query": RUNAWAY})
        simple = pool.submit(client.get, "/sparql", params={"query": COMMODITIES})
        simple_response, runaway_response = simple.result(), runaway.result()
    assert simple_response.status_code == 200
    assert values(simple_response, "c") == [f"{EX}cobalt", f"{EX}lithium", f"{EX}nickel"]
    assert runaway_response.status_code == 503
    assert "1500 ms" in runaway_response.text and "query_timeout_ms" in runaway_response.text
    # and the endpoint still answers afterwards
    assert client.get("/sparql", params={"query": COMMODITIES}).status_code == 200


def test_a_result_over_query_max_result_bytes_is_a_413_not_a_truncated_200(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 413
    assert "query_max_result_bytes" in response.text


# -- the service description ----------------------------------------------------------------------------------


def service_description(response) -> dict[str, set[str]]:
    assert response.status_code == 200, response.text
    media_type = response.headers["content-type"].split(";")[0]
    by_predicate: dict[str, set[str]] = {}
    for triple in parse(response.content, format=RDF_FORMATS[media_type]):
        by_predicate.setdefault(triple.predicate.value, set()).add(triple.object.value)
    return by_predicate


def test_a_bare_get_is_the_service_description(client: TestClient) -> None:
    response = client.get("/sparql")
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    assert response.headers["vary"] == "Accept"
    description = service_description(response)
    assert f"{SD}Service" in description["http://www.w3.org/1999/02/22-rdf-syntax-ns#type"]
    assert description[f"{SD}endpoint"] == {"http://testserver/sparql"}
    assert description[f"{SD}supportedLanguage"] == {f"{SD}SPARQL11Query"}
    assert f"{SD}UnionDefaultGraph" in description[f"{SD}feature"]
    assert description[f"{SD}resultFormat"] == set(W3C_FORMAT_IRIS.values())
    assert description[f"{SD}name"] == {GRAPH_A, GRAPH_B, GRAPH_BIG}


@pytest.mark.parametrize(
    ("accept", "media_type"), [("application/ld+json", "application/ld+json"), (BROWSER, "application/rdf+xml")]
)
def test_the_service_description_is_negotiated(client: TestClient, accept: str, media_type: str) -> None:
    response = client.get("/sparql", headers={"accept": accept})
    assert response.headers["content-type"].split(";")[0] == media_type
    assert service_description(response)[f"{SD}endpoint"] == {"http://testserver/sparql"}
    assert client.get("/sparql", params={"format": "nt"}).headers["content-type"] == "application/n-triples"
    assert client.get("/sparql", headers={"accept": "text/csv"}).status_code == 406


def test_head_of_the_service_description(client: TestClient) -> None:
    response = client.head("/sparql")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    assert response.content == b""
