"""The types, properties and identifiers that the reconciliation service speaks of.

Entity ids are our data IRIs without ``https://w3id.org/critmin/id/`` (the manifest's ``identifierSpace``):
``facility/icmm-ICMM00566``, ``country/AUS``, ``commodity/lithium``. Full IRIs are accepted wherever an id is.

Types are of two grains: our entity kinds (``facility``, ``organisation``, ``commodity``, ``country``,
``document``, … from ``kg/search.py``'s ``KINDS``), and the ontology classes under them (``Mine``, ``Refinery``,
``Company``, …), each naming its kind as ``broader``.

Properties are short ids (``country``, ``commodity``, ``operator``) over our ontology's predicates; each is read by
one ``.rq`` file (``query``), with ``?entity`` and, for plain predicates, ``?property`` bound.

>>> entity_id("https://w3id.org/critmin/id/country/AUS"), entity_iri("country/AUS")
('country/AUS', 'https://w3id.org/critmin/id/country/AUS')
>>> TYPES["Mine"].kind, TYPES["facility"].kind
('facility', 'facility')
"""

from __future__ import annotations

from dataclasses import dataclass

from kg import iris
from kg.search import KIND_BY_KEY

ID_SPACE = iris.ID
SCHEMA_SPACE = iris.ONTOLOGY


def entity_id(iri: str) -> str:
    """The reconciliation id of one of our IRIs (unchanged when it is not under ``ID_SPACE``)."""
    return iri[len(ID_SPACE):] if iri.startswith(ID_SPACE) else iri


def entity_iri(identifier: str) -> str:
    """The IRI behind an id: a full IRI stays as it is, anything else is under ``ID_SPACE``."""
    identifier = identifier.strip()
    return identifier if "://" in identifier else ID_SPACE + identifier.lstrip("/")


@dataclass(frozen=True)
class RType:
    """A type as the protocol shows it: ``id``, ``name``, and our kind (and class IRI) behind it."""

    id: str
    name: str
    kind: str
    class_iri: str | None = None  # None: the whole kind

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {"id": self.id, "name": self.name}
        if self.class_iri is not None:
            out["broader"] = [{"id": self.kind, "name": KIND_BY_KEY[self.kind].title}]
        return out


# Kinds one reconciles against; observations, vocabulary concepts and ontology terms are not offered.
RECONCILED_KINDS = ("organisation", "facility", "commodity", "country", "document", "place", "list")
DEFAULT_KINDS = ("organisation", "facility", "commodity", "country", "document")
_CLASSES = {
    "organisation": (("Company", "Company"), ("GovernmentBody", "Government body"),
                     ("ResearchInstitute", "Research institute"), ("IndustryBody", "Industry body")),
    "facility": (("Mine", "Mine"), ("Deposit", "Deposit or prospect"), ("Concentrator", "Concentrator"),
                 ("Smelter", "Smelter"), ("Refinery", "Refinery"), ("ChemicalPlant", "Chemical plant"),
                 ("PrecursorPlant", "Precursor plant"), ("CathodePlant", "Cathode plant"),
                 ("AnodePlant", "Anode plant"), ("CellPlant", "Cell plant"),
                 ("EVAssemblyPlant", "EV assembly plant"), ("RecyclingPlant", "Recycling plant"),
                 ("SteelPlant", "Steel plant")),
    "place": (("Region", "Region"), ("Aggregate", "Aggregate of countries")),
}
TYPES: dict[str, RType] = {kind: RType(kind, KIND_BY_KEY[kind].title, kind) for kind in RECONCILED_KINDS}
TYPES |= {name: RType(name, title, kind, iris.ONTOLOGY + name)
          for kind, classes in _CLASSES.items() for name, title in classes}
TYPE_OF_CLASS = {t.class_iri: t for t in TYPES.values() if t.class_iri}


def find_type(identifier: str) -> RType | None:
    """A type by its id, its class IRI, or its kind's title, ignoring case (OpenRefine users type names)."""
    wanted = identifier.strip()
    if wanted.startswith(SCHEMA_SPACE):
        wanted = wanted[len(SCHEMA_SPACE):]
    for rtype in TYPES.values():
        if wanted.casefold() in (rtype.id.casefold(), rtype.name.casefold()):
            return rtype
    return None


@dataclass(frozen=True)
class RProperty:
    """A property one can match on and fetch: ``id``, ``name``, the kinds it applies to and how it is read.

    ``values`` is the kind of its entity values (for the extension's ``meta.type``), or None for literals."""

    id: str
    name: str
    kinds: tuple[str, ...]
    predicate: str | None  # bound as ?property in reconcile_values.rq
    query: str = "reconcile_values"
    values: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name}


def _cm(name: str) -> str:
    return iris.ONTOLOGY + name


_P = iris.PREFIXES
PROPERTIES: dict[str, RProperty] = {p.id: p for p in (
    RProperty("label", "Name", RECONCILED_KINDS, _P["rdfs"] + "label"),
    RProperty("alias", "Alias", RECONCILED_KINDS, _P["skos"] + "altLabel"),
    RProperty("country", "Country", ("facility", "organisation"), _cm("country"), values="country"),
    RProperty("commodity", "Commodity", ("facility",), _cm("commodity"), values="commodity"),
    RProperty("primaryCommodity", "Primary commodity", ("facility",), _cm("primaryCommodity"), values="commodity"),
    RProperty("operator", "Operator", ("facility",), None, query="reconcile_operators", values="organisation"),
    RProperty("owner", "Owner", ("facility", "organisation"), None, query="reconcile_owners",
              values="organisation"),
    RProperty("operates", "Operates", ("organisation",), _cm("operates"), values="facility"),
    RProperty("facilityType", "Facility type", ("facility",), _cm("facilityType")),
    RProperty("stage", "Stage of the chain", ("facility",), _cm("stage")),
    RProperty("icmmId", "ICMM id", ("facility",), _cm("icmmId")),
    RProperty("latitude", "Latitude", ("facility",), _P["schema"] + "latitude"),
    RProperty("longitude", "Longitude", ("facility",), _P["schema"] + "longitude"),
    RProperty("iso3166Alpha2", "ISO 3166-1 alpha-2 code", ("country",), _cm("iso3166Alpha2")),
    RProperty("iso3166Alpha3", "ISO 3166-1 alpha-3 code", ("country",), _cm("iso3166Alpha3")),
    RProperty("elementSymbol", "Element symbol", ("commodity",), _cm("elementSymbol")),
    RProperty("hsCode", "HS code", ("commodity",), _cm("hsCode")),
    RProperty("wikidataId", "Wikidata id", ("commodity", "country"), _cm("wikidataId")),
    RProperty("issued", "Date issued", ("document",), _P["dct"] + "issued"),
    RProperty("publisher", "Publisher", ("document",), _P["dct"] + "publisher"),
)}


def find_property(identifier: str) -> RProperty | None:
    """A property by its id (or the IRI of its predicate), ignoring case."""
    wanted = identifier.strip()
    for prop in PROPERTIES.values():
        if wanted.casefold() == prop.id.casefold() or wanted == prop.predicate:
            return prop
    return None
