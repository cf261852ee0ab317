"""The benchmark harness (``make bench``): critmin against its floor and its peers, side by side in one run.

For each scale (default 1M and 10M triples) over the synthetic supply-chain graph of ``bench/generate.py`` (cached
under ``--cache-dir``, reused while the seed, size and format match):

- load: critmin's own path (``load_rdf_files`` per graph: syntax check, bulk load, catalog entry; then the
  indicators, as ``critmin load`` does) against raw ``Store.bulk_load`` of the same files, each in a process of its
  own so that its peak memory is its own;
- the query mix of ``bench/queries/*.rq`` with ``--clients`` concurrent clients for ``--duration-s`` per target:
  critmin over HTTP (``critmin serve``), in-process pyoxigraph over the same store (the floor: threads calling
  ``Store.query``, which releases the GIL, and serialising JSON as a server would), the Oxigraph server
  (``oxigraph serve-read-only`` over the raw store) and rdflib-endpoint (only at scales up to
  ``--rdflib-max-triples``: it holds every triple as Python objects); the same request sequence and the same
  timeout (``--timeout-s``) everywhere, a timeout counting as an error;
- critmin's entity pages (``/id/…`` HTML) and autocomplete (``/search/suggest``), one client, p50/p95;
- peak resident memory of every server and load (psutil, sampled), and critmin's memory over a sustained run
  (``--soak-s`` at the largest scale): flat or growing;
- NLP extraction documents/s against the bare spaCy pipeline (``bench/nlp.py``, once).

    python bench/run.py                       # 1M and 10M: about 25 minutes on 2 cores
    python bench/run.py --quick               # 100k, short runs: about 3 minutes (a smoke run)
    python bench/run.py --scales 1000000 --duration-s 30

Prints a markdown table to stdout and writes ``bench/results/latest.json``; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(ROOT))

from generate import cached_dataset  # noqa: E402
from mix import load_mix, request_plan  # noqa: E402
from targets import (  # noqa: E402
    MemorySampler,
    Outcome,
    Servers,
    drive,
    free_port,
    http_caller,
    percentile,
    progress,
)

from kg.settings import Settings  # noqa: E402

GRAPH = "https://w3id.org/critmin/graph/"
PLAN_REQUESTS = 20_000  # more than any target answers in --duration-s + --soak-s here
WARM_UP_CAP_S = 30.0


# ---------------------------------------------------------------------------------------------------------------
# Child processes: each load and the in-process floor run in a process of their own (their own peak memory).


def _peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child_load_critmin(dataset: Path, store_path: Path) -> dict:
    from kg.analytics.materialise import materialise
    from kg.loading import load_rdf_files
    from kg.store import open_store

    manifest = json.loads((dataset / "manifest.json").read_text())
    store = open_store(store_path)
    started = time.perf_counter()
    by_graph = {}
    for graph, filename in manifest["files"].items():
        clock = time.perf_counter()
        load_rdf_files(
            store,
            [dataset / filename],
            graph_name=graph,
            title=f"benchmark graph {graph}",
            license_url="https://creativecommons.org/licenses/by/4.0/",
        )
        by_graph[graph] = time.perf_counter() - clock
    store.flush()
    load_s = time.perf_counter() - started
    clock = time.perf_counter()
    materialise(store)  # the indicators, as `critmin load` recomputes them after a load
    store.flush()
    return {
        "load_s": load_s,
        "by_graph_s": by_graph,
        "analytics_s": time.perf_counter() - clock,
        "quads": len(store),
        "peak_rss_mib": _peak_rss_mib(),
    }


def child_load_raw(dataset: Path, store_path: Path) -> dict:
    from pyoxigraph import NamedNode, RdfFormat, Store

    manifest = json.loads((dataset / "manifest.json").read_text())
    store = Store(str(store_path))
    started = time.perf_counter()
    for graph, filename in manifest["files"].items():
        store.bulk_load(path=str(dataset / filename), format=RdfFormat.N_TRIPLES, to_graph=NamedNode(GRAPH + graph))
    store.flush()
    return {"load_s": time.perf_counter() - started, "quads": len(store), "peak_rss_mib": _peak_rss_mib()}


def child_optimize(store_path: Path) -> dict:
    """``Store.optimize()``: RocksDB compacts what a load left in many small files. Without it, the first process to
    open the store read-write (``critmin serve``) compacts in the background while it is being measured, and
    read-only openers (the floor, the Oxigraph server) read the uncompacted files: neither is a fair comparison."""
    from pyoxigraph import Store

    store = Store(str(store_path))
    started = time.perf_counter()
    store.optimize()
    store.flush()
    return {"optimize_s": time.perf_counter() - started, "peak_rss_mib": _peak_rss_mib()}


def child_inprocess(store_path: Path, plan_path: Path, clients: int, duration_s: float, timeout_s: float) -> dict:
    from pyoxigraph import QueryResultsFormat, Store

    store = Store.read_only(str(store_path))
    plans = json.loads(plan_path.read_text())

    def call(name: str, text: str) -> Outcome:
        started = time.perf_counter()
        try:
            store.query(text, use_default_graph_as_union=True).serialize(format=QueryResultsFormat.JSON)
        except (SyntaxError, ValueError, OSError, RuntimeError) as error:
            return Outcome(name, time.perf_counter() - started, False, str(error)[:120])
        seconds = time.perf_counter() - started
        # nothing can stop a query in process: one past the limit is counted as an error all the same
        return Outcome(name, seconds, seconds <= timeout_s, "" if seconds <= timeout_s else "over the timeout")

    warm_up([tuple(p) for p in plans["warm"]], call)
    plan = [tuple(p) for p in plans["plan"]]
    result = drive("in-process pyoxigraph", call, plan, clients=clients, duration_s=duration_s)
    return {"summary": result.summary(), "peak_rss_mib": _peak_rss_mib(), "gil_released": gil_check(store, plan)}


def gil_check(store: object, plan: list[tuple[str, str]]) -> dict:
    """Whether queries on two threads overlap: the same 8 mid-sized queries on one thread, then split over two."""
    from pyoxigraph import QueryResultsFormat

    chosen = [text for name, text in plan if name in ("most_mentioned", "production_by_country", "agreements_in_force")]
    chosen = chosen[:8]

    def run(texts: list[str]) -> None:
        for text in texts:
            store.query(text, use_default_graph_as_union=True).serialize(format=QueryResultsFormat.JSON)

    started = time.perf_counter()
    run(chosen)
    one = time.perf_counter() - started
    threads = [threading.Thread(target=run, args=(chosen[i::2],)) for i in range(2)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    two = time.perf_counter() - started
    return {"one_thread_s": round(one, 3), "two_threads_s": round(two, 3), "speedup": round(one / two, 2)}


def run_child(kind: str, *args: str) -> dict:
    command = [sys.executable, __file__, "--child", kind, *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"child {kind} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------------------------
# The run


def warm_up(plan: list[tuple[str, str]], call, cap_s: float = WARM_UP_CAP_S) -> None:
    """Each query of the mix once, not measured, so every target starts with its caches as warm as the others'."""
    started = time.perf_counter()
    for name, text in plan:
        if time.perf_counter() - started > cap_s:
            return
        call(name, text)


def folder_mib(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def entity_paths(samples: dict[str, list[str]], per_kind: dict[str, int]) -> list[tuple[str, str]]:
    paths = []
    for kind, count in per_kind.items():
        paths += [(kind, "/" + iri.removeprefix("https://w3id.org/critmin/")) for iri in samples[kind][:count]]
    random.Random(5).shuffle(paths)
    return paths


WRITE_PARTNER = "bench-partner"
WRITE_FACILITIES = 50  # per upload: a partner's small sheet of sites
WRITE_ROUNDS = 5


def write_token(accounts_db: Path) -> str:
    """A write token of a partner, in the accounts file critmin serve is started with."""
    from kg.accounts import add_partner, create_token

    add_partner(accounts_db, WRITE_PARTNER, name="Benchmark partner")
    return create_token(accounts_db, WRITE_PARTNER, scopes="write", label="bench")[1]


def _sites_turtle(round_number: int, countries: list[str]) -> tuple[str, str]:
    """A partner's upload of ``WRITE_FACILITIES`` mines, and a label found only in it."""
    marker = f"Benchwrite{round_number}x"
    lines = ["@prefix cm: <https://w3id.org/critmin/ontology/> .",
             "@prefix prov: <http://www.w3.org/ns/prov#> .",
             "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    for n in range(WRITE_FACILITIES):
        iri = f"<https://w3id.org/critmin/id/facility/{WRITE_PARTNER}/r{round_number}-{n}>"
        row = f"<https://w3id.org/critmin/id/record/{WRITE_PARTNER}/r{round_number}-row-{n + 2}>"
        lines.append(f'{iri} a cm:Facility , cm:Mine ; rdfs:label "{marker} Site {n}" ; '
                     f"cm:facilityType <https://w3id.org/critmin/id/facility-type/mine> ; "
                     f"cm:country <{countries[n % len(countries)]}> ; prov:wasDerivedFrom {row} .")
        lines.append(f'{row} a cm:SourceRecord ; cm:sourceFile "sites.csv" ; cm:sourceRow {n + 2} .')
    return "\n".join(lines) + "\n", f"{marker} Site"


def timed_writes(base_url: str, token: str, countries: list[str], timeout_s: float) -> dict:
    """A partner uploads a small graph ``WRITE_ROUNDS`` times (a new graph each time, Graph Store PUT), then
    deletes them: each write's latency is what the service does before answering (validation, the write, the
    indicators check, search refresh, summaries, a new snapshot). After each upload the partner's own search must
    find the new sites: a write is only done when readers see it."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    latencies, deletes, found = [], [], 0
    with httpx.Client(base_url=base_url, timeout=max(timeout_s, 600.0), headers=headers) as client:
        graphs = []
        for round_number in range(WRITE_ROUNDS):
            body, label = _sites_turtle(round_number, countries)
            graph = f"{GRAPH}partner/{WRITE_PARTNER}/sites-{round_number}"
            started = time.perf_counter()
            response = client.put("/store", params={"graph": graph}, content=body.encode(),
                                  headers={"Content-Type": "text/turtle"})
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code not in (201, 204):
                raise RuntimeError(f"the benchmark upload was refused: {response.status_code} {response.text[:500]}")
            graphs.append(graph)
            hits = client.get("/search/suggest", params={"q": label}).json()["result"]
            found += sum(1 for hit in hits if hit["name"].startswith(label))
        for graph in graphs:
            started = time.perf_counter()
            client.delete("/store", params={"graph": graph})
            deletes.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": percentile(latencies, 50), "max_ms": max(latencies), "delete_p50_ms": percentile(deletes, 50),
            "rounds": WRITE_ROUNDS, "triples_each": WRITE_FACILITIES * 9, "searchable_after_write": found}


def timed_gets(base_url: str, requests: list[tuple[str, str]], timeout_s: float, max_s: float = 90.0) -> dict:
    """One client, one request at a time, for at most ``max_s`` (the order is shuffled, so a cut keeps the kinds'
    shares); p50/p95 overall and per kind; non-200 answers are errors."""
    import httpx

    by_kind: dict[str, list[float]] = {}
    errors = []
    with httpx.Client(base_url=base_url, timeout=timeout_s) as client:
        for _, path in requests[:5]:  # warm-up: templates compiled, first pages
            client.get(path)
        phase_started = time.perf_counter()
        done = 0
        for kind, path in requests:
            if time.perf_counter() - phase_started > max_s:
                break
            done += 1
            started = time.perf_counter()
            try:
                status = client.get(path).status_code
            except httpx.TimeoutException:
                status = 0
            ms = (time.perf_counter() - started) * 1000
            if status == 200:
                by_kind.setdefault(kind, []).append(ms)
            else:
                errors.append(f"{path}: {status or 'timeout'}")
    every = [ms for values in by_kind.values() for ms in values]
    return {
        "requests": done,
        "errors": len(errors),
        "error_examples": errors[:5],
        "p50_ms": percentile(every, 50),
        "p95_ms": percentile(every, 95),
        "max_ms": max(every, default=0.0),
        "by_kind": {
            k: {"n": len(v), "p50_ms": percentile(v, 50), "p95_ms": percentile(v, 95)}
            for k, v in sorted(by_kind.items())
        },
    }


def suggest_requests(samples: dict[str, list[str]], count: int) -> list[tuple[str, str]]:
    rng = random.Random(9)
    words = [w for w in samples["label_fragment"] if w] + ["lith", "cobalt", "nick", "graph", "copper", "aus", "chi"]
    requests = []
    while len(requests) < count:
        word = rng.choice(words)
        prefix = word[: rng.randint(1, len(word))]
        requests.append((f"{len(prefix)} chars", f"/search/suggest?q={prefix}"))
    return requests


def measure_scale(scale: int, args: argparse.Namespace, servers: Servers, largest: bool) -> dict:
    out: dict = {"scale": scale, "phases_s": {}}
    clock = time.perf_counter()
    progress(f"scale {scale:,}: dataset (seed {args.seed})")
    dataset, manifest = cached_dataset(args.cache_dir, triples=scale, seed=args.seed)
    out["dataset"] = manifest
    out["phases_s"]["generate"] = round(time.perf_counter() - clock, 1)
    progress(
        f"  {manifest['triples']:,} triples ({'cached' if manifest['cached'] else 'generated'} in "
        f"{out['phases_s']['generate']} s)"
    )
    samples = json.loads((dataset / "entities.json").read_text())

    work = args.work_dir / str(scale)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    critmin_store, raw_store = work / "critmin-store", work / "raw-store"

    clock = time.perf_counter()
    progress("  load: critmin load_rdf_files per graph, with catalog, then indicators (own process)")
    out["load_critmin"] = run_child("load-critmin", str(dataset), str(critmin_store))
    progress(
        f"    {out['load_critmin']['load_s']:.1f} s (+ indicators {out['load_critmin']['analytics_s']:.1f} s), "
        f"peak RSS {out['load_critmin']['peak_rss_mib']:.0f} MiB"
    )
    progress("  load: raw pyoxigraph Store.bulk_load of the same files (own process)")
    out["load_raw"] = run_child("load-raw", str(dataset), str(raw_store))
    progress(f"    {out['load_raw']['load_s']:.1f} s, peak RSS {out['load_raw']['peak_rss_mib']:.0f} MiB")
    out["store_mib"] = {"critmin": folder_mib(critmin_store), "raw": folder_mib(raw_store)}
    progress("  optimize (compact) both stores before any measure (own process each)")
    out["optimize"] = {
        "critmin": run_child("optimize", str(critmin_store)),
        "raw": run_child("optimize", str(raw_store)),
    }
    out["store_mib_optimized"] = {"critmin": folder_mib(critmin_store), "raw": folder_mib(raw_store)}
    progress(
        f"    {out['optimize']['critmin']['optimize_s']:.1f} s and {out['optimize']['raw']['optimize_s']:.1f} s; "
        f"{out['store_mib_optimized']['critmin']:.0f} and {out['store_mib_optimized']['raw']:.0f} MiB on disk"
    )
    out["phases_s"]["load"] = round(time.perf_counter() - clock, 1)

    mix = load_mix()
    plan = request_plan(mix, samples, count=PLAN_REQUESTS, seed=args.seed)
    warm = request_plan(mix, samples, count=len(mix), seed=args.seed + 1)
    plan_path = work / "plan.json"
    plan_path.write_text(json.dumps({"plan": plan, "warm": warm}))
    timeout_s = args.timeout_s
    results: dict[str, dict] = {}

    clock = time.perf_counter()
    progress(f"  in-process pyoxigraph: {args.clients} threads for {args.duration_s} s (own process)")
    child = run_child(
        "inprocess", str(critmin_store), str(plan_path), str(args.clients), str(args.duration_s), str(timeout_s)
    )
    results["inprocess"] = child["summary"] | {"peak_rss_mib": child["peak_rss_mib"]}
    out["gil"] = child["gil_released"]
    _report(results["inprocess"])
    out["phases_s"]["inprocess"] = round(time.perf_counter() - clock, 1)

    # critmin over HTTP
    clock = time.perf_counter()
    port = free_port()
    env = dict(
        os.environ,
        CRITMIN_STORE=str(critmin_store),
        CRITMIN_QUERY_TIMEOUT_MS=str(int(timeout_s * 1000)),
        CRITMIN_ACCOUNTS_DB=str(work / "accounts.sqlite3"),
        CRITMIN_QUERY_WORKERS=str(args.query_workers),
        CRITMIN_RATE_LIMIT_PER_S="0",  # every client of the benchmark is one address: no per-client rate limit
    )
    token = write_token(work / "accounts.sqlite3")
    progress(f"  critmin serve: starting (query_workers={args.query_workers})")
    server, startup_s = servers.start(
        "critmin",
        [sys.executable, "-m", "kg.cli", "serve", "--port", str(port)],
        url=f"http://127.0.0.1:{port}",
        ready_url=f"http://127.0.0.1:{port}/sparql",
        log=work / "critmin.log",
        env=env,
    )
    out["critmin_startup_s"] = startup_s
    progress(f"    ready in {startup_s:.1f} s")
    with MemorySampler(server.process.pid) as memory:
        rss_at_start = memory.rss_mib()
        call, close = http_caller(f"{server.base_url}/sparql", timeout_s=timeout_s, clients=args.clients)
        warm_up(warm, call)
        progress(f"  critmin over HTTP: {args.clients} clients for {args.duration_s} s")
        result = drive("critmin", call, plan, clients=args.clients, duration_s=args.duration_s)
        results["critmin"] = result.summary()
        _report(results["critmin"])
        progress("  critmin entity pages and autocomplete (one client)")
        out["entity_pages"] = timed_gets(server.base_url, entity_paths(samples, args.entity_pages), timeout_s)
        out["autocomplete"] = timed_gets(server.base_url, suggest_requests(samples, args.suggest_requests), timeout_s)
        progress(
            f"    entity page p50 {out['entity_pages']['p50_ms']:.1f} / p95 {out['entity_pages']['p95_ms']:.1f} ms;"
            f" autocomplete p50 {out['autocomplete']['p50_ms']:.1f} / p95 {out['autocomplete']['p95_ms']:.1f} ms"
        )
        progress(f"  critmin partner writes: {WRITE_ROUNDS} uploads of {WRITE_FACILITIES} sites, then deletes")
        out["writes"] = timed_writes(server.base_url, token, samples["country"], timeout_s)
        progress(f"    write p50 {out['writes']['p50_ms']:.0f} ms, max {out['writes']['max_ms']:.0f} ms; "
                 f"searchable {out['writes']['searchable_after_write']} of "
                 f"{min(WRITE_FACILITIES, 8) * WRITE_ROUNDS} suggested")
        if largest and args.soak_s > 0:
            progress(f"  critmin sustained load: {args.clients} clients for {args.soak_s} s, memory sampled")
            soak_start = memory.rss_mib()
            soak = drive(
                "critmin (sustained)", call, plan[len(result.outcomes) :], clients=args.clients, duration_s=args.soak_s
            )
            out["soak"] = soak.summary() | {"rss_start_mib": soak_start, "rss_end_mib": memory.rss_mib()}
        close()
        rss_at_end = memory.rss_mib()
    out["critmin_memory"] = {
        "rss_after_startup_mib": rss_at_start,
        "rss_end_mib": rss_at_end,
        "peak_mib": memory.peak_mib,
        "samples": memory.samples[::4],
    }
    results["critmin"]["peak_rss_mib"] = memory.peak_mib
    servers.stop(server)
    out["phases_s"]["critmin"] = round(time.perf_counter() - clock, 1)

    # the Oxigraph server over the raw store (same storage format: pyoxigraph and oxigraph are the same release)
    clock = time.perf_counter()
    port = free_port()
    oxigraph = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if oxigraph is None:
        progress("  oxigraph server: not installed (pip install -e '.[bench]'); skipped")
    else:
        progress("  oxigraph serve-read-only: starting")
        server, startup_s = servers.start(
            "oxigraph",
            [
                oxigraph,
                "serve-read-only",
                "--location",
                str(raw_store),
                "--bind",
                f"127.0.0.1:{port}",
                "--union-default-graph",
                "--timeout-s",
                str(int(timeout_s)),
            ],
            url=f"http://127.0.0.1:{port}",
            ready_url=f"http://127.0.0.1:{port}/query?query=ASK%7B%7D",
            log=work / "oxigraph.log",
        )
        out["oxigraph_startup_s"] = startup_s
        with MemorySampler(server.process.pid) as memory:
            call, close = http_caller(f"{server.base_url}/query", timeout_s=timeout_s, clients=args.clients)
            warm_up(warm, call)
            progress(f"  Oxigraph server: {args.clients} clients for {args.duration_s} s")
            results["oxigraph"] = drive(
                "oxigraph server", call, plan, clients=args.clients, duration_s=args.duration_s
            ).summary()
            close()
        results["oxigraph"]["peak_rss_mib"] = memory.peak_mib
        _report(results["oxigraph"])
        servers.stop(server)
    out["phases_s"]["oxigraph"] = round(time.perf_counter() - clock, 1)

    clock = time.perf_counter()
    if scale <= args.rdflib_max_triples:
        port = free_port()
        progress("  rdflib-endpoint: loading the files into rdflib (slow) and serving")
        server, startup_s = servers.start(
            "rdflib-endpoint",
            [sys.executable, str(BENCH / "rdflib_server.py"), str(dataset), "--port", str(port)],
            url=f"http://127.0.0.1:{port}",
            ready_url=f"http://127.0.0.1:{port}/",
            log=work / "rdflib.log",
        )
        out["rdflib_startup_s"] = startup_s
        progress(f"    ready in {startup_s:.1f} s")
        with MemorySampler(server.process.pid) as memory:
            call, close = http_caller(f"{server.base_url}/", timeout_s=timeout_s, clients=args.clients)
            progress(f"  rdflib-endpoint: {args.clients} clients for {args.duration_s} s (no warm-up: all in memory)")
            results["rdflib"] = drive(
                "rdflib-endpoint", call, plan, clients=args.clients, duration_s=args.duration_s
            ).summary()
            close()
        results["rdflib"]["peak_rss_mib"] = memory.peak_mib
        _report(results["rdflib"])
        servers.stop(server)
    else:
        progress(f"  rdflib-endpoint: skipped above {args.rdflib_max_triples:,} triples (memory and load time)")
    out["phases_s"]["rdflib"] = round(time.perf_counter() - clock, 1)
    out["targets"] = results
    return out


def _report(summary: dict) -> None:
    progress(
        f"    {summary['target']}: {summary['throughput_qps']:.1f} q/s, p50 {summary['p50_ms']:.1f} ms, "
        f"p95 {summary['p95_ms']:.1f} ms, {summary['errors']} errors of {summary['requests']}"
    )


def run_nlp(documents: int) -> dict | None:
    progress(f"NLP: bench/nlp.py over {documents} documents")
    out = BENCH / "results" / "nlp.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / "nlp.py"), "--documents", str(documents), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        progress(f"NLP benchmark failed: {done.stderr[-1500:]}")
        return None
    return json.loads(out.read_text())


# ---------------------------------------------------------------------------------------------------------------
# The report


def scale_label(scale: int) -> str:
    return f"{scale // 1_000_000}M" if scale % 1_000_000 == 0 else f"{scale // 1000}k"


def measure(
    value: float,
    unit: str,
    baseline: float | None,
    baseline_name: str,
    *,
    target: str = "",
    met: bool | None = None,
    ratio: float | None = None,
    note: str = "",
) -> dict:
    if ratio is None and baseline:
        ratio = value / baseline
    return {
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "baseline_name": baseline_name,
        "ratio": ratio,
        "target": target,
        "met": met,
        "note": note,
    }


def measures_for(scale_result: dict, largest: bool) -> dict[str, dict]:
    t = scale_result["targets"]
    crit, floor = t["critmin"], t["inprocess"]
    m: dict[str, dict] = {}
    ratio = crit["throughput_qps"] / floor["throughput_qps"]
    m["sparql_throughput_vs_inprocess"] = measure(
        crit["throughput_qps"],
        "q/s",
        floor["throughput_qps"],
        "in-process pyoxigraph",
        target=">= 0.8x",
        met=ratio >= 0.8,
    )
    if "oxigraph" in t:
        ox = t["oxigraph"]
        r = crit["throughput_qps"] / ox["throughput_qps"]
        m["sparql_throughput_vs_oxigraph_server"] = measure(
            crit["throughput_qps"],
            "q/s",
            ox["throughput_qps"],
            "Oxigraph server",
            target=">= 0.9x (on par)",
            met=r >= 0.9,
        )
    if "rdflib" in t:
        rd = t["rdflib"]
        r = crit["throughput_qps"] / rd["throughput_qps"] if rd["throughput_qps"] else float("inf")
        m["sparql_throughput_vs_rdflib_endpoint"] = measure(
            crit["throughput_qps"],
            "q/s",
            rd["throughput_qps"],
            "rdflib-endpoint",
            target=">= 10x",
            met=r >= 10,
            ratio=r,
            note=f"rdflib errors {rd['errors']}/{rd['requests']}",
        )
    for name, s in t.items():
        if name == "critmin":
            continue
        m[f"sparql_p50_vs_{name}"] = measure(crit["p50_ms"], "ms", s["p50_ms"], s["target"])
        m[f"sparql_p95_vs_{name}"] = measure(crit["p95_ms"], "ms", s["p95_ms"], s["target"])
    m["sparql_errors"] = measure(
        crit["errors"],
        "requests",
        floor["errors"],
        "in-process pyoxigraph",
        note=f"of {crit['requests']} (in process: of {floor['requests']})",
    )
    lc, lr = scale_result["load_critmin"], scale_result["load_raw"]
    triples = scale_result["dataset"]["triples"]
    r = lr["load_s"] / lc["load_s"]
    m["load_rate_vs_bulk_load"] = measure(
        triples / lc["load_s"],
        "triples/s",
        triples / lr["load_s"],
        "Store.bulk_load",
        target=">= 0.7x",
        met=r >= 0.7,
        note="critmin: syntax check + bulk load + catalog, per graph",
    )
    both = lc["load_s"] + lc["analytics_s"]
    m["load_rate_with_indicators_vs_bulk_load"] = measure(
        triples / both, "triples/s", triples / lr["load_s"], "Store.bulk_load", note="as `critmin load`: + indicators"
    )
    m["load_peak_rss"] = measure(lc["peak_rss_mib"], "MiB", lr["peak_rss_mib"], "Store.bulk_load")
    m["optimize_after_load"] = measure(
        scale_result["optimize"]["critmin"]["optimize_s"],
        "s",
        scale_result["optimize"]["raw"]["optimize_s"],
        "same on the raw store",
        note="Store.optimize(), done before every measure below",
    )
    m["store_size_optimized"] = measure(
        scale_result["store_mib_optimized"]["critmin"],
        "MiB",
        scale_result["store_mib_optimized"]["raw"],
        "Store.bulk_load",
    )
    m["store_size_on_disk"] = measure(
        scale_result["store_mib"]["critmin"], "MiB", scale_result["store_mib"]["raw"], "Store.bulk_load"
    )
    ep, ac = scale_result["entity_pages"], scale_result["autocomplete"]
    need = "" if largest else " (target is at 10M)"
    m["entity_page_p50"] = measure(ep["p50_ms"], "ms", None, "")
    m["entity_page_p95"] = measure(
        ep["p95_ms"],
        "ms",
        None,
        "",
        target="<= 100 ms" + need,
        met=ep["p95_ms"] <= 100,
        note=f"{ep['errors']} errors of {ep['requests']}",
    )
    if "writes" in scale_result:
        w = scale_result["writes"]
        m["partner_write_p50"] = measure(
            w["p50_ms"], "ms", None, "",
            note=f"Graph Store PUT of {w['triples_each']} triples, answered once readers see it "
                 f"(max {w['max_ms']:,.0f} ms; DELETE p50 {w['delete_p50_ms']:,.0f} ms)")
    m["autocomplete_p50"] = measure(ac["p50_ms"], "ms", None, "")
    m["autocomplete_p95"] = measure(
        ac["p95_ms"],
        "ms",
        None,
        "",
        target="<= 30 ms" + need,
        met=ac["p95_ms"] <= 30,
        note=f"{ac['errors']} errors of {ac['requests']}",
    )
    for name, s in t.items():
        if name != "critmin":
            m[f"peak_rss_vs_{name}"] = measure(crit["peak_rss_mib"], "MiB", s["peak_rss_mib"], s["target"])
    m["critmin_startup"] = measure(
        scale_result["critmin_startup_s"],
        "s",
        scale_result.get("oxigraph_startup_s"),
        "Oxigraph server start",
        note="indicators check + search index + workers",
    )
    if "soak" in scale_result:
        soak = scale_result["soak"]
        r = soak["rss_end_mib"] / soak["rss_start_mib"]
        m["memory_under_sustained_load"] = measure(
            soak["rss_end_mib"],
            "MiB",
            soak["rss_start_mib"],
            "RSS when the sustained run started",
            target="<= 1.1x (flat)",
            met=r <= 1.1,
            note=f"{soak['elapsed_s']:.0f} s, {soak['ok']} queries",
        )
    return m


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if value != value:  # NaN
        return "n/a"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"
    return f"{text} {unit}".strip()


def table(report: dict) -> str:
    lines = ["| measure | scale | critmin | baseline | ratio | target | met? |", "|---|---|---|---|---|---|---|"]
    for key, m in report["measures"].items():
        name, _, scale = key.partition("@")
        base = f"{fmt(m['baseline'], m['unit'])} ({m['baseline_name']})" if m["baseline"] is not None else "-"
        met = "-" if m["met"] is None else ("yes" if m["met"] else "**no**")
        note = f" ({m['note']})" if m.get("note") else ""
        ratio = f"{m['ratio']:.2f}x" if m["ratio"] is not None and m["ratio"] == m["ratio"] else "-"
        lines.append(
            f"| {name}{note} | {scale} | {fmt(m['value'], m['unit'])} | {base} | {ratio} | "
            f"{m['target'] or '-'} | {met} |"
        )
    return "\n".join(lines)


def per_query_table(report: dict) -> str:
    lines = []
    for label, s in report["scales"].items():
        targets = s["targets"]
        names = list(targets)
        lines += [
            f"\nPer query at {label}: p50 ms (errors)",
            "| query | " + " | ".join(names) + " |",
            "|---" * (len(names) + 1) + "|",
        ]
        for query in sorted(targets["critmin"]["per_query"]):
            cells = []
            for n in names:
                q = targets[n]["per_query"].get(query)
                cells.append("-" if q is None else f"{fmt(q['p50_ms'])}" + (f" ({q['errors']})" if q["errors"] else ""))
            lines.append(f"| {query} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "fastapi", "uvicorn", "spacy", "httpx"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def machine() -> dict:
    import psutil

    return {
        "cores": os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--scales", default="1000000,10000000", help="comma-separated target triple counts")
    parser.add_argument("--quick", action="store_true", help="100k triples, short runs: a smoke run in minutes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients of every target")
    parser.add_argument("--duration-s", type=float, default=40.0,
                        help="query mix per target per scale (at 10M a run is a few hundred queries, some of seconds)")
    parser.add_argument("--soak-s", type=float, default=60.0, help="sustained critmin run at the largest scale")
    parser.add_argument("--timeout-s", type=float, default=10.0, help="one query's limit, the same for every target")
    parser.add_argument("--query-workers", type=int, default=Settings.model_fields["query_workers"].default,
                        help="critmin's query_workers (default: the setting's default)")
    parser.add_argument(
        "--rdflib-max-triples", type=int, default=1_000_000, help="run rdflib-endpoint only at scales up to this"
    )
    parser.add_argument("--nlp-documents", type=int, default=108, help="0 skips the NLP measure")
    parser.add_argument("--cache-dir", type=Path, default=BENCH / ".cache", help="generated datasets, reused")
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/critmin-bench"), help="stores (rebuilt each run)")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "latest.json")
    args = parser.parse_args()
    if args.quick:
        args.scales, args.duration_s, args.soak_s = "100000", 5.0, 10.0
        args.nlp_documents = min(args.nlp_documents, 36)
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    quick_or_small = args.quick or max(scales) < 1_000_000
    args.entity_pages = (
        {"facility": 20, "company": 10, "document": 5, "commodity": 5, "country": 5}
        if quick_or_small
        else {"facility": 60, "company": 40, "document": 20, "commodity": 10, "country": 10}
    )
    args.suggest_requests = 100 if quick_or_small else 300

    started = time.perf_counter()
    report: dict = {
        "machine": machine(),
        "versions": versions(),
        "seed": args.seed,
        "clients": args.clients,
        "duration_s": args.duration_s,
        "timeout_s": args.timeout_s,
        "query_workers": args.query_workers,
        "queries": [{"name": q.name, "what": q.what} for q in load_mix()],
        "scales": {},
        "measures": {},
    }
    servers = Servers()
    try:
        for scale in scales:
            result = measure_scale(scale, args, servers, largest=scale == max(scales))
            label = scale_label(scale)
            report["scales"][label] = result
            for key, m in measures_for(result, scale == max(scales)).items():
                report["measures"][f"{key}@{label}"] = m
        if args.nlp_documents > 0:
            nlp = run_nlp(args.nlp_documents)
            if nlp is not None:
                for key in ("critmin_throughput", "end_to_end_load_throughput", "critmin_peak_rss"):
                    m = nlp["measures"][key]
                    report["measures"][f"nlp_{key}@{nlp['documents']} docs"] = measure(
                        m["value"], m["unit"], m["baseline"], m["baseline_name"], ratio=m["ratio"]
                    )
                report["nlp"] = {k: nlp[k] for k in ("documents", "distinct_texts", "measures", "components")}
    except KeyboardInterrupt:
        progress("interrupted: stopping the servers")
        return 130
    finally:
        servers.stop_all()
    report["total_s"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, default=str) + "\n")
    print(
        f"critmin benchmark: {', '.join(report['scales'])} triples, {args.clients} clients, {args.duration_s:g} s "
        f"per target, timeout {args.timeout_s:g} s; {report['machine']['cores']} cores, "
        f"{report['machine']['ram_gib']} GiB\n"
    )
    text = table(report) + "\n" + per_query_table(report)
    print(text)
    args.out.with_suffix(".md").write_text(text + "\n")
    progress(f"done in {report['total_s'] / 60:.1f} min; wrote {args.out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, rest = sys.argv[2], sys.argv[3:]
        if kind == "load-critmin":
            result = child_load_critmin(Path(rest[0]), Path(rest[1]))
        elif kind == "load-raw":
            result = child_load_raw(Path(rest[0]), Path(rest[1]))
        elif kind == "optimize":
            result = child_optimize(Path(rest[0]))
        elif kind == "inprocess":
            result = child_inprocess(Path(rest[0]), Path(rest[1]), int(rest[2]), float(rest[3]), float(rest[4]))
        else:
            raise SystemExit(f"unknown child {kind}")
        print(json.dumps(result, default=str))
        sys.exit(0)
    sys.exit(main())
