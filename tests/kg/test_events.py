"""kg.analytics.events over a copy of the bundled store with the eight bundled documents extracted (as `critmin extract
data/documents --load` does) and three small hand-written document graphs for dates, filters and review statuses.

What the bundled documents yield depends on the extractor's rules, so the expected events are computed here from
the statements in the graph, by their own queries, not counted by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, RdfFormat, Store

from extractors.documents import Document, read_documents
from extractors.nlp.pipeline import load_pipeline
from kg import iris
from kg.analytics.events import Event, recent_events, unknown_commodities
from kg.document_facts import load_document_facts
from kg.loading import load_ontology
from kg.review import fix, reject
from kg.store import open_store

ROOT = Path(__file__).resolve().parents[2]
TEXTS = sorted((ROOT / "data" / "documents").glob("*.txt"))
ID = iris.ID
GRAPHITE_DOC = f"{ID}document/events-test-graphite"
SUPPLY_DOC = f"{ID}document/events-test-supply"
UNDATED_DOC = f"{ID}document/events-test-undated"
TRICKY_LABEL = "Acme <script>alert('x')</script> & Sons"
# Three documents older than the bundled ones (dated 2026-11-26): one dated by dct:issued, one by dct:date only, one
# undated (its statements' extraction time is its date); an accepted, a rejected and a candidate statement.
EXTRA_TRIG = f"""
@prefix cm: <https://w3id.org/critmin/ontology/> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <{ID}> .

<{iris.GRAPH}doc-events-test-graphite> {{
  <{GRAPHITE_DOC}> a cm:Document ; rdfs:label "Graphite controls" ; dct:title "Graphite controls" ;
      dct:publisher "Test Wire" ; dct:issued "2024-05-01"^^xsd:date .
  id:statement\\/events-test-graphite\\/a1 a rdf:Statement , cm:ExtractedStatement ;
      rdf:subject id:country\\/CHN ; rdf:predicate cm:restrictsExportOf ; rdf:object id:commodity\\/natural-graphite ;
      cm:relationType "EXPORT_RESTRICTION" ; cm:charStart 0 ; cm:extractionConfidence 0.9 ;
      cm:evidence "China restricts exports of natural graphite & some anodes." ;
      cm:reviewStatus id:review-status\\/candidate ; prov:wasDerivedFrom <{GRAPHITE_DOC}> ;
      prov:generatedAtTime "2026-01-01T00:00:00Z"^^xsd:dateTime .
}}

<{iris.GRAPH}doc-events-test-supply> {{
  <{SUPPLY_DOC}> a cm:Document ; rdfs:label "Supply deal" ; dct:date "2025-02-03"^^xsd:date .
  id:lithium cm:mentionedIn <{SUPPLY_DOC}> .
  id:commodity\\/lithium cm:mentionedIn <{SUPPLY_DOC}> .
  id:candidate\\/events-test-supply\\/organization-acme a cm:CandidateEntity , cm:Organization ;
      rdfs:label "{TRICKY_LABEL}" .
  id:candidate\\/events-test-supply\\/organization-beta a cm:CandidateEntity , cm:Organization ;
      rdfs:label "Beta Cells" .
  id:statement\\/events-test-supply\\/b1 a rdf:Statement , cm:ExtractedStatement ;
      rdf:subject id:candidate\\/events-test-supply\\/organization-acme ; rdf:predicate cm:supplies ;
      rdf:object id:candidate\\/events-test-supply\\/organization-beta ;
      cm:relationType "SUPPLIES" ; cm:charStart 10 ; cm:extractionConfidence 0.8 ;
      cm:evidence "{TRICKY_LABEL} will supply Beta Cells." ;
      cm:reviewStatus id:review-status\\/accepted ; prov:wasDerivedFrom <{SUPPLY_DOC}> ;
      prov:generatedAtTime "2026-01-01T00:00:00Z"^^xsd:dateTime .
}}

<{iris.GRAPH}doc-events-test-undated> {{
  <{UNDATED_DOC}> a cm:Document ; rdfs:label "undated.txt" .
  id:commodity\\/cobalt cm:mentionedIn <{UNDATED_DOC}> .
  id:candidate\\/events-test-undated\\/organization-gamma a cm:CandidateEntity , cm:Organization ;
      rdfs:label "Gamma Metals" .
  id:candidate\\/events-test-undated\\/facility-gamma-refinery a cm:CandidateEntity , cm:Facility ;
      rdfs:label "Gamma refinery" .
  id:statement\\/events-test-undated\\/c1 a rdf:Statement , cm:ExtractedStatement ;
      rdf:subject id:candidate\\/events-test-undated\\/organization-gamma ; rdf:predicate cm:operates ;
      rdf:object id:candidate\\/events-test-undated\\/facility-gamma-refinery ;
      cm:relationType "OPERATES" ; cm:charStart 0 ; cm:extractionConfidence 0.7 ;
      cm:evidence "Gamma Metals operates the Gamma refinery." ;
      cm:reviewStatus id:review-status\\/candidate ; prov:wasDerivedFrom <{UNDATED_DOC}> ;
      prov:generatedAtTime "2025-06-01T10:00:00Z"^^xsd:dateTime .
  # a company making a commodity with no plant named: no facility event
  id:statement\\/events-test-undated\\/c2 a rdf:Statement , cm:ExtractedStatement ;
      rdf:subject id:candidate\\/events-test-undated\\/organization-gamma ; rdf:predicate cm:produces ;
      rdf:object id:commodity\\/cobalt ; cm:relationType "PRODUCES" ; cm:charStart 50 ;
      cm:evidence "Gamma Metals produces cobalt." ; cm:reviewStatus id:review-status\\/candidate ;
      prov:wasDerivedFrom <{UNDATED_DOC}> ; prov:generatedAtTime "2025-06-01T10:00:00Z"^^xsd:dateTime .
  # rejected by a reviewer: never an event
  id:statement\\/events-test-undated\\/c3 a rdf:Statement , cm:ExtractedStatement ;
      rdf:subject id:country\\/COD ; rdf:predicate cm:restrictsExportOf ; rdf:object id:commodity\\/cobalt ;
      cm:relationType "EXPORT_RESTRICTION" ; cm:charStart 80 ;
      cm:evidence "Gamma Metals said Congo bans cobalt exports." ; cm:reviewStatus id:review-status\\/rejected ;
      prov:wasDerivedFrom <{UNDATED_DOC}> ; prov:generatedAtTime "2025-06-01T10:00:00Z"^^xsd:dateTime .
}}
"""


def extract_bundled_documents(path: Path) -> None:
    """What `critmin extract data/documents --load` does, into the store at ``path``, plus ``EXTRA_TRIG``."""
    nlp = load_pipeline(path)  # before the store is opened for writing, as the CLI does
    store = open_store(path)
    for document in read_documents(TEXTS):
        assert isinstance(document, Document), document
        doc = nlp(document.text)
        load_document_facts(store, document, doc._.mentions, doc._.facts)
    store.load(EXTRA_TRIG.encode(), format=RdfFormat.TRIG)
    store.flush()


@pytest.fixture(scope="module")
def store(bundled_copy) -> Iterator[Store]:
    path = bundled_copy()
    extract_bundled_documents(path)
    yield open_store(path)


@pytest.fixture(scope="module")
def everything(store: Store) -> list[Event]:
    return recent_events(store, None, limit=10_000)


KINDS = {"EXPORT_RESTRICTION": "export-restriction", "SUPPLIES": "agreement", "PARTNERSHIP": "agreement",
         "OWNS": "agreement", "OPERATES": "facility", "PRODUCES": "facility", "PROCESSES": "facility"}
# Independently of the module's queries: every statement that should be behind an event, with its sentence.
EXPECTED = """
SELECT ?statement ?document ?relation ?evidence ?issued ?date WHERE {
  GRAPH ?g { ?statement a cm:ExtractedStatement ; cm:relationType ?relation ; cm:evidence ?evidence ;
                        prov:wasDerivedFrom ?document ; rdf:subject ?s ; rdf:object ?o .
             FILTER NOT EXISTS { ?statement cm:reviewStatus <https://w3id.org/critmin/id/review-status/rejected> } }
  OPTIONAL { ?document dct:issued ?issued } OPTIONAL { ?document dct:date ?date }
  FILTER (?relation IN ("EXPORT_RESTRICTION", "SUPPLIES", "PARTNERSHIP", "OWNS")
          || (?relation IN ("OPERATES", "PRODUCES", "PROCESSES")
              && (EXISTS { ?s a ?class . ?class rdfs:subClassOf* cm:Facility }
                  || EXISTS { ?o a ?class . ?class rdfs:subClassOf* cm:Facility })))
}"""


def expected_statements(store: Store) -> dict[str, dict[str, str]]:
    return {row["statement"].value: {
        "document": row["document"].value, "kind": KINDS[row["relation"].value], "evidence": row["evidence"].value,
        "date": (row["issued"] or row["date"]).value if (row["issued"] or row["date"]) else ""}
        for row in store.query(EXPECTED, prefixes=iris.PREFIXES, use_default_graph_as_union=True)}


def test_every_statement_of_a_watched_kind_is_in_exactly_one_event_with_its_document_and_sentence(
        store: Store, everything: list[Event]) -> None:
    expected = expected_statements(store)
    assert {e["document"] for e in expected.values()} >= {iris.document(p.stem).value for p in TEXTS}
    placed: dict[str, Event] = {}
    for event in everything:
        for fact in event.facts:
            assert fact.statement not in placed, fact.statement
            placed[fact.statement] = event
    assert set(placed) == set(expected)
    for statement, want in expected.items():
        event = placed[statement]
        assert (event.kind, event.document, event.evidence) == (want["kind"], want["document"], want["evidence"])
        if want["date"]:
            assert (event.date.isoformat(), event.date_from) == (want["date"], "document")
    groups = {(e["document"], e["evidence"], e["kind"]) for e in expected.values()}
    assert len(everything) == len(groups)  # one event per document sentence and kind, no duplicates


def test_the_bundled_export_restrictions(everything: list[Event]) -> None:
    restrictions = {(e.document.rsplit("/", 1)[-1], e.title) for e in everything if e.kind == "export-restriction"}
    assert ("obi-island-nickel-hpal", "Export restriction: Indonesia — Nickel") in restrictions
    obi = next(e for e in everything
               if e.kind == "export-restriction" and e.document.endswith("obi-island-nickel-hpal"))
    assert obi.status == "candidate" and obi.publisher == "critmin project (demonstration text)"
    assert obi.document_title == "Obi Island becomes a centre of Indonesian nickel processing"
    assert [c.iri for c in obi.commodities] == [iris.commodity("nickel").value] and obi.commodities_from == "statement"
    assert obi.statement == min(f.statement for f in obi.facts) and obi.confidence


def test_a_sentence_naming_several_owners_is_one_agreement_listing_all_parties(everything: list[Event]) -> None:
    multi = [e for e in everything if e.kind == "agreement" and len(e.facts) > 1]
    assert multi
    for event in multi:
        for fact in event.facts:
            assert fact.subject_label in event.title and fact.object_label in event.title


def test_newest_first_and_in_reading_order_within_a_document(everything: list[Event]) -> None:
    dates = [e.date for e in everything]
    assert dates == sorted(dates, reverse=True)
    tail = [e.document for e in everything[-3:]]
    assert tail == [UNDATED_DOC, SUPPLY_DOC, GRAPHITE_DOC]
    for document in {e.document for e in everything}:
        positions = [e.position for e in everything if e.document == document]
        assert positions == sorted(positions)


def test_dates_come_from_the_document_else_from_the_extraction(everything: list[Event]) -> None:
    by_document = {e.document: e for e in everything}
    assert (by_document[GRAPHITE_DOC].date, by_document[GRAPHITE_DOC].date_from) == (date(2024, 5, 1), "document")
    assert (by_document[SUPPLY_DOC].date, by_document[SUPPLY_DOC].date_from) == (date(2025, 2, 3), "document")
    assert (by_document[UNDATED_DOC].date, by_document[UNDATED_DOC].date_from) == (date(2025, 6, 1), "extraction")


def test_since_keeps_events_of_that_day_and_later(store: Store, everything: list[Event]) -> None:
    since = recent_events(store, None, limit=10_000, since=date(2025, 2, 3))
    assert [e.statement for e in since] == [e.statement for e in everything if e.date >= date(2025, 2, 3)]
    assert SUPPLY_DOC in {e.document for e in since} and GRAPHITE_DOC not in {e.document for e in since}


def test_limit(store: Store, everything: list[Event]) -> None:
    assert [e.statement for e in recent_events(store, None, limit=4)] == [e.statement for e in everything[:4]]


def test_review_status_candidates_are_kept_and_marked_rejected_facts_left_out(everything: list[Event]) -> None:
    statuses = {e.document: e.status for e in everything if e.document in (SUPPLY_DOC, UNDATED_DOC)}
    assert statuses == {SUPPLY_DOC: "accepted", UNDATED_DOC: "candidate"}
    statements = {f.statement for e in everything for f in e.facts}
    assert f"{ID}statement/events-test-undated/c3" not in statements  # rejected
    assert f"{ID}statement/events-test-undated/c2" not in statements  # no facility named


def test_commodities_from_the_statement_the_facility_or_the_document(everything: list[Event]) -> None:
    by_document = {e.document: e for e in everything}
    graphite = by_document[GRAPHITE_DOC]
    assert graphite.title == "Export restriction: China — Natural graphite"
    assert ([c.iri for c in graphite.commodities], graphite.commodities_from) == (
        [iris.commodity("natural-graphite").value], "statement")
    supply = by_document[SUPPLY_DOC]
    assert ([c.iri for c in supply.commodities], supply.commodities_from) == (
        [iris.commodity("lithium").value], "document")  # a mention by a non-commodity IRI is ignored
    undated = by_document[UNDATED_DOC]
    assert undated.title == "Facility: Gamma refinery — Gamma Metals"
    assert ([c.label for c in undated.commodities], undated.commodities_from) == (["Cobalt"], "document")
    thacker = [e for e in everything if e.title == "Facility: Thacker Pass — Lithium Americas"]
    assert thacker and thacker[0].commodities_from == "facility"
    assert iris.commodity("lithium").value in {c.iri for c in thacker[0].commodities}


@pytest.mark.parametrize(("watched", "document"), [
    ("graphite", GRAPHITE_DOC),  # natural graphite is narrower than graphite
    ("natural-graphite", GRAPHITE_DOC),
    ("lithium", SUPPLY_DOC),
])
def test_filtering_by_commodity_takes_narrower_ones(store: Store, watched: str, document: str) -> None:
    found = recent_events(store, [iris.commodity(watched)], limit=10_000)
    assert document in {e.document for e in found}


def test_filtering_by_commodity_keeps_only_events_about_it(store: Store, everything: list[Event]) -> None:
    narrower = {row["c"].value for row in store.query(
        "SELECT ?c WHERE { ?c skos:broader* commodity:lithium }", prefixes=iris.PREFIXES,
        use_default_graph_as_union=True)}
    found = recent_events(store, [iris.commodity("lithium")], limit=10_000)
    about = [e.statement for e in everything if {c.iri for c in e.commodities} & narrower]
    assert [e.statement for e in found] == about
    assert any(e.document.endswith("greenbushes-lithium-expansion") for e in found)
    assert not any(e.document.endswith("obi-island-nickel-hpal") for e in found)
    assert recent_events(store, [iris.commodity("nickel"), iris.commodity("lithium")], limit=10_000) != found


def test_unknown_commodities(store: Store) -> None:
    unknown = NamedNode(f"{ID}commodity/unobtainium")
    assert unknown_commodities(store, [iris.commodity("graphite"), unknown]) == [unknown]



def test_a_reviewers_fix_shows_in_the_event_and_a_rejection_removes_it(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    load_ontology(store)
    store.load(EXTRA_TRIG.encode(), format=RdfFormat.TRIG)
    statement = f"{ID}statement/events-test-graphite/a1"
    fix(store, statement, object=iris.commodity("spherical-graphite").value, reviewer="test")
    [event] = [e for e in recent_events(store, [iris.commodity("graphite")], limit=10) if e.statement == statement]
    assert event.title == "Export restriction: CHN — Spherical graphite"  # no countries loaded: the key names it
    assert event.status == "accepted"
    assert [c.iri for c in event.commodities] == [iris.commodity("spherical-graphite").value]
    assert not recent_events(store, [iris.commodity("natural-graphite")], limit=10)
    reject(store, statement, reviewer="test")
    assert statement not in {e.statement for e in recent_events(store, None, limit=10)}
