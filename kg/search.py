"""Label search with autocomplete: an in-memory index over every label and alias, per graph, kept current by writes.

Labels are ``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel`` and ``skos:hiddenLabel``. Each is normalised
(casefolded, accents folded, punctuation to spaces) and stored under keys in one sorted list: the whole label, and
the label from each later word on ("caraiba copper deposit" also under "copper deposit" and "deposit"), so one
``bisect`` finds both a prefix of the whole label and a prefix of any word (or run of words).

Ranking: an exact label first, then a prefix of the whole label, then a prefix of a word; within a tier, by
popularity (statements that mention the entity, log-scaled) plus a boost by kind (commodities, countries and
facilities before observations), then shorter labels. One hit per entity, under its best matching label.

Every entry remembers the graph that says it, for two reasons. A write re-reads only the graphs it wrote
(``SearchIndex.refreshed``: at 10M triples a full build takes over a minute, a partner's upload is re-read in
milliseconds). And one index serves every reader: ``for_reader(hidden)`` skips the entries of graphs hidden from a
reader and takes an entity's name, kind and popularity from the graphs the reader sees.

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

import copy
import csv
import io
import math
import re
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
from pyoxigraph import NamedNode, QueryResultsFormat, Store

from kg import iris
from kg.rq import load_query
from kg.store import query
from kg.timings import step

EXACT, PREFIX, WORD_PREFIX = 0, 1, 2
MAX_CANDIDATES = 4000
"""At most this many keys are ranked per lookup, so a one-letter prefix over a million labels stays fast."""
MAX_NEW_ENTITIES_PER_REFRESH = 2000
"""Above this many entities new to the index in one refresh (each costs two small queries), rebuild it whole."""
MAX_RECENT_KEYS = 200_000
"""Keys added by refreshes are kept in a second sorted list; past this many (or a tenth of the index), rebuild."""
MAX_DEAD_LABEL_SHARE = 0.25
"""Labels of graphs re-read are kept, marked dead, until a rebuild; past this share of all labels, rebuild."""

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
_INDEXED_CLASSES = frozenset(_KIND_OF_CLASS) | NOT_INDEXED  # the types search keeps: those deciding a kind
PRIMARY_LABEL_PROPERTIES = (iris.PREFIXES["rdfs"] + "label", iris.PREFIXES["skos"] + "prefLabel")
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


@dataclass
class GraphPart:
    """What one named graph says that search uses: labels, the types that decide a kind, and mention counts."""

    labels: list[tuple[str, str, bool]] = field(default_factory=list)  # (entity, label, is a primary label)
    types: list[tuple[str, str]] = field(default_factory=list)  # (entity, class), classes of KINDS or NOT_INDEXED
    mentions: dict[str, int] = field(default_factory=dict)  # entity -> statements of the graph with it in them


class SearchIndex:
    """Sorted normalised keys -> label entries -> entities, every entry tagged with the graph that says it.

    Build with ``build_index``; after a write, ``refreshed(store, graphs)`` re-reads only the graphs written. A reader
    from whom graphs are hidden searches ``for_reader(hidden)``: entries of hidden graphs are skipped, and an entity's
    name, kind and popularity come from the graphs that reader sees, so nothing a hidden graph says shows or ranks.
    An index is never changed once built (``refreshed`` returns a new one), so requests may keep using an old one.
    """

    def __init__(self) -> None:
        self.iris: list[str] = []
        self._entity_ids: dict[str, int] = {}
        # Per entity, tuples and dicts of plain values only: the garbage collector stops tracking those, so a
        # collection in a request does not walk the whole index (it did: 200-300 ms pauses at 1M triples).
        self._types: list[dict[int, tuple[str, ...]]] = []  # entity -> graph -> its classes there
        self._mentions: list[dict[int, int]] = []  # entity -> graph -> statements there that mention it
        self._labels_of: list[tuple[int, ...]] = []  # entity -> its label numbers, primary labels first, then A-Z
        self.names: list[str] = []  # what follows is for readers who see every graph, precomputed
        self.kinds: list[str | None] = []
        self.popularity = array("l")
        self._scores = array("d")
        self._kind_codes = array("b")  # the kind's place in KINDS; -1: not indexed
        self.label_texts: list[str] = []
        self.label_entities = array("l")  # -1: the entry's graph was re-read since, the entry is gone
        self.label_graphs = array("l")
        self.label_primary = bytearray()
        self.label_lengths = array("l")
        self.keys: list[str] = []
        self.key_labels = array("l")  # >= 0: the whole label; < 0: a later word of label ~n
        # Keys added since the last full sort, kept apart so that a write costs what it adds, not the whole index
        self.recent_keys: list[str] = []
        self.recent_key_labels = array("l")
        self._graph_ids: dict[str, int] = {}
        self._graph_labels: dict[int, list[int]] = {}  # graph -> its label numbers
        self._graph_entities: dict[int, set[int]] = {}  # graph -> entities it types or mentions
        self.dead_labels = 0
        self._columns: _Columns | None = None  # numpy views of the arrays above, made on the first search

    def __len__(self) -> int:
        return len(self.label_texts) - self.dead_labels

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, bool, str, int]]) -> SearchIndex:
        """An index of one graph from rows of (iri, label, is primary label, kind, popularity), for tests."""
        part = GraphPart()
        for iri, label, primary, kind, popularity in rows:
            part.labels.append((iri, label, primary))
            part.types.extend((iri, cls_iri) for cls_iri in KIND_BY_KEY[kind].classes[:1])
            part.mentions[iri] = popularity
        return cls.from_parts({"": part})

    @classmethod
    def from_parts(cls, parts: dict[str, GraphPart]) -> SearchIndex:
        """An index of what ``parts`` (graph IRI -> what search reads of it, ``read_all_graphs``) say."""
        index = cls()
        index._add_parts(parts)
        return index

    def rows(self) -> Iterator[tuple[str, str, bool, str, int]]:
        """(iri, label, is primary, kind, popularity) of every indexed label, as ``from_rows`` takes them."""
        for entity, iri in enumerate(self.iris):
            kind = self.kinds[entity]
            if kind is None:
                continue
            texts: dict[str, bool] = {}  # a label two graphs give, once
            for number in self._labels_of[entity]:
                text = self.label_texts[number]
                texts[text] = texts.get(text, False) or bool(self.label_primary[number])
            for text, primary in texts.items():
                yield iri, text, primary, kind, self.popularity[entity]

    # --- reading -------------------------------------------------------------------------------------------------

    def for_reader(self, hidden: Iterable[str]) -> ReaderIndex:
        """This index as a reader sees it from whom the graphs ``hidden`` (IRIs) are hidden."""
        return ReaderIndex(self, frozenset(self._graph_ids[g] for g in hidden if g in self._graph_ids))

    def search(self, text: str, *, types: Iterable[str] | None = None, limit: int = 10,
               _reader: ReaderIndex | None = None) -> list[Hit]:
        """The best ``limit`` entities whose label or alias starts with ``text`` (or has a word that does)."""
        prefix = normalise(text)
        if not prefix or limit <= 0:
            return []
        wanted = None if types is None else np.array([_KIND_ORDER[t] for t in set(types) if t in _KIND_ORDER],
                                                     dtype=np.int8)
        columns = self._columns or self._make_columns()
        found = [_candidates(columns, keys, key_labels, prefix, wanted, _reader)
                 for keys, key_labels in ((self.keys, columns.key_labels),
                                          (self.recent_keys, columns.recent_key_labels))]
        numbers, entities, tiers, scores = (np.concatenate(parts) for parts in zip(*found, strict=True))
        lengths = columns.label_lengths[numbers]
        order = np.lexsort((lengths, -scores, tiers))
        # Only entries ranked up to the limit-th entity's best (ties included) can be in the answer; those are
        # ranked again in Python, where equal ranks are decided by the label's text.
        _, firsts = np.unique(entities[order], return_index=True)
        considered = len(order)
        if len(firsts) > limit:
            last = int(np.sort(firsts)[limit - 1])
            rest = order[last:]
            anchor = order[last]
            tied = ((tiers[rest] == tiers[anchor]) & (scores[rest] == scores[anchor])
                    & (lengths[rest] == lengths[anchor]))
            considered = last + (len(rest) if tied.all() else int(np.argmin(tied)))
        texts = self.label_texts
        best: dict[int, tuple[tuple[int, float, int, str], int, int]] = {}
        chosen = order[:considered]
        for entity, number, tier, score, length in zip(entities[chosen].tolist(), numbers[chosen].tolist(),
                                                       tiers[chosen].tolist(), scores[chosen].tolist(),
                                                       lengths[chosen].tolist(), strict=True):
            rank = (tier, -score, length, texts[number])
            current = best.get(entity)
            if current is None or rank < current[0]:
                best[entity] = (rank, number, tier)
        hidden = _reader.hidden if _reader else frozenset()
        hits = []
        for entity, (_, number, tier) in sorted(best.items(), key=lambda item: item[1][0])[:limit]:
            kind, _, popularity = self._facts(entity, hidden)
            hits.append(Hit(iri=self.iris[entity], label=self._name(entity, hidden) or texts[number],
                            matched=texts[number], kind=kind or "other", tier=tier, popularity=popularity))
        return hits

    def _make_columns(self) -> _Columns:
        """Views (no copies) of the arrays search reads, for numpy; the arrays cannot grow while they exist, which
        suits an index that is never changed once built."""
        self._columns = _Columns(
            key_labels=np.frombuffer(self.key_labels, dtype=np.int64),
            recent_key_labels=np.frombuffer(self.recent_key_labels, dtype=np.int64),
            label_entities=np.frombuffer(self.label_entities, dtype=np.int64),
            label_graphs=np.frombuffer(self.label_graphs, dtype=np.int64),
            label_lengths=np.frombuffer(self.label_lengths, dtype=np.int64),
            kind_codes=np.frombuffer(self._kind_codes, dtype=np.int8),
            scores=np.frombuffer(self._scores, dtype=np.float64))
        return self._columns

    def entity(self, iri: str, *, _hidden: frozenset[int] = frozenset()) -> tuple[str, str] | None:
        """(display label, kind) of an indexed entity; None when it is not indexed."""
        entity = self._entity_ids.get(iri)
        if entity is None:
            return None
        name, kind = self._name(entity, _hidden), self._facts(entity, _hidden)[0]
        return None if name is None or kind is None else (name, kind)

    def __contains__(self, iri: object) -> bool:
        return isinstance(iri, str) and self.entity(iri) is not None

    def labels(self, iri: str, *, _hidden: frozenset[int] = frozenset()) -> list[str]:
        """Every label and alias of an indexed entity (its display label first); [] when it is not indexed."""
        if self.entity(iri, _hidden=_hidden) is None:
            return []
        texts = [self.label_texts[n] for n in self._labels_of[self._entity_ids[iri]]
                 if self.label_graphs[n] not in _hidden]
        return list(dict.fromkeys(texts))

    def _name(self, entity: int, hidden: frozenset[int]) -> str | None:
        if not hidden:
            return self.names[entity] or None
        return next((self.label_texts[n] for n in self._labels_of[entity] if self.label_graphs[n] not in hidden),
                    None)

    def _facts(self, entity: int, hidden: frozenset[int]) -> tuple[str | None, float, int]:
        """(kind, ranking score, popularity) of an entity from the graphs a reader sees."""
        if not hidden:
            return self.kinds[entity], self._scores[entity], self.popularity[entity]
        types = [t for graph, found in self._types[entity].items() if graph not in hidden for t in found]
        kind = kind_of(types)
        popularity = sum(n for graph, n in self._mentions[entity].items() if graph not in hidden)
        return kind, _score(popularity, kind), popularity

    # --- building ------------------------------------------------------------------------------------------------

    def refreshed(self, store: Store, graphs: Iterable[str], *, compact: bool = True) -> SearchIndex:
        """A new index in which ``graphs`` (IRIs) say what the store says now; the other graphs are not read.

        An entity first labelled by these graphs gets its types and mentions in every graph, read one entity at a
        time; when that is many entities, the whole index is rebuilt instead. So it is when the index holds too
        many entries of graphs re-read since (``compaction_due``), unless ``compact`` is False: then the index is
        returned as it is, correct but slower to search, for the caller to rebuild it off the write's path.
        """
        graphs = sorted(set(graphs))
        new = self._copy()
        for graph in graphs:
            new._drop(graph)
        parts = {graph: read_graph(store, graph) for graph in graphs}
        known = len(new.iris)
        new._add_parts(parts)
        first_seen = range(known, len(new.iris))
        if len(first_seen) > MAX_NEW_ENTITIES_PER_REFRESH or (compact and new.compaction_due):
            with step("rebuild the search index"):
                return build_index(store)  # cheaper than many look-ups, and it sorts and compacts everything again
        added: dict[int, set[int]] = {}
        for entity in first_seen:
            for graph in new._add_entity_elsewhere(store, entity, skip=set(graphs)):
                added.setdefault(graph, set()).add(entity)
        for graph, entities in added.items():
            new._graph_entities[graph] = new._graph_entities.get(graph, set()) | entities
        new._derive(first_seen)
        return new

    @property
    def compaction_due(self) -> bool:
        """Whether dead labels or keys added since the last build are so many that a rebuild would pay."""
        return (self.dead_labels > len(self.label_texts) * MAX_DEAD_LABEL_SHARE
                or len(self.recent_keys) > max(MAX_RECENT_KEYS, len(self.keys) // 10))

    def _copy(self) -> SearchIndex:
        """A copy whose containers can change without touching this index (a shared set or dict is replaced, never
        changed, in the copy)."""
        new = copy.copy(self)
        new.iris, new._entity_ids = list(self.iris), dict(self._entity_ids)
        new._types, new._mentions, new._labels_of = list(self._types), list(self._mentions), list(self._labels_of)
        new.names, new.kinds, new.popularity, new._scores = (list(self.names), list(self.kinds),
                                                             array("l", self.popularity), array("d", self._scores))
        new._kind_codes = array("b", self._kind_codes)
        new.label_texts, new.label_entities = list(self.label_texts), array("l", self.label_entities)
        new.label_graphs, new.label_primary = array("l", self.label_graphs), bytearray(self.label_primary)
        new.label_lengths = array("l", self.label_lengths)
        new._columns = None
        new._graph_ids, new._graph_labels = dict(self._graph_ids), dict(self._graph_labels)
        new._graph_entities = dict(self._graph_entities)
        new.recent_keys, new.recent_key_labels = list(self.recent_keys), array("l", self.recent_key_labels)
        return new

    def _graph_id(self, graph: str) -> int:
        if graph not in self._graph_ids:
            self._graph_ids[graph] = len(self._graph_ids)
        return self._graph_ids[graph]

    def _entity(self, iri: str) -> int:
        entity = self._entity_ids.get(iri)
        if entity is None:
            entity = self._entity_ids[iri] = len(self.iris)
            self.iris.append(iri)
            self._types.append({})
            self._mentions.append({})
            self._labels_of.append(())
            self.names.append("")
            self.kinds.append(None)
            self.popularity.append(0)
            self._scores.append(0.0)
            self._kind_codes.append(-1)
        return entity

    def _drop(self, graph_iri: str) -> None:
        """Forget what ``graph_iri`` said: its label entries, types and mentions."""
        graph = self._graph_ids.get(graph_iri)
        if graph is None:
            return
        dead = set(self._graph_labels.pop(graph, ()))
        touched = set(self._graph_entities.pop(graph, ()))
        for number in dead:
            touched.add(self.label_entities[number])
            self.label_entities[number] = -1
        self.dead_labels += len(dead)
        for entity in touched:
            self._types[entity] = {g: t for g, t in self._types[entity].items() if g != graph}
            self._mentions[entity] = {g: n for g, n in self._mentions[entity].items() if g != graph}
            self._labels_of[entity] = tuple(n for n in self._labels_of[entity] if n not in dead)
        self._derive(touched)  # the entries' keys stay, pointing at entity -1, until the next full build

    def _add_parts(self, parts: dict[str, GraphPart]) -> None:
        """Adds what ``parts`` say (graph IRI -> part): labels first, then types and mentions of labelled entities."""
        pending: list[tuple[str, int]] = []
        touched: set[int] = set()
        for graph_iri, part in parts.items():
            graph = self._graph_id(graph_iri)
            numbers = self._graph_labels[graph] = list(self._graph_labels.get(graph, ()))  # a copy shares the old
            for iri, labels in _labels_by_entity(part.labels).items():
                entity = self._entity(iri)
                touched.add(entity)
                for text, primary, key in labels:
                    number = len(self.label_texts)
                    self.label_texts.append(text)
                    self.label_entities.append(entity)
                    self.label_graphs.append(graph)
                    self.label_primary.append(primary)
                    self.label_lengths.append(len(text))
                    self._labels_of[entity] = (*self._labels_of[entity], number)
                    numbers.append(number)
                    pending.append((key, number))
                    pending.extend((key[m.end():], ~number) for m in re.finditer(" ", key))
        for graph_iri, part in parts.items():
            graph = self._graph_id(graph_iri)
            types: dict[int, set[str]] = {}
            for iri, cls in part.types:
                if (entity := self._entity_ids.get(iri)) is not None:
                    types.setdefault(entity, set()).add(cls)
            for entity, found in types.items():
                self._types[entity] = {**self._types[entity], graph: tuple(sorted(found))}
            mentions = {self._entity_ids[iri]: n for iri, n in part.mentions.items() if iri in self._entity_ids}
            for entity, count in mentions.items():
                self._mentions[entity] = {**self._mentions[entity], graph: count}
            self._graph_entities[graph] = self._graph_entities.get(graph, set()) | set(types) | set(mentions)
            touched.update(types, mentions)
        if pending:
            if self.keys:  # a refresh: into the recent keys (sorted again whole: they are few)
                pending.extend(zip(self.recent_keys, self.recent_key_labels, strict=True))
            pending.sort()
            keys, numbers = [key for key, _ in pending], array("l", (number for _, number in pending))
            if self.keys:
                self.recent_keys, self.recent_key_labels = keys, numbers
            else:
                self.keys, self.key_labels = keys, numbers
        self._derive(touched)

    def _add_entity_elsewhere(self, store: Store, entity: int, *, skip: set[str]) -> set[int]:
        """Types and mentions of an entity new to the index in every graph but ``skip`` (those were just read);
        returns the graphs that had some."""
        subject = NamedNode(self.iris[entity])
        types: dict[int, set[str]] = {}
        for row in query(store, load_query(__file__, "search_entity_types"), entity=subject):
            if row["graph"].value not in skip:
                types.setdefault(self._graph_id(row["graph"].value), set()).add(row["type"].value)
        mentions = {self._graph_id(row["graph"].value): int(row["mentions"].value)
                    for row in query(store, load_query(__file__, "search_entity_mentions"), entity=subject)
                    if row["graph"].value not in skip}
        self._types[entity] = {**self._types[entity], **{g: tuple(sorted(t)) for g, t in types.items()}}
        self._mentions[entity] = {**self._mentions[entity], **mentions}
        return {*types, *mentions}

    def _derive(self, entities: Iterable[int]) -> None:
        """Name, kind, popularity and score of ``entities`` for a reader who sees every graph."""
        for entity in entities:
            numbers = tuple(sorted(self._labels_of[entity], key=lambda n: (not self.label_primary[n],
                                                                           self.label_texts[n], self.label_graphs[n])))
            self._labels_of[entity] = numbers
            self.names[entity] = self.label_texts[numbers[0]] if numbers else ""
            kind = kind_of(t for found in self._types[entity].values() for t in found)
            self.kinds[entity] = kind
            self._kind_codes[entity] = -1 if kind is None else _KIND_ORDER[kind]
            self.popularity[entity] = sum(self._mentions[entity].values())
            self._scores[entity] = _score(self.popularity[entity], kind)


class ReaderIndex:
    """A ``SearchIndex`` as seen by a reader from whom some graphs are hidden (``SearchIndex.for_reader``)."""

    def __init__(self, index: SearchIndex, hidden: frozenset[int]) -> None:
        self.index, self.hidden = index, hidden
        # Only entities that a hidden graph labels, types or mentions can rank or read differently for this reader.
        concerned: set[int] = set()
        for graph in hidden:
            concerned.update(index._graph_entities.get(graph, ()))
            concerned.update(index.label_entities[n] for n in index._graph_labels.get(graph, ()))
        self.differs = {entity: index._facts(entity, hidden) for entity in concerned}
        self.hidden_graphs = np.array(sorted(hidden), dtype=np.int64)
        ordered = sorted(self.differs.items())
        self.differing_entities = np.array([entity for entity, _ in ordered], dtype=np.int64)
        self.differing_kinds = np.array([-1 if kind is None else _KIND_ORDER[kind] for _, (kind, _, _) in ordered],
                                        dtype=np.int8)
        self.differing_scores = np.array([score for _, (_, score, _) in ordered], dtype=np.float64)

    def search(self, text: str, *, types: Iterable[str] | None = None, limit: int = 10) -> list[Hit]:
        return self.index.search(text, types=types, limit=limit, _reader=self)

    def entity(self, iri: str) -> tuple[str, str] | None:
        return self.index.entity(iri, _hidden=self.hidden)

    def labels(self, iri: str) -> list[str]:
        return self.index.labels(iri, _hidden=self.hidden)

    def __contains__(self, iri: object) -> bool:
        return isinstance(iri, str) and self.entity(iri) is not None


@dataclass(frozen=True)
class _Columns:
    """The index's arrays as numpy arrays (``SearchIndex._make_columns``)."""

    key_labels: np.ndarray
    recent_key_labels: np.ndarray
    label_entities: np.ndarray
    label_graphs: np.ndarray
    label_lengths: np.ndarray
    kind_codes: np.ndarray
    scores: np.ndarray


def _candidates(columns: _Columns, keys: list[str], key_labels: np.ndarray, prefix: str, wanted: np.ndarray | None,
                reader: ReaderIndex | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(label numbers, entities, tiers, scores) of the entries under the first ``MAX_CANDIDATES`` keys of one sorted
    run that start with ``prefix``; keys whose entry is gone, hidden from ``reader`` or of a kind not ``wanted`` do
    not count against that budget, nor are they returned (bookkeeping entries count, and are not returned)."""
    start = bisect_left(keys, prefix)
    after = _successor(prefix)
    stop = len(keys) if after is None else bisect_left(keys, after, lo=start)
    exact_stop = bisect_right(keys, prefix, lo=start, hi=stop)
    parts: list[tuple[np.ndarray, ...]] = []
    counted = 0
    position, chunk = start, 2 * MAX_CANDIDATES
    while position < stop and counted < MAX_CANDIDATES:
        end = min(stop, position + chunk)
        signed = key_labels[position:end]
        whole = signed >= 0
        numbers = np.where(whole, signed, ~signed)
        entities = columns.label_entities[numbers]
        live = entities >= 0
        if reader is not None and reader.hidden_graphs.size:
            live &= ~np.isin(columns.label_graphs[numbers], reader.hidden_graphs)
        present = np.maximum(entities, 0)
        kinds, scores = columns.kind_codes[present], columns.scores[present]
        if reader is not None and reader.differing_entities.size:
            at = np.minimum(np.searchsorted(reader.differing_entities, present), reader.differing_entities.size - 1)
            differs = reader.differing_entities[at] == present
            kinds = np.where(differs, reader.differing_kinds[at], kinds)
            scores = np.where(differs, reader.differing_scores[at], scores)
        indexed = kinds >= 0
        if wanted is None:
            counts, keep = live, live & indexed
        else:
            of_kind = np.isin(kinds, wanted)
            counts, keep = live & (of_kind | ~indexed), live & of_kind
        running = np.cumsum(counts)
        if running.size and counted + int(running[-1]) >= MAX_CANDIDATES:
            cut = int(np.searchsorted(running, MAX_CANDIDATES - counted)) + 1
            keep[cut:] = False
            counted = MAX_CANDIDATES
        else:
            counted += int(running[-1]) if running.size else 0
        tiers = np.where(whole, PREFIX, WORD_PREFIX).astype(np.int8)
        tiers[:max(0, exact_stop - position)][whole[:max(0, exact_stop - position)]] = EXACT
        parts.append((numbers[keep], entities[keep], tiers[keep], scores[keep]))
        position, chunk = end, chunk * 2
    if not parts:
        return (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int8), np.empty(0, np.float64))
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))  # type: ignore[return-value]


def _successor(prefix: str) -> str | None:
    """The least string after every string that starts with ``prefix``; None: there is none."""
    stem = prefix.rstrip(chr(0x10FFFF))
    return stem[:-1] + chr(ord(stem[-1]) + 1) if stem else None


def _score(popularity: int, kind: str | None) -> float:
    return math.log1p(popularity) + (KIND_BY_KEY[kind].boost if kind else 0.0)


def _labels_by_entity(labels: Iterable[tuple[str, str, bool]]) -> dict[str, list[tuple[str, bool, str]]]:
    """Per entity, its labels once each (primary if any property says so) that normalise to something, primary first
    then A-Z, and of labels that normalise alike the first: (label, primary, normalised)."""
    by_text: dict[str, dict[str, bool]] = {}
    for iri, label, primary in labels:
        texts = by_text.setdefault(iri, {})
        text = " ".join(label.split())
        texts[text] = texts.get(text, False) or primary
    out: dict[str, list[tuple[str, bool, str]]] = {}
    for iri, texts in by_text.items():
        keys: set[str] = set()
        kept = out.setdefault(iri, [])
        for text, primary in sorted(texts.items(), key=lambda item: (not item[1], item[0])):
            key = normalise(text)
            if key and key not in keys:
                keys.add(key)
                kept.append((text, primary, key))
    return out


def read_all_graphs(store: Store) -> dict[str, GraphPart]:
    """Every graph's part, from three passes over the store (labels, types of labelled entities, their mentions)."""
    return _read_parts(store, ("search_labels", "search_types", "search_mentions"))


def read_graph(store: Store, graph: str) -> GraphPart:
    """One graph's part (empty when the graph is gone): three queries over that graph only."""
    node = NamedNode(graph)
    if not store.contains_named_graph(node):
        return GraphPart()
    names = ("search_graph_labels", "search_graph_types", "search_graph_mentions")
    return _read_parts(store, names, graph=node).get(graph, GraphPart())


def _read_parts(store: Store, names: tuple[str, str, str], **bindings: NamedNode) -> dict[str, GraphPart]:
    """Parts by graph from the label, type and mention queries ``names`` (each projects ?graph ?entity first)."""
    parts: dict[str, GraphPart] = {}
    labels, types, mentions = names
    for graph, entity, prop, label in _table(store, labels, **bindings):
        parts.setdefault(graph, GraphPart()).labels.append((entity, label, prop in PRIMARY_LABEL_PROPERTIES))
    for graph, entity, cls in _table(store, types, **bindings):
        if cls in _INDEXED_CLASSES:
            parts.setdefault(graph, GraphPart()).types.append((entity, cls))
    for graph, entity, count in _table(store, mentions, **bindings):
        parts.setdefault(graph, GraphPart()).mentions[entity] = int(count)
    return parts


def _table(store: Store, name: str, **bindings: NamedNode) -> Iterator[list[str]]:
    """The rows of one of our SELECT queries as strings: CSV written by the store and read by the csv module cost
    half of what a pyoxigraph term per cell costs, over a million rows."""
    answer = query(store, load_query(__file__, name), **bindings)
    rows = csv.reader(io.StringIO(answer.serialize(format=QueryResultsFormat.CSV).decode("utf-8"), newline=""))
    next(rows, None)  # the header
    return rows


def build_index(store: Store) -> SearchIndex:
    """The search index of everything in ``store`` now (after a write, ``refreshed`` is cheaper)."""
    return SearchIndex.from_parts(read_all_graphs(store))


def search(index: SearchIndex | ReaderIndex, text: str, *, types: Iterable[str] | None = None,
           limit: int = 10) -> list[Hit]:
    """``index.search``, as a function: the best ``limit`` hits for ``text``, optionally of some kinds only."""
    return index.search(text, types=types, limit=limit)
