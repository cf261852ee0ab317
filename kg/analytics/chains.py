"""Supply chains of one commodity as the store holds them, and their bottlenecks.

The chain graph has the facilities that handle the commodity (or a narrower one) as nodes, each with its stages,
country and the organisations that operate or own it. Its edges are **explicit supply links only**:
``cm:SupplyAgreement`` records and asserted ``cm:supplies`` triples (in ``cmg:curated``: extracted facts a reviewer
accepted; candidates are never asserted). A link between organisations becomes an edge from each facility of the
supplier to each facility of the buyer (facilities it operates or owns, for this commodity); nothing is inferred from
stages alone, so a commodity without links has facilities and no chains, and says so.

A chain is a path of edges from a mine (stage ``mining``) to a cell plant or EV maker (stage ``cell-manufacturing``
or ``end-use``). Bottlenecks are

* stages served by one country or one facility (over all facilities of the stage, linked or not);
* cut vertices: articulation points of the undirected graph of the facilities on some chain;
* single points of failure: facilities whose removal leaves a cell plant or EV maker that had a chain with none.

>>> chain = ChainGraph("urn:c", "c", {}, [], {}, {})
>>> find_chains(chain).paths
[]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from pyoxigraph import NamedNode, Store

from kg import iris
from kg.rq import load_query
from kg.store import query

STAGE = iris.PREFIXES["stage"]
SOURCE_STAGES = frozenset({STAGE + "mining"})
SINK_STAGES = frozenset({STAGE + "cell-manufacturing", STAGE + "end-use"})
MAX_PATHS = 20_000  # a dense partner graph could hold millions of simple paths; we stop and say so


@dataclass(frozen=True)
class Facility:
    iri: str
    label: str
    stages: tuple[str, ...]  # stage IRIs, upstream first
    country: str | None
    country_label: str | None


@dataclass(frozen=True)
class Edge:
    supplier: str  # facility IRIs
    buyer: str
    kind: str  # agreement, curated (an accepted extracted fact) or asserted (a cm:supplies triple in another graph)
    evidence: str  # the agreement, the curation record or the graph that states the link
    via: str  # "facility" when the link names the facilities, else "organisation"


@dataclass(frozen=True)
class Stage:
    iri: str
    label: str
    order: int


@dataclass
class ChainGraph:
    commodity: str
    commodity_label: str
    facilities: dict[str, Facility]
    edges: list[Edge]
    organisations: dict[str, str]  # IRI -> label
    roles: dict[str, set[tuple[str, str]]]  # facility IRI -> {(organisation IRI, "operator" | "owner")}
    stages: list[Stage] = field(default_factory=list)
    unresolved_links: int = 0  # explicit links for this commodity whose ends are not facilities we could place

    def successors(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for edge in self.edges:
            out[edge.supplier].add(edge.buyer)
        return out

    def is_source(self, facility: str) -> bool:
        return bool(SOURCE_STAGES.intersection(self.facilities[facility].stages))

    def is_sink(self, facility: str) -> bool:
        return bool(SINK_STAGES.intersection(self.facilities[facility].stages))


@dataclass(frozen=True)
class Chains:
    paths: list[tuple[str, ...]]
    truncated: bool


@dataclass(frozen=True)
class StageSupply:
    stage: str
    label: str
    facilities: int
    countries: list[str]  # country IRIs; facilities without a country are counted in facilities only
    single_country: bool
    single_facility: bool


@dataclass(frozen=True)
class PointOfFailure:
    facility: str
    cuts_off: list[str]  # cell plants and EV makers left without any chain


@dataclass(frozen=True)
class Bottlenecks:
    commodity: str
    commodity_label: str
    facility_count: int
    edge_count: int
    edges_by_kind: dict[str, int]
    chain_count: int
    chains_truncated: bool
    stages: list[StageSupply]
    cut_vertices: list[str]
    single_points_of_failure: list[PointOfFailure]
    notes: list[str]


def _text(term: object | None) -> str | None:
    return None if term is None else term.value  # type: ignore[attr-defined]


def commodity_node(key_or_iri: str) -> NamedNode:
    """``lithium`` or the full IRI → the commodity's IRI (not checked to exist; ``build_chain_graph`` does)."""
    return NamedNode(key_or_iri) if ":" in key_or_iri else iris.commodity(key_or_iri)


def build_chain_graph(store: Store, commodity: NamedNode) -> ChainGraph | None:
    """The chain graph of ``commodity`` from what ``store`` holds; None when the commodity is unknown."""
    handled = {row["handled"].value: _text(row["label"]) for row in
               query(store, load_query(__file__, "chain_commodities"), commodity=commodity)}
    if not handled:
        return None
    stages = sorted((Stage(row["stage"].value, _text(row["label"]) or row["stage"].value, int(row["order"].value))
                     for row in query(store, load_query(__file__, "chain_stages"))), key=lambda s: s.order)
    order = {stage.iri: stage.order for stage in stages}
    facilities = _facilities(store, commodity, order)
    roles: dict[str, set[tuple[str, str]]] = defaultdict(set)
    by_organisation: dict[str, set[str]] = defaultdict(set)
    organisations: dict[str, str] = {}
    for row in query(store, load_query(__file__, "chain_organisations")):
        facility, organisation = row["facility"].value, row["organisation"].value
        if facility in facilities:
            roles[facility].add((organisation, row["role"].value))
            by_organisation[organisation].add(facility)
            organisations.setdefault(organisation, _text(row["label"]) or organisation)
    edges, unresolved = _edges(store, set(handled), facilities, by_organisation)
    return ChainGraph(commodity.value, handled[commodity.value] or commodity.value, facilities, edges, organisations,
                      dict(roles), stages, unresolved)


def _facilities(store: Store, commodity: NamedNode, order: dict[str, int]) -> dict[str, Facility]:
    rows: dict[str, dict[str, object]] = {}
    for row in query(store, load_query(__file__, "chain_facilities"), commodity=commodity):
        entry = rows.setdefault(row["facility"].value, {"stages": set()})
        entry["stages"].add(row["stage"].value)  # type: ignore[union-attr]
        # sources may give several labels or countries; keep the smallest so that answers do not vary between runs
        for key, value in (("label", _text(row["label"])), ("country", _text(row["country"])),
                           ("country_label", _text(row["countryLabel"]))):
            if value is not None and (entry.get(key) is None or value < entry[key]):  # type: ignore[operator]
                entry[key] = value
    return {iri: Facility(iri, str(entry.get("label") or iri),
                          tuple(sorted(entry["stages"], key=lambda s: order.get(s, 99))),  # type: ignore[arg-type]
                          entry.get("country"), entry.get("country_label"))  # type: ignore[arg-type]
            for iri, entry in rows.items()}


def _edges(store: Store, handled: set[str], facilities: dict[str, Facility],
           by_organisation: dict[str, set[str]]) -> tuple[list[Edge], int]:
    edges: set[Edge] = set()
    unresolved = 0
    for row in query(store, load_query(__file__, "chain_supply_links")):
        link_commodity = _text(row["commodity"])
        if link_commodity is not None and link_commodity not in handled:
            continue  # an agreement for another commodity between the same parties
        supplier, buyer = row["supplier"].value, row["buyer"].value
        suppliers = {supplier} if supplier in facilities else by_organisation.get(supplier, set())
        buyers = {buyer} if buyer in facilities else by_organisation.get(buyer, set())
        if not suppliers or not buyers:
            # a link for this commodity (or one that names none) whose ends we cannot place among its facilities;
            # only those naming the commodity are worth reporting, the rest may well be about something else
            unresolved += link_commodity is not None
            continue
        via = "facility" if supplier in facilities and buyer in facilities else "organisation"
        for source in suppliers:
            for target in buyers:
                if source != target:
                    edges.add(Edge(source, target, row["kind"].value, row["evidence"].value, via))
    return sorted(edges, key=lambda e: (e.supplier, e.buyer, e.kind, e.evidence)), unresolved


def find_chains(chain: ChainGraph, *, removed: Collection[str] = (), max_paths: int = MAX_PATHS) -> Chains:
    """Every simple path of edges from a mine to a cell plant or EV maker, avoiding the ``removed`` facilities.

    A path that reaches a cell plant counts, and so does its continuation to an EV maker: each is a chain to a
    different end."""
    successors = chain.successors()
    paths: list[tuple[str, ...]] = []
    truncated = False

    def walk(path: list[str], on_path: set[str]) -> None:
        nonlocal truncated
        for nxt in sorted(successors.get(path[-1], ())):
            if nxt in on_path or nxt in removed or nxt not in chain.facilities:
                continue
            if len(paths) >= max_paths:
                truncated = True
                return
            path.append(nxt)
            on_path.add(nxt)
            if chain.is_sink(nxt):
                paths.append(tuple(path))
            walk(path, on_path)
            path.pop()
            on_path.discard(nxt)

    for start in sorted(chain.facilities):
        if start not in removed and chain.is_source(start):
            walk([start], {start})
    return Chains(paths, truncated)


def cut_vertices(paths: Iterable[tuple[str, ...]]) -> list[str]:
    """Articulation points of the undirected graph made of the chains' edges (iterative Tarjan, no recursion limit)."""
    neighbours: dict[str, set[str]] = defaultdict(set)
    for path in paths:
        for a, b in pairwise(path):
            neighbours[a].add(b)
            neighbours[b].add(a)
    discovery: dict[str, int] = {}
    low: dict[str, int] = {}
    points: set[str] = set()
    for root in sorted(neighbours):
        if root in discovery:
            continue
        discovery[root] = low[root] = len(discovery)
        root_children = 0
        stack: list[tuple[str, str | None, list[str]]] = [(root, None, sorted(neighbours[root]))]
        while stack:
            node, parent, pending = stack[-1]
            if pending:
                child = pending.pop()
                if child == parent:
                    continue
                if child in discovery:
                    low[node] = min(low[node], discovery[child])
                    continue
                discovery[child] = low[child] = len(discovery)
                root_children += node == root
                stack.append((child, node, sorted(neighbours[child])))
                continue
            stack.pop()
            if parent is not None:
                low[parent] = min(low[parent], low[node])
                if parent != root and low[node] >= discovery[parent]:
                    points.add(parent)
        if root_children > 1:
            points.add(root)
    return sorted(points)


def reached_sinks(paths: Iterable[tuple[str, ...]]) -> set[str]:
    return {path[-1] for path in paths}


def stage_supply(chain: ChainGraph, *, removed: Collection[str] = ()) -> list[StageSupply]:
    """Facilities and countries per stage (all of the commodity's facilities, whether linked or not)."""
    per_stage: dict[str, list[Facility]] = defaultdict(list)
    for facility in chain.facilities.values():
        if facility.iri not in removed:
            for stage in facility.stages:
                per_stage[stage].append(facility)
    result = []
    for stage in chain.stages:
        members = per_stage.get(stage.iri, [])
        countries = sorted({f.country for f in members if f.country})
        result.append(StageSupply(stage.iri, stage.label, len(members), countries,
                                  single_country=len(countries) == 1, single_facility=len(members) == 1))
    return result


def find_bottlenecks(chain: ChainGraph) -> Bottlenecks:
    chains = find_chains(chain)
    sinks = reached_sinks(chains.paths)
    on_chains = sorted({node for path in chains.paths for node in path})
    failures = []
    for facility in on_chains:
        # only the chains through this facility can change when it goes
        survivors = reached_sinks(p for p in chains.paths if facility not in p)
        lost = sorted(sinks - survivors - {facility})
        if lost:
            failures.append(PointOfFailure(facility, lost))
    by_kind: dict[str, int] = defaultdict(int)
    for edge in chain.edges:
        by_kind[edge.kind] += 1
    notes = []
    if not chain.edges:
        notes.append("no explicit supply links for this commodity: the graph holds facilities by stage but no "
                     "SupplyAgreement, cm:supplies triple or accepted extracted SUPPLIES fact between them, so no "
                     "chain can be traced (none is inferred from stages alone)")
    elif not chains.paths:
        notes.append("supply links exist but none joins a mine to a cell plant or EV maker")
    if chain.unresolved_links:
        notes.append(f"{chain.unresolved_links} supply link(s) naming this commodity have an end that is neither one "
                     "of its facilities nor an organisation operating or owning one")
    if chains.truncated:
        notes.append(f"stopped after {MAX_PATHS} chains: cut vertices and single points of failure are partial")
    return Bottlenecks(chain.commodity, chain.commodity_label, len(chain.facilities), len(chain.edges),
                       dict(sorted(by_kind.items())), len(chains.paths), chains.truncated, stage_supply(chain),
                       cut_vertices(chains.paths), failures, notes)


@dataclass(frozen=True)
class RecyclingPlant:
    facility: str
    label: str
    country: str | None
    capacity: float | None
    unit: str | None
    year: str | None


@dataclass(frozen=True)
class Figure:
    kind: str  # world-production or net-import-reliance
    measure: str | None
    area: str
    year: str
    value: float
    unit: str | None


@dataclass(frozen=True)
class Recycling:
    commodity: str
    plants: list[RecyclingPlant]
    capacity_tonnes: float | None  # summed over plants whose capacity is in tonnes; None when none has one
    figures: list[Figure]  # the latest year of each measure and area
    notes: list[str]


def recycling_summary(store: Store, commodity: NamedNode) -> Recycling:
    """Recycling plants and their capacity, beside the latest world production and import reliance on record."""
    plants = sorted({RecyclingPlant(row["facility"].value, _text(row["label"]) or row["facility"].value,
                                    _text(row["country"]), _float(row["value"]), _text(row["unit"]),
                                    _text(row["year"]))
                     for row in query(store, load_query(__file__, "recycling_capacity"), commodity=commodity)},
                    key=lambda p: (p.facility, p.year or ""))
    latest: dict[tuple[str, str | None, str], Figure] = {}
    for row in query(store, load_query(__file__, "recycling_context"), commodity=commodity):
        figure = Figure(row["kind"].value, _text(row["measure"]), row["area"].value, row["year"].value,
                        float(row["value"].value), _text(row["unit"]) or _text(row["sourceUnit"]))
        key = (figure.kind, figure.measure, figure.area)
        if key not in latest or figure.year > latest[key].year:
            latest[key] = figure
    tonnes = [p.capacity for p in plants if p.capacity is not None and p.unit == iris.PREFIXES["unit"] + "TONNE"]
    notes = []
    if not plants:
        notes.append("no recycling plant for this commodity in the graph")
    elif not tonnes:
        notes.append("recycling plants are recorded without a capacity in tonnes")
    return Recycling(commodity.value, plants, sum(tonnes) if tonnes else None,
                     sorted(latest.values(), key=lambda f: (f.kind, f.area, f.measure or "")), notes)


def _float(term: object | None) -> float | None:
    return None if term is None else float(term.value)  # type: ignore[attr-defined]
