"""How big the store is, cheaply: its named graphs listed, its quads summed from the catalog's counts.

Counting quads (``len(store)``) scans the whole store: seconds at 10M quads, so never on a metrics scrape. Each load
records the triples it wrote in the catalog (``void:triples``), so their sum is the size of the data graphs; the
derived graphs (catalog, analytics, summaries) and uncatalogued graphs are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.rq import load_query
from kg.store import GraphStore, graph_names, query


@dataclass(frozen=True)
class StoreSize:
    named_graphs: int
    catalogued_quads: int


def measure_store_size(store: GraphStore) -> StoreSize:
    """The store's size: a listing of its graphs and one query over the catalog (milliseconds at 10M quads)."""
    quads = 0
    for row in query(store, load_query(__file__, "store_size")):
        try:
            quads += int(row["triples"].value)
        except (TypeError, ValueError):
            continue  # a count that is not an integer is not ours to add
    return StoreSize(named_graphs=len(graph_names(store)), catalogued_quads=quads)
