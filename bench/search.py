"""Search benchmark: index build time and memory, and lookup latency, on the bundled data and on 1M synthetic labels.

Each lookup is measured beside a baseline in the same run: a plain linear scan over the same normalised labels
(every label tested for a prefix of the whole label or of a word), which is what search costs without the index.

    python bench/search.py --store /tmp/e4s/store --synthetic 1000000

Writes a markdown table to stdout and ``bench/results/search.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.search import SearchIndex, normalise, read_all_graphs  # noqa: E402
from kg.store import open_store_read_only  # noqa: E402

QUERIES_BUNDLED = ["lithium", "li", "a", "caraiba", "aluminum", "copper dep", "south af", "cob", "zzz", "nickel"]
SYLLABLES = ["li", "co", "ni", "gra", "man", "cop", "ta", "ra", "mi", "ne", "ver", "stone", "ka", "lo", "be", "ri",
             "do", "sa", "mu", "te", "zan", "por", "wel", "gan", "sil", "ore", "hill", "lake", "north", "deep"]
SUFFIXES = ["Mine", "Deposit", "Project", "Smelter", "Refinery", "Plant", "Operation", ""]
Row = tuple[str, str, bool, str, int]


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def synthetic_rows(count: int, seed: int = 11) -> list[Row]:
    """``count`` facility-like labels ("Kanemuri North Mine"), deterministic by seed; skewed popularity."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        words = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
                 for _ in range(rng.randint(1, 3))]
        label = " ".join([*words, rng.choice(SUFFIXES)]).strip()
        rows.append((f"https://w3id.org/critmin/id/facility/synthetic-{i}", label, True, "facility",
                     int(1000 / (1 + rng.random() * 999))))
    return rows


def measure_build(rows: list[Row]) -> tuple[SearchIndex, float, float]:
    """The index, its build time (s, without tracing) and the memory it holds (MiB, traced in a second build)."""
    gc.collect()
    started = time.perf_counter()
    index = SearchIndex.from_rows(rows)
    seconds = time.perf_counter() - started
    del index
    gc.collect()
    tracemalloc.start()
    index = SearchIndex.from_rows(rows)
    gc.collect()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return index, seconds, held / 2**20


def linear_scan(labels: list[tuple[str, int]], text: str, limit: int = 10) -> list[int]:
    """The baseline: every normalised label tested; prefix of the whole label or of a word; first ``limit`` kept."""
    prefix = normalise(text)
    word = " " + prefix
    found = [entity for key, entity in labels if key.startswith(prefix) or word in key]
    return found[:limit]


def latencies(function: Callable[[str], object], queries: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        for text in queries:
            started = time.perf_counter()
            function(text)
            times.append((time.perf_counter() - started) * 1000)
    return times


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def run(name: str, rows: list[Row], queries: list[str], *, repeat: int) -> dict[str, float | int | None]:
    progress(f"{name}: building the index over {len(rows):,} labels")
    index, build_s, memory_mb = measure_build(rows)
    labels = [(normalise(label), i) for i, (_, label, *_rest) in enumerate(rows)]
    indexed = latencies(lambda text: index.search(text, limit=10), queries, repeat)
    progress(f"{name}: linear-scan baseline")
    scan = latencies(lambda text: linear_scan(labels, text), queries, max(1, repeat // 10))
    result: dict[str, float | int | None] = {
        "labels": len(index), "entities": len(index.iris), "keys": len(index.keys),
        "build_s": round(build_s, 3), "memory_mb": round(memory_mb, 1),
        "lookup_p50_ms": round(percentile(indexed, 50), 4), "lookup_p95_ms": round(percentile(indexed, 95), 4),
        "scan_p50_ms": round(percentile(scan, 50), 3), "scan_p95_ms": round(percentile(scan, 95), 3),
    }
    result["speedup_p50"] = round(float(result["scan_p50_ms"]) / max(float(result["lookup_p50_ms"]), 1e-6), 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("/tmp/e4s/store"), help="a store with the bundled data")
    parser.add_argument("--synthetic", type=int, default=1_000_000, help="labels in the synthetic index")
    parser.add_argument("--repeat", type=int, default=50, help="times each query is timed")
    args = parser.parse_args()
    results: dict[str, dict[str, float | int | None]] = {}
    if (args.store / "CURRENT").exists():
        store = open_store_read_only(args.store)
        started = time.perf_counter()
        parts = read_all_graphs(store)
        sparql_s = time.perf_counter() - started
        index = SearchIndex.from_parts(parts)
        total_s = time.perf_counter() - started
        rows = list(index.rows())
        results["bundled"] = run("bundled", rows, QUERIES_BUNDLED, repeat=args.repeat)
        results["bundled"] |= {"sparql_pass_s": round(sparql_s, 3), "build_index_total_s": round(total_s, 3)}
        del store
    else:
        progress(f"no store at {args.store}: run `critmin load --store {args.store}` for the bundled figures")
    rows = synthetic_rows(args.synthetic)
    rng = random.Random(3)
    queries = ["k", "li", "gra", "north", "kanemu", "zzzz"] + [
        normalise(label)[: rng.randint(2, 8)] for _, label, *_ in rng.sample(rows, 24)]
    results[f"synthetic_{args.synthetic}"] = run("synthetic", rows, queries, repeat=args.repeat)
    out = ROOT / "bench" / "results" / "search.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    columns = ["labels", "keys", "sparql_pass_s", "build_index_total_s", "build_s", "memory_mb", "lookup_p50_ms",
               "lookup_p95_ms", "scan_p50_ms", "scan_p95_ms", "speedup_p50"]
    print("| index | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for name, result in results.items():
        print(f"| {name} | " + " | ".join(str(result.get(column, "")) for column in columns) + " |")
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
