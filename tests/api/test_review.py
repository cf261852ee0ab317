"""Reviewing extracted facts through the real app over a real store: listing, accept, reject, fix, the admin token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, Store

from extractors.documents import read_document
from extractors.nlp.pipeline import build_pipeline
from kg import iris
from kg.accounts import revoke_token
from kg.catalog import CATALOG
from kg.document_facts import load_document_facts
from kg.review import CURATED
from kg.store import open_store
from tests.backends import serve_app

TEXT = ("Albemarle Corporation operates the Kemerton lithium hydroxide plant in Western Australia. "
        "Pilbara Minerals operates the Pilgangoora mine in Australia. "
        "Chile partners with Germany on lithium.")
HOSTILE = 'he said "no" }} ; DROP ALL ; INSERT DATA { <x:a> <x:b> <x:c> } # \'\\'


def make_store(tmp_path: Path, text: str = TEXT) -> Path:
    source = tmp_path / "lithium-news.txt"
    source.write_text(text, encoding="utf-8")
    document = read_document(source)
    doc = build_pipeline()(document.text)
    path = tmp_path / "store"
    store = open_store(path)
    load_document_facts(store, document, doc._.mentions, doc._.facts)
    store.flush()
    del store
    return path


@pytest.fixture
def client(tmp_path: Path, accounts_db: Path) -> Iterator[TestClient]:
    with serve_app(make_store(tmp_path), query_workers=1, accounts_db=accounts_db) as test_client:
        yield test_client


@pytest.fixture
def auth(admin_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {admin_token}"}


def store_of(client: TestClient) -> Store:
    return client.app.state.store


def dump(store: Store) -> set:
    return set(store.quads_for_pattern(None, None, None, None))


def candidate(client: TestClient, relation: str = "OPERATES", who: str = "Albemarle") -> dict:
    rows = client.get("/review.json", params={"relation": relation}).json()["candidates"]
    return next(r for r in rows if who in (r["subject_label"] or ""))


def sparql_ask(client: TestClient, ask: str) -> bool:
    response = client.get("/sparql", params={"query": ask}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


def test_listing_shows_candidates_with_evidence_labels_and_paging(client: TestClient) -> None:
    data = client.get("/review.json").json()
    assert data["status"] == "candidate" and data["total"] >= 3
    row = candidate(client)
    assert row["evidence"].startswith("Albemarle Corporation operates")
    assert row["object_label"] == "Kemerton lithium hydroxide plant"
    assert row["document"] == iris.document("lithium-news").value and row["confidence"] == 0.7
    assert row["actions"]["accept"].startswith("/review/statement/")
    paged = client.get("/review.json", params={"page_size": 1, "page": 2}).json()
    assert len(paged["candidates"]) == 1 and paged["pages"] == data["total"] and paged["previous"]
    past_the_end = client.get("/review.json", params={"page_size": 188, "page": 2735804839300789745095836434432})
    assert past_the_end.status_code == 200 and past_the_end.json()["candidates"] == []  # a 500 before (fuzzing)
    only = client.get("/review.json", params={"relation": "PARTNERSHIP"}).json()
    assert {c["relation"] for c in only["candidates"]} == {"PARTNERSHIP"}
    assert client.get("/review.json", params={"status": "bogus"}).status_code == 400
    page = client.get("/review")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "Albemarle Corporation operates the Kemerton" in page.text


def test_accept_asserts_the_triple_in_the_curated_graph_visible_to_sparql(client: TestClient, auth: dict) -> None:
    row = candidate(client)
    ask = (f"ASK {{ GRAPH <{CURATED.value}> {{ <{row['subject']}> <{row['predicate']}> <{row['object']}> }} }}")
    assert not sparql_ask(client, ask)
    response = client.post(row["actions"]["accept"], json={"reviewer": "ann", "note": "checked the release"},
                           headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "accepted" and response.json()["record"]
    assert sparql_ask(client, ask)
    store = store_of(client)
    assert len(list(store.quads_for_pattern(NamedNode(row["subject"]), NamedNode(row["predicate"]), None,
                                            CURATED))) == 1
    # the record names the statement; the statement is accepted in its own graph
    records = list(store.quads_for_pattern(None, iris.ns("prov", "wasDerivedFrom"), NamedNode(row["statement"]),
                                           CURATED))
    assert len(records) == 1
    assert list(store.quads_for_pattern(NamedNode(row["statement"]), iris.term("reviewStatus"),
                                        iris.concept("review-status", "accepted"), NamedNode(row["graph"])))
    # accepting again changes nothing
    before = dump(store)
    again = client.post(row["actions"]["accept"], json={"reviewer": "ann"}, headers=auth)
    assert again.status_code == 200 and again.json()["record"] is None
    assert dump(store) == before
    assert client.get("/review.json", params={"status": "accepted"}).json()["total"] == 1


def test_reject_asserts_nothing_and_retracts_an_accepted_triple(client: TestClient, auth: dict) -> None:
    row = candidate(client)
    ask = f"ASK {{ <{row['subject']}> <{row['predicate']}> <{row['object']}> }}"
    client.post(row["actions"]["accept"], json={"reviewer": "ann"}, headers=auth)
    assert sparql_ask(client, ask)
    response = client.post(row["actions"]["reject"], data={"reviewer": "bob", "note": "wrong plant"},
                           headers=auth | {"Accept": "application/json"})
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert not sparql_ask(client, ask)
    other = candidate(client, "PARTNERSHIP", "Chile")
    client.post(other["actions"]["reject"], json={"reviewer": "bob"}, headers=auth)
    assert not sparql_ask(client, f"ASK {{ <{other['subject']}> ?p <{other['object']}> }}")
    assert client.get("/review.json", params={"status": "rejected"}).json()["total"] == 2
    assert not any(g.value.startswith(iris.GRAPH + "review-staging-") for g in store_of(client).named_graphs())


def test_fix_accepts_the_corrected_statement_and_keeps_the_original(client: TestClient, auth: dict) -> None:
    row = candidate(client)
    response = client.post(row["actions"]["fix"], headers=auth, json={
        "reviewer": "cy", "predicate": "OWNS", "attributes": {"percentage": 49, "status": "completed"}})
    assert response.status_code == 200, response.text
    owns = iris.term("owns").value
    assert sparql_ask(client, f"ASK {{ GRAPH <{CURATED.value}> {{ <{row['subject']}> <{owns}> <{row['object']}> }} }}")
    assert not sparql_ask(client, f"ASK {{ <{row['subject']}> <{row['predicate']}> <{row['object']}> }}")
    store = store_of(client)
    # the original reification is untouched
    assert list(store.quads_for_pattern(NamedNode(row["statement"]), iris.ns("rdf", "predicate"),
                                        NamedNode(row["predicate"]), NamedNode(row["graph"])))
    assert list(store.quads_for_pattern(None, iris.term("sharePercent"), None, CURATED))
    bad = client.post(row["actions"]["fix"], headers=auth, json={"reviewer": "cy", "predicate": "LIKES"})
    assert bad.status_code == 400
    missing = client.post("/review/statement/nope/000000000000/accept", headers=auth, json={"reviewer": "cy"})
    assert missing.status_code == 404


def test_writes_need_an_admin_token_and_change_nothing_without_one(client: TestClient, accounts_db: Path,
                                                                  token_for) -> None:
    row = candidate(client)
    before = dump(store_of(client))
    read_only, write, revoked = token_for("read"), token_for("write"), token_for("admin")
    revoke_token(accounts_db, revoked.split("_")[1])
    cases = [  # headers, status, what the message says
        ({}, 401, "needs an API token with the 'admin' scope"),
        ({"Authorization": f"Bearer {revoked}"}, 401, "unknown or revoked"),
        ({"Authorization": read_only}, 401, "must be 'Authorization: Bearer <token>'"),
        ({"Authorization": "Bearer wrong"}, 401, "not a critmin API token"),
        ({"Authorization": f"Bearer {read_only}"}, 403, "needs the 'admin' scope; your token has: read"),
        ({"Authorization": f"Bearer {write}"}, 403, "needs the 'admin' scope; your token has: write"),
    ]
    for headers, status, message in cases:
        for action in ("accept", "reject", "fix"):
            response = client.post(row["actions"][action], json={"reviewer": "eve"}, headers=headers)
            assert response.status_code == status, (headers, response.text)
            assert message in response.json()["detail"]
            assert not any(token in response.text for token in (read_only, write, revoked))
    assert dump(store_of(client)) == before


def test_a_hostile_note_is_stored_verbatim_and_changes_nothing_else(client: TestClient, auth: dict) -> None:
    row = candidate(client)
    store = store_of(client)
    before = dump(store)
    response = client.post(row["actions"]["reject"], json={"reviewer": HOSTILE, "note": HOSTILE}, headers=auth)
    assert response.status_code == 200, response.text
    after = dump(store)
    added, removed = after - before, before - after
    notes = [q for q in added if q.predicate == iris.term("reviewNote")]
    assert [q.object.value for q in notes] == [HOSTILE]
    statuses = {q for q in added if q.predicate == iris.term("reviewStatus")}
    catalog = {q for q in added if q.graph_name == iris.CATALOG_GRAPH}  # the curated graph's entry, counts
    assert all(q.graph_name == CURATED for q in added - statuses - catalog)
    assert {q.subject for q in catalog} <= {CURATED, CATALOG} and HOSTILE not in str(catalog)
    assert {q.predicate for q in removed} == {iris.term("reviewStatus")}  # only the status swapped
    assert len(before) - len(removed) + len(added) == len(after) and len(removed) == 1


def test_entity_page_shows_mentioned_in_with_the_evidence(client: TestClient) -> None:
    row = candidate(client)
    page = client.get(row["subject_url"])
    assert page.status_code == 200, page.text
    assert "Mentioned in" in page.text
    assert "Albemarle Corporation operates the Kemerton lithium hydroxide plant" in page.text
    assert 'href="/id/document/lithium-news"' in page.text
    data = client.get(row["subject_url"] + ".json").json()
    assert data["mentioned_in"][0]["statements"][0]["status"] == "candidate"


def test_reloading_the_document_keeps_decisions_out_of_the_candidate_list(tmp_path: Path, accounts_db: Path,
                                                                          auth: dict) -> None:
    store_path = make_store(tmp_path)
    with serve_app(store_path, query_workers=1, accounts_db=accounts_db) as client:
        accepted, rejected = candidate(client), candidate(client, "PARTNERSHIP", "Chile")
        assert client.post(accepted["actions"]["accept"], json={"reviewer": "ann"}, headers=auth).status_code == 200
        assert client.post(rejected["actions"]["reject"], json={"reviewer": "bob"}, headers=auth).status_code == 200
    # `critmin extract --load` of the same document again, as its own process would (the app has let go of the store)
    document = read_document(tmp_path / "lithium-news.txt")
    doc = build_pipeline()(document.text)
    store = open_store(store_path)
    load_document_facts(store, document, doc._.mentions, doc._.facts)
    store.flush()
    del store
    with serve_app(store_path, query_workers=1, accounts_db=accounts_db) as client:
        listed = {c["statement"] for c in client.get("/review.json", params={"page_size": 200}).json()["candidates"]}
        assert accepted["statement"] not in listed and rejected["statement"] not in listed
        page = client.get("/review", params={"status": "candidate"}).text
        assert accepted["path"] not in page and rejected["path"] not in page
        assert [c["statement"] for c in client.get("/review.json", params={"status": "accepted"}).json()[
            "candidates"]] == [accepted["statement"]]
        assert [c["statement"] for c in client.get("/review.json", params={"status": "rejected"}).json()[
            "candidates"]] == [rejected["statement"]]


def test_the_curated_graph_is_in_the_catalog_with_current_counts(client: TestClient, auth: dict) -> None:
    void = "http://rdfs.org/ns/void#triples"
    count = f"SELECT ?n WHERE {{ GRAPH <{iris.CATALOG_GRAPH.value}> {{ <{CURATED.value}> <{void}> ?n }} }}"

    def catalog_triples() -> list[int]:
        response = client.get("/sparql", params={"query": count}, headers={"Accept": "application/sparql-results+json"})
        return [int(b["n"]["value"]) for b in response.json()["results"]["bindings"]]

    assert catalog_triples() == []  # no decision yet: no curated graph, no entry
    row, other = candidate(client), candidate(client, "PARTNERSHIP", "Chile")
    client.post(row["actions"]["accept"], json={"reviewer": "ann"}, headers=auth)
    store = store_of(client)
    assert catalog_triples() == [len(list(store.quads_for_pattern(None, None, None, CURATED)))]
    client.post(other["actions"]["reject"], json={"reviewer": "bob", "note": "no"}, headers=auth)
    client.post(row["actions"]["reject"], json={"reviewer": "bob"}, headers=auth)  # retracts the accepted triple
    assert catalog_triples() == [len(list(store.quads_for_pattern(None, None, None, CURATED)))]
    records = list(store.quads_for_pattern(CURATED, iris.term("recordCount"), None, iris.CATALOG_GRAPH))
    assert [q.object.value for q in records] == ["3"]

    void_page = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert void_page.status_code == 200 and "cmg:curated" in void_page.text and "Reviewed facts" in void_page.text
    graph_page = client.get("/graph/curated")
    assert graph_page.status_code == 200 and "Reviewed facts" in graph_page.text
    graph_json = client.get("/graph/curated.ttl")
    assert graph_json.status_code == 200 and "Reviewed facts" in graph_json.text
    home = client.get("/")
    assert "Reviewed facts" in home.text


def test_the_list_shows_each_statements_attributes(tmp_path: Path) -> None:
    text = TEXT + " Tianqi owns a 51% stake in the Greenbushes mine."
    with serve_app(make_store(tmp_path, text), query_workers=1) as client:
        row = candidate(client, "OWNS", "Tianqi")
        assert row["attributes"]["percentage"] == 51
        assert row["fix_attributes"] == row["attributes"]
        assert candidate(client)["attributes"] == {}
        page = client.get("/review", params={"relation": "OWNS"}).text
        assert "<dt>percentage</dt><dd>51</dd>" in page
