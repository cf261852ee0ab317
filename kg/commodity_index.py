"""Commodity names -> commodity concepts, through the labels of ``ontology/commodities.ttl``.

No feed keeps its own name -> IRI table: every source spelling ("Lithium ", "Aluminum", "Rare earths", "PGE",
"phosphorous") must be a ``skos:prefLabel``, ``skos:altLabel``, ``skos:hiddenLabel`` or ``rdfs:label`` of a concept
``https://w3id.org/critmin/id/commodity/{slug}`` in that file. Names are compared after :func:`normalise`
(NFKC, curly quotes straightened, lowercase, trimmed, runs of spaces collapsed), in any language tag.

A label that two concepts share is ambiguous: :meth:`CommodityIndex.resolve` returns None for it (never a guess) and
:attr:`CommodityIndex.ambiguous` lists it, so the feed reports the row.

>>> index = CommodityIndex.from_turtle('''
... @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
... <https://w3id.org/critmin/id/commodity/lithium> skos:prefLabel "lithium"@en ; skos:altLabel "Li"@en .
... ''')
>>> index.resolve("  LITHIUM ").value
'https://w3id.org/critmin/id/commodity/lithium'
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pyoxigraph
from pyoxigraph import NamedNode, RdfFormat

from kg import iris

COMMODITY_PREFIX = iris.ID + "commodity/"
LABEL_PREDICATES = (
    iris.ns("skos", "prefLabel"),
    iris.ns("skos", "altLabel"),
    iris.ns("skos", "hiddenLabel"),
    iris.ns("rdfs", "label"),
)
ELEMENT_SYMBOL = iris.term("elementSymbol")
DEFAULT_ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology" / "commodities.ttl"


def normalise(name: str) -> str:
    """NFKC, curly quotes straightened, lowercase, trimmed, runs of whitespace collapsed to one space."""
    text = unicodedata.normalize("NFKC", name)
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip().casefold()


class CommodityIndex:
    """Looks commodity concepts up by any of their labels, or by element symbol."""

    def __init__(self, labels: dict[str, set[str]], symbols: dict[str, set[str]], source: str = "") -> None:
        self._labels = {key: next(iter(iris_)) for key, iris_ in labels.items() if len(iris_) == 1}
        self._symbols = {key: next(iter(iris_)) for key, iris_ in symbols.items() if len(iris_) == 1}
        self.ambiguous: dict[str, set[str]] = {key: iris_ for key, iris_ in labels.items() if len(iris_) > 1}
        self.ambiguous_symbols: dict[str, set[str]] = {k: v for k, v in symbols.items() if len(v) > 1}
        self.concepts: frozenset[str] = frozenset(v for vs in labels.values() for v in vs)
        self.source = source

    @classmethod
    def from_ontology(cls, path: Path | str = DEFAULT_ONTOLOGY) -> CommodityIndex:
        """Read ``ontology/commodities.ttl`` (or another Turtle file of commodity concepts)."""
        path = Path(path)
        with path.open("rb") as handle:
            quads = list(pyoxigraph.parse(handle, format=RdfFormat.TURTLE, base_iri=path.resolve().as_uri()))
        return cls._from_triples(((q.subject, q.predicate, q.object) for q in quads), str(path))

    @classmethod
    def from_turtle(cls, text: str) -> CommodityIndex:
        quads = pyoxigraph.parse(text, format=RdfFormat.TURTLE)
        return cls._from_triples(((q.subject, q.predicate, q.object) for q in quads), "<string>")

    @classmethod
    def _from_triples(cls, triples, source: str) -> CommodityIndex:
        labels: dict[str, set[str]] = defaultdict(set)
        symbols: dict[str, set[str]] = defaultdict(set)
        for subject, predicate, obj in triples:
            if not isinstance(subject, NamedNode) or not subject.value.startswith(COMMODITY_PREFIX):
                continue
            if not isinstance(obj, pyoxigraph.Literal):
                continue
            if predicate in LABEL_PREDICATES:
                key = normalise(obj.value)
                if key:
                    labels[key].add(subject.value)
            elif predicate == ELEMENT_SYMBOL:
                symbols[obj.value.strip().casefold()].add(subject.value)
        return cls(dict(labels), dict(symbols), source)

    def resolve(self, name: str) -> NamedNode | None:
        """The concept one of whose labels is ``name`` (normalised); None when unknown or ambiguous."""
        iri = self._labels.get(normalise(name))
        return NamedNode(iri) if iri else None

    def by_symbol(self, symbol: str) -> NamedNode | None:
        """The concept whose ``cm:elementSymbol`` is ``symbol`` ("Nd"; case-insensitive); None when unknown."""
        iri = self._symbols.get(symbol.strip().casefold())
        return NamedNode(iri) if iri else None

    def __len__(self) -> int:
        return len(self.concepts)
