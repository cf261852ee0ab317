"""What the dashboard shows: risk signals per commodity, and one commodity's stages, flow, facilities and trends.

Numbers are computed from the store given (the caller's view), with the modules that also feed the JSON indicator
API, so the dashboard, ``/api/indicators/…`` and the materialised graph agree. Every number carries its evidence: the
materialised indicator in ``cmg:analytics`` when that holds the same value (its inputs reachable by SPARQL), else the
observations it was computed from.

The flow (the dashboard's Sankey) is drawn from **explicit supply links only** (``kg/analytics/chains.py``): a link
from a facility to another becomes flow from the supplier's stage and country to the buyer's, weighted by the number
of links (the graph gives no volumes for most). Nothing is inferred from stages alone, so a commodity without supply
links has no flow, and the dashboard says so rather than drawing one.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from pyoxigraph import NamedNode, Store

from kg import iris
from kg.analytics import concentration as conc
from kg.analytics import import_reliance as imp
from kg.analytics import materialise as mat
from kg.analytics.chains import (
    Bottlenecks,
    ChainGraph,
    Facility,
    Recycling,
    build_chain_graph,
    find_bottlenecks,
    recycling_summary,
)
from kg.rq import load_query
from kg.store import query

# Whose import reliance the table shows: the only country the bundled sources give it for (USGS MCS).
IMPORT_RELIANCE_COUNTRY = iris.entity("country", "USA")
POINT = re.compile(r"POINT\s*\(\s*(-?[\d.]+(?:[eE][-+]?\d+)?)\s+(-?[\d.]+(?:[eE][-+]?\d+)?)\s*\)", re.IGNORECASE)
_PRODUCTION = iris.PREFIXES["cmid"] + "quantity-kind/production"
MAX_SHARES_SHOWN = 8  # the rest of the countries are one "others" bar


@dataclass(frozen=True)
class Signal:
    """One concentration indicator, as the table and charts show it."""

    stage: str
    stage_label: str
    quantity_kind: str
    quantity_kind_label: str
    year: str
    hhi: float
    top_country: str | None
    top_country_label: str | None
    top1_share: float
    top3_share: float
    total_tonnes: float
    hhi_over_2500: bool
    one_country_over_50: bool
    evidence: str | None  # the materialised indicator holding this same value, when there is one
    inputs: int  # observations read (counted or left out)

    @property
    def flags(self) -> int:
        return int(self.hhi_over_2500) + int(self.one_country_over_50)


@dataclass(frozen=True)
class Reliance:
    country: str
    year: str
    percent: float | None
    bound: str | None
    net_exporter: bool
    suppliers: list[str]  # labels of the ranked major import sources
    evidence: str | None


@dataclass(frozen=True)
class Listing:
    list: str
    identifier: str
    year: str | None
    membership: str


@dataclass
class CommodityRisk:
    """One row of the dashboard's table."""

    commodity: str
    key: str
    label: str
    signals: list[Signal] = field(default_factory=list)  # the latest year of each stage and quantity kind
    import_reliance: Reliance | None = None
    lists: list[Listing] = field(default_factory=list)
    facilities_by_stage: dict[str, int] = field(default_factory=dict)  # stage key -> facilities

    @property
    def max_hhi(self) -> float:
        return max((s.hhi for s in self.signals if s.quantity_kind == _PRODUCTION), default=0.0)

    @property
    def flags(self) -> int:
        return sum(s.flags for s in self.signals if s.quantity_kind == _PRODUCTION)


@dataclass(frozen=True)
class ShareBar:
    country: str | None  # None for the "others" bar
    label: str
    percent: float
    tonnes: float


@dataclass(frozen=True)
class FlowLink:
    source: str  # "stage · country" node names
    target: str
    source_stage: int  # the stages' order (skos:notation), for the diagram's columns
    target_stage: int
    links: int
    evidence: list[str]


@dataclass(frozen=True)
class FacilityPoint:
    facility: str
    label: str
    lat: float
    lon: float
    stage: str  # key of its most downstream stage
    stage_label: str
    country_label: str | None


@dataclass(frozen=True)
class SeriesPoint:
    year: str
    value: float | None
    bound: str | None = None
    evidence: str | None = None


@dataclass
class CommodityDashboard:
    commodity: str
    key: str
    label: str
    risk: CommodityRisk
    concentration: list[tuple[Signal, list[ShareBar]]]  # latest year per stage and kind, with its country bars
    hhi_series: dict[str, list[SeriesPoint]]  # "stage · kind" -> HHI by year
    reliance_series: list[SeriesPoint]
    flow: list[FlowLink]
    flow_notes: list[str]
    facilities: list[FacilityPoint]
    facilities_without_place: int
    bottlenecks: Bottlenecks
    recycling: Recycling
    producing_countries: list[tuple[str, str]]  # (IRI, label), largest producer first: what-if choices
    organisations: list[tuple[str, str]]


def _label(store: Store, node: str) -> str:
    for row in query(store, load_query(__file__, "dashboard_label"), node=NamedNode(node)):
        return row["label"].value
    return iris.key_of(NamedNode(node))


def _materialised_iris(store: Store) -> dict[str, str]:
    """Materialised concentration indicators: IRI -> HHI lexical form, to tell which of ours they match."""
    rows = query(store, load_query(__file__, "dashboard_materialised"), graph=iris.ANALYTICS_GRAPH)
    return {row["indicator"].value: row["hhi"].value for row in rows}


def _signal(item: conc.Concentration, labels: dict[str, str], materialised: dict[str, str]) -> Signal:
    node = mat.concentration_iri(item)
    same = materialised.get(node.value) == mat.decimal_literal(item.hhi).value
    top = item.top_country
    return Signal(item.stage, labels[item.stage], item.quantity_kind, labels[item.quantity_kind], item.year,
                  item.hhi, top.area if top else None, top.label if top else None, item.top1_share, item.top3_share,
                  item.total_tonnes, item.hhi_over_2500, item.one_country_over_50, node.value if same else None,
                  len(item.inputs))


def latest_concentrations(items: list[conc.Concentration]) -> list[conc.Concentration]:
    """The latest year of each (commodity, stage, quantity kind); production before reserves."""
    latest: dict[tuple[str, str, str], conc.Concentration] = {}
    for item in items:
        key = item.key[:3]
        if key not in latest or item.year > latest[key].year:
            latest[key] = item
    return sorted(latest.values(), key=lambda i: (i.commodity, i.stage, i.quantity_kind != _PRODUCTION, i.key))


def _reliance(store: Store, commodity: NamedNode | None = None) -> dict[str, Reliance]:
    """The latest net import reliance per commodity (or of ``commodity``) of ``IMPORT_RELIANCE_COUNTRY``."""
    latest: dict[str, imp.ImportReliance] = {}
    for item in imp.import_reliance(store, IMPORT_RELIANCE_COUNTRY, commodity=commodity):
        if item.commodity not in latest or item.year > latest[item.commodity].year:
            latest[item.commodity] = item
    return {commodity: _reliance_of(item, store) for commodity, item in latest.items()}


def _reliance_of(item: imp.ImportReliance, store: Store) -> Reliance:
    headline = item.headline
    node = mat.import_reliance_iri(item)
    present = any(True for _ in store.quads_for_pattern(node, None, None, iris.ANALYTICS_GRAPH))
    newest = max((s.period or "" for s in item.suppliers), default="")
    return Reliance(item.country, item.year, headline.percent if headline else None,
                    headline.bound if headline else None, item.net_exporter,
                    [s.label for s in item.suppliers if (s.period or "") == newest], node.value if present else None)


def _lists(store: Store) -> dict[str, list[Listing]]:
    found: dict[str, dict[str, Listing]] = defaultdict(dict)
    for row in query(store, load_query(__file__, "dashboard_list_memberships")):
        listing = Listing(row["list"].value, row["identifier"].value if row["identifier"] else iris.key_of(row["list"]),
                          row["year"].value[:4] if row["year"] else None, row["membership"].value)
        kept = found[row["commodity"].value].get(listing.list)
        if kept is None or listing.membership < kept.membership:  # one evidence per list, whatever the row order
            found[row["commodity"].value][listing.list] = listing
    return {c: sorted(v.values(), key=lambda x: x.identifier) for c, v in found.items()}


def _stage_counts(store: Store) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in query(store, load_query(__file__, "dashboard_stage_counts")):
        counts[row["commodity"].value][iris.key_of(row["stage"])] = int(row["facilities"].value)
    return counts


def risk_table(store: Store) -> list[CommodityRisk]:
    """Every commodity with a concentration indicator, its signals, import reliance, lists and facilities."""
    items = conc.concentrations(store)
    labels = _labels_for(store, {part for item in items for part in item.key[:3]})
    materialised = _materialised_iris(store)
    reliance, lists, counts = _reliance(store), _lists(store), _stage_counts(store)
    rows: dict[str, CommodityRisk] = {}
    for item in latest_concentrations(items):
        row = rows.setdefault(item.commodity, CommodityRisk(
            item.commodity, iris.key_of(NamedNode(item.commodity)), labels[item.commodity],
            import_reliance=reliance.get(item.commodity), lists=lists.get(item.commodity, []),
            facilities_by_stage=counts.get(item.commodity, {})))
        row.signals.append(_signal(item, labels, materialised))
    return sorted(rows.values(), key=lambda r: (-r.max_hhi, r.label))


def _labels_for(store: Store, nodes: set[str]) -> dict[str, str]:
    return {node: _label(store, node) for node in nodes}


def commodity_dashboard(store: Store, commodity: NamedNode) -> CommodityDashboard | None:
    """One commodity's panels; None when the store does not know the commodity."""
    chain = build_chain_graph(store, commodity)
    if chain is None:
        return None
    items = conc.concentrations(store, commodity=commodity)
    labels = _labels_for(store, {part for item in items for part in item.key[:3]} | {commodity.value})
    materialised = _materialised_iris(store)
    bottlenecks = find_bottlenecks(chain)
    risk = CommodityRisk(commodity.value, iris.key_of(commodity), chain.commodity_label,
                         import_reliance=_reliance(store, commodity).get(commodity.value),
                         lists=_lists(store).get(commodity.value, []),
                         facilities_by_stage={iris.key_of(NamedNode(s.stage)): s.facilities
                                              for s in bottlenecks.stages if s.facilities})
    signals = {item.key: _signal(item, labels, materialised) for item in items}
    latest = latest_concentrations(items)
    risk.signals = [signals[item.key] for item in latest]
    series: dict[str, list[SeriesPoint]] = defaultdict(list)
    for item in sorted(items, key=lambda i: i.key):
        name = f"{labels[item.stage]} · {labels[item.quantity_kind]}"
        series[name].append(SeriesPoint(item.year, item.hhi, evidence=signals[item.key].evidence))
    reliance_series = [SeriesPoint(r.year, r.headline.percent if r.headline else None,
                                   r.headline.bound if r.headline else None)
                       for r in imp.import_reliance(store, IMPORT_RELIANCE_COUNTRY, commodity=commodity)]
    flow, flow_notes = supply_flow(chain)
    points, unplaced = _facility_points(store, chain)
    producers: dict[str, str] = {}  # the what-if's choices: producers by size, then other countries with facilities
    for item in latest:
        if item.quantity_kind == _PRODUCTION:
            producers.update({s.area: s.label for s in item.shares if s.area not in producers})
    for facility in sorted(chain.facilities.values(), key=lambda f: f.country_label or ""):
        if facility.country:
            producers.setdefault(facility.country, facility.country_label or facility.country)
    return CommodityDashboard(
        commodity.value, iris.key_of(commodity), chain.commodity_label, risk,
        [(signal, share_bars(item)) for signal, item in zip(risk.signals, latest, strict=True)],
        dict(series), reliance_series, flow, flow_notes, points, unplaced, bottlenecks,
        recycling_summary(store, commodity), list(producers.items()),
        sorted(chain.organisations.items(), key=lambda o: o[1]))


def share_bars(item: conc.Concentration, shown: int = MAX_SHARES_SHOWN) -> list[ShareBar]:
    """The largest countries' shares, and the rest summed into one "others" bar."""
    bars = [ShareBar(s.area, s.label, s.percent, s.tonnes) for s in item.shares[:shown]]
    rest = item.shares[shown:]
    if rest:
        bars.append(ShareBar(None, f"{len(rest)} other countries", sum(s.percent for s in rest),
                             sum(s.tonnes for s in rest)))
    return bars


def _node(facility: Facility, stage: str, stage_labels: dict[str, str]) -> str:
    return f"{stage_labels[stage]} · {facility.country_label or 'country unknown'}"


def supply_flow(chain: ChainGraph) -> tuple[list[FlowLink], list[str]]:
    """Explicit supply links folded into flows between (stage, country) groups, upstream to downstream."""
    order = {stage.iri: stage.order for stage in chain.stages}
    stage_labels = {stage.iri: stage.label for stage in chain.stages}
    weights: Counter[tuple[str, str]] = Counter()
    columns: dict[str, int] = {}
    evidence: dict[tuple[str, str], list[str]] = defaultdict(list)
    skipped = 0
    for edge in chain.edges:
        supplier, buyer = chain.facilities[edge.supplier], chain.facilities[edge.buyer]
        if not supplier.stages or not buyer.stages:
            skipped += 1
            continue
        out_stage = supplier.stages[-1]  # what it ships is its most processed form
        later = [s for s in buyer.stages if order.get(s, 0) > order.get(out_stage, 0)]
        in_stage = later[0] if later else buyer.stages[0]
        source, target = _node(supplier, out_stage, stage_labels), _node(buyer, in_stage, stage_labels)
        if source == target or order.get(in_stage, 0) < order.get(out_stage, 0):
            skipped += 1  # within one group, or upstream (recycling back to refining): a Sankey cannot draw a loop
            continue
        weights[(source, target)] += 1
        columns[source], columns[target] = order.get(out_stage, 0), order.get(in_stage, 0)
        if edge.evidence not in evidence[(source, target)]:
            evidence[(source, target)].append(edge.evidence)
    links = [FlowLink(s, t, columns[s], columns[t], n, evidence[(s, t)]) for (s, t), n in sorted(weights.items())]
    notes = []
    if not chain.edges:
        notes.append(f"no explicit supply links for {chain.commodity_label} in the graph (supply agreements, offtakes, "
                     "cm:supplies facts, accepted extracted SUPPLIES facts), so no flow from mining to end use can be "
                     "drawn; the facilities by stage below are what the graph holds")
    if skipped:
        notes.append(f"{skipped} supply link(s) within one stage and country, against the order of the stages, or "
                     "between facilities without a stage are not drawn")
    return links, notes


def trace_query(indicator: str) -> str:
    """The SPARQL a reader runs to see one indicator's method and inputs: ``trace_indicator.rq`` with the indicator
    in a trailing VALUES line. It is text for the workbench, never run by us, and the IRI is written by pyoxigraph,
    so escaped."""
    return f"{load_query(__file__, 'trace_indicator')}VALUES ?indicator {{ {NamedNode(indicator)} }}\n"


def _facility_points(store: Store, chain: ChainGraph) -> tuple[list[FacilityPoint], int]:
    labels = {stage.iri: stage.label for stage in chain.stages}
    points: dict[str, FacilityPoint] = {}
    for row in query(store, load_query(__file__, "dashboard_facility_points"), commodity=NamedNode(chain.commodity)):
        facility = chain.facilities.get(row["facility"].value)
        found = POINT.search(row["wkt"].value)
        if facility is None or found is None or facility.iri in points:
            continue
        lon, lat = float(found.group(1)), float(found.group(2))
        if abs(lat) > 90 or abs(lon) > 180:
            continue
        stage = facility.stages[-1] if facility.stages else ""
        points[facility.iri] = FacilityPoint(facility.iri, facility.label, lat, lon,
                                             iris.key_of(NamedNode(stage)) if stage else "unknown",
                                             labels.get(stage, "stage unknown"), facility.country_label)
    return sorted(points.values(), key=lambda p: (p.stage, p.label)), len(chain.facilities) - len(points)
