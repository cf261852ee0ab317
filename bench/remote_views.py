"""What a restricted reader's per-query dataset costs on the Oxigraph server (docs/remote-store.md).

Over a remote store, every query of a reader from whom some graph is hidden carries the visible graphs as
``default-graph-uri`` and ``named-graph-uri`` (``kg/remote_view.py``). This serves a copy of a store with
``oxigraph serve --union-default-graph``, then times three queries sent plainly (the union default graph) and with
every graph of the store listed as the dataset; then adds ``--extra-graphs`` small graphs (one per document, as
partners' uploads make them) and times both again.

    python bench/remote_views.py --store var/store [--extra-graphs 300] [--runs 15]

Prints one line per query and setting: the median over ``--runs`` runs, after one warm-up run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
from pyoxigraph import Literal, NamedNode, Quad, Store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.remote_fixtures import oxigraph_server

QUERIES = {
    "lookup (one entity's statements)":
        "SELECT ?p ?o WHERE { <https://w3id.org/critmin/id/commodity/lithium> ?p ?o }",
    "scan (COUNT of typed nodes)": "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?type }",
    "join (production by country, README)": (
        "SELECT ?country ?tonnes WHERE { ?o a <https://w3id.org/critmin/ontology/ProductionObservation> ; "
        "<https://w3id.org/critmin/ontology/refArea> ?area ; <http://qudt.org/schema/qudt/numericValue> ?tonnes . "
        "?area <http://www.w3.org/2000/01/rdf-schema#label> ?country }"),
    "GRAPH ?g (count per graph)": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
}


def timed(client: httpx.Client, url: str, query: str, graphs: list[str] | None, runs: int) -> float:
    data: list[tuple[str, str]] = [("query", query)]
    for graph in graphs or []:
        data += [("default-graph-uri", graph), ("named-graph-uri", graph)]
    headers = {"Accept": "application/sparql-results+json", "Content-Type": "application/x-www-form-urlencoded"}
    body = urlencode(data).encode()
    client.post(url, content=body, headers=headers).raise_for_status()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        client.post(url, content=body, headers=headers).raise_for_status()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(location: Path, runs: int, label: str) -> None:
    with oxigraph_server(union_default_graph=True, location=location) as server, httpx.Client(timeout=600) as client:
        url = f"{server.base_url}/query"
        graphs = [row["g"]["value"] for row in client.post(
            url, data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"},
            headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]]
        print(f"{label}: {len(graphs)} graphs")
        for name, query in QUERIES.items():
            plain = timed(client, url, query, None, runs)
            listed = timed(client, url, query, graphs, runs)
            print(f"  {name:<36} union {plain:8.1f} ms   dataset of {len(graphs)} graphs {listed:8.1f} ms"
                  f"   x{listed / plain:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="a loaded store folder (copied, not changed)")
    parser.add_argument("--extra-graphs", type=int, default=300)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "store"
        Store.read_only(str(args.store)).backup(str(copy))
        measure(copy, args.runs, "the store as loaded")
        store = Store(str(copy))
        for number in range(args.extra_graphs):
            graph = NamedNode(f"https://w3id.org/critmin/graph/partner/bench/doc-{number}")
            store.extend(Quad(NamedNode(f"https://w3id.org/critmin/id/bench/{number}-{i}"),
                              NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), Literal(f"item {i}"), graph)
                         for i in range(20))
        store.flush()
        del store
        measure(copy, args.runs, f"with {args.extra_graphs} more graphs of 20 triples")


if __name__ == "__main__":
    main()
