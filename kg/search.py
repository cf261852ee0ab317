"""Label search with autocomplete: an in-memory index over every label and alias, built from one SPARQL pass.

Labels are ``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel`` and ``skos:hiddenLabel``. Each is normalised
(casefolded, accents folded, punctuation to spaces) and stored under keys in one sorted list: the whole label, and
the label from each later word on ("caraiba copper deposit" also under "copper deposit" and "deposit"), so one
``bisect`` finds both a prefix of the whole label and a prefix of any word (or run of words).

Ranking: an exact label first, then a prefix of the whole label, then a prefix of a word; within a tier, by
popularity (statements that mention the entity, log-scaled) plus a boost by kind (commodities, countries and
facilities before observations), then shorter labels. One hit per entity, under its best matching label.

>>> index = SearchIndex.from_rows([
...     ("https://w3id.org/critmin/id/commodity/aluminium", "Aluminium", True, "commodity", 40),
...     ("https://w3id.org/critmin/id/commodity/aluminium", "Aluminum", False, "commodity", 40),
... ])
>>> [(hit.label, hit.matched) for hit in index.search("alumin")]
[('Aluminium', 'Aluminum')]
>>> [hit.matched for hit in index.search("aluminum")]
['Aluminum']
"""

from __future__ import annotations

import math
import re
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import Store

from kg import iris
from kg.rq import load_query
from kg.store import query

EXACT, PREFIX, WORD_PREFIX = 0, 1, 2
MAX_CANDIDATES = 4000
"""At most this many keys are ranked per lookup, so a one-letter prefix over a million labels stays fast."""

_cm = iris.ONTOLOGY
_FACILITY_CLASSES = ("Facility", "Deposit", "Mine", "Concentrator", "Smelter", "Refinery", "ChemicalPlant",
                     "PrecursorPlant", "CathodePlant", "AnodePlant", "CellPlant", "EVAssemblyPlant", "RecyclingPlant",
                     "SteelPlant")
_OBSERVATION_CLASSES = ("Observation", "ProductionObservation", "CapacityObservation", "ReservesObservation",
                        "ResourcesObservation", "StatisticObservation")
_ORGANISATION_CLASSES = ("Organization", "Company", "GovernmentBody", "ResearchInstitute", "IndustryBody")


@dataclass(frozen=True)
class Kind:
    """A kind of entity people look for: the classes that make an entity one, and its weight in the ranking."""

    key: str
    title: str
    classes: tuple[str, ...]
    boost: float


KINDS: tuple[Kind, ...] = (
    Kind("commodity", "Commodities", (_cm + "Commodity",), 4.0),
    Kind("country", "Countries", (_cm + "Country",), 3.5),
    Kind("place", "Regions and aggregates", (_cm + "Region", _cm + "Aggregate", _cm + "Place"), 3.0),
    Kind("facility", "Facilities", tuple(_cm + name for name in _FACILITY_CLASSES), 2.5),
    Kind("organisation", "Companies and organisations", tuple(_cm + name for name in _ORGANISATION_CLASSES), 2.5),
    Kind("list", "Criticality lists", (_cm + "CriticalityList",), 2.5),
    Kind("document", "Documents", (_cm + "Document",), 1.5),
    Kind("concept", "Vocabulary concepts", (iris.PREFIXES["skos"] + "Concept",
                                            iris.PREFIXES["skos"] + "ConceptScheme"), 1.0),
    Kind("term", "Ontology terms", tuple(iris.PREFIXES["owl"] + name for name in (
        "Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty", "Ontology")), 0.5),
    Kind("observation", "Observations", tuple(_cm + name for name in _OBSERVATION_CLASSES), 0.0),
    Kind("other", "Other", (), 0.0),
)
KIND_BY_KEY = {kind.key: kind for kind in KINDS}
_KIND_OF_CLASS = {cls: kind.key for kind in reversed(KINDS) for cls in kind.classes}  # the first kind listed wins
_KIND_ORDER = {kind.key: rank for rank, kind in enumerate(KINDS)}
# Bookkeeping that has labels but is not something to look up: rows, problems, geometries, load activities.
NOT_INDEXED = frozenset({
    _cm + "SourceRecord", _cm + "RowProblem", _cm + "DepositTypeCandidate", _cm + "FacilityMatch",
    iris.PREFIXES["geo"] + "Geometry", iris.PREFIXES["prov"] + "Activity", iris.PREFIXES["sh"] + "NodeShape",
    iris.PREFIXES["sh"] + "SPARQLConstraint",
})
_PRIMARY = (iris.PREFIXES["rdfs"] + "label", iris.PREFIXES["skos"] + "prefLabel")
_NON_WORD = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    """Casefolded, accents folded, every run of punctuation or space one space.

    >>> normalise("  Caraíba Copper-Deposit ")
    'caraiba copper deposit'
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NON_WORD.sub(" ", folded.replace("_", " ")).strip()


def kind_of(types: Iterable[str]) -> str | None:
    """The kind of an entity with these rdf:types (the first in ``KINDS`` order); None: not indexed."""
    types = set(types)
    if types & NOT_INDEXED:
        return None
    kinds = [_KIND_OF_CLASS[t] for t in types if t in _KIND_OF_CLASS]
    return min(kinds, key=_KIND_ORDER.__getitem__) if kinds else "other"


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str  # the entity's own label
    matched: str  # the label or alias that matched
    kind: str
    tier: int  # EXACT, PREFIX or WORD_PREFIX
    popularity: int

    @property
    def match(self) -> str:
        return ("exact", "prefix", "word")[self.tier]


class SearchIndex:
    """Sorted normalised keys -> label entries -> entities; build with ``build_index`` or ``from_rows``."""

    def __init__(self) -> None:
        self.iris: list[str] = []
        self.names: list[str] = []  # an entity's display label
        self.kinds: list[str] = []
        self.popularity = array("l")
        self.label_texts: list[str] = []
        self.label_entities = array("l")
        self.keys: list[str] = []
        self.key_labels = array("l")  # >= 0: the whole label; < 0: a later word of label ~n
        self._scores: list[float] = []
        self._entity_ids: dict[str, int] = {}
        self._labels_of: list[list[int]] | None = None  # entity -> its label numbers, built on first use

    def __len__(self) -> int:
        return len(self.label_texts)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, bool, str, int]]) -> SearchIndex:
        """Rows of (iri, label, is primary label, kind, popularity); an entity's first row names it (give primary
        labels first); labels of one entity that normalise alike count once."""
        index = cls()
        entity_ids: dict[str, int] = {}
        seen: set[tuple[int, str]] = set()
        pending: list[tuple[str, int]] = []
        for iri, label, _primary, kind, popularity in rows:
            label = " ".join(label.split())
            entity = entity_ids.get(iri)
            if entity is None:
                entity = entity_ids[iri] = len(index.iris)
                index.iris.append(iri)
                index.names.append(label)
                index.kinds.append(kind)
                index.popularity.append(popularity)
            key = normalise(label)
            if not key or (entity, key) in seen:
                continue
            seen.add((entity, key))
            number = len(index.label_texts)
            index.label_texts.append(label)
            index.label_entities.append(entity)
            pending.append((key, number))
            for match in re.finditer(" ", key):
                pending.append((key[match.end():], ~number))
        pending.sort()
        index._entity_ids = entity_ids
        index.keys = [key for key, _ in pending]
        index.key_labels = array("l", (number for _, number in pending))
        kind_boost = {kind.key: kind.boost for kind in KINDS}
        pairs = zip(index.popularity, index.kinds, strict=True)
        index._scores = [math.log1p(popularity) + kind_boost.get(kind, 0.0) for popularity, kind in pairs]
        return index

    def search(self, text: str, *, types: Iterable[str] | None = None, limit: int = 10) -> list[Hit]:
        """The best ``limit`` entities whose label or alias starts with ``text`` (or has a word that does)."""
        prefix = normalise(text)
        if not prefix or limit <= 0:
            return []
        wanted = set(types) if types else None
        keys, key_labels, label_entities, scores = self.keys, self.key_labels, self.label_entities, self._scores
        best: dict[int, tuple[tuple[int, float, int, str], int, int]] = {}
        position = bisect_left(keys, prefix)
        end = min(len(keys), position + MAX_CANDIDATES)
        while position < end:
            key = keys[position]
            if not key.startswith(prefix):
                break
            number = key_labels[position]
            position += 1
            whole = number >= 0
            if not whole:
                number = ~number
            entity = label_entities[number]
            if wanted is not None and self.kinds[entity] not in wanted:
                end = min(len(keys), end + 1)  # filtered-out keys do not use up the budget
                continue
            tier = (EXACT if key == prefix else PREFIX) if whole else WORD_PREFIX
            label = self.label_texts[number]
            rank = (tier, -scores[entity], len(label), label)
            current = best.get(entity)
            if current is None or rank < current[0]:
                best[entity] = (rank, number, tier)
        ordered = sorted(best.items(), key=lambda item: item[1][0])[:limit]
        return [
            Hit(iri=self.iris[entity], label=self.names[entity], matched=self.label_texts[number],
                kind=self.kinds[entity], tier=tier, popularity=self.popularity[entity])
            for entity, (_, number, tier) in ordered
        ]

    def __contains__(self, iri: object) -> bool:
        return iri in self._entity_ids

    def entity(self, iri: str) -> tuple[str, str] | None:
        """(display label, kind) of an indexed entity; None when it is not indexed."""
        entity = self._entity_ids.get(iri)
        return None if entity is None else (self.names[entity], self.kinds[entity])

    def labels(self, iri: str) -> list[str]:
        """Every label and alias of an indexed entity (its display label first); [] when it is not indexed."""
        entity = self._entity_ids.get(iri)
        if entity is None:
            return []
        if self._labels_of is None:  # reconciliation needs it; plain search never pays for it
            labels_of: list[list[int]] = [[] for _ in self.iris]
            for number, owner in enumerate(self.label_entities):
                labels_of[owner].append(number)
            self._labels_of = labels_of
        return [self.label_texts[number] for number in self._labels_of[entity]]


def label_rows(store: Store) -> list[tuple[str, str, bool, str, int]]:
    """(iri, label, is primary, kind, popularity) for every label of every indexed entity, from one SPARQL pass."""
    types: dict[str, set[str]] = {}
    labels: dict[str, dict[str, bool]] = {}
    mentions: dict[str, int] = {}
    for row in query(store, load_query(__file__, "search_labels")):
        iri = row["entity"].value
        if row["type"] is not None:
            types.setdefault(iri, set()).add(row["type"].value)
        by_text = labels.setdefault(iri, {})
        text = row["label"].value
        by_text[text] = by_text.get(text, False) or row["property"].value in _PRIMARY
        if row["mentions"] is not None:
            mentions[iri] = int(row["mentions"].value)
    out = []
    for iri, by_text in labels.items():
        kind = kind_of(types.get(iri, ()))
        if kind is None:
            continue
        # primary labels first, so an entity is named by its rdfs:label / prefLabel
        for text, primary in sorted(by_text.items(), key=lambda item: (not item[1], item[0])):
            out.append((iri, text, primary, kind, mentions.get(iri, 0)))
    return out


def build_index(store: Store) -> SearchIndex:
    """The search index of everything in ``store`` now (rebuild after each write)."""
    return SearchIndex.from_rows(label_rows(store))


def search(index: SearchIndex, text: str, *, types: Iterable[str] | None = None, limit: int = 10) -> list[Hit]:
    """``index.search``, as a function: the best ``limit`` hits for ``text``, optionally of some kinds only."""
    return index.search(text, types=types, limit=limit)
