"""A document's extracted facts in a real on-disk store: re-extracting it keeps what reviewers decided."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Store

from extractors.documents import Document, read_document
from extractors.nlp.pipeline import build_pipeline
from kg import iris
from kg.document_facts import load_document_facts, prior_review_statuses
from kg.review import CURATED, accept, fix, list_candidates, reject
from kg.store import open_store

TEXT = ("Albemarle Corporation operates the Kemerton lithium hydroxide plant in Western Australia. "
        "Pilbara Minerals operates the Pilgangoora mine in Australia. "
        "Chile partners with Germany on lithium. "
        "Tianqi owns a 51% stake in the Greenbushes mine.")


def extract(path: Path, text: str) -> tuple[Document, list, list]:
    path.write_text(text, encoding="utf-8")
    document = read_document(path)
    doc = build_pipeline()(document.text)
    return document, list(doc._.mentions), list(doc._.facts)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "store")


def statuses(store: Store) -> dict[str, str]:
    return {c.statement: c.status for status in ("candidate", "accepted", "rejected")
            for c in list_candidates(store, status=status, page_size=200).candidates}


def by_subject(store: Store, name: str) -> str:
    return next(c.statement for c in list_candidates(store, page_size=200).candidates
                if name in (c.subject_label or ""))


def curated_quads(store: Store) -> set:
    return set(store.quads_for_pattern(None, None, None, CURATED))


def test_reloading_the_same_document_keeps_accepted_and_rejected_statuses(store: Store, tmp_path: Path) -> None:
    document, mentions, facts = extract(tmp_path / "lithium-news.txt", TEXT)
    load_document_facts(store, document, mentions, facts)
    accepted, rejected = by_subject(store, "Albemarle"), by_subject(store, "Chile")
    fixed = by_subject(store, "Pilbara")
    accept(store, accepted, reviewer="ann")
    reject(store, rejected, reviewer="bob", note="not a partnership")
    fix(store, fixed, predicate="OWNS", reviewer="cy")
    before, curated_before = statuses(store), curated_quads(store)
    assert before[accepted] == "accepted" and before[rejected] == "rejected" and before[fixed] == "accepted"

    load_document_facts(store, document, mentions, facts)

    assert statuses(store) == before  # same statements, same decisions; the rest are still candidates
    assert curated_quads(store) == curated_before  # history and asserted triples untouched
    candidates = {c.statement for c in list_candidates(store, page_size=200).candidates}
    assert not candidates & {accepted, rejected, fixed}
    assert prior_review_statuses(store, document.doc_id) == {accepted: "accepted", rejected: "rejected",
                                                             fixed: "accepted"}


def test_the_latest_decision_wins(store: Store, tmp_path: Path) -> None:
    document, mentions, facts = extract(tmp_path / "lithium-news.txt", TEXT)
    load_document_facts(store, document, mentions, facts)
    statement = by_subject(store, "Albemarle")
    accept(store, statement, reviewer="ann")
    reject(store, statement, reviewer="bob")
    load_document_facts(store, document, mentions, facts)
    assert statuses(store)[statement] == "rejected"
    reject_then_accept = by_subject(store, "Chile")
    reject(store, reject_then_accept, reviewer="bob")
    accept(store, reject_then_accept, reviewer="ann")
    load_document_facts(store, document, mentions, facts)
    assert statuses(store)[reject_then_accept] == "accepted"


def test_a_statement_that_disappears_keeps_its_records_and_its_accepted_triple(store: Store, tmp_path: Path
                                                                                ) -> None:
    path = tmp_path / "lithium-news.txt"
    document, mentions, facts = extract(path, TEXT)
    load_document_facts(store, document, mentions, facts)
    statement = by_subject(store, "Albemarle")
    decision = accept(store, statement, reviewer="ann")
    assert decision.asserted is not None
    s, p, o = (NamedNode(v) for v in decision.asserted)

    shorter, mentions, facts = extract(path, TEXT.split(". ", 1)[1])  # the Albemarle sentence is gone
    load_document_facts(store, shorter, mentions, facts)

    assert statement not in statuses(store)
    assert list(store.quads_for_pattern(s, p, o, CURATED))  # the reviewer's fact stays asserted
    assert list(store.quads_for_pattern(None, iris.ns("prov", "wasDerivedFrom"), NamedNode(statement), CURATED))
    assert all(status == "candidate" for status in statuses(store).values())


def test_decisions_on_another_document_do_not_leak(store: Store, tmp_path: Path) -> None:
    first = extract(tmp_path / "lithium-news.txt", TEXT)
    other = extract(tmp_path / "lithium-news-2.txt", TEXT)  # same facts, another document: other statement IRIs
    load_document_facts(store, *first)
    load_document_facts(store, *other)
    accepted = next(c.statement for c in list_candidates(store, page_size=200).candidates
                    if "Albemarle" in (c.subject_label or "") and "/lithium-news/" in c.statement)
    accept(store, accepted, reviewer="ann")
    load_document_facts(store, *other)
    assert prior_review_statuses(store, other[0].doc_id) == {}
    assert list_candidates(store, status="accepted").total == 1
