"""Small typed records that extractors produce: entity mentions and candidate facts with their evidence.

A fact is a candidate until a reviewer accepts it. Entities without an IRI are candidate entities: they keep their
type and surface name and are never merged into an existing entity by the extractor.

>>> lithium = EntityMention("Lithium", "MINERAL", "lithium", 10, 17, iri="https://w3id.org/critmin/id/commodity/lithium")
>>> lithium.is_candidate
False
"""

from __future__ import annotations

from dataclasses import dataclass, field

RELATIONS_VERSION = "cm.relations.v2"
ENTITY_TYPES = ("ORGANIZATION", "MINERAL", "FACILITY", "LOCATION")
RELATION_TYPES = ("OPERATES", "OWNS", "LOCATED_IN", "PRODUCES", "PROCESSES", "SUPPLIES", "PARTNERSHIP",
                  "EXPORT_RESTRICTION")


@dataclass(frozen=True)
class EntityMention:
    """One mention: ``name`` is canonical (the graph's label when linked), ``text`` the surface form."""

    name: str
    type: str
    text: str
    start_char: int
    end_char: int
    iri: str | None = None

    @property
    def is_candidate(self) -> bool:
        return self.iri is None


@dataclass(frozen=True)
class Quantity:
    """A number with its kind (MASS, RATE, ENERGY, PERCENT, MONEY, YEAR, DATE) and unit, as written."""

    kind: str
    value: float | None
    unit: str
    text: str
    start_char: int
    end_char: int


@dataclass(frozen=True)
class CandidateFact:
    subject: EntityMention
    predicate: str
    object: EntityMention
    attributes: dict[str, object] = field(default_factory=dict)
    evidence: str = ""
    start_char: int = 0  # of the evidence sentence in the document
    end_char: int = 0
    confidence: float = 0.5
    source: str | None = None  # the document id
    extractor: str = RELATIONS_VERSION

    def as_json(self) -> dict[str, object]:
        """The shape of ``critmin extract --json``: type, canonical subject and object, attributes."""
        return {"type": self.predicate, "subject": self.subject.name, "object": self.object.name,
                "attributes": dict(self.attributes)}
