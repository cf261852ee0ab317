"""POST /documents through the real app over a copy of the bundled store: extraction, evidence, auth, bad uploads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from kg.settings import Settings

RELEASE = (b"PERTH -- Albemarle Corporation operates the Kemerton lithium hydroxide plant in Western Australia. "
           b"Talison Lithium operates the Greenbushes Mine.")
DATA = Path(__file__).resolve().parents[1] / "nlp" / "data"


def serve(store: Path, accounts_db: Path) -> Iterator[TestClient]:
    settings = Settings(store=store, query_workers=1, accounts_db=accounts_db, document_max_upload_bytes=4096)
    with TestClient(create_app(settings)) as test_client:
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
    assert response.headers["location"] == body["page"] == "/id/document/bgs-kemerton-news"
    assert ("OPERATES", "Talison Lithium", "Greenbushes Mine") in {
        (r["type"], r["subject"], r["object"]) for r in body["relations"]}
    greenbushes = next(e for e in body["entities"] if e["name"] == "Greenbushes Mine")
    assert greenbushes["iri"].startswith("https://w3id.org/critmin/id/facility/")  # linked, not a new candidate
    # the facts are queryable at once, with their sentence
    query = ("PREFIX cm: <https://w3id.org/critmin/ontology/> SELECT ?e WHERE { GRAPH ?g { ?s cm:evidence ?e ; "
             "<http://www.w3.org/ns/prov#wasDerivedFrom> <https://w3id.org/critmin/id/document/bgs-kemerton-news> } }")
    rows = client.get("/sparql", params={"query": query},
                      headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    assert any("Greenbushes Mine" in row["e"]["value"] for row in rows)
    page = client.get(body["page"], headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Kemerton update" in page.text


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
