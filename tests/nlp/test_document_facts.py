"""A document's candidate facts in its own graph: reified with evidence, never asserted, in the catalog."""

from pathlib import Path

from pyoxigraph import NamedNode

from extractors.documents import read_document
from extractors.nlp.pipeline import build_pipeline
from kg import iris
from kg.catalog import list_catalog
from kg.document_facts import graph_name, load_document_facts
from kg.store import open_store, query

TEXT = ("Albemarle Corporation operates the Kemerton lithium hydroxide plant in Western Australia. "
        "Glencore does not plan to sell its stake in the Murrin Murrin operation.")


def test_facts_go_into_the_documents_graph_as_candidates_with_evidence(tmp_path: Path) -> None:
    source = tmp_path / "kemerton-note.txt"
    source.write_text(TEXT, encoding="utf-8")
    document = read_document(source)
    nlp = build_pipeline()
    doc = nlp(document.text)
    store = open_store(tmp_path / "store")
    report = load_document_facts(store, document, doc._.mentions, doc._.facts)

    assert report.graph == iris.graph(graph_name("kemerton-note")).value
    rows = list(query(store, """
        SELECT ?relation ?evidence ?start ?end ?status ?doc WHERE {
          ?s a cm:ExtractedStatement ; cm:relationType ?relation ; cm:evidence ?evidence ;
             cm:charStart ?start ; cm:charEnd ?end ; cm:reviewStatus ?status ; prov:wasDerivedFrom ?doc .
        }"""))
    operates = [r for r in rows if r["relation"].value == "OPERATES"]
    assert len(operates) == 1
    row = operates[0]
    start, end = int(row["start"].value), int(row["end"].value)
    assert document.text[start:end] == row["evidence"].value
    assert row["evidence"].value.startswith("Albemarle Corporation operates")
    assert row["status"] == iris.concept("review-status", "candidate")
    assert row["doc"] == iris.document("kemerton-note")
    # the hedged sentence about Glencore states no fact
    assert not [r for r in rows if "Glencore" in r["evidence"].value]
    # candidates are not asserted: nothing in the union says anyone operates anything
    assert not list(store.quads_for_pattern(None, iris.term("operates"), None, None))
    # the new company is a candidate entity of this document, mentioned in it
    candidates = list(query(store, "SELECT ?e ?label WHERE { ?e a cm:CandidateEntity ; rdfs:label ?label ; "
                                   "cm:mentionedIn ?doc }"))
    assert "Albemarle Corporation" in {c["label"].value for c in candidates}
    assert {e.graph for e in list_catalog(store)} == {report.graph}


def test_reloading_a_document_replaces_its_graph(tmp_path: Path) -> None:
    source = tmp_path / "note.txt"
    source.write_text(TEXT, encoding="utf-8")
    document = read_document(source)
    nlp = build_pipeline()
    store = open_store(tmp_path / "store")
    graph = NamedNode(iris.graph(graph_name("note")).value)
    counts = []
    for _ in range(2):
        doc = nlp(document.text)
        load_document_facts(store, document, doc._.mentions, doc._.facts)
        statements = {q.subject for q in store.quads_for_pattern(None, None, iris.term("ExtractedStatement"), graph)}
        counts.append((len(statements), len(doc._.facts)))
    assert counts[0] == counts[1] and counts[0][0] == counts[0][1] > 0  # replaced, not added to
