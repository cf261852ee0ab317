"""What reconciliation reads about one entity: a short summary (types, description) and a property's values.

Both read through a ``ReconcileSource`` (``kg/reconcile_source.py``), never the store itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from kg import iris
from kg.reconcile_schema import TYPE_OF_CLASS, TYPES, RProperty, RType
from kg.reconcile_source import ReconcileSource

CANDIDATE_CLASS = iris.ONTOLOGY + "CandidateEntity"


@dataclass(frozen=True)
class Summary:
    iri: str
    name: str
    kind: str
    types: tuple[RType, ...]  # the kind first, then the classes we offer as types
    description: str
    labels: tuple[str, ...]
    unreviewed: bool = False  # a cm:CandidateEntity: a mention from a document, not yet reviewed


def summarise(source: ReconcileSource, iri: str) -> Summary | None:
    """The entity's name, types and a one-line description ("Mine · Brazil · Copper"); None if unknown."""
    known = source.entity(iri)
    if known is None:
        return None
    name, kind = known
    classes: list[RType] = []
    comments: list[str] = []
    countries: set[str] = set()
    commodities: set[str] = set()
    unreviewed = False
    for row in source.select("reconcile_entity", entity=NamedNode(iri)):
        if row["class"] is not None and row["class"].value == CANDIDATE_CLASS:
            unreviewed = True
        if row["class"] is not None and row["class"].value in TYPE_OF_CLASS:
            rtype = TYPE_OF_CLASS[row["class"].value]
            if rtype not in classes:
                classes.append(rtype)
        if row["comment"] is not None:
            comments.append(row["comment"].value)
        if row["countryLabel"] is not None:
            countries.add(row["countryLabel"].value)
        if row["commodityLabel"] is not None:
            commodities.add(row["commodityLabel"].value)
    kind_type = TYPES.get(kind)
    types = ((kind_type,) if kind_type else ()) + tuple(sorted(classes, key=lambda t: t.id))
    words = [", ".join(t.name for t in types[1:]) or (kind_type.name if kind_type else kind)]
    words += [", ".join(sorted(countries)), ", ".join(sorted(commodities))]
    description = " · ".join(word for word in words if word)
    if comments:
        description += f" — {min(comments, key=len)}"
    if unreviewed:
        description = f"{description} (unreviewed, from a document)"
    return Summary(iri, name, kind, types, description, tuple(source.labels(iri)), unreviewed)


@dataclass(frozen=True)
class Value:
    """One value of a property: an entity (``iri`` with its ``label`` and other names) or a literal."""

    iri: str | None
    literal: Literal | None
    label: str | None
    keys: tuple[str, ...]


def property_values(source: ReconcileSource, iri: str, prop: RProperty) -> list[Value]:
    """The values of ``prop`` on the entity, each once, entity values with their labels and codes."""
    bindings: dict[str, object] = {"entity": NamedNode(iri)}
    if prop.predicate is not None:
        bindings["property"] = NamedNode(prop.predicate)
    found: dict[str, tuple[object, str | None, list[str]]] = {}
    for row in source.select(prop.query, **bindings):
        term = row["value"]
        key = str(term)
        _, label, keys = found.setdefault(key, (term, None, []))
        if row["label"] is not None and label is None:
            found[key] = (term, row["label"].value, keys)
        if row["key"] is not None and row["key"].value not in keys:
            keys.append(row["key"].value)
    return [
        Value(iri=term.value if isinstance(term, NamedNode) else None,
              literal=term if isinstance(term, Literal) else None, label=label, keys=tuple(keys))
        for term, label, keys in found.values()
        if isinstance(term, NamedNode | Literal)
    ]
