"""The version of each hub graph: what the catalog records about its last load, its modification time and triple
count, both rewritten by every replace (``kg.loading``) and every review decision (``kg/review_apply.ru``).

A recomputation records the versions it read (``kg.analytics.materialise``); ``kg.analytics.freshness`` compares
them with the catalog now. Partner graphs are never inputs of the public indicators, so never versioned here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import NamedNode, Store

from kg import iris
from kg.analytics.concentration import is_hub_graph
from kg.loading import count_triples
from kg.rq import load_query
from kg.store import query


@dataclass(frozen=True)
class GraphVersion:
    """A graph as one load left it; ``modified`` is the catalog's canonical xsd:dateTime text."""

    graph: str
    modified: str | None
    triples: int | None


def catalog_versions(store: Store) -> dict[str, GraphVersion]:
    """Every hub graph the catalog describes (the analytics graph aside), by IRI."""
    versions: dict[str, GraphVersion] = {}
    for row in query(store, load_query(__file__, "graph_versions"), catalog=iris.CATALOG_GRAPH):
        graph = row["graph"].value
        if not is_hub_graph(graph):
            continue
        triples = int(row["triples"].value) if row["triples"] else None
        versions[graph] = GraphVersion(graph, row["modified"].value if row["modified"] else None, triples)
    return versions


def version_of(store: Store, graph: str, catalog: dict[str, GraphVersion]) -> GraphVersion | None:
    """``graph``'s version: its catalog entry, else (a graph no loader wrote) its triple count; None when absent."""
    if graph in catalog:
        return catalog[graph]
    node = NamedNode(graph)
    if not store.contains_named_graph(node):
        return None
    return GraphVersion(graph, None, count_triples(store, node))


def holds_inputs(store: Store, graph: str) -> bool:
    """Whether ``graph`` holds anything an indicator reads (observations, lists, memberships, import sources)."""
    return bool(query(store, load_query(__file__, "graph_holds_inputs"), graph=NamedNode(graph)))
