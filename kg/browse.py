"""Browsing by kind: how many entities of each kind the graph holds, and one page of a kind, filtered.

Every query is a ``.rq`` file beside this module; filter values are bound by substitution (an unset filter stays
unbound, and each query's ``FILTER(!BOUND(?x) || …)`` then lets every entity through). A page is cut from the
ordered answer in Python (``islice``), so no number is formatted into SPARQL either.

>>> parse_filters("facility", {"country": "aus", "facility_type": "mine"})["country"].value
'https://w3id.org/critmin/id/country/AUS'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import islice

from pyoxigraph import Literal, NamedNode, Store

from kg import iris
from kg.rq import load_query
from kg.store import query

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_YEAR = re.compile(r"^[0-9]{4}$")


class FilterError(ValueError):
    """A filter value that cannot name anything (a 400)."""


def _key(value: str) -> str:
    if not _KEY.match(value):
        raise FilterError(f"{value!r} is not a key (letters, digits, '-', '_', '.')")
    return value


def _place(value: str) -> NamedNode:
    """A country by ISO alpha-3 (``AUS``), else a place key (``world``, ``eu``)."""
    key = _key(value)
    return iris.country(key) if len(key) == 3 and key.isalpha() else iris.place(key)


def _year(value: str) -> Literal:
    if not _YEAR.match(value):
        raise FilterError(f"{value!r} is not a year (four digits)")
    return Literal(value, datatype=iris.ns("xsd", "gYear"))


@dataclass(frozen=True)
class BrowseKind:
    """A kind of entity with its own index page: its class, and the filters it takes (name -> SPARQL variable)."""

    key: str
    title: str
    cls: str
    filters: Mapping[str, tuple[str, Callable[[str], object]]] = field(default_factory=dict)
    query_name: str | None = None  # browse_{query_name}.rq and count_{query_name}.rq; None: the generic one


_cm = iris.ONTOLOGY
BROWSE_KINDS: dict[str, BrowseKind] = {kind.key: kind for kind in (
    BrowseKind("commodity", "Commodities", _cm + "Commodity",
               {"list": ("list", lambda v: iris.criticality_list(_key(v)))}, "commodities"),
    BrowseKind("country", "Countries", _cm + "Country"),
    BrowseKind("facility", "Facilities", _cm + "Facility", {
        "country": ("country", lambda v: iris.country(_key(v))),
        "facility_type": ("facilityType", lambda v: iris.concept("facility-type", _key(v))),
        "commodity": ("commodity", lambda v: iris.commodity(_key(v))),
    }, "facilities"),
    BrowseKind("organisation", "Companies and organisations", _cm + "Organization"),
    BrowseKind("list", "Criticality lists", _cm + "CriticalityList"),
    BrowseKind("observation", "Observations", _cm + "Observation", {
        "commodity": ("commodity", lambda v: iris.commodity(_key(v))),
        "year": ("year", _year),
        "place": ("place", _place),
    }, "observations"),
    BrowseKind("document", "Documents", _cm + "Document"),
)}


@dataclass(frozen=True)
class KindCount:
    kind: str
    title: str
    count: int


@dataclass(frozen=True)
class FacilityTypeCount:
    iri: str
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Item:
    iri: str
    label: str | None
    details: dict[str, str | None]


@dataclass(frozen=True)
class BrowsePage:
    kind: str
    title: str
    filters: dict[str, str]
    page: int
    page_size: int
    total: int
    items: list[Item]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def count_kinds(store: Store) -> list[KindCount]:
    """How many entities of each browsable kind (counting subclasses), in ``BROWSE_KINDS`` order."""
    counts = []
    for kind in BROWSE_KINDS.values():
        rows = list(query(store, load_query(__file__, "count_kind"), **{"class": NamedNode(kind.cls)}))
        counts.append(KindCount(kind.key, kind.title, int(rows[0]["count"].value) if rows else 0))
    return counts


def count_facility_types(store: Store) -> list[FacilityTypeCount]:
    """Facilities by facility type, most first (a facility of two types counts under both)."""
    return [
        FacilityTypeCount(row["type"].value, iris.key_of(row["type"]),
                          row["label"].value if row["label"] else iris.key_of(row["type"]), int(row["count"].value))
        for row in query(store, load_query(__file__, "count_facility_types"))
    ]


def parse_filters(kind: str, values: Mapping[str, str]) -> dict[str, object]:
    """The SPARQL bindings for the filters of ``kind`` that ``values`` sets (blank ones are ignored)."""
    bindings: dict[str, object] = {}
    for name, (variable, convert) in BROWSE_KINDS[kind].filters.items():
        value = (values.get(name) or "").strip()
        if value:
            bindings[variable] = convert(value)
    return bindings


def browse(store: Store, kind: str, *, filters: Mapping[str, str] | None = None, page: int = 1,
           page_size: int = DEFAULT_PAGE_SIZE) -> BrowsePage:
    """One page of the entities of ``kind``, by label. Raises ``KeyError`` for an unknown kind, ``FilterError``
    for a filter value that names nothing."""
    spec = BROWSE_KINDS[kind]
    page, page_size = max(1, page), min(max(1, page_size), MAX_PAGE_SIZE)
    bindings = parse_filters(kind, filters or {})
    if spec.query_name is None:
        bindings = {"class": NamedNode(spec.cls)}
        list_name, count_name = "browse_items", "count_kind"
    else:
        list_name, count_name = f"browse_{spec.query_name}", f"count_{spec.query_name}"
    count_rows = list(query(store, load_query(__file__, count_name), **bindings))
    total = int(count_rows[0]["count"].value) if count_rows else 0
    rows = query(store, load_query(__file__, list_name), **bindings)
    items = [_item(row, spec) for row in islice(rows, (page - 1) * page_size, page * page_size)]
    given = {name: (value or "").strip() for name, value in (filters or {}).items()}
    applied = {name: given[name] for name in spec.filters if given.get(name)}
    return BrowsePage(kind, spec.title, applied, page, page_size, total, items)


def _value(row: object, name: str) -> str | None:
    term = row[name]  # type: ignore[index]
    return term.value if term is not None else None


def _item(row: object, spec: BrowseKind) -> Item:
    details: dict[str, str | None] = {}
    if spec.key == "facility":
        details = {"country": _value(row, "inCountry"), "country_label": _value(row, "countryName"),
                   "facility_type": _value(row, "type"), "facility_type_label": _value(row, "typeName")}
    elif spec.key == "commodity":
        details = {"lists": _value(row, "lists")}
    elif spec.key == "observation":
        details = {"year": _value(row, "refYear"), "place": _value(row, "refArea"),
                   "value": _value(row, "numericValue"), "unit": _value(row, "unit")}
    return Item(_value(row, "item") or "", _value(row, "label"), details)
