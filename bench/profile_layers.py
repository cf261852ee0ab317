"""Where a critmin SPARQL request spends its time, layer by layer, against the same query run in process.

Over a store that ``bench/run.py`` loaded (``--store``, e.g. /tmp/critmin-bench/1000000/critmin-store), for every
query of the mix with the same bound values, one at a time (no queueing):

- store: ``Store.query`` + JSON serialisation in this process (what a worker does);
- scan: ``kg.sparql_lexer.scan_query`` (the SERVICE/update check ``/sparql`` runs before every query);
- access: ``graph_access.hidden_graphs`` with an accounts database of one partner (per request, anonymous caller);
- runner: ``QueryRunner.execute`` (pipe to a worker process, the query there, the bytes back);
- http: the whole request to ``critmin serve`` (started here with ``--query-workers``), and to the Oxigraph server over
  a raw store (``--raw-store``) for comparison.

Then, optionally, ``--clients`` concurrent clients against critmin for ``--duration-s`` with query_workers 2 and 4:
how much of the latency under load is waiting for a worker.

    python bench/profile_layers.py --store /tmp/critmin-bench/1000000/critmin-store \
        --raw-store /tmp/critmin-bench/1000000/raw-store --dataset bench/.cache/1000000-s7

Writes a markdown table to stdout and ``bench/results/profile_layers.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(ROOT))

import httpx  # noqa: E402
from mix import load_mix, request_plan  # noqa: E402
from targets import Servers, drive, free_port, http_caller, progress  # noqa: E402
from views import median_ms  # noqa: E402


def layers(store_path: Path, raw_store: Path | None, dataset: Path, repeat: int, servers: Servers) -> dict:
    from pyoxigraph import QueryResultsFormat, Store

    from kg import graph_access
    from kg.accounts import ANONYMOUS, add_partner
    from kg.iris import PREFIXES
    from kg.query_runner import QueryRequest, QueryRunner
    from kg.sparql_lexer import scan_query

    samples = json.loads((dataset / "entities.json").read_text())
    mix = load_mix()
    texts = {q.name: q.bind_first(samples) for q in mix}
    work = Path(tempfile.mkdtemp(prefix="critmin-profile-"))
    snapshot = work / "snapshot"
    Store.read_only(str(store_path)).backup(str(snapshot))  # the runner's workers open a checkpoint, as in serve
    store = Store.read_only(str(snapshot))
    accounts = work / "accounts.sqlite3"
    add_partner(accounts, "alpha", name="Alpha")
    runner = QueryRunner(snapshot=snapshot, workers=1, timeout_ms=30_000)
    loop = asyncio.new_event_loop()
    results: dict[str, dict[str, float]] = {}
    port = free_port()
    env = dict(os.environ, CRITMIN_STORE=str(store_path), CRITMIN_ACCOUNTS_DB=str(accounts),
               CRITMIN_RATE_LIMIT_PER_S="0")  # the clients are one address: no per-client limit
    progress("starting critmin serve")
    critmin, _ = servers.start("critmin", [sys.executable, "-m", "kg.cli", "serve", "--port", str(port)],
                               url=f"http://127.0.0.1:{port}", ready_url=f"http://127.0.0.1:{port}/sparql",
                               log=work / "critmin.log", env=env)
    oxigraph = None
    if raw_store is not None and shutil.which("oxigraph", path=str(Path(sys.executable).parent)):
        oport = free_port()
        oxigraph, _ = servers.start(
            "oxigraph", [shutil.which("oxigraph", path=str(Path(sys.executable).parent)), "serve-read-only",
                         "--location", str(raw_store), "--bind", f"127.0.0.1:{oport}", "--union-default-graph"],
            url=f"http://127.0.0.1:{oport}", ready_url=f"http://127.0.0.1:{oport}/query?query=ASK%7B%7D",
            log=work / "oxigraph.log")
    headers = {"Accept": "application/sparql-results+json"}
    try:
        with httpx.Client(timeout=60) as client:
            for name, text in texts.items():
                progress(f"  {name}")
                row = {
                    "store": median_ms(lambda t=text: store.query(t, use_default_graph_as_union=True).serialize(
                        format=QueryResultsFormat.JSON), repeat),
                    "scan": median_ms(lambda t=text: scan_query(t, prefixes=PREFIXES), repeat),
                    "access": median_ms(lambda: graph_access.hidden_graphs(accounts, ANONYMOUS, store_graphs=[]),
                                        repeat),
                    "runner": median_ms(lambda t=text: loop.run_until_complete(runner.execute(QueryRequest(t))),
                                        repeat),
                    "http_critmin": median_ms(lambda t=text: client.post(
                        f"{critmin.base_url}/sparql", data={"query": t}, headers=headers).raise_for_status(), repeat),
                }
                if oxigraph is not None:
                    row["http_oxigraph"] = median_ms(lambda t=text: client.post(
                        f"{oxigraph.base_url}/query", data={"query": t}, headers=headers).raise_for_status(), repeat)
                results[name] = row
    finally:
        runner.close()
        loop.close()
        servers.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    return results


def concurrency(store_path: Path, dataset: Path, clients: int, duration_s: float, servers: Servers) -> dict:
    samples = json.loads((dataset / "entities.json").read_text())
    plan = request_plan(load_mix(), samples, count=50_000, seed=7)
    found = {}
    for workers in (2, 4):
        port = free_port()
        work = Path(tempfile.mkdtemp(prefix="critmin-profile-"))
        env = dict(os.environ, CRITMIN_STORE=str(store_path), CRITMIN_QUERY_WORKERS=str(workers),
                   CRITMIN_ACCOUNTS_DB=str(work / "accounts.sqlite3"), CRITMIN_RATE_LIMIT_PER_S="0")
        progress(f"critmin with query_workers={workers}: {clients} clients for {duration_s} s")
        server, _ = servers.start("critmin", [sys.executable, "-m", "kg.cli", "serve", "--port", str(port)],
                                  url=f"http://127.0.0.1:{port}", ready_url=f"http://127.0.0.1:{port}/sparql",
                                  log=work / "critmin.log", env=env)
        try:
            call, close = http_caller(f"{server.base_url}/sparql", timeout_s=10, clients=clients)
            for name, text in plan[:32]:
                call(name, text)
            summary = drive(f"critmin workers={workers}", call, plan, clients=clients, duration_s=duration_s).summary()
            close()
        finally:
            servers.stop(server)
            shutil.rmtree(work, ignore_errors=True)
        found[workers] = {k: summary[k] for k in ("throughput_qps", "p50_ms", "p95_ms", "errors", "requests")}
        found[workers]["per_query_p50_ms"] = {q: v["p50_ms"] for q, v in summary["per_query"].items()}
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--raw-store", type=Path, default=None)
    parser.add_argument("--dataset", type=Path, required=True, help="the generated folder (its entities.json)")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--duration-s", type=float, default=15.0, help="0 skips the concurrency comparison")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "profile_layers.json")
    args = parser.parse_args()
    servers = Servers()
    try:
        by_query = layers(args.store, args.raw_store, args.dataset, args.repeat, servers)
        workers = concurrency(args.store, args.dataset, args.clients, args.duration_s, servers) \
            if args.duration_s > 0 else {}
    finally:
        servers.stop_all()
    args.out.write_text(json.dumps({"store": str(args.store), "by_query_median_ms": by_query,
                                    "query_workers": workers}, indent=1) + "\n")
    columns = list(next(iter(by_query.values())))
    print("| query (median ms, one at a time) | " + " | ".join(columns) + " | http_critmin - store |")
    print("|---" * (len(columns) + 2) + "|")
    for name, row in by_query.items():
        print(f"| {name} | " + " | ".join(f"{row[c]:.2f}" for c in columns)
              + f" | {row['http_critmin'] - row['store']:.2f} |")
    for w, s in workers.items():
        print(f"\nquery_workers={w}: {s['throughput_qps']:.1f} q/s, p50 {s['p50_ms']:.1f} ms, p95 {s['p95_ms']:.1f} ms,"
              f" {s['errors']} errors of {s['requests']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
