"""Shared fixtures of the feed tests: the commodity index and small graph helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from kg.commodity_index import DEFAULT_ONTOLOGY, CommodityIndex

TESTS = Path(__file__).resolve().parent.parent
DATA = TESTS / "data"
PROJECT = TESTS.parent
FIXTURE_ONTOLOGY = DATA / "commodities.ttl"


@pytest.fixture(scope="session")
def commodity_index() -> CommodityIndex:
    """The real ontology/commodities.ttl when it exists, else the small test stand-in."""
    return CommodityIndex.from_ontology(DEFAULT_ONTOLOGY if DEFAULT_ONTOLOGY.exists() else FIXTURE_ONTOLOGY)


@pytest.fixture(scope="session")
def fixture_index() -> CommodityIndex:
    return CommodityIndex.from_ontology(FIXTURE_ONTOLOGY)


def objects(triples, subject: NamedNode | str, predicate: NamedNode) -> list:
    subject_value = subject.value if isinstance(subject, NamedNode) else subject
    return [t.object for t in triples if t.subject.value == subject_value and t.predicate == predicate]


def one(triples, subject, predicate):
    found = objects(triples, subject, predicate)
    assert len(found) == 1, (subject, predicate, found)
    return found[0]


def subjects_of_type(triples, cls: NamedNode) -> set[str]:
    rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    return {t.subject.value for t in triples if t.predicate == rdf_type and t.object == cls}
