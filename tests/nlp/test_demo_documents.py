"""The bundled demonstration documents (data/documents/): extracted over the bundled graph as `make load` does, they
reach existing entities' pages with their evidence, and each becomes a described graph ``doc-<stem>``.

Counts of facts depend on the extractor's rules, which change; these tests hold only what must stay true of any
reasonable extractor over these texts: graph facilities named in them are linked, and the pages show the sentences.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from extractors.documents import Document, read_documents
from extractors.facts import CandidateFact
from extractors.nlp.pipeline import load_pipeline
from kg import iris
from kg.document_facts import graph_name, load_document_facts
from kg.store import open_store
from tests.backends import serve_app

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "data" / "documents"
TEXTS = sorted(FOLDER.glob("*.txt"))
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
FACILITY_PREFIX = iris.ID + "facility/"
# The facility each text is about, by its graph label; every text names it in full at least once.
HEADLINE_FACILITIES = {
    "bayan-obo-rare-earths": "Bayan Obo",
    "greenbushes-lithium-expansion": "Greenbushes Mine",
    "kamoto-copper-cobalt": "Kamoto",
    "mountain-pass-rare-earths": "Mountain Pass",
    "obi-island-nickel-hpal": "Obi Island",
    "salar-de-atacama-lithium": "Salar de Atacama",
    "tenke-fungurume-cobalt": "Tenke Fungurume",
    "thacker-pass-lithium": "Thacker Pass",
}


@dataclass
class Extracted:
    client: TestClient
    documents: dict[str, Document]
    facts: dict[str, list[CandidateFact]]
    facilities_before: set[str]  # facility and deposit (MinMod site) IRIs the graph held before extraction
    linked: dict[str, set[str]]  # doc_id -> IRIs of the entities it mentions that the graph resolved


@pytest.fixture(scope="module")
def extracted(bundled_copy) -> Iterator[Extracted]:
    path = bundled_copy()
    nlp = load_pipeline(path)  # before the store is opened for writing, as `critmin extract --load` does
    store = open_store(path)
    facilities_before = {row["s"].value for row in store.query(
        "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s a ?kind } VALUES ?kind { cm:Facility cm:Deposit } }",
        prefixes=iris.PREFIXES)}
    documents: dict[str, Document] = {}
    facts: dict[str, list[CandidateFact]] = {}
    linked: dict[str, set[str]] = {}
    for document in read_documents(TEXTS):
        assert isinstance(document, Document), document
        doc = nlp(document.text)
        load_document_facts(store, document, doc._.mentions, doc._.facts)
        documents[document.doc_id] = document
        facts[document.doc_id] = list(doc._.facts)
        linked[document.doc_id] = {m.iri for m in doc._.mentions if m.iri}
    store.flush()
    del store
    with serve_app(path, query_workers=1) as client:
        yield Extracted(client, documents, facts, facilities_before, linked)


def sparql_rows(client: TestClient, query: str) -> list[dict]:
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def page_text(client: TestClient, url: str) -> str:
    response = client.get(url, headers={"Accept": "text/html"})
    assert response.status_code == 200, url
    return html.unescape(response.text)


def mentioned_in_section(page: str) -> str:
    """The page from its "Mentioned in" heading to the next heading."""
    match = re.search(r'<h2 id="mentioned-in">Mentioned in</h2>(.*?)(?:<h2|$)', page, re.S)
    assert match, "the page has no 'Mentioned in' section"
    return match.group(1)


def local_path(iri: str) -> str:
    """Where the app serves one of our IRIs (https://w3id.org/critmin/id/x is /id/x)."""
    return "/" + iri.removeprefix(iris.BASE)


def test_the_folder_holds_the_eight_texts_with_sidecars_and_nothing_unreadable() -> None:
    assert {p.stem for p in TEXTS} == set(HEADLINE_FACILITIES)
    for text in TEXTS:
        meta = json.loads(text.with_name(text.name + ".json").read_text(encoding="utf-8"))
        assert meta["licence"] == CC_BY and meta["publisher"] == "critmin project (demonstration text)"
        assert "url" not in meta, "demonstration texts were never published: no URL"
        assert 150 <= len(text.read_text(encoding="utf-8").split()) <= 250, text.name
    # the sidecars are passed over when the folder is read, not reported as unknown document types
    read = list(read_documents([FOLDER]))
    assert all(isinstance(d, Document) for d in read), [d for d in read if not isinstance(d, Document)]


def test_every_text_becomes_a_document_graph_with_its_metadata(extracted: Extracted) -> None:
    assert set(extracted.documents) == set(HEADLINE_FACILITIES)
    for doc_id, document in extracted.documents.items():
        graph = iris.graph(graph_name(doc_id)).value
        node = iris.document(doc_id).value
        rows = sparql_rows(extracted.client, f"""
            SELECT ?title ?licence ?publisher WHERE {{ GRAPH <{graph}> {{
              <{node}> a cm:Document ; dct:title ?title ; dct:license ?licence ; dct:publisher ?publisher }} }}""")
        assert len(rows) == 1, doc_id
        assert rows[0]["title"]["value"] == document.title == document.text.split("\n", 1)[0]
        assert rows[0]["licence"] == {"type": "uri", "value": CC_BY}
        assert rows[0]["publisher"]["value"] == "critmin project (demonstration text)"
        assert document.title in page_text(extracted.client, local_path(node))


def test_each_text_is_listed_on_the_page_of_the_graph_facility_it_is_about(extracted: Extracted) -> None:
    for doc_id, label in HEADLINE_FACILITIES.items():
        facilities = [iri for iri in extracted.linked[doc_id] if iri in extracted.facilities_before]
        labels = {iri: row["l"]["value"] for iri in facilities for row in sparql_rows(
            extracted.client, f"SELECT ?l WHERE {{ <{iri}> rdfs:label ?l }}")}
        about = [iri for iri, found in labels.items() if found == label]
        assert about, f"{doc_id}: {label!r} is not linked to the graph's facility (linked: {sorted(labels.values())})"
        section = mentioned_in_section(page_text(extracted.client, local_path(about[0])))
        assert extracted.documents[doc_id].title in section, doc_id


def test_existing_facilities_show_evidence_sentences_from_the_texts(extracted: Extracted) -> None:
    """At least three facilities the graph held before extraction have a page quoting a demonstration sentence."""
    shown: dict[str, str] = {}
    for doc_id, facts in extracted.facts.items():
        text = extracted.documents[doc_id].text
        for fact in facts:
            assert fact.evidence in text  # an evidence sentence is quoted, never rewritten
            for end in (fact.subject, fact.object):
                if end.iri in extracted.facilities_before and end.iri not in shown:
                    section = mentioned_in_section(page_text(extracted.client, local_path(end.iri)))
                    if fact.evidence in section:
                        shown[end.iri] = fact.evidence
    assert len(shown) >= 3, shown
    assert all(iri.startswith(FACILITY_PREFIX) for iri in shown)
