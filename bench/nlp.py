"""NLP benchmark: documents per second of `critmin extract` against the bare spaCy pipeline it is built on.

Every measure runs over the same texts (the development corpus tests/nlp/corpus/dev and the bundled demonstration
documents data/documents, repeated to reach ``--documents``; never the held-aside tests/nlp/corpus/test):
- bare: ``spacy.blank("en")`` + ``sentencizer``, what config.cfg starts from before our components (the baseline);
- critmin: ``load_pipeline(store)``, the full pipeline with the graph's patterns;
- end to end: reading each file, the pipeline, and the fact triples (``document_fact_triples``); and the same plus
  loading each document's graph into a store (``load_document_facts``, into a scratch store, never ``--store``);
- per component: the time each pipe of the critmin pipeline spends over the same documents.

Each measure runs in a process of its own, so its peak memory (``ru_maxrss``) is its own.

    python bench/nlp.py --store var/store --documents 216

Writes a markdown table to stdout and ``bench/results/nlp.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "tests" / "nlp" / "corpus" / "dev"
DEMO = ROOT / "data" / "documents"
MEASURES = ("bare", "critmin", "end_to_end_triples", "end_to_end_load", "components")
WARM_UP = 5


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def text_files(documents: int) -> tuple[list[Path], int]:
    """The benchmark's files, in order, repeated to at least ``documents``; and how many distinct files there are."""
    unique = sorted(CORPUS.glob("*.txt")) + sorted(DEMO.glob("*.txt"))
    if not unique:
        raise SystemExit(f"no texts under {CORPUS} or {DEMO}")
    repeat = -(-documents // len(unique))
    return unique * repeat, len(unique)


def _status_mib(field: str) -> float | None:
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return None


def rss_mib() -> float:
    """The resident set now (the peak alone would hide what setup already held)."""
    return _status_mib("VmRSS") or 0.0


def peak_rss_mib() -> float:
    """This process's peak resident set. VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so a
    child would report its parent's peak (the loaded store) instead of its own."""
    return _status_mib("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------------------------------------------
# One measure, in a child process


def run_child(name: str, files: list[Path], store_path: Path, scratch: Path) -> dict:
    from extractors.documents import Document, read_document

    texts = [read_document(f).text for f in files]
    if name == "bare":
        import spacy

        started = time.perf_counter()
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        build_s = time.perf_counter() - started
        return _time_pipe(nlp, texts) | {"build_s": build_s}

    from extractors.nlp.pipeline import load_pipeline

    started = time.perf_counter()
    nlp = load_pipeline(store_path)
    build_s = time.perf_counter() - started
    if name == "critmin":
        return _time_pipe(nlp, texts) | {"build_s": build_s}
    if name == "components":
        return _time_components(nlp, texts) | {"build_s": build_s}

    from kg.document_facts import document_fact_triples, load_document_facts

    store = None
    if name == "end_to_end_load":
        from kg.store import open_store

        store = open_store(scratch)
    for f in files[:WARM_UP]:
        doc = nlp(read_document(f).text)
    before = rss_mib()
    triples = 0
    started = time.perf_counter()
    for f in files:
        document: Document = read_document(f)
        doc = nlp(document.text)
        if store is None:
            triples += len(document_fact_triples(document, doc._.mentions or [], doc._.facts or []))
        else:
            triples += load_document_facts(store, document, doc._.mentions or [], doc._.facts or []).triples
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "documents": len(files), "triples": triples, "rss_before_mib": before,
            "build_s": build_s}


def _time_pipe(nlp, texts: list[str]) -> dict:
    for _ in nlp.pipe(texts[:WARM_UP]):
        pass
    before = rss_mib()
    started = time.perf_counter()
    facts = sum(len(doc._.facts or []) if doc.has_extension("facts") else 0 for doc in nlp.pipe(texts))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "documents": len(texts), "facts": facts, "rss_before_mib": before}


def _time_components(nlp, texts: list[str]) -> dict:
    """Each pipe over all documents in turn (the tokenizer first), as the pipeline would run them."""
    for _ in nlp.pipe(texts[:WARM_UP]):
        pass
    before = rss_mib()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    docs = [nlp.make_doc(text) for text in texts]
    seconds["tokenizer"] = time.perf_counter() - started
    for pipe_name, pipe in nlp.pipeline:
        started = time.perf_counter()
        docs = [pipe(doc) for doc in docs]
        seconds[pipe_name] = time.perf_counter() - started
    return {"seconds": sum(seconds.values()), "documents": len(texts), "by_component": seconds,
            "rss_before_mib": before}


def child_main(argv: list[str]) -> int:
    name, store_path, scratch, documents = argv[0], Path(argv[1]), Path(argv[2]), int(argv[3])
    files, _ = text_files(documents)
    result = run_child(name, files, store_path, scratch)
    result["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(result))
    return 0


# ---------------------------------------------------------------------------------------------------------------
# The run


def measure(name: str, store_path: Path, work: Path, documents: int) -> dict:
    progress(f"{name}: running over {documents:,}+ documents in a process of its own")
    scratch = work / f"scratch-{name}"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", name, str(store_path), str(scratch), str(documents)],
                          check=True, capture_output=True, text=True, cwd=ROOT)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["docs_per_s"] = result["documents"] / result["seconds"]
    progress(f"{name}: {result['docs_per_s']:,.1f} docs/s, peak RSS {result['peak_rss_mib']:,.0f} MiB "
             f"({time.perf_counter() - started:.1f} s with setup)")
    return result


def bundled_store(path: Path | None, work: Path) -> Path:
    """``path`` when it holds a store; else the bundled data loaded into a scratch store (the patterns come from it)."""
    if path is not None and (path / "CURRENT").exists():
        return path
    from kg.loading import load_bundled
    from kg.store import open_store

    target = work / "bundled"
    progress(f"no store at {path}: loading the bundled data into {target} (about 20 s)")
    store = open_store(target)
    load_bundled(store)
    store.flush()
    del store
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=ROOT / "var" / "store",
                        help="a store with the bundled data, read only (default var/store; loaded afresh if missing)")
    parser.add_argument("--documents", type=int, default=216, help="documents per measure (texts repeated)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "nlp.json")
    args = parser.parse_args()
    files, unique = text_files(args.documents)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        store_path = bundled_store(args.store, work)
        # the graph patterns are built once per store state and cached beside it; build them outside the timings
        from extractors.nlp.patterns import cached_graph_patterns

        started = time.perf_counter()
        cached_graph_patterns(store_path)
        progress(f"graph patterns ready in {time.perf_counter() - started:.1f} s")
        raw = {name: measure(name, store_path, work, args.documents) for name in MEASURES}

    bare = raw["bare"]
    measures: dict[str, dict] = {}
    for name in ("critmin", "end_to_end_triples", "end_to_end_load"):
        measures[f"{name}_throughput"] = {
            "value": raw[name]["docs_per_s"], "unit": "docs/s", "baseline": bare["docs_per_s"],
            "baseline_name": "spacy.blank('en') + sentencizer", "ratio": raw[name]["docs_per_s"] / bare["docs_per_s"]}
        measures[f"{name}_peak_rss"] = {
            "value": raw[name]["peak_rss_mib"], "unit": "MiB", "baseline": bare["peak_rss_mib"],
            "baseline_name": "spacy.blank('en') + sentencizer",
            "ratio": raw[name]["peak_rss_mib"] / bare["peak_rss_mib"],
            "rss_before_loop_mib": raw[name]["rss_before_mib"]}
    measures["pipeline_build"] = {
        "value": raw["critmin"]["build_s"], "unit": "s", "baseline": bare["build_s"],
        "baseline_name": "spacy.blank('en') + sentencizer", "ratio": raw["critmin"]["build_s"] / bare["build_s"]}
    components = raw["components"]["by_component"]
    total = sum(components.values())
    breakdown = {name: {"seconds": s, "ms_per_doc": 1000 * s / raw["components"]["documents"],
                        "share": s / total} for name, s in components.items()}
    results = {"documents": len(files), "distinct_texts": unique, "repeat": len(files) // unique,
               "store": str(args.store), "measures": measures, "components": breakdown, "raw": raw}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    print(f"| measure ({len(files)} documents: {unique} texts x {len(files) // unique}) | value | baseline | ratio |")
    print("|---|---|---|---|")
    for name, m in measures.items():
        print(f"| {name} | {m['value']:,.2f} {m['unit']} | {m['baseline']:,.2f} ({m['baseline_name']}) "
              f"| {m['ratio']:.3f} |")
    print("\n| component | ms/doc | share |\n|---|---|---|")
    for name, b in sorted(breakdown.items(), key=lambda item: -item[1]["seconds"]):
        print(f"| {name} | {b['ms_per_doc']:.3f} | {100 * b['share']:.1f}% |")
    progress(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.exit(child_main(sys.argv[2:]))
    sys.exit(main())
