"""Sustained load and runaway queries against a real `critmin serve` on loopback, over the bundled data (issue 9).

1. Sustained load (after 15 s of the same, not measured): 32 clients, each from its own loopback address
   (127.0.0.x, so each is its own client to the rate limit and the query-worker sharing), for 60 s: the
   workbench's example queries, entity pages of every kind and autocomplete, while a partner replaces its graph
   about once a second and an admin reloads a feed every ~8 s (``POST /admin/feeds/{name}``). Reports requests
   served, errors (any status >= 400 or transport error) by kind, p50/p95/p99 per kind, and the server's memory
   (its process and query workers) over the run. The service's settings are its defaults but for the rate limit.
2. Runaway queries (query_timeout_ms 10 s): 16 clients send light look-ups for 20 s, first alone (the baseline),
   then with ten runaway queries kept in flight (each re-sent when the deadline kills it): from one client, then
   from ten; then from ten on a server without quick workers (``query_quick_workers`` = 0), and from one on a
   server without them and without the per-client share (``query_workers_per_client`` = ``query_workers``).
   Reports the look-ups' p50/p95 in each case.

    python bench/stress.py [--duration-s 60] [--clients 32] [--runaway-duration-s 20] [--out ...]

Needs the bench extra (httpx, psutil). The rate limit is off for the load (its clients are one machine); about
5 minutes on 2 cores (--duration-s 0: the runaway cases only). Prints progress on stderr and a markdown summary on
stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from foundation import free_port, percentile, progress
from targets import MemorySampler, Servers

from kg.accounts import add_partner, create_token

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/critmin/"
PARTNER_GRAPH = f"{BASE}graph/partner/stress/sites"
FEEDS = ("critical-mineral-lists", "usgs-mcs2025-world")
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
QUERY_TIMEOUT_MS = 10_000
KINDS = ("commodity", "country", "facility", "organisation", "document", "list")


@dataclass
class Tally:
    """Latencies (ms) and failures per kind of request."""

    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: Counter = field(default_factory=Counter)  # (kind, status or error name)
    first_failures: dict[str, str] = field(default_factory=dict)  # the first answer of each, to say why
    # kind -> step -> ms, from the answers' Server-Timing headers (api/observability: where a write's time went)
    steps_ms: dict[str, dict[str, list[float]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))

    def record(self, kind: str, started: float, status: int | str, text: str = "", server_timing: str = "") -> None:
        self.latencies_ms[kind].append((time.perf_counter() - started) * 1000)
        for name, ms in parse_server_timing(server_timing).items():
            self.steps_ms[kind][name].append(ms)
        if not isinstance(status, int) or status >= 400:
            self.failures[(kind, status)] += 1
            self.first_failures.setdefault(f"{kind} {status}", text[:300])

    def summary(self) -> dict:
        kinds = {
            kind: {"requests": len(values), "p50_ms": round(percentile(values, 50), 1),
                   "p95_ms": round(percentile(values, 95), 1), "p99_ms": round(percentile(values, 99), 1),
                   "max_ms": round(max(values), 1),
                   **({"steps": {name: {"p50_ms": round(percentile(ms, 50), 1), "max_ms": round(max(ms), 1)}
                                 for name, ms in self.steps_ms[kind].items()}} if self.steps_ms.get(kind) else {})}
            for kind, values in sorted(self.latencies_ms.items()) if values
        }
        return {"requests": sum(len(v) for v in self.latencies_ms.values()),
                "errors": sum(self.failures.values()),
                "errors_by_kind": {f"{k} {s}": n for (k, s), n in sorted(self.failures.items(), key=str)},
                "first_failures": self.first_failures,
                "kinds": kinds}


async def timed(client: httpx.AsyncClient, tally: Tally, kind: str, method: str, url: str, **options) -> None:
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **options)
        await response.aread()
        tally.record(kind, started, response.status_code, response.text if response.status_code >= 400 else "",
                     response.headers.get("server-timing", ""))
    except httpx.HTTPError as error:
        tally.record(kind, started, type(error).__name__, str(error))


def parse_server_timing(header: str) -> dict[str, float]:
    """Step name (its description when it has one) to ms, from a Server-Timing header value.

    >>> parse_server_timing('validate;dur=2.5, wait_for_x;dur=1.0;desc="wait for x"')
    {'validate': 2.5, 'wait for x': 1.0}
    """
    steps = {}
    for metric in filter(None, (part.strip() for part in header.split(","))):
        name, *params = metric.split(";")
        values = dict(param.split("=", 1) for param in params if "=" in param)
        if "dur" in values:
            steps[values.get("desc", name).strip('"')] = float(values["dur"])
    return steps


def client_from(address: str, base_url: str, timeout_s: float = 60.0, **options) -> httpx.AsyncClient:
    """A client whose connections come from ``address`` (a loopback address of its own: its own client to us)."""
    return httpx.AsyncClient(base_url=base_url, timeout=timeout_s,
                             transport=httpx.AsyncHTTPTransport(local_address=address), **options)


# ---------------------------------------------------------------------------------------------------------------
# What the clients ask for


@dataclass(frozen=True)
class Workload:
    queries: list[str]
    pages: list[str]
    prefixes: list[str]
    lookups: list[str]


def workload(base_url: str) -> Workload:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        queries = [example["query"] for example in client.get("/query/examples.json").json()]
        pages: list[str] = []
        labels: list[str] = []
        for kind in KINDS:
            listing = client.get(f"/browse/{kind}", params={"format": "json"}).json()
            items = listing.get("items") or listing.get("entities") or []
            for item in items[:40]:
                pages.append(item["iri"].removeprefix(BASE.rstrip("/")))
                labels.append(item.get("label") or "")
    prefixes = sorted({label[:n].lower() for label in labels if label for n in (1, 2, 3, 5) if len(label) >= n})
    lookups = [f"SELECT ?p ?o WHERE {{ <{BASE.rstrip('/')}{path}> ?p ?o }} LIMIT 50" for path in pages]
    return Workload(queries, pages, prefixes, lookups)


def partner_turtle(round_number: int) -> bytes:
    lines = ["@prefix cm: <https://w3id.org/critmin/ontology/> .",
             "@prefix prov: <http://www.w3.org/ns/prov#> .",
             "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    for i in range(300):
        record = f"<{BASE}id/record/stress/row-{i + 2}>"
        lines.append(f"<{BASE}id/facility/stress/site-{i}> a cm:Facility , cm:Mine ; "
                     f"cm:facilityType <{BASE}id/facility-type/mine> ; prov:wasDerivedFrom {record} ; "
                     f'rdfs:label "Stress site {i} round {round_number}" .')
        lines.append(f'{record} a cm:SourceRecord ; rdfs:label "row {i + 2} of sites.csv" ; '
                     f'cm:sourceFile "sites.csv" ; cm:sourceRow {i + 2} .')
    return "\n".join(lines).encode()


# ---------------------------------------------------------------------------------------------------------------
# Phases


async def sustained(base_url: str, work: Workload, *, clients: int, duration_s: float, partner_token: str,
                    admin_token: str) -> dict:
    tally, writes = Tally(), Tally()
    deadline = time.perf_counter() + duration_s
    rng = random.Random(9)

    async def reader(number: int) -> None:
        async with client_from(f"127.0.0.{10 + number}", base_url) as client:
            while time.perf_counter() < deadline:
                roll = rng.random()
                if roll < 0.4:
                    await timed(client, tally, "sparql", "POST", "/sparql", data={"query": rng.choice(work.queries)},
                                headers={"Accept": "application/sparql-results+json"})
                elif roll < 0.8:
                    await timed(client, tally, "page", "GET", rng.choice(work.pages), headers={"Accept": "text/html"})
                else:
                    await timed(client, tally, "suggest", "GET", "/search/suggest",
                                params={"q": rng.choice(work.prefixes)})

    async def partner() -> None:
        headers = {"Authorization": f"Bearer {partner_token}", "Content-Type": "text/turtle"}
        async with client_from("127.0.0.200", base_url, headers=headers) as client:
            round_number = 0
            while time.perf_counter() < deadline:
                round_number += 1
                await timed(client, writes, "partner upload", "PUT", "/store", params={"graph": PARTNER_GRAPH},
                            content=partner_turtle(round_number))
                await asyncio.sleep(1.0)

    async def feeds() -> None:
        async with client_from("127.0.0.201", base_url, timeout_s=300,
                               headers={"Authorization": f"Bearer {admin_token}"}) as client:
            number = 0
            while time.perf_counter() < deadline:
                await timed(client, writes, "feed reload", "POST", f"/admin/feeds/{FEEDS[number % len(FEEDS)]}")
                number += 1
                await asyncio.sleep(8.0)

    await asyncio.gather(*(reader(n) for n in range(clients)), partner(), feeds())
    return {"reads": tally.summary(), "writes": writes.summary()}


async def lookups_beside_runaways(base_url: str, work: Workload, *, clients: int, duration_s: float,
                                  runaways: int, runaway_clients: int) -> dict:
    tally, killed = Tally(), Tally()
    sent = Counter()
    deadline = time.perf_counter() + duration_s
    rng = random.Random(11)

    async def looker(number: int) -> None:
        async with client_from(f"127.0.0.{10 + number}", base_url) as client:
            while time.perf_counter() < deadline:
                await timed(client, tally, "lookup", "POST", "/sparql", data={"query": rng.choice(work.lookups)},
                            headers={"Accept": "application/sparql-results+json"})

    async def runaway(number: int) -> None:
        async with client_from(f"127.0.1.{1 + number % runaway_clients}", base_url) as client:
            while time.perf_counter() < deadline:
                sent["runaway"] += 1
                await timed(client, killed, "runaway", "POST", "/sparql", data={"query": RUNAWAY})

    tasks = [asyncio.create_task(runaway(n)) for n in range(runaways)]
    if runaways:
        await asyncio.sleep(1.0)  # the runaways hold their workers before the look-ups start
        deadline = time.perf_counter() + duration_s
    await asyncio.gather(*(looker(n) for n in range(clients)))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    summary = tally.summary()
    return {"lookups": summary["kinds"].get("lookup", {}), "lookup_errors": summary["errors"],
            "runaways_sent": sent["runaway"]}


# ---------------------------------------------------------------------------------------------------------------
# Set-up and report


def prepare(work: Path) -> tuple[Path, Path, str, str]:
    store, accounts = work / "store", work / "accounts.sqlite3"
    env = dict(os.environ, CRITMIN_STORE=str(store), CRITMIN_ACCOUNTS_DB=str(accounts))
    progress("loading the bundled data (critmin load)")
    subprocess.run([sys.executable, "-m", "kg.cli", "load"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    add_partner(accounts, "stress", name="Stress-test partner")
    add_partner(accounts, "hub-admins", name="Hub administrators")
    partner_token = create_token(accounts, "stress", scopes=["read", "write"], label="stress")[1]
    admin_token = create_token(accounts, "hub-admins", scopes=["admin"], label="stress")[1]
    return store, accounts, partner_token, admin_token


def start(servers: Servers, work: Path, store: Path, accounts: Path, name: str, **settings: str):
    port = free_port()
    env = {**os.environ, "CRITMIN_STORE": str(store), "CRITMIN_ACCOUNTS_DB": str(accounts),
           "CRITMIN_RATE_LIMIT_PER_S": "0", "CRITMIN_LOG_LEVEL": "warning",
           **{f"CRITMIN_{key.upper()}": value for key, value in settings.items()}}
    progress(f"critmin serve ({name}): starting")
    server, startup_s = servers.start(name, [sys.executable, "-m", "kg.cli", "serve", "--port", str(port)],
                                      url=f"http://127.0.0.1:{port}", ready_url=f"http://127.0.0.1:{port}/readyz",
                                      log=work / f"{name}.log", env=env)
    progress(f"  ready in {startup_s:.1f} s")
    return server


def memory_summary(sampler: MemorySampler, duration_s: float) -> dict:
    samples = sampler.samples
    window = min(10.0, duration_s / 4)
    first = [m for t, m in samples if t <= window]
    last = [m for t, m in samples if t >= samples[-1][0] - window]
    start_mib, end_mib = sum(first) / len(first), sum(last) / len(last)
    return {"first_window_mib": round(start_mib), "last_window_mib": round(end_mib),
            "growth_percent": round((end_mib / start_mib - 1) * 100, 1), "peak_mib": round(sampler.peak_mib),
            "window_s": window, "by_30_s_mib": _means_by(samples, 30.0),
            "server_alone_by_30_s_mib": _means_by(sampler.root_samples, 30.0)}


def _means_by(samples: list[tuple[float, float]], span_s: float) -> list[int]:
    """Mean MiB of each ``span_s`` of the run (where memory settles, or does not)."""
    spans: dict[int, list[float]] = defaultdict(list)
    for at, mib in samples:
        spans[int(at // span_s)].append(mib)
    return [round(sum(values) / len(values)) for _, values in sorted(spans.items())]


def report(result: dict) -> str:
    lines: list[str] = []
    if "sustained" in result:
        load = result["sustained"]
        reads, writes, memory = load["reads"], load["writes"], load["memory"]
        lines += [
            f"## Sustained load: {result['clients']} clients for {result['duration_s']} s, with a partner uploading "
            "and feeds reloading",
            "",
            f"- requests served: {reads['requests']:,} reads ({reads['requests'] / result['duration_s']:.0f}/s), "
            f"{writes['requests']} writes; errors: {reads['errors']} reads, {writes['errors']} writes "
            f"{reads['errors_by_kind'] or ''} {writes['errors_by_kind'] or ''}".rstrip(),
            f"- memory (server and its query workers): {memory['first_window_mib']} MiB over the first "
            f"{memory['window_s']:.0f} s, {memory['last_window_mib']} MiB over the last "
            f"({memory['growth_percent']:+}%), peak {memory['peak_mib']} MiB; means of each 30 s: "
            f"{', '.join(map(str, memory['by_30_s_mib']))} MiB (the server process alone: "
            f"{', '.join(map(str, memory['server_alone_by_30_s_mib']))})",
            "",
            "| kind | requests | p50 ms | p95 ms | p99 ms | max ms |",
            "|---|---|---|---|---|---|",
        ]
        for kind, row in [*reads["kinds"].items(), *writes["kinds"].items()]:
            lines.append(f"| {kind} | {row['requests']} | {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} | "
                         f"{row['max_ms']} |")
        lines += ["", "Where the writes' time went (their answers' Server-Timing; steps nest: a lock's wait is part "
                  "of the step around it; a write past the client's timeout is not in it):", "",
                  "| write | step | p50 ms | max ms |", "|---|---|---|---|"]
        for kind, row in writes["kinds"].items():
            for name, step in row.get("steps", {}).items():
                lines.append(f"| {kind} | {name} | {step['p50_ms']} | {step['max_ms']} |")
    if result["runaways"]:
        lines += ["", f"## Light look-ups beside ten runaway queries ({result['lookup_clients']} clients, "
                  f"{result['runaway_duration_s']} s each, query_timeout_ms {QUERY_TIMEOUT_MS})", "",
                  "| case | look-ups | errors | p50 ms | p95 ms | p99 ms | max ms | runaways sent |",
                  "|---|---|---|---|---|---|---|---|"]
        for case, row in result["runaways"].items():
            lookups = row["lookups"]
            lines.append(f"| {case} | {lookups.get('requests', 0)} | {row['lookup_errors']} | "
                         f"{lookups.get('p50_ms')} | {lookups.get('p95_ms')} | {lookups.get('p99_ms')} | "
                         f"{lookups.get('max_ms')} | {row['runaways_sent']} |")
    return "\n".join(lines).lstrip("\n") + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration-s", type=float, default=60.0, help="0: the runaway cases only")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--warm-up-s", type=float, default=15.0, help="the same load first, not measured")
    parser.add_argument("--lookup-clients", type=int, default=16)
    parser.add_argument("--runaway-duration-s", type=float, default=20.0, help="0: the sustained phase only")
    parser.add_argument("--server-log-level", default="warning", choices=("info", "warning"),
                        help="info: a JSON line per request in WORK/critmin.log, with each write's steps")
    parser.add_argument("--work", type=Path, default=Path("/tmp/critmin-stress"))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "stress.json")
    args = parser.parse_args()
    subprocess.run(["rm", "-rf", str(args.work)], check=True)
    args.work.mkdir(parents=True)
    store, accounts, partner_token, admin_token = prepare(args.work)
    result: dict = {"clients": args.clients, "duration_s": args.duration_s, "lookup_clients": args.lookup_clients,
                    "runaway_duration_s": args.runaway_duration_s, "runaways": {}}
    servers = Servers()
    try:
        if args.duration_s > 0:
            sustained_phase(servers, args, store, accounts, partner_token, admin_token, result)
        if args.runaway_duration_s > 0:
            runaway_phase(servers, args, store, accounts, result)
    finally:
        servers.stop_all()
    return _finish(args, result)


def sustained_phase(servers: Servers, args: argparse.Namespace, store: Path, accounts: Path, partner_token: str,
                    admin_token: str, result: dict) -> None:
    # every request's line, with where a write's time went (steps_ms), when --server-log-level info
    server = start(servers, args.work, store, accounts, "critmin", log_level=args.server_log_level, log_format="json")
    work = workload(server.base_url)
    progress(f"workload: {len(work.queries)} example queries, {len(work.pages)} pages, {len(work.prefixes)} prefixes")
    progress(f"warm-up: {args.clients} clients for {args.warm_up_s:.0f} s (not measured)")
    asyncio.run(sustained(server.base_url, work, clients=args.clients, duration_s=args.warm_up_s,
                          partner_token=partner_token, admin_token=admin_token))
    progress(f"sustained load: {args.clients} clients for {args.duration_s:.0f} s")
    with MemorySampler(server.process.pid, interval_s=1.0) as sampler:
        result["sustained"] = asyncio.run(sustained(server.base_url, work, clients=args.clients,
                                                    duration_s=args.duration_s, partner_token=partner_token,
                                                    admin_token=admin_token))
    result["sustained"]["memory"] = memory_summary(sampler, args.duration_s)
    reads = result["sustained"]["reads"]
    progress(f"  {reads['requests']:,} reads, {reads['errors']} errors")
    servers.stop(server)


# (server name, settings besides query_timeout_ms, its cases: (case, runaways, the clients sending them))
RUNAWAY_SERVERS = (
    ("critmin-runaways", {}, (("no runaway queries", 0, 1), ("10 runaways from one client", 10, 1),
                              ("10 runaways from ten clients", 10, 10))),
    ("critmin-no-quick", {"query_quick_workers": "0"},
     (("10 runaways from ten clients, no quick workers (query_quick_workers = 0)", 10, 10),)),
    ("critmin-unshared", {"query_workers_per_client": "4", "query_quick_workers": "0"},
     (("10 runaways from one client, workers not shared and no quick workers (query_workers_per_client = 4, "
       "query_quick_workers = 0)", 10, 1),)),
)


def runaway_phase(servers: Servers, args: argparse.Namespace, store: Path, accounts: Path, result: dict) -> None:
    # a shorter limit than the default, so that each case sees a few rounds of runaways killed and sent again
    for name, settings, cases in RUNAWAY_SERVERS:
        server = start(servers, args.work, store, accounts, name, query_timeout_ms=str(QUERY_TIMEOUT_MS), **settings)
        work = workload(server.base_url)
        for case, runaways, runaway_clients in cases:
            progress(f"look-ups: {case}")
            result["runaways"][case] = asyncio.run(lookups_beside_runaways(
                server.base_url, work, clients=args.lookup_clients, duration_s=args.runaway_duration_s,
                runaways=runaways, runaway_clients=runaway_clients))
            progress(f"  p95 {result['runaways'][case]['lookups'].get('p95_ms')} ms")
        servers.stop(server)


def _finish(args: argparse.Namespace, result: dict) -> int:
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    summary = report(result)
    args.out.with_suffix(".md").write_text(summary)
    print(summary)
    load = result.get("sustained", {})
    errors = sum(load[part]["errors"] for part in ("reads", "writes") if part in load)
    progress(f"done: {errors} errors under load; results in {args.out} and {args.out.with_suffix('.md')}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
