"""Where an entity page's time goes: ``describe_entity`` (the data behind ``/id/…``) per kind of entity, and the time
of each SPARQL query it runs, over a store that ``bench/run.py`` loaded.

The store is wrapped so that every ``query()`` is timed to its last row and named after the ``.rq`` file whose text
it ran (our queries are all in files under kg/). No HTTP and no template: what is left is the data layer.

    python bench/profile_entities.py --store /tmp/critmin-bench/10000000/critmin-store \
        --dataset bench/.cache/10000000-s7 --per-kind 4

Writes a markdown table to stdout and ``bench/results/profile_entities.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KINDS = ("facility", "company", "document", "country", "commodity")


class Rows(list):
    """Materialised solutions that still answer ``.variables`` like pyoxigraph's."""

    variables: Any = None


class TimedStore:
    """A read-only store whose ``query`` records (query file, seconds to the last row)."""

    def __init__(self, store: Any, names: dict[str, str]) -> None:
        self._store, self._names = store, names
        self.calls: list[tuple[str, float]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def query(self, text: str, **options: Any) -> Any:
        from pyoxigraph import QuerySolutions

        started = time.perf_counter()
        result = self._store.query(text, **options)
        if isinstance(result, QuerySolutions):
            rows = Rows(result)
            rows.variables = result.variables
            result = rows
        self.calls.append((self._names.get(text, "(inline) " + " ".join(text.split())[:60]),
                           time.perf_counter() - started))
        return result


def query_names() -> dict[str, str]:
    return {path.read_text(encoding="utf-8"): str(path.relative_to(ROOT)) for path in (ROOT / "kg").rglob("*.rq")}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--dataset", type=Path, required=True, help="the generated folder (its entities.json)")
    parser.add_argument("--per-kind", type=int, default=4)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "profile_entities.json")
    args = parser.parse_args()

    from pyoxigraph import Store

    from kg.entities import describe_entity

    samples = json.loads((args.dataset / "entities.json").read_text())
    store = TimedStore(Store.read_only(str(args.store)), query_names())
    by_kind: dict[str, dict] = {}
    by_query: dict[str, list[float]] = defaultdict(list)
    for kind in KINDS:
        totals = []
        per_query: dict[str, list[float]] = defaultdict(list)
        for iri in samples[kind][: args.per_kind]:
            store.calls.clear()
            started = time.perf_counter()
            describe_entity(store, iri)  # type: ignore[arg-type]
            totals.append((time.perf_counter() - started) * 1000)
            for name, seconds in store.calls:
                per_query[name].append(seconds * 1000)
                by_query[name].append(seconds * 1000)
        top = sorted(((sum(v) / len(totals), name) for name, v in per_query.items()), reverse=True)[:5]
        by_kind[kind] = {"entities": len(totals), "mean_ms": sum(totals) / len(totals), "max_ms": max(totals),
                         "queries_per_page": sum(len(v) for v in per_query.values()) / len(totals),
                         "top_queries_ms_per_page": {name: round(ms, 1) for ms, name in top}}
        print(f"[profile] {kind}: {by_kind[kind]['mean_ms']:.0f} ms per page", file=sys.stderr, flush=True)
    args.out.write_text(json.dumps({"store": str(args.store), "by_kind": by_kind,
                                    "by_query_total_ms": {k: round(sum(v), 1) for k, v in by_query.items()}},
                                   indent=1) + "\n")
    print("| kind | pages | mean ms | max ms | queries/page | top queries (ms per page) |\n|---|---|---|---|---|---|")
    for kind, row in by_kind.items():
        top = "; ".join(f"{Path(name).name if '/' in name else name} {ms}"
                        for name, ms in row["top_queries_ms_per_page"].items())
        print(f"| {kind} | {row['entities']} | {row['mean_ms']:.0f} | {row['max_ms']:.0f} | "
              f"{row['queries_per_page']:.0f} | {top} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
