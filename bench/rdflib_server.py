"""rdflib-endpoint over the benchmark dataset, one graph per file, the default graph the union of all of them.

    python bench/rdflib_server.py DATASET_FOLDER --port 8765

Reads every ``*.nt`` named in the folder's manifest into an rdflib ``Dataset`` (which is what takes time and memory:
rdflib keeps Python objects per triple), then serves it with uvicorn at ``/``. Prints the load time to stdout before
serving, for the harness's log.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

GRAPH = "https://w3id.org/critmin/graph/"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()

    import uvicorn
    from rdflib import Dataset, URIRef
    from rdflib_endpoint import SparqlEndpoint

    started = time.perf_counter()
    dataset = Dataset(default_union=True)
    manifest = json.loads((args.dataset / "manifest.json").read_text())
    for graph, filename in manifest["files"].items():
        dataset.graph(URIRef(GRAPH + graph)).parse(str(args.dataset / filename), format="nt")
    print(f"rdflib loaded {len(dataset):,} triples in {time.perf_counter() - started:.1f} s", flush=True)
    app = SparqlEndpoint(graph=dataset, title="bench", public_url=f"http://127.0.0.1:{args.port}/")
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
