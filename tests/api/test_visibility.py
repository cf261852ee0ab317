"""Visibility (issue 6, item 3) through the real app over a copy of the bundled store: partner alpha owns a private
graph with a facility and a company that exist nowhere else and a statement about a public country (Australia);
partner beta may not read it, nor may an anonymous caller, through any route; alpha and an admin see all of it.
Then alpha shares it with beta (beta sees it, anonymous still does not) and unshares it (beta no longer does)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.backends import serve_app

BASE = "https://w3id.org/critmin/"
PRIVATE = f"{BASE}graph/partner/alpha/private"
PRIVATE_CATALOG = f"{BASE}graph/partner-catalog/alpha/private"
FACILITY = f"{BASE}id/facility/alpha-test/zzyzx-works"
COMPANY = f"{BASE}id/organisation/alpha-test/quillfeather"
AUSTRALIA = f"{BASE}id/country/AUS"
RECORD = f"{BASE}id/record/alpha-test/row-2"
SECRET = "Zzyzx"  # in every private label and note: it must appear nowhere a reader of public data can look
PRIVATE_TTL = f"""
@prefix cm: <https://w3id.org/critmin/ontology/> .
@prefix schema: <https://schema.org/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<{FACILITY}> a cm:Facility , cm:Mine ;
    rdfs:label "{SECRET} Hidden Lithium Works" ;
    cm:facilityType <https://w3id.org/critmin/id/facility-type/mine> ;
    schema:latitude "-31.5"^^xsd:decimal ;
    schema:longitude "121.4"^^xsd:decimal ;
    prov:wasDerivedFrom <{RECORD}> .
<{RECORD}> a cm:SourceRecord ;
    rdfs:label "row 2 of alpha's {SECRET} sheet" ;
    cm:sourceFile "alpha-sites.csv" ;
    cm:sourceRow 2 .
<{COMPANY}> a cm:Company ;
    rdfs:label "Quillfeather {SECRET} Mining" ;
    cm:operates <{FACILITY}> .
# a statement about a public entity, from cm:country of the facility (validation would need AUS's type in
# the upload) to a plain note
<{AUSTRALIA}> rdfs:comment "{SECRET}: alpha's private note about Australia" .
"""


@pytest.fixture(scope="module")
def public_counts() -> dict[str, object]:
    """What the service said before alpha's upload (filled by ``client``)."""
    return {}


@pytest.fixture(scope="module")
def client(bundled_copy, accounts: Path, callers, public_counts) -> Iterator[TestClient]:
    with serve_app(bundled_copy(), query_workers=2, accounts_db=accounts) as test_client:
        public_counts["void"] = void_total(test_client, {})
        public_counts["facilities"] = facility_count(test_client, {})
        public_counts["home"] = test_client.get("/?format=json").json()["total_triples"]
        response = test_client.put("/store", params={"graph": PRIVATE}, content=PRIVATE_TTL.encode(),
                                   headers={**callers["alpha"], "Content-Type": "text/turtle"})
        assert response.status_code == 201, response.text
        yield test_client


def sparql(client: TestClient, headers: dict[str, str], query: str, **params: str) -> dict:
    response = client.post("/sparql", data={"query": query, **params},
                           headers={**headers, "Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()


def rows(client: TestClient, headers: dict[str, str], query: str, **params: str) -> list[dict]:
    return sparql(client, headers, query, **params)["results"]["bindings"]


def construct(client: TestClient, headers: dict[str, str], query: str) -> str:
    response = client.post("/sparql", data={"query": query}, headers={**headers, "Accept": "application/n-triples"})
    assert response.status_code == 200, response.text
    return response.text


def void_total(client: TestClient, headers: dict[str, str]) -> int:
    response = client.get("/.well-known/void", params={"format": "ntriples"}, headers=headers)
    dataset = f"<{BASE}id/dataset/critmin> <http://rdfs.org/ns/void#triples> "
    line = next(line for line in response.text.splitlines() if line.startswith(dataset))
    return int(line[len(dataset):].split('"')[1])


def facility_count(client: TestClient, headers: dict[str, str]) -> int:
    kinds = client.get("/browse", params={"format": "json"}, headers=headers).json()["kinds"]
    return next(k["count"] for k in kinds if k["kind"] == "facility")


def reconcile_ids(client: TestClient, headers: dict[str, str], name: str) -> list[str]:
    response = client.post("/reconcile", data={"queries": json.dumps({"q0": {"query": name}})}, headers=headers)
    assert response.status_code == 200, response.text
    return [candidate["id"] for candidate in response.json()["q0"]["result"]]


def everything_a_caller_sees(client: TestClient, headers: dict[str, str]) -> dict[str, object]:
    """What each route shows of alpha's private graph to the caller with ``headers``."""
    seen: dict[str, object] = {}
    seen["select"] = rows(client, headers, f'SELECT ?s WHERE {{ ?s ?p ?o FILTER(CONTAINS(STR(?o), "{SECRET}")) }}')
    seen["ask"] = sparql(client, headers, f"ASK {{ <{FACILITY}> ?p ?o }}")["boolean"]
    seen["construct"] = construct(client, headers, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o "
                                                   f"FILTER(?s IN (<{FACILITY}>, <{COMPANY}>)) }}")
    seen["construct_country"] = SECRET in construct(client, headers, f"CONSTRUCT {{ <{AUSTRALIA}> ?p ?o }} "
                                                                     f"WHERE {{ <{AUSTRALIA}> ?p ?o }}")
    graphs = {r["g"]["value"] for r in rows(client, headers, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")}
    seen["graph_names"] = sorted(graphs & {PRIVATE, PRIVATE_CATALOG})
    seen["graph_pattern"] = rows(client, headers, f"SELECT ?g WHERE {{ GRAPH ?g {{ <{FACILITY}> ?p ?o }} }}")
    seen["from_named"] = rows(client, headers, f"SELECT * FROM NAMED <{PRIVATE}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    # pyoxigraph answers FROM over the whole default graph (our union): what matters is that nothing private is in it
    seen["from"] = SECRET in json.dumps(rows(client, headers, f"SELECT * FROM <{PRIVATE}> WHERE {{ ?s ?p ?o }}"))
    seen["default_graph_uri"] = rows(client, headers, "SELECT * WHERE { ?s ?p ?o }", **{"default-graph-uri": PRIVATE})
    seen["named_graph_uri"] = rows(client, headers, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
                                   **{"named-graph-uri": PRIVATE})
    seen["service_description"] = PRIVATE in client.get("/sparql", headers=headers).text
    seen["facility_html"] = client.get("/id/facility/alpha-test/zzyzx-works", headers=headers).status_code
    seen["facility_ttl"] = client.get("/id/facility/alpha-test/zzyzx-works.ttl", headers=headers).status_code
    seen["facility_rdf_by_accept"] = client.get("/id/facility/alpha-test/zzyzx-works",
                                                headers={**headers, "Accept": "text/turtle"}).status_code
    seen["company_json"] = client.get("/id/organisation/alpha-test/quillfeather.json", headers=headers).status_code
    seen["country_pages"] = [SECRET in client.get(f"/id/country/AUS{suffix}", headers=headers).text
                             for suffix in ("", ".ttl", ".trig", ".json")]
    seen["graph_page"] = client.get("/graph/partner/alpha/private", headers=headers).status_code
    seen["graph_dump"] = client.get("/dumps/partner/alpha/private.nq.gz", headers=headers).status_code
    seen["dump_all"] = SECRET in gzip.decompress(client.get("/dumps/all.nq.gz", headers=headers).content).decode()
    seen["dump_list"] = "alpha" in client.get("/dumps/", params={"format": "json"}, headers=headers).text
    hits = client.get("/search", params={"q": SECRET, "format": "json"}, headers=headers).json()["hits"]
    seen["search"] = sorted(hit["iri"] for hit in hits)
    suggested = client.get("/search/suggest", params={"q": "quillfeather"}, headers=headers).json()["result"]
    seen["suggest"] = [hit["id"] for hit in suggested]
    void = client.get("/.well-known/void", params={"format": "ntriples"}, headers=headers).text
    seen["void_names_graph"] = PRIVATE in void
    seen["void_total"] = void_total(client, headers)
    home = client.get("/", params={"format": "json"}, headers=headers).json()
    seen["home_catalog"] = PRIVATE in {graph["graph"] for graph in home["graphs"]}  # lists the hub's sources only
    seen["home_total"] = home["total_triples"]
    seen["home_facilities"] = next(k["count"] for k in home["counts"] if k["kind"] == "facility")
    seen["browse_facilities"] = facility_count(client, headers)
    seen["reconcile"] = [i for i in reconcile_ids(client, headers, f"{SECRET} Hidden Lithium Works")
                         if "alpha-test" in i]
    seen["reconcile_suggest"] = [r["id"] for r in client.get("/reconcile/suggest/entity", params={"prefix": SECRET},
                                                               headers=headers).json()["result"]]
    seen["reconcile_preview"] = client.get("/reconcile/preview", params={"id": FACILITY},
                                           headers=headers).status_code
    seen["store_get"] = client.get("/store", params={"graph": PRIVATE}, headers=headers).status_code
    seen["store_head"] = client.head("/store", params={"graph": PRIVATE}, headers=headers).status_code
    return seen


def assert_sees_nothing(seen: dict[str, object], public_counts: dict[str, object]) -> None:
    assert seen["select"] == [] and seen["ask"] is False and seen["construct"] == ""
    assert seen["construct_country"] is False
    assert seen["graph_names"] == [] and seen["graph_pattern"] == []
    assert seen["from_named"] == [] and seen["from"] is False
    assert seen["default_graph_uri"] == [] and seen["named_graph_uri"] == []
    assert seen["service_description"] is False
    # 404, as for an entity that does not exist: a 403 would say that it does
    assert seen["facility_html"] == seen["facility_ttl"] == seen["facility_rdf_by_accept"] == 404
    assert seen["company_json"] == 404
    assert seen["country_pages"] == [False, False, False, False]
    assert seen["graph_page"] == seen["graph_dump"] == 404
    assert seen["dump_all"] is False and seen["dump_list"] is False
    assert seen["search"] == [] and seen["suggest"] == []
    assert seen["void_names_graph"] is False and seen["void_total"] == public_counts["void"]
    assert seen["home_catalog"] is False and seen["home_total"] == public_counts["home"]
    assert seen["browse_facilities"] == seen["home_facilities"] == public_counts["facilities"]
    assert seen["reconcile"] == [] and seen["reconcile_suggest"] == [] and seen["reconcile_preview"] == 404
    assert seen["store_get"] == seen["store_head"] == 404


def assert_sees_everything(seen: dict[str, object], public_counts: dict[str, object]) -> None:
    assert {row["s"]["value"] for row in seen["select"]} == {FACILITY, COMPANY, AUSTRALIA, RECORD}  # type: ignore[union-attr]
    assert seen["ask"] is True and FACILITY in seen["construct"] and seen["construct_country"] is True
    assert seen["graph_names"] == sorted([PRIVATE, PRIVATE_CATALOG])
    assert {row["g"]["value"] for row in seen["graph_pattern"]} == {PRIVATE}  # type: ignore[union-attr]
    assert seen["from_named"] and seen["from"] is True and seen["default_graph_uri"] and seen["named_graph_uri"]
    assert seen["service_description"] is True
    assert seen["facility_html"] == seen["facility_ttl"] == seen["facility_rdf_by_accept"] == 200
    assert seen["company_json"] == 200
    assert seen["country_pages"] == [True, True, True, True]
    assert seen["dump_all"] is True
    assert seen["search"] == sorted([FACILITY, COMPANY]) and seen["suggest"] == [COMPANY]
    assert seen["void_names_graph"] is True and seen["void_total"] > public_counts["void"]  # type: ignore[operator]
    assert seen["browse_facilities"] == seen["home_facilities"] == public_counts["facilities"] + 1  # type: ignore
    reconcile_id = FACILITY.removeprefix(f"{BASE}id/")  # reconciliation ids are short
    assert seen["reconcile"] == [reconcile_id] and reconcile_id in seen["reconcile_suggest"]  # type: ignore[operator]
    assert seen["reconcile_preview"] == 200
    assert seen["store_get"] == seen["store_head"] == 200


@pytest.mark.parametrize("who", ["beta", "anonymous"])
def test_a_private_graph_is_invisible_to_others_through_every_route(client, callers, public_counts, who) -> None:
    assert_sees_nothing(everything_a_caller_sees(client, callers[who]), public_counts)


@pytest.mark.parametrize("who", ["alpha", "admin"])
def test_its_owner_and_admins_see_all_of_it(client, callers, public_counts, who) -> None:
    assert_sees_everything(everything_a_caller_sees(client, callers[who]), public_counts)


def share(client: TestClient, callers, readers: list[str]) -> None:
    response = client.put("/store/access", params={"graph": PRIVATE}, headers=callers["alpha"],
                          content=json.dumps({"visibility": "partners", "readers": readers}).encode())
    assert response.status_code == 200, response.text


def test_sharing_shows_it_to_the_reader_only_and_unsharing_hides_it_again(client, callers, public_counts) -> None:
    share(client, callers, ["beta"])
    try:
        assert_sees_everything(everything_a_caller_sees(client, callers["beta"]), public_counts)
        assert_sees_nothing(everything_a_caller_sees(client, callers["anonymous"]), public_counts)
    finally:
        share(client, callers, [])
    assert_sees_nothing(everything_a_caller_sees(client, callers["beta"]), public_counts)


def test_public_graphs_cost_nothing_everybody_reads_the_main_view(client, callers) -> None:
    response = client.put("/store/access", params={"graph": PRIVATE}, headers=callers["alpha"],
                          content=json.dumps({"visibility": "public", "readers": []}).encode())
    assert response.status_code == 200, response.text
    try:
        assert sparql(client, {}, f"ASK {{ <{FACILITY}> ?p ?o }}")["boolean"] is True
        assert client.get("/id/facility/alpha-test/zzyzx-works.ttl").status_code == 200
        views = client.app.state.views
        assert not [p for p in views.folder.iterdir() if p.name.startswith(f"{views.generation:08d}-")]
    finally:
        share(client, callers, [])


def test_views_of_older_generations_are_deleted(client, callers) -> None:
    views = client.app.state.views
    for readers in (["beta"], [], ["beta"], []):  # four generations, each read by beta and anonymous
        share(client, callers, readers)
        for who in ("beta", "anonymous"):
            rows(client, callers[who], "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
            client.get("/search/suggest", params={"q": "lith"}, headers=callers[who])
    # what remains: this generation's view (beta and anonymous are one class now) and, at most, an older one that a
    # query worker still has open until its next query
    in_use = {p.parent for p in client.app.state.query_runner.snapshots_in_use()}
    remaining = list(views.folder.iterdir())
    current = [p for p in remaining if p.name.startswith(f"{views.generation:08d}-")]
    assert len(current) == 1, remaining
    assert set(remaining) - set(current) <= in_use
    assert len(remaining) <= 1 + client.app.state.settings.query_workers


def test_views_are_removed_when_the_app_stops(bundled_copy, accounts, callers) -> None:
    with serve_app(bundled_copy(), query_workers=1, accounts_db=accounts) as client:
        client.put("/store", params={"graph": PRIVATE}, content=PRIVATE_TTL.encode(),
                   headers={**callers["alpha"], "Content-Type": "text/turtle"})
        assert rows(client, {}, f"SELECT * WHERE {{ <{FACILITY}> ?p ?o }}") == []
        folder = client.app.state.views.folder
        assert any(folder.iterdir())
    assert not folder.exists()


def test_a_graph_in_the_store_before_its_registration_is_hidden_meanwhile(client, callers) -> None:
    # what an upload leaves between writing a new graph and registering it (and publishing a snapshot)
    from pyoxigraph import Literal, NamedNode, Quad

    unlisted = NamedNode(f"{BASE}graph/partner/alpha/unlisted")
    entity = NamedNode(f"{BASE}id/facility/alpha-test/unlisted")
    store = client.app.state.store
    store.add(Quad(entity, NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), Literal("Unlisted"), unlisted))
    try:
        assert client.get("/id/facility/alpha-test/unlisted.ttl").status_code == 404
        assert client.get("/id/facility/alpha-test/unlisted.ttl", headers=callers["beta"]).status_code == 404
        assert client.get("/id/facility/alpha-test/unlisted.ttl", headers=callers["alpha"]).status_code == 200
    finally:
        store.remove_graph(unlisted)
