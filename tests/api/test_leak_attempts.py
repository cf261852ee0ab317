"""Leak attempts (issue 9, item 4): partner alpha's private graph, a lithium mine in Australia with its operator and
a note about Australia, must stay out of every answer to anybody else, however they ask.

Every read route is asked the same question by an anonymous caller and by partner beta before alpha's upload and
after it. Afterwards no answer may hold the secret word, a private IRI or the private graph's name unless it held
them before (the caller's own words echoed back: a search, an IRI asked for), and the answers that do not carry a
clock must be byte for byte what they were before. On top come SPARQL queries written to reach
the graph (GRAPH, FROM, FROM NAMED, VALUES, EXISTS, paths, DESCRIBE, IRI(), the protocol's dataset parameters) and
an update by beta that copies from the private graph into its own. The summary line counts the attempts.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.backends import serve_app

BASE = "https://w3id.org/critmin/"
PRIVATE = f"{BASE}graph/partner/alpha/secret-sites"
BETA_GRAPH = f"{BASE}graph/partner/beta/copies"
FACILITY = f"{BASE}id/facility/alpha-test/qwyxo-mine"
COMPANY = f"{BASE}id/organisation/alpha-test/qwyxo-holdings"
SECRET = "Qwyxo"
PRIVATE_TTL = f"""
@prefix cm: <https://w3id.org/critmin/ontology/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<{FACILITY}> a cm:Facility , cm:Mine ;
    rdfs:label "{SECRET} Lithium Mine" ;
    cm:facilityType <{BASE}id/facility-type/mine> ;
    cm:country <{BASE}id/country/AUS> ;
    cm:commodity <{BASE}id/commodity/lithium> ;
    schema:latitude "-30.1"^^xsd:decimal ;
    schema:longitude "119.2"^^xsd:decimal ;
    prov:wasDerivedFrom <{BASE}id/record/alpha-test/row-2> .
<{BASE}id/record/alpha-test/row-2> a cm:SourceRecord ;
    rdfs:label "row 2 of alpha's {SECRET} sheet" ; cm:sourceFile "sites.csv" ; cm:sourceRow 2 .
<{COMPANY}> a cm:Company ; rdfs:label "{SECRET} Holdings" ; cm:operates <{FACILITY}> .
<{BASE}id/country/AUS> a cm:Country ; rdfs:label "Australia" ; cm:iso3166Alpha3 "AUS" ;
    rdfs:comment "{SECRET}: alpha's private note" .
"""
# Answers that carry the time or this run's generation: compared for leaks, not byte for byte.
CLOCKED = {"events.atom", "events", "dumps-list", "void", "status", "metrics"}
GET_ROUTES = {
    "home": "/?format=json",
    "browse": "/browse?format=json",
    "browse-facilities-aus": "/browse/facility?country=AUS&commodity=lithium&format=json",
    "browse-organisations": "/browse/organisation?format=json",
    "country": "/id/country/AUS.json",
    "country-ttl": "/id/country/AUS.ttl",
    "country-html": "/id/country/AUS",
    "commodity": "/id/commodity/lithium.json",
    "commodity-html": "/id/commodity/lithium",
    "dashboard": "/dashboard?format=json",
    "dashboard-lithium": "/dashboard/lithium?format=json",
    "events": "/events?format=json",
    "events.atom": "/events.atom",
    "concentration": "/api/indicators/concentration?commodity=lithium",
    "import-reliance": "/api/indicators/import-reliance?country=USA&commodity=lithium",
    "list-overlap": "/api/indicators/list-overlap",
    "status": "/api/indicators/status",
    "bottlenecks": "/api/bottlenecks?commodity=lithium",
    "links": "/links?format=json",
    "search": f"/search?q={SECRET}&format=json",
    "search-holdings": "/search?q=qwyxo&format=json",
    "suggest": "/search/suggest?q=qwy",
    "reconcile-suggest": f"/reconcile/suggest/entity?prefix={SECRET}",
    "reconcile-preview": f"/reconcile/preview?id={FACILITY}",
    "void": "/.well-known/void?format=ntriples",
    "dumps-list": "/dumps/?format=json",
    "service-description": "/sparql",
    "store-get": f"/store?graph={PRIVATE}",
    "store-access": f"/store/access?graph={PRIVATE}",
    "facility": "/id/facility/alpha-test/qwyxo-mine.json",
    "record": "/id/record/alpha-test/row-2.json",
    "dump-partner": "/dumps/partner/alpha/secret-sites.nq.gz",
    "metrics": "/metrics",
}
SPARQL_ATTEMPTS = {
    "graph-iri": f"SELECT * WHERE {{ GRAPH <{PRIVATE}> {{ ?s ?p ?o }} }}",
    "graph-var": f"SELECT ?g WHERE {{ GRAPH ?g {{ <{FACILITY}> ?p ?o }} }}",
    "values-graph": f"SELECT * WHERE {{ VALUES ?g {{ <{PRIVATE}> }} GRAPH ?g {{ ?s ?p ?o }} }}",
    "from": f"SELECT * FROM <{PRIVATE}> WHERE {{ ?s ?p ?o FILTER(CONTAINS(STR(?o), '{SECRET}')) }}",
    "from-named": f"SELECT * FROM NAMED <{PRIVATE}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "exists": f"ASK {{ FILTER EXISTS {{ GRAPH ?g {{ <{FACILITY}> ?p ?o }} }} }}",
    "union-default": f"SELECT * WHERE {{ ?s ?p ?o FILTER(CONTAINS(STR(?o), '{SECRET}')) }}",
    "path": f"SELECT ?l WHERE {{ ?c <{BASE}ontology/operates>/<http://www.w3.org/2000/01/rdf-schema#label> ?l "
            f"FILTER(CONTAINS(?l, '{SECRET}')) }}",
    "describe": f"DESCRIBE <{FACILITY}>",
    "construct": f"CONSTRUCT WHERE {{ <{FACILITY}> ?p ?o }}",
    "iri-function": f"ASK {{ BIND(IRI('{FACILITY}') AS ?x) ?x ?p ?o }}",
    "graph-names": f"SELECT ?g WHERE {{ GRAPH ?g {{ }} FILTER(STRSTARTS(STR(?g), '{BASE}graph/partner/alpha')) }}",
    "subquery": f"SELECT * WHERE {{ {{ SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g }} "
                f"FILTER(?g = <{PRIVATE}>) }}",
    "count-all": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "count-aus": f"SELECT (COUNT(*) AS ?n) WHERE {{ <{BASE}id/country/AUS> ?p ?o }}",
    "count-lithium-sites": f"SELECT (COUNT(?f) AS ?n) WHERE {{ ?f <{BASE}ontology/commodity> "
                           f"<{BASE}id/commodity/lithium> }}",
}
DATASET_ATTEMPTS = {  # the protocol's dataset parameters, with a query that would show the graph
    "default-graph-uri": ("SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": PRIVATE}),
    "named-graph-uri": ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": PRIVATE}),
    "both": ("SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": PRIVATE, "named-graph-uri": PRIVATE}),
}
PRIVATE_MARKS = (SECRET, SECRET.lower(), FACILITY, COMPANY, PRIVATE, "secret-sites", "alpha-test")
attempts: dict[str, int] = {"tried": 0, "leaks": 0}


@pytest.fixture(scope="module")
def answers(bundled_copy, accounts: Path, callers) -> Iterator[tuple[TestClient, dict, dict]]:
    """The app, and what anonymous and beta were answered before and after alpha's private upload."""
    with serve_app(bundled_copy(), query_workers=2, accounts_db=accounts) as client:
        before = {who: read_everything(client, callers[who]) for who in ("anonymous", "beta")}
        response = client.put("/store", params={"graph": PRIVATE}, content=PRIVATE_TTL.encode(),
                              headers={**callers["alpha"], "Content-Type": "text/turtle"})
        assert response.status_code == 201, response.text
        after = {who: read_everything(client, callers[who]) for who in ("anonymous", "beta")}
        yield client, before, after
    print(f"\nleak attempts: {attempts['tried']} tried, {attempts['leaks']} leaks")


def body(response) -> str:
    """The answer's text; a dump's lines sorted, as the order of N-Quads says nothing (and differs by backend)."""
    if response.content[:2] == b"\x1f\x8b":
        return "\n".join(sorted(gzip.decompress(response.content).decode().splitlines()))
    return response.text


def read_everything(client: TestClient, headers: dict[str, str]) -> dict[str, tuple[int, str]]:
    seen = {}
    for name, path in GET_ROUTES.items():
        response = client.get(path, headers=headers)
        seen[name] = (response.status_code, body(response))
    accept = {**headers, "Accept": "application/sparql-results+json, application/n-triples;q=0.9"}
    for name, query in SPARQL_ATTEMPTS.items():
        for method in ("GET", "POST"):
            r = (client.get("/sparql", params={"query": query}, headers=accept) if method == "GET"
                 else client.post("/sparql", content=query.encode(),
                                  headers={**accept, "Content-Type": "application/sparql-query"}))
            seen[f"sparql {name} {method}"] = (r.status_code, r.text)
    for name, (query, dataset) in DATASET_ATTEMPTS.items():
        r = client.post("/sparql", data={"query": query, **dataset}, headers=accept)
        seen[f"sparql {name}"] = (r.status_code, r.text)
    seen["dump-all"] = (200, body(client.get("/dumps/all.nq.gz", headers=headers)))
    r = client.post("/reconcile/v1/extend", json={"ids": [FACILITY.removeprefix(f"{BASE}id/")],
                                                  "properties": [{"id": "label"}]}, headers=headers)
    seen["reconcile-extend"] = (r.status_code, r.text)
    r = client.post("/reconcile", data={"queries": json.dumps({"q0": {"query": f"{SECRET} Lithium Mine"}})},
                    headers=headers)
    seen["reconcile"] = (r.status_code, r.text)
    for removal in ({"country": "AUS"}, {"facility": FACILITY}, {"company": COMPANY}):
        r = client.post("/api/what-if", json={"commodity": "lithium", "remove": removal}, headers=headers)
        seen[f"what-if {next(iter(removal))}"] = (r.status_code, r.text)
    return seen


@pytest.mark.parametrize("who", ["anonymous", "beta"])
def test_no_route_shows_anything_of_the_private_graph(answers, who: str) -> None:
    _, before, after = answers
    leaks = []
    for name, (status, text) in after[who].items():
        attempts["tried"] += 1
        # a mark the answer held before the upload too is the caller's own words echoed (a search, an IRI asked for)
        marks = [mark for mark in PRIVATE_MARKS if mark in text and mark not in before[who][name][1]]
        changed = name not in CLOCKED and (status, text) != before[who][name]
        if marks or changed:
            attempts["leaks"] += 1
            leaks.append(f"{name}: {status} {'shows ' + ', '.join(marks) if marks else 'changed after the upload'}")
    assert leaks == [], "\n".join(leaks)


def test_the_private_graph_is_really_there_for_its_owner(answers, callers) -> None:
    """The attempts above would find it: alpha's own reads show it (so the test cannot pass on an empty graph)."""
    client, _, _ = answers
    response = client.get("/sparql", params={"query": SPARQL_ATTEMPTS["graph-iri"]},
                          headers={**callers["alpha"], "Accept": "application/sparql-results+json"})
    assert SECRET in response.text
    assert SECRET in client.get(GET_ROUTES["search"], headers=callers["alpha"]).text
    assert SECRET in client.get(GET_ROUTES["country"], headers=callers["alpha"]).text


def test_an_update_cannot_copy_the_private_graph_into_the_callers_own(answers, callers) -> None:
    client, _, _ = answers
    copy = (f"INSERT {{ GRAPH <{BETA_GRAPH}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{PRIVATE}> {{ ?s ?p ?o }} }} ;\n"
            f"INSERT {{ GRAPH <{BETA_GRAPH}> {{ ?s ?p ?o }} }} "
            f"WHERE {{ ?s ?p ?o FILTER(CONTAINS(STR(?o), '{SECRET}')) }}")
    response = client.post("/update", content=copy.encode(),
                           headers={**callers["beta"], "Content-Type": "application/sparql-update"})
    attempts["tried"] += 1
    assert response.status_code in (204, 403), response.text
    copied = client.get("/store", params={"graph": BETA_GRAPH},
                        headers={**callers["beta"], "Accept": "application/n-triples"})
    leaked = copied.status_code == 200 and SECRET in copied.text
    attempts["leaks"] += leaked
    assert not leaked
