"""Foundation benchmark: load rate, simple-query latency over HTTP, and the time limit under a runaway query.

Each measure is reported beside a baseline measured in the same run on the same machine:
- load: `critmin`'s atomic load (parse + one transaction + catalog) against pyoxigraph's own transactional
  `Store.load` and non-atomic `bulk_load` of the same file;
- query: a simple lookup through HTTP (`/sparql`, worker process, JSON) against the same query in process;
- time limit: when a runaway query gets its error, and the latency of simple queries sent while it runs, against
  their latency on an idle server.

    python bench/foundation.py --triples 200000

Writes a markdown table to stdout and `bench/results/foundation.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from pyoxigraph import RdfFormat, Store

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from targets import free_port, percentile  # noqa: E402

from kg.iris import PREFIXES  # noqa: E402
from kg.loading import load_rdf_files  # noqa: E402
from kg.store import open_store  # noqa: E402

SIMPLE = "SELECT ?label WHERE { <https://w3id.org/critmin/id/facility/f-42> rdfs:label ?label }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?p ?y . ?c ?p ?z }"


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def generate(path: Path, triples: int, seed: int = 7) -> int:
    """A supply-chain-shaped N-Triples file: facilities, companies, observations; deterministic by seed."""
    rng = random.Random(seed)
    base = "https://w3id.org/critmin/id/"
    cm = "https://w3id.org/critmin/ontology/"
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    commodities = ["lithium", "cobalt", "nickel", "graphite", "manganese", "copper", "rare-earth-elements"]
    written = 0
    with path.open("w", encoding="utf-8") as out:
        i = 0
        while written < triples:
            f = f"<{base}facility/f-{i}>"
            c = f"<{base}org/c-{i % 5000}>"
            out.write(f"{f} {rdf_type} <{cm}Mine> .\n{f} {label} \"Facility {i}\"@en .\n")
            out.write(f"{f} <{cm}operator> {c} .\n{c} {label} \"Company {i % 5000}\"@en .\n")
            out.write(f"{f} <{cm}commodity> <{base}commodity/{rng.choice(commodities)}> .\n")
            o = f"<{base}observation/o-{i}>"
            out.write(f"{o} {rdf_type} <{cm}ProductionObservation> .\n{o} <{cm}facility> {f} .\n")
            out.write(f'{o} <http://qudt.org/schema/qudt/numericValue> "{rng.randint(1, 10**6)}"'
                      "^^<http://www.w3.org/2001/XMLSchema#decimal> .\n")
            written += 8
            i += 1
    return written


def timed(function, *args, **kwargs) -> float:
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def measure_load(data: Path, work: Path, triples: int) -> dict:
    progress("load: critmin load_rdf_files (atomic, with catalog)")
    ours_store = open_store(work / "ours")
    ours = timed(load_rdf_files, ours_store, [data], graph_name="bench", title="bench")
    progress("load: pyoxigraph Store.load (transactional)")
    raw = timed(Store(str(work / "raw")).load, path=str(data), format=RdfFormat.N_TRIPLES)
    progress("load: pyoxigraph Store.bulk_load (not atomic)")
    bulk = timed(Store(str(work / "bulk")).bulk_load, path=str(data), format=RdfFormat.N_TRIPLES)
    del ours_store
    return {
        "load_rate_critmin": {"value": triples / ours, "unit": "triples/s", "baseline": triples / raw,
                              "baseline_name": "pyoxigraph Store.load", "ratio": raw / ours},
        "load_rate_vs_bulk_load": {"value": triples / ours, "unit": "triples/s", "baseline": triples / bulk,
                                   "baseline_name": "pyoxigraph Store.bulk_load", "ratio": bulk / ours},
    }


def measure_queries(store_path: Path, repeats: int, timeout_ms: int) -> dict:
    progress("query: in-process baseline")
    store = Store.read_only(str(store_path))
    in_process = []
    for _ in range(repeats):
        start = time.perf_counter()
        list(store.query(SIMPLE, use_default_graph_as_union=True, prefixes=PREFIXES))
        in_process.append(time.perf_counter() - start)
    del store

    port = free_port()
    env = dict(os.environ, CRITMIN_STORE=str(store_path), CRITMIN_QUERY_TIMEOUT_MS=str(timeout_ms),
               CRITMIN_RATE_LIMIT_PER_S="0")  # the benchmark's clients are one address: no per-client limit
    log = store_path.parent / "server.log"
    server = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=log.open("w"))
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        with httpx.Client(timeout=60) as client:
            for _ in range(600):
                try:
                    if client.get(url).status_code == 200:
                        break
                except httpx.TransportError:
                    if server.poll() is not None:
                        raise SystemExit("critmin serve stopped:\n" + log.read_text()) from None
                    time.sleep(0.2)
            headers = {"Accept": "application/sparql-results+json"}
            progress("query: over HTTP, idle server")
            http = []
            for _ in range(repeats):
                start = time.perf_counter()
                assert client.get(url, params={"query": SIMPLE}, headers=headers).status_code == 200
                http.append(time.perf_counter() - start)

            progress(f"time limit: one runaway query (limit {timeout_ms} ms) with simple queries beside it")
            outcome: dict = {}

            def runaway() -> None:
                start = time.perf_counter()
                response = httpx.get(url, params={"query": RUNAWAY}, timeout=120)
                outcome.update(status=response.status_code, seconds=time.perf_counter() - start)

            thread = threading.Thread(target=runaway)
            thread.start()
            time.sleep(0.5)
            beside = []
            while thread.is_alive() and len(beside) < 10_000:
                start = time.perf_counter()
                status = client.get(url, params={"query": SIMPLE}, headers=headers).status_code
                beside.append(time.perf_counter() - start)
                assert status == 200
                time.sleep(0.05)
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "simple_query_p50_http": {"value": statistics.median(http) * 1000, "unit": "ms",
                                  "baseline": statistics.median(in_process) * 1000,
                                  "baseline_name": "same query in process", "ratio": statistics.median(http)
                                  / statistics.median(in_process)},
        "simple_query_p95_http": {"value": percentile(http, 95) * 1000, "unit": "ms",
                                  "baseline": percentile(in_process, 95) * 1000,
                                  "baseline_name": "same query in process", "ratio": percentile(http, 95)
                                  / percentile(in_process, 95)},
        "simple_query_p95_beside_runaway": {"value": percentile(beside, 95) * 1000, "unit": "ms",
                                            "baseline": percentile(http, 95) * 1000,
                                            "baseline_name": "idle server p95",
                                            "ratio": percentile(beside, 95) / percentile(http, 95),
                                            "samples": len(beside)},
        "runaway_stopped_after": {"value": outcome["seconds"] * 1000, "unit": "ms", "baseline": timeout_ms,
                                  "baseline_name": "query_timeout_ms", "ratio": outcome["seconds"] * 1000 / timeout_ms,
                                  "status": outcome["status"]},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--timeout-ms", type=int, default=3000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "foundation.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        data = work / "data.nt"
        progress(f"generating {args.triples:,} triples")
        triples = generate(data, args.triples)
        results = measure_load(data, work, triples)
        results |= measure_queries(work / "ours", args.repeats, args.timeout_ms)
    results = {"triples": triples, "measures": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"| measure ({triples:,} triples) | value | baseline | ratio |\n|---|---|---|---|")
    for name, m in results["measures"].items():
        print(f"| {name} | {m['value']:,.2f} {m['unit']} | {m['baseline']:,.2f} ({m['baseline_name']}) "
              f"| {m['ratio']:.2f} |")
    progress(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
