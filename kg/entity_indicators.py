"""The materialised indicators (graph ``cmg:analytics``) that concern one commodity or country, for its page.

Each one is cited as the indicator resource itself, its method with version and its time of computation, so that a
reader can follow the number to its inputs. A commodity's page gets its concentration indicators, the net import
reliance on it and the list overlaps it is a common member of; a country's page its shares in concentration
indicators and its net import reliance. ``kg.entities.describe_entity`` puts them into the page's dataclass, which
feeds the HTML and the JSON; ``indicator_quads`` gives the same indicators as RDF.

>>> from pyoxigraph import NamedNode, Store
>>> commodity_indicators(Store(), NamedNode("https://w3id.org/critmin/id/commodity/lithium")).concentration
[]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import NamedNode, Quad, Store

from kg import iris
from kg.rq import load_query
from kg.store import query

# What the page shows of an indicator and of its method, and so what its RDF forms carry (the inputs and excluded
# observations stay on the indicator's own page).
SHOWN = frozenset(iris.PREFIXES[prefix] + local for prefix, local in (
    ("rdf", "type"), ("rdfs", "label"), ("prov", "generatedAtTime"), ("prov", "wasGeneratedBy"),
    ("qudt", "unit"), *(("cm", local) for local in (
        "method", "commodity", "stage", "quantityKind", "refYear", "refArea", "hhi", "top1Share", "top3Share",
        "topCountry", "hhiOver2500", "oneCountryOver50", "totalValue", "netImportReliance", "valueBound",
        "netExporter", "supplierCount", "comparedList", "commonMemberCount", "listsComplete"))))
METHOD_SHOWN = frozenset(iris.PREFIXES[prefix] + local for prefix, local in (
    ("rdf", "type"), ("rdfs", "label"), ("owl", "versionInfo")))


@dataclass
class Cited:
    """An IRI with its label (None: show a short form of the IRI)."""

    iri: str
    label: str | None = None


@dataclass
class IndicatorCitation:
    """What a page cites for one materialised indicator."""

    indicator: Cited
    method: Cited
    method_version: str | None
    computed: str | None  # prov:generatedAtTime, xsd:dateTime


@dataclass
class ConcentrationFact:
    citation: IndicatorCitation
    commodity: Cited
    stage: Cited
    quantity_kind: Cited
    year: str
    hhi: float
    top1_share: float
    top3_share: float
    top_country: Cited | None
    hhi_over_2500: bool
    one_country_over_50: bool
    share: float | None = None  # on a country's page: its share in percent (0-100)
    tonnes: float | None = None  # and the value counted for it


@dataclass
class ImportRelianceFact:
    citation: IndicatorCitation
    country: Cited
    commodity: Cited
    year: str
    percent: float | None  # net imports as a percentage of apparent consumption; None for a net exporter
    bound: str | None  # "lower" for ">95"
    net_exporter: bool
    supplier_count: int | None


@dataclass
class ListOverlapFact:
    citation: IndicatorCitation
    lists: list[Cited]  # label: the list's identifier and year
    common_member_count: int
    lists_complete: bool | None


@dataclass
class EntityIndicators:
    concentration: list[ConcentrationFact] = field(default_factory=list)
    import_reliance: list[ImportRelianceFact] = field(default_factory=list)
    list_overlap: list[ListOverlapFact] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.concentration or self.import_reliance or self.list_overlap)

    def citations(self) -> list[IndicatorCitation]:
        return [f.citation for facts in (self.concentration, self.import_reliance, self.list_overlap) for f in facts]


def _rq(name: str) -> str:
    return load_query(__file__, name)


def _text(term: Any) -> str | None:
    return term.value if term is not None else None


def _cited(term: Any, label: Any = None) -> Cited:
    return Cited(term.value, _text(label))


def _flag(term: Any) -> bool | None:
    return term.value == "true" if term is not None else None


def _citation(row: Any) -> IndicatorCitation:
    return IndicatorCitation(indicator=_cited(row["indicator"], row["label"]),
                             method=_cited(row["method"], row["methodLabel"]),
                             method_version=_text(row["version"]), computed=_text(row["computed"]))


def _first_per_indicator(rows: Any) -> list[Any]:
    """One row per indicator (labels in several graphs repeat it), in the query's order."""
    seen: dict[str, Any] = {}
    for row in rows:
        seen.setdefault(row["indicator"].value, row)
    return list(seen.values())


def _concentration(row: Any, commodity: Cited, *, with_share: bool = False) -> ConcentrationFact:
    share, tonnes = (row["share"], row["tonnes"]) if with_share else (None, None)
    return ConcentrationFact(
        citation=_citation(row), commodity=commodity, stage=_cited(row["stage"], row["stageLabel"]),
        quantity_kind=_cited(row["kind"], row["kindLabel"]), year=row["year"].value, hhi=float(row["hhi"].value),
        top1_share=float(row["top1"].value), top3_share=float(row["top3"].value),
        top_country=_cited(row["top"], row["topLabel"]) if row["top"] else None,
        hhi_over_2500=bool(_flag(row["over2500"])), one_country_over_50=bool(_flag(row["over50"])),
        share=float(share.value) if share is not None else None,
        tonnes=float(tonnes.value) if tonnes is not None else None)


def _import_reliance(row: Any) -> ImportRelianceFact:
    return ImportRelianceFact(
        citation=_citation(row), country=_cited(row["country"], row["countryLabel"]),
        commodity=_cited(row["commodity"], row["commodityLabel"]), year=row["year"].value,
        percent=float(row["percent"].value) if row["percent"] else None, bound=_text(row["bound"]),
        net_exporter=bool(_flag(row["exporter"])),
        supplier_count=int(row["suppliers"].value) if row["suppliers"] else None)


def import_reliance_facts(store: Store, *, country: NamedNode | None = None, commodity: NamedNode | None = None
                          ) -> list[ImportRelianceFact]:
    bindings = {"country": country} if country is not None else {"commodity": commodity}
    rows = query(store, _rq("entity_import_reliance_indicators"), **bindings)
    return [_import_reliance(row) for row in _first_per_indicator(rows)]


def list_overlap_facts(store: Store, commodity: NamedNode) -> list[ListOverlapFact]:
    facts: dict[str, ListOverlapFact] = {}
    for row in query(store, _rq("commodity_list_overlaps"), commodity=commodity):
        fact = facts.setdefault(row["indicator"].value, ListOverlapFact(
            citation=_citation(row), lists=[], common_member_count=int(row["count"].value),
            lists_complete=_flag(row["complete"])))
        label = " ".join(x for x in (_text(row["listId"]), f"({_text(row['listYear'])})" if row["listYear"] else None)
                         if x)
        if row["list"].value not in {cited.iri for cited in fact.lists}:
            fact.lists.append(Cited(row["list"].value, label or None))
    return list(facts.values())


def commodity_indicators(store: Store, commodity: NamedNode, label: str | None = None) -> EntityIndicators:
    """The concentration indicators of ``commodity``, the net import reliance on it and the list overlaps it is in."""
    itself = Cited(commodity.value, label)
    rows = _first_per_indicator(query(store, _rq("commodity_concentration_indicators"), commodity=commodity))
    return EntityIndicators(concentration=[_concentration(row, itself) for row in rows],
                            import_reliance=import_reliance_facts(store, commodity=commodity),
                            list_overlap=list_overlap_facts(store, commodity))


def country_indicators(store: Store, country: NamedNode, stored: list[Any] | None = None) -> EntityIndicators:
    """``country``'s shares in concentration indicators and its net import reliance indicators; ``stored``: the rows
    of ``country_concentration_shares.rq`` when the caller has them (a hub summary's page table)."""
    if stored is None:
        stored = list(query(store, _rq("country_concentration_shares"), country=country))
    rows = _first_per_indicator(stored)
    return EntityIndicators(
        concentration=[_concentration(row, _cited(row["commodity"], row["commodityLabel"]), with_share=True)
                       for row in rows],
        import_reliance=import_reliance_facts(store, country=country))


def indicator_quads(store: Store, subject: NamedNode, found: EntityIndicators) -> list[Quad]:
    """``found`` (what the page shows) as RDF for the entity's Turtle, JSON-LD, …: each indicator's figures, method
    and time, what ties it to ``subject`` (its own country share, its common membership), the methods' labels and
    versions. Read by pattern from the analytics graph: the indicators are known, so no query has to find them."""
    quads: list[Quad] = []
    methods: set[str] = set()
    for citation in found.citations():
        node = NamedNode(citation.indicator.iri)
        quads += [q for q in store.quads_for_pattern(node, None, None, iris.ANALYTICS_GRAPH)
                  if q.predicate.value in SHOWN]
        quads += _own_share(store, node, subject) + _membership(store, node, subject)
        methods.add(citation.method.iri)
    for method in sorted(methods):
        quads += [q for q in store.quads_for_pattern(NamedNode(method), None, None, iris.ANALYTICS_GRAPH)
                  if q.predicate.value in METHOD_SHOWN]
    return quads


def _own_share(store: Store, indicator: NamedNode, country: NamedNode) -> list[Quad]:
    for link in store.quads_for_pattern(indicator, iris.term("countryShare"), None, iris.ANALYTICS_GRAPH):
        if Quad(link.object, iris.term("refArea"), country, iris.ANALYTICS_GRAPH) in store:
            return [link, *store.quads_for_pattern(link.object, None, None, iris.ANALYTICS_GRAPH)]
    return []


def _membership(store: Store, indicator: NamedNode, commodity: NamedNode) -> list[Quad]:
    quad = Quad(indicator, iris.term("commonMember"), commodity, iris.ANALYTICS_GRAPH)
    return [quad] if quad in store else []
