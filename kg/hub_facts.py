"""The hub parts of a country or commodity page from its summary (``kg.hub_summaries``) plus the caller's partner
graphs, merged as the live queries would give them over the caller's view.

The summary counts the graphs every reader may read. The view's store holds only graphs its caller may read, so the
partner graphs in it are the caller's; each is asked (a query bound to that graph, as small as the graph) what it
adds: a facility counted nowhere public, a link no public graph holds. With no partner graph in the view there is
no extra query. ``summary_of`` gives None when the summaries are missing or stale, and the page asks the live
queries instead: slower, never wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import Literal, NamedNode, QueryResultsFormat, Store, parse_query_results

from kg import iris
from kg.hub_summaries import (
    STATEMENTS_TABLE,
    covered,
    extra_graphs,
    summaries_status,
    summary_node,
    table_node,
)
from kg.rq import load_query
from kg.statement_rows import statement_rows as rows_of_statement
from kg.store import query


@dataclass
class FacilityEntry:
    facility: str
    label: Literal | None
    type_label: Literal | None


@dataclass
class StageEntry:
    stage: str
    label: Literal | None
    count: int


@dataclass
class HubSummary:
    """What ``cmg:summaries`` holds about one hub, and the partner graphs of the view it was read from."""

    node: NamedNode
    facility_count: int | None
    facilities: list[FacilityEntry]
    stages: list[StageEntry]
    inbound_total: int
    inbound_first: list[tuple[str, str]]  # (property, subject), the first by property then subject
    statements: list[str] = field(default_factory=list)  # those of the first extracted statements by document
    extra: list[NamedNode] = field(default_factory=list)


def _rq(name: str) -> str:
    return load_query(__file__, name)


def summary_of(store: Store, hub: NamedNode) -> HubSummary | None:
    """The hub's summary, if the summaries are current and hold one; else None (ask the live queries)."""
    node = summary_node(hub.value)
    if node is None:
        return None
    names = list(store.named_graphs())  # listed once: over a remote store each listing is a request
    if not summaries_status(store, names).fresh:
        return None
    rows = list(query(store, _rq("hub_summary"), summary=node))
    if not rows:
        return None
    facilities, stages, inbound, statements = [], [], [], []
    for row in rows:
        kind = row["kind"].value if row["kind"] else None
        if kind == "facility":
            facilities.append(FacilityEntry(row["item"].value, row["label"], row["typeLabel"]))
        elif kind == "stage":
            stages.append(StageEntry(row["item"].value, row["label"], int(row["count"].value)))
        elif kind == "inbound":
            inbound.append((row["property"].value, row["item"].value))
        elif kind == "statement":
            statements.append(row["item"].value)
    first = rows[0]
    facilities.sort(key=lambda e: _label_key(e.label, e.facility))
    return HubSummary(node=node, facility_count=int(first["facilities"].value) if first["facilities"] else None,
                      facilities=facilities, stages=stages, inbound_total=int(first["inbound"].value),
                      inbound_first=sorted(set(inbound)), statements=sorted(set(statements)),
                      extra=extra_graphs(store, names))


_TABLE_ROWS = NamedNode(iris.ONTOLOGY + "tableRows")


def table_rows(store: Store, summary: HubSummary | None, name: str) -> list[Any] | None:
    """The rows of the summary's page table ``name`` (``kg.hub_summaries.PAGE_TABLES``), as the query gives them over
    the covered graphs; None when there is no summary or it has no such table (ask the query live)."""
    if summary is None:
        return None
    node = table_node(summary.node, name)
    for quad in store.quads_for_pattern(node, _TABLE_ROWS, None, iris.SUMMARIES_GRAPH):
        return list(parse_query_results(quad.object.value.encode("utf-8"), format=QueryResultsFormat.JSON))
    return None


def _label_key(label: Any, iri: str) -> tuple[bool, str, str]:
    """ORDER BY ?label ?iri: unbound labels first."""
    return (label is not None, label.value if label is not None else "", iri)


def country_facilities(store: Store, hub: NamedNode, summary: HubSummary,
                       limit: int) -> tuple[int, list[FacilityEntry]]:
    """The number of facilities in the country and the first ``limit`` by name, partner facilities included."""
    added: dict[str, FacilityEntry] = {}
    public: set[str] = set()
    for graph in summary.extra:
        for row in query(store, _rq("hub_extra_facilities"), graph=graph, subject=hub):
            facility = row["facility"].value
            if covered(row["countryGraph"].value) and covered(row["typeGraph"].value):
                public.add(facility)  # counted by the summary already
            added[facility] = FacilityEntry(facility, row["label"], row["typeLabel"])
    new = [entry for facility, entry in added.items() if facility not in public]
    merged = sorted([*summary.facilities, *new], key=lambda e: _label_key(e.label, e.facility))[:limit]
    return (summary.facility_count or 0) + len(new), merged


def commodity_stages(store: Store, hub: NamedNode, summary: HubSummary) -> list[StageEntry]:
    """Facilities handling the commodity by stage (and stage label, as the live query groups), partners' included."""
    new: dict[str, set[str]] = {}
    public: set[tuple[str, str]] = set()
    labels: dict[str, set[Any]] = {}
    for graph in summary.extra:
        for row in query(store, _rq("hub_extra_stages"), graph=graph, subject=hub):
            key = (row["facility"].value, row["stage"].value)
            if all(covered(row[g].value) for g in ("commodityGraph", "typeGraph", "stageGraph")):
                public.add(key)
            new.setdefault(key[1], set()).add(key[0])
            labels.setdefault(key[1], set()).add(row["stageLabel"])
    counts = {stage: len({f for f in facilities if (f, stage) not in public}) for stage, facilities in new.items()}
    out = [StageEntry(e.stage, e.label, e.count + counts.get(e.stage, 0)) for e in summary.stages]
    known = {e.stage for e in summary.stages}
    out += [StageEntry(stage, label, count) for stage, count in counts.items() if stage not in known and count
            for label in sorted(labels[stage], key=lambda lit: (lit is not None, lit.value if lit else ""))]
    return sorted(out, key=lambda e: _label_key(e.label, e.stage))


def inbound_pairs(store: Store, hub: NamedNode, summary: HubSummary) -> tuple[int, list[tuple[str, str]]]:
    """The number of (subject, property) links to the hub and the first of them, partners' links included."""
    holders: dict[tuple[str, str], bool] = {}
    for graph in summary.extra:
        for row in query(store, _rq("hub_extra_inbound"), graph=graph, subject=hub):
            pair = (row["p"].value, row["s"].value)
            holders[pair] = holders.get(pair, False) or covered(row["other"].value)
    new = [pair for pair, held in holders.items() if not held]
    return summary.inbound_total + len(new), sorted([*summary.inbound_first, *new])


def production_rows(store: Store, hub: NamedNode, summary: HubSummary, limit: int) -> list[Any]:
    """The rows of ``commodity_production.rq`` for the commodity, in its order, partners' observations included."""
    rows = table_rows(store, summary, "commodity-production")
    if rows is None:
        rows = list(query(store, _rq("hub_production"), summary=summary.node, subject=hub))
    for graph in summary.extra:
        rows += query(store, _rq("hub_extra_production"), graph=graph, subject=hub)
    unique = {tuple(_value(row[name]) for name in _PRODUCTION_COLUMNS): row for row in rows}
    return sorted(unique.values(), key=_production_key)[:limit]


_PRODUCTION_COLUMNS = ("obs", "area", "year", "value", "unit", "stage", "measure", "status", "areaLabel", "stageLabel")


def _value(term: Any) -> str | None:
    return None if term is None else str(term)


def _production_key(row: Any) -> tuple[tuple[bool, str], ...]:
    """ORDER BY ?stageLabel ?measure ?areaLabel ?year: unbound first, then by value."""
    return tuple((row[name] is not None, row[name].value if row[name] is not None else "")
                 for name in ("stageLabel", "measure", "areaLabel", "year"))


def statement_rows(store: Store, hub: NamedNode, summary: HubSummary, limit: int) -> list[Any]:
    """The rows of ``entity_extracted_statements.rq`` for the hub, in its order: the summary's statements (from its
    page table, else read by pattern) and those of the caller's partner graphs, read by pattern; a statement a
    partner graph mentions is read whole from the caller's view, as the live query would."""
    extra: set[str] = set()
    for graph in summary.extra:
        extra |= {row["statement"].value for row in query(store, _rq("hub_extra_statements"), graph=graph,
                                                           subject=hub)}
    stored = table_rows(store, summary, STATEMENTS_TABLE)
    if stored is None:
        stored, extra = [], extra | set(summary.statements)
    labels: dict[Any, Literal | None] = {}  # statements about a hub share their other ends: look each up once
    rows = [row for row in stored if row["statement"].value not in extra]
    rows += [row for statement in extra for row in rows_of_statement(store, hub, NamedNode(statement), labels)]
    return sorted(rows, key=lambda r: (r["doc"] is not None, r["doc"].value if r["doc"] else "",
                                       r["statement"].value))[:limit]
