"""/dashboard/events and /dashboard/events.atom: real HTTP through the app over a copy of the bundled store with the
bundled documents extracted (and the small documents of tests/kg/test_events.py), plus a private document graph of
partner alpha that only alpha and admins may read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from kg import iris
from kg.settings import Settings
from tests.backends import serve_app
from tests.kg.test_events import GRAPHITE_DOC, SUPPLY_DOC, TRICKY_LABEL, extract_bundled_documents

ATOM = "{http://www.w3.org/2005/Atom}"
SECRET = "Zzyzx"
PRIVATE = f"{iris.GRAPH}partner/alpha/news"
PRIVATE_DOC = f"{iris.ID}document/alpha-zzyzx-news"
PRIVATE_TTL = f"""
@prefix cm: <https://w3id.org/critmin/ontology/> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<{PRIVATE_DOC}> a cm:Document ; rdfs:label "{SECRET} market note" ; dct:issued "2026-12-24"^^xsd:date .
<{iris.ID}statement/alpha-zzyzx-news/s1> a rdf:Statement , cm:ExtractedStatement ;
    rdf:subject <{iris.ID}country/CHN> ; rdf:predicate cm:restrictsExportOf ; rdf:object <{iris.ID}commodity/graphite> ;
    cm:relationType "EXPORT_RESTRICTION" ; cm:charStart 0 ; cm:extractionConfidence 0.9 ;
    cm:evidence "{SECRET}: China tightens graphite export licences." ;
    cm:reviewStatus <{iris.ID}review-status/candidate> ; prov:wasDerivedFrom <{PRIVATE_DOC}> .
"""


@pytest.fixture(scope="module")
def client(bundled_copy, accounts: Path, callers) -> Iterator[TestClient]:
    path = bundled_copy()
    extract_bundled_documents(path)
    with serve_app(path, query_workers=1, accounts_db=accounts, events_feed_max_entries=200) as test_client:
        response = test_client.put("/store", params={"graph": PRIVATE}, content=PRIVATE_TTL.encode(),
                                   headers={**callers["alpha"], "Content-Type": "text/turtle"})
        assert response.status_code == 201, response.text
        yield test_client


def events(client: TestClient, headers: dict[str, str] | None = None, **params: object) -> dict:
    response = client.get("/dashboard/events", params=params, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def atom(client: TestClient, headers: dict[str, str] | None = None, **params: object) -> tuple[str, ET.Element]:
    response = client.get("/dashboard/events.atom", params=params, headers=headers or {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    return response.text, ET.fromstring(response.content)


def sparql(client: TestClient, query: str) -> list[dict]:
    response = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def test_the_export_restrictions_of_the_bundled_documents(client: TestClient) -> None:
    expected = {(row["doc"]["value"], row["evidence"]["value"], row["issued"]["value"]) for row in sparql(client, """
        PREFIX cm: <https://w3id.org/critmin/ontology/> PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?doc ?evidence ?issued WHERE { GRAPH ?g { ?s cm:relationType "EXPORT_RESTRICTION" ;
            cm:evidence ?evidence ; prov:wasDerivedFrom ?doc . ?doc dct:issued ?issued }
          FILTER (STRSTARTS(STR(?g), "https://w3id.org/critmin/graph/doc-")) }""")}
    assert len(expected) >= 2  # Indonesia's nickel ore ban, the DRC's cobalt export quotas
    body = events(client, commodity=["nickel", "cobalt", "graphite"])
    found = {(e["document"], e["evidence"], e["date"]) for e in body["events"] if e["kind"] == "export-restriction"}
    assert found == expected
    obi = next(e for e in body["events"] if e["kind"] == "export-restriction" and "obi-island" in e["document"])
    assert obi["title"] == "Export restriction: Indonesia — Nickel"
    assert obi["status"] == "candidate" and obi["date_from"] == "document"
    assert obi["document_title"] == "Obi Island becomes a centre of Indonesian nickel processing"
    assert obi["id"] == obi["facts"][0]["statement"] and obi["evidence_page"].endswith(
        obi["id"].removeprefix("https://w3id.org/critmin"))
    page = client.get(obi["evidence_page"], headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Indonesia" in page.text
    assert client.get(obi["document_page"], headers={"Accept": "text/html"}).status_code == 200


def test_without_a_commodity_the_watched_ones_are_used(client: TestClient) -> None:
    body = events(client)
    assert body["watched_default"] is True
    assert body["commodities"] == [iris.commodity(k).value for k in Settings().dashboard_watched_commodities]
    kinds = {e["kind"] for e in body["events"]}
    assert kinds == {"export-restriction", "agreement", "facility"}
    assert "Acme" in str(body)  # the supply deal mentions lithium


@pytest.mark.parametrize("asked", ["graphite", iris.commodity("graphite").value])
def test_a_commodity_takes_its_narrower_ones_by_key_or_iri(client: TestClient, asked: str) -> None:
    body = events(client, commodity=asked)
    assert body["watched_default"] is False
    assert [e["document"] for e in body["events"]] == [GRAPHITE_DOC]  # natural graphite, under graphite
    assert body["events"][0]["commodities"] == [{"iri": iris.commodity("natural-graphite").value,
                                                 "label": "Natural graphite"}]


def test_several_commodities_newest_first_since_and_limit(client: TestClient) -> None:
    both = events(client, commodity=["lithium", "graphite"])["events"]
    lithium = events(client, commodity="lithium")["events"]
    assert {e["id"] for e in lithium} < {e["id"] for e in both}
    dates = [e["date"] for e in both]
    assert dates == sorted(dates, reverse=True) and dates[-1] == "2024-05-01"
    since = events(client, commodity=["lithium", "graphite"], since="2025-02-03")["events"]
    assert [e["id"] for e in since] == [e["id"] for e in both if date.fromisoformat(e["date"]) >= date(2025, 2, 3)]
    assert SUPPLY_DOC in {e["document"] for e in since}
    limited = events(client, commodity=["lithium", "graphite"], limit=2)
    assert limited["limit"] == 2 and [e["id"] for e in limited["events"]] == [e["id"] for e in both[:2]]


def test_limit_is_capped_by_the_setting(client: TestClient) -> None:
    assert events(client, limit=100_000)["limit"] == 200


@pytest.mark.parametrize(("params", "status", "named"), [
    ({"since": "2025-13-01"}, 422, "since"),
    ({"since": "yesterday"}, 422, "since"),
    ({"limit": "0"}, 422, "limit"),
    ({"limit": "many"}, 422, "limit"),
    ({"commodity": "unobtainium"}, 404, "unobtainium"),
    ({"commodity": ["lithium", "kryptonite"]}, 404, "kryptonite"),
    ({"commodity": "not a key"}, 422, "commodity"),
])
@pytest.mark.parametrize("path", ["/dashboard/events", "/dashboard/events.atom"])
def test_bad_parameters_are_refused_naming_them(client: TestClient, path: str, params: dict, status: int,
                                                named: str) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status
    assert named in str(response.json()["detail"])


def test_the_atom_feed_is_valid_atom_with_unique_ids(client: TestClient) -> None:
    _, feed = atom(client)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{name}") is not None, name
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["self"].endswith("/dashboard/events.atom") and links["alternate"].endswith("/dashboard/events")
    entries = feed.findall(f"{ATOM}entry")
    body = events(client)
    assert [e.findtext(f"{ATOM}id") for e in entries] == [e["id"] for e in body["events"]]
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == len(entries) > 10
    assert feed.findtext(f"{ATOM}updated") == max(e.findtext(f"{ATOM}updated") for e in entries)
    for entry, event in zip(entries, body["events"], strict=True):
        for name in ("id", "title", "updated", "summary"):
            assert entry.findtext(f"{ATOM}{name}"), name
        assert entry.findtext(f"{ATOM}summary") == event["evidence"]
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href") == event["evidence_page"]
        terms = {c.get("term") for c in entry.findall(f"{ATOM}category")}
        assert {event["kind"], event["status"]} | {c["iri"] for c in event["commodities"]} == terms
        assert entry.findtext(f"{ATOM}title").endswith("(candidate)") == (event["status"] == "candidate")
        assert entry.findtext(f"{ATOM}updated").startswith(event["date"])


def test_the_atom_feed_escapes_labels_and_evidence(client: TestClient) -> None:
    text, feed = atom(client, commodity="lithium")
    [entry] = [e for e in feed.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}id").endswith("events-test-supply/b1")]
    assert entry.findtext(f"{ATOM}title") == f"Agreement: {TRICKY_LABEL} and Beta Cells"  # accepted: no marker
    assert entry.findtext(f"{ATOM}summary") == f"{TRICKY_LABEL} will supply Beta Cells."
    assert "<script>" not in text and "&lt;script&gt;alert('x')&lt;/script&gt; &amp; Sons" in text


def test_documented_in_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "$ref" in str(paths["/dashboard/events"]["get"]["responses"]["200"])
    assert "application/atom+xml" in paths["/dashboard/events.atom"]["get"]["responses"]["200"]["content"]
    names = {p["name"] for p in paths["/dashboard/events"]["get"]["parameters"]}
    assert names == {"commodity", "limit", "since"}


@pytest.mark.parametrize(("caller", "sees"), [("anonymous", False), ("beta", False), ("alpha", True),
                                              ("admin", True)])
def test_a_private_document_graph_feeds_only_who_may_read_it(client: TestClient, callers, caller: str,
                                                             sees: bool) -> None:
    headers = callers[caller]
    body = events(client, headers, commodity="graphite")
    text, _ = atom(client, headers, commodity="graphite")
    assert (SECRET in str(body)) is sees and (SECRET in text) is sees
    if sees:
        first = body["events"][0]  # dated 2026-12-24: the newest
        assert (first["document"], first["title"]) == (PRIVATE_DOC, "Export restriction: China — Graphite")
        assert SECRET in events(client, headers)["events"][0]["evidence"]  # graphite is watched by default
