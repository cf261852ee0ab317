"""POST /documents through the real app over a copy of the bundled store: extraction, evidence, auth, bad uploads, and
the uploaded document as a private partner graph: who sees it, sharing it, deleting it, and review refusing to publish
it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat

from kg import iris
from kg.review import CURATED
from tests.backends import serve_app

RELEASE = (b"PERTH -- Albemarle Corporation operates the Kemerton lithium hydroxide plant in Western Australia. "
           b"Talison Lithium operates the Greenbushes Mine.")
DATA = Path(__file__).resolve().parents[1] / "nlp" / "data"


def serve(store: Path, accounts_db: Path) -> Iterator[TestClient]:
    with serve_app(store, query_workers=1, accounts_db=accounts_db, document_max_upload_bytes=4096) as test_client:
        yield test_client


@pytest.fixture
def client(bundled_copy, accounts_db: Path) -> Iterator[TestClient]:
    """Over the bundled data, so that names link to the graph's entities."""
    yield from serve(bundled_copy(), accounts_db)


@pytest.fixture
def small_client(tmp_path: Path, accounts_db: Path) -> Iterator[TestClient]:
    """Over a store holding one document, small enough to compare every quad before and after a refusal."""
    yield from serve(tmp_path / "store", accounts_db)


@pytest.fixture
def writer(token_for) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for('write', partner='bgs')}"}


def quads(client: TestClient) -> set:
    return set(client.app.state.store.quads_for_pattern(None, None, None, None))


def upload(client, headers, name="kemerton-news.txt", body=RELEASE, **fields):
    return client.post("/documents", headers=headers, files={"file": (name, body, "text/plain")}, data=fields)


def test_an_upload_becomes_a_document_graph_with_facts_and_evidence(client, writer):
    response = upload(client, writer, title="Kemerton update", date="2025-03-14", licence="CC-BY-4.0")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["doc_id"] == "bgs-kemerton-news"
    # a private partner graph of the uploader, and the answer says so and how to share it
    assert body["graph"] == f"{iris.GRAPH}partner/bgs/doc-kemerton-news"
    assert (body["visibility"], body["private"], body["readers"]) == ("partners", True, [])
    assert body["access"] == "/store/access?graph=" + quote(body["graph"], safe="")
    assert "private" in body["message"] and f"PUT {body['access']}" in body["message"]
    assert response.headers["location"] == body["page"] == "/id/document/bgs-kemerton-news"
    assert ("OPERATES", "Talison Lithium", "Greenbushes Mine") in {
        (r["type"], r["subject"], r["object"]) for r in body["relations"]}
    greenbushes = next(e for e in body["entities"] if e["name"] == "Greenbushes Mine")
    assert greenbushes["iri"].startswith("https://w3id.org/critmin/id/facility/")  # linked, not a new candidate
    # the facts are queryable at once, with their sentence
    query = ("PREFIX cm: <https://w3id.org/critmin/ontology/> SELECT ?e WHERE { GRAPH ?g { ?s cm:evidence ?e ; "
             "<http://www.w3.org/ns/prov#wasDerivedFrom> <https://w3id.org/critmin/id/document/bgs-kemerton-news> } }")
    rows = client.get("/sparql", params={"query": query}, headers={
        **writer, "Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    assert any("Greenbushes Mine" in row["e"]["value"] for row in rows)
    page = client.get(body["page"], headers={**writer, "Accept": "text/html"})
    assert page.status_code == 200 and "Kemerton update" in page.text
    # its catalog entry, as for a /store upload: title, the form's licence and publisher, the partner as publisher
    access = client.get("/store/access", params={"graph": body["graph"]}, headers=writer).json()
    assert (access["owner"], access["visibility"]) == ("bgs", "partners")
    companion = body["graph"].replace("/graph/partner/", "/graph/partner-catalog/")
    entry = client.get("/store", params={"graph": companion}, headers={**writer, "Accept": "application/n-triples"})
    assert entry.status_code == 200, entry.text
    assert '"Extracted from Kemerton update"@en' in entry.text
    assert f"<{iris.ID}partner/bgs>" in entry.text and "RESTRICTED" in entry.text
    assert "Licence: CC-BY-4.0." in entry.text


def test_uploading_the_same_file_again_replaces_that_partners_document_only(client, writer, token_for):
    assert upload(client, writer).status_code == 201
    other = {"Authorization": f"Bearer {token_for('write', partner='tata')}"}
    assert upload(client, other).json()["doc_id"] == "tata-kemerton-news"
    again = upload(client, writer, body=b"Talison Lithium operates the Greenbushes Mine.")
    assert again.status_code == 201
    assert [r["subject"] for r in again.json()["relations"]] == ["Talison Lithium"]


def test_html_uploads_lose_their_boilerplate(client, writer):
    response = upload(client, writer, name="release.html", body=(DATA / "boilerplate_release.html").read_bytes())
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(("headers", "status"), [({}, 401), (None, 403)])
def test_uploads_need_a_write_token(small_client, token_for, headers, status):
    if headers is None:
        headers = {"Authorization": f"Bearer {token_for('read', partner='bgs')}"}
    before = quads(small_client)
    assert upload(small_client, headers).status_code == status
    assert quads(small_client) == before


@pytest.mark.parametrize(("name", "body", "fields", "status", "message"), [
    ("notes.docx", b"PK...", {}, 415, "not a document we read"),
    ("empty.txt", b"   \n", {}, 422, "no text"),
    ("broken.pdf", b"%PDF-1.7 this is not a PDF", {}, 422, "broken.pdf"),
    ("big.txt", b"lithium " * 1000, {}, 413, "larger than the limit of 4,096 bytes"),
    ("dated.txt", RELEASE, {"date": "14 March 2025"}, 422, "YYYY-MM-DD"),
])
def test_a_bad_upload_is_refused_with_the_reason_and_changes_nothing(small_client, writer, name, body, fields,
                                                                      status, message):
    assert upload(small_client, writer, name="earlier.txt").status_code == 201
    before = quads(small_client)
    assert before
    response = upload(small_client, writer, name=name, body=body, **fields)
    assert response.status_code == status
    assert message in response.json()["detail"]
    assert quads(small_client) == before


# ---------------------------------------------------------------------------------------------------------------
# An uploaded document is its partner's, private until shared

SECRET = "Zzyzx"
ALPHA_DOC = f"{iris.ID}document/alpha-kemerton-news"
ALPHA_GRAPH = f"{iris.GRAPH}partner/alpha/doc-kemerton-news"
STATEMENTS = f"{iris.ID}statement/alpha-kemerton-news/"
SPARQL_JSON = {"Accept": "application/sparql-results+json"}
PREFIXES = "PREFIX cm: <https://w3id.org/critmin/ontology/> PREFIX prov: <http://www.w3.org/ns/prov#> "


@pytest.fixture
def callers(token_for) -> dict[str, dict[str, str]]:
    def bearer(*scopes: str, partner: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(*scopes, partner=partner)}"}

    return {"alpha": bearer("read", "write", partner="alpha"), "beta": bearer("read", "write", partner="beta"),
            "admin": bearer("admin", partner="hub-admins"), "anonymous": {}}


@pytest.fixture
def alpha_upload(client, callers) -> dict:
    """Partner alpha's document, uploaded: a title to search for, dated so that its events come first."""
    response = upload(client, callers["alpha"], title=f"{SECRET} Kemerton update", date="2026-12-25")
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["graph"], body["document"], body["private"]) == (ALPHA_GRAPH, ALPHA_DOC, True)
    return body


def rows(client: TestClient, headers: dict[str, str], query: str) -> list[dict]:
    response = client.get("/sparql", params={"query": PREFIXES + query}, headers={**headers, **SPARQL_JSON})
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def what_is_seen(client: TestClient, headers: dict[str, str]) -> dict[str, bool]:
    """Whether the caller sees anything of alpha's document, route by route (the facility it mentions is the hub's:
    its page stays, without the document)."""
    facility = client.get("/search", params={"q": "Greenbushes Mine", "format": "json"}).json()["hits"][0]["url"]
    facility_page = client.get(facility, headers={**headers, "Accept": "text/html"})
    assert facility_page.status_code == 200
    in_named = rows(client, headers, f"SELECT ?g ?s WHERE {{ GRAPH ?g {{ ?s prov:wasDerivedFrom <{ALPHA_DOC}> }} }}")
    graphs = rows(client, headers, f"SELECT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (?g = <{ALPHA_GRAPH}>) }} "
                                   "LIMIT 1")
    in_default = rows(client, headers, f"SELECT ?e WHERE {{ ?s cm:evidence ?e ; prov:wasDerivedFrom <{ALPHA_DOC}> }}")
    label = rows(client, headers, f"SELECT ?l WHERE {{ <{ALPHA_DOC}> ?p ?l }}")
    page = client.get("/id/document/alpha-kemerton-news", headers={**headers, "Accept": "text/html"})
    page_json = client.get("/id/document/alpha-kemerton-news.json", headers=headers)
    assert page.status_code in (200, 404) and page_json.status_code in (200, 404)
    hits = client.get("/search", params={"q": SECRET, "format": "json"}, headers=headers).json()["hits"]
    review = client.get("/review.json", params={"page_size": 200}, headers=headers).json()
    events = client.get("/dashboard/events", params={"commodity": "lithium", "limit": 200}, headers=headers)
    assert events.status_code == 200, events.text
    stored = client.get("/store", params={"graph": ALPHA_GRAPH}, headers=headers)
    assert stored.status_code in (200, 404)
    return {
        "sparql GRAPH ?g": bool(in_named),
        "sparql graph name": bool(graphs),
        "sparql default graph": bool(in_default),
        "sparql document": bool(label),
        "page": page.status_code == 200 and SECRET in page.text,
        "page json": page_json.status_code == 200 and SECRET in page_json.text,
        "mentioned on the facility's page": SECRET in facility_page.text,
        "search": any(hit["iri"] == ALPHA_DOC for hit in hits),
        "review": any(c["statement"].startswith(STATEMENTS) for c in review["candidates"]),
        "events": ALPHA_DOC in events.text,
        "store": stored.status_code == 200,
    }


def test_an_uploaded_document_is_seen_only_by_its_partner_and_admins(client, callers, alpha_upload):
    for caller in ("anonymous", "beta"):
        seen = what_is_seen(client, callers[caller])
        assert not any(seen.values()), (caller, seen)
        assert client.get("/store/access", params={"graph": ALPHA_GRAPH}, headers=callers[caller]).status_code == 404
    for caller in ("alpha", "admin"):
        seen = what_is_seen(client, callers[caller])
        assert all(seen.values()), (caller, seen)
        found = rows(client, callers[caller], f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s prov:wasDerivedFrom "
                                              f"<{ALPHA_DOC}> }} }}")
        assert [r["g"]["value"] for r in found] == [ALPHA_GRAPH]  # in the partner graph only, not in a hub graph
    access = client.get("/store/access", params={"graph": ALPHA_GRAPH}, headers=callers["alpha"]).json()
    assert (access["owner"], access["visibility"], access["readers"]) == ("alpha", "partners", [])


def test_a_shared_document_is_seen_by_whom_it_is_shared_with(client, callers, alpha_upload):
    shared = client.put("/store/access", params={"graph": ALPHA_GRAPH}, headers=callers["alpha"],
                        json={"visibility": "partners", "readers": ["beta"]})
    assert shared.status_code == 200, shared.text
    seen = what_is_seen(client, callers["beta"])
    assert all(seen.values()), seen
    assert not any(what_is_seen(client, callers["anonymous"]).values())
    # uploading the file again replaces the graph and keeps who may read it
    again = upload(client, callers["alpha"], body=b"Talison Lithium operates the Greenbushes Mine.",
                   title=f"{SECRET} Kemerton update, corrected")
    assert again.status_code == 201, again.text
    assert (again.json()["visibility"], again.json()["readers"]) == ("partners", ["beta"])
    evidence = rows(client, callers["beta"], f"SELECT ?e WHERE {{ GRAPH <{ALPHA_GRAPH}> {{ ?s cm:evidence ?e }} }}")
    assert [r["e"]["value"] for r in evidence] == ["Talison Lithium operates the Greenbushes Mine."]
    assert not any(what_is_seen(client, callers["anonymous"]).values())


def test_only_its_partner_deletes_an_uploaded_document(client, callers, alpha_upload):
    assert client.delete("/store", params={"graph": ALPHA_GRAPH}, headers=callers["beta"]).status_code == 403
    assert client.delete("/store", params={"graph": ALPHA_GRAPH}, headers=callers["alpha"]).status_code == 204
    assert not any(what_is_seen(client, callers["alpha"]).values())
    assert client.get("/store/access", params={"graph": ALPHA_GRAPH}, headers=callers["alpha"]).status_code == 404


def curated_dump(client: TestClient) -> bytes:
    return client.app.state.store.dump(format=RdfFormat.N_QUADS, from_graph=CURATED)


def test_a_private_documents_facts_are_not_published_by_review(client, callers, alpha_upload):
    statements = [c["statement"] for c in client.get("/review.json", params={"page_size": 200},
                                                     headers=callers["admin"]).json()["candidates"]
                  if c["statement"].startswith(STATEMENTS)]
    assert statements
    path = statements[0][len(iris.ID):]
    before, everything = curated_dump(client), quads(client)
    for action, body in (("accept", {"reviewer": "Ada"}), ("reject", {"reviewer": "Ada", "note": SECRET}),
                         ("fix", {"reviewer": "Ada", "predicate": "OWNS"})):
        response = client.post(f"/review/{path}/{action}", json=body,
                               headers={**callers["admin"], "Accept": "application/json"})
        assert response.status_code == 409, (action, response.text)
        detail = response.json()["detail"]
        assert ALPHA_GRAPH in detail and "not public" in detail and "PUT /store/access" in detail
    assert curated_dump(client) == before
    assert quads(client) == everything  # not even the statement's review status changed
    # shared with one partner is still not public
    client.put("/store/access", params={"graph": ALPHA_GRAPH}, headers=callers["alpha"],
               json={"visibility": "partners", "readers": ["beta"]})
    assert client.post(f"/review/{path}/accept", json={"reviewer": "Ada"},
                       headers=callers["admin"]).status_code == 409
    assert curated_dump(client) == before
    # once its partner makes it public, its facts are reviewed like the hub's
    made_public = client.put("/store/access", params={"graph": ALPHA_GRAPH}, headers=callers["alpha"],
                             json={"visibility": "public", "readers": []})
    assert made_public.status_code == 200, made_public.text
    accepted = client.post(f"/review/{path}/accept", json={"reviewer": "Ada"}, headers=callers["admin"])
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted" and curated_dump(client) != before


def test_the_servers_own_files_still_go_into_public_hub_graphs(tmp_path, accounts_db):
    """`critmin extract --load` on the hub's files: the public graph cmg:doc-{id}, read by anyone."""
    from kg.cli import main

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "kemerton-news.txt").write_bytes(RELEASE)
    assert main(["extract", str(folder), "--load", "--store", str(tmp_path / "store")]) == 0
    for client in serve(tmp_path / "store", accounts_db):
        graphs = rows(client, {}, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s prov:wasDerivedFrom "
                                  f"<{iris.ID}document/kemerton-news> }} }}")
        assert [r["g"]["value"] for r in graphs] == [f"{iris.GRAPH}doc-kemerton-news"]
        assert client.get("/id/document/kemerton-news").status_code == 200
