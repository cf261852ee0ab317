"""Visibility benchmark: what a restricted view (``kg/views.py``) costs on a store, and what reading through it costs.

Over a copy of ``--store`` (never the store itself) with a private partner graph of ``--private-triples`` triples:
- building a view: checkpoint, removing the hidden graphs, reopening read-only (``Views.acquire`` of a new class);
- a first search through it (the application's index with the class's graphs hidden: nothing is built);
- an entity page (HTML) through HTTP in the main view (an admin) against a restricted view (anonymous), and the same
  SPARQL lookup, after one warm-up request each.

    python bench/views.py              # over the bundled data, loaded into a scratch store
    python bench/views.py --store var/store

Writes a markdown table to stdout and ``bench/results/views.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Quad

from api.app import create_app
from kg import iris
from kg.accounts import add_partner, create_token
from kg.graph_access import register_graph
from kg.loading import load_bundled
from kg.search import build_index
from kg.settings import Settings
from kg.store import open_store, open_store_read_only
from kg.views import Views

RESULTS = Path(__file__).resolve().parent / "results" / "views.json"
PAGE = "/id/country/AUS"
LOOKUP = "SELECT ?p ?o WHERE { <https://w3id.org/critmin/id/country/AUS> ?p ?o }"


def median_ms(function, repeat: int) -> float:
    function()  # warm-up: builds the view (and opens it in a worker) the first time
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=None, help="a store to copy (default: load the bundled data)")
    parser.add_argument("--private-triples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="critmin-bench-views-"))
    copy = folder / "store"
    if args.store is not None:
        open_store_read_only(args.store).backup(str(copy))
    store = open_store(copy)
    if args.store is None:
        load_bundled(store)
    graph = iris.partner_graph("alpha", "private")
    store.extend(Quad(NamedNode(f"{iris.ID}facility/bench/{n}"), iris.ns("rdfs", "label"), Literal(f"bench {n}"),
                      graph) for n in range(args.private_triples))
    accounts = folder / "accounts.sqlite3"
    add_partner(accounts, "alpha", name="Alpha")
    add_partner(accounts, "hub-admins", name="Admins")
    register_graph(accounts, graph.value)
    admin = {"Authorization": f"Bearer {create_token(accounts, 'hub-admins', scopes=['admin'], label='bench')[1]}"}

    views = Views(folder / "scratch")
    index = build_index(store)
    builds = []
    for n in range(args.repeat):
        started = time.perf_counter()
        view = views.acquire(store, frozenset({graph.value, f"urn:bench:{n}"}), index)  # a new class each time
        builds.append((time.perf_counter() - started) * 1000)
        views.release(view)
    started = time.perf_counter()
    view.search_index().search("bench 1")
    index_ms = (time.perf_counter() - started) * 1000
    views.clear()
    triples = len(store)
    del store, view

    settings = Settings(store=copy, accounts_db=accounts, query_workers=2, rate_limit_per_s=0)  # one client, no limit
    with TestClient(create_app(settings)) as client:
        page = {who: median_ms(lambda h=headers: client.get(PAGE, headers=h).raise_for_status(), args.repeat)
                for who, headers in (("main view (admin)", admin), ("restricted view (anonymous)", {}))}
        sparql = {who: median_ms(lambda h=headers: client.post("/sparql", data={"query": LOOKUP},
                                                               headers=h).raise_for_status(), args.repeat)
                  for who, headers in (("main view (admin)", admin), ("restricted view (anonymous)", {}))}

    results = {"store_triples": triples, "private_triples": args.private_triples,
               "view_build_ms_median": statistics.median(builds), "view_build_ms_max": max(builds),
               "view_first_search_ms": index_ms, "entity_page_ms_median": page, "sparql_lookup_ms_median": sparql}
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"| measure ({triples} triples, {args.private_triples} hidden) | ms |\n|---|---|")
    print(f"| build a view (median / max of {args.repeat}) | {results['view_build_ms_median']:.1f} / "
          f"{results['view_build_ms_max']:.1f} |")
    print(f"| a first search through it | {index_ms:.1f} |")
    for who, ms in page.items():
        print(f"| entity page {PAGE}, {who} | {ms:.1f} |")
    for who, ms in sparql.items():
        print(f"| SPARQL lookup, {who} | {ms:.1f} |")


if __name__ == "__main__":
    sys.exit(main())
