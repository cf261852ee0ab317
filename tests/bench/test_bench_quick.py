"""The benchmark's generator and query mix on a tiny dataset: deterministic, and every query answers on it.

About 2 s; the harness itself (servers, timings) is exercised by ``make bench-quick``, not here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, RdfFormat, Store

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from generate import GRAPHS, generate  # noqa: E402
from mix import load_mix, request_plan  # noqa: E402

TRIPLES = 30_000
# facilities within two degrees of one another: a handful of facilities over the globe at 30k triples has few
DENSITY_DEPENDENT = {"facilities_near"}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("bench") / "data"
    return folder, generate(folder, triples=TRIPLES, seed=3)


@pytest.fixture(scope="module")
def store(dataset: tuple[Path, dict]) -> Store:
    folder, manifest = dataset
    store = Store()
    for graph, filename in manifest["files"].items():
        store.load(path=str(folder / filename), format=RdfFormat.N_TRIPLES,
                   to_graph=NamedNode("https://w3id.org/critmin/graph/" + graph))
    return store


def test_generation_is_deterministic_by_seed(dataset: tuple[Path, dict], tmp_path: Path) -> None:
    folder, manifest = dataset
    again = generate(tmp_path / "again", triples=TRIPLES, seed=3)
    assert again["triples"] == manifest["triples"]
    for graph in GRAPHS:
        assert (tmp_path / "again" / f"{graph}.nt").read_bytes() == (folder / f"{graph}.nt").read_bytes(), graph
    assert (tmp_path / "again" / "entities.json").read_text() == (folder / "entities.json").read_text()
    other = generate(tmp_path / "other", triples=TRIPLES, seed=4)
    assert (tmp_path / "other" / "synth-facilities.nt").read_bytes() != (folder / "synth-facilities.nt").read_bytes()
    assert other["triples"] > 0


def test_size_follows_the_target(dataset: tuple[Path, dict], tmp_path: Path) -> None:
    _, manifest = dataset
    # the ontology (4k triples) is a fixed part, so a small target lands less near it than a larger one
    assert manifest["triples"] >= TRIPLES
    bigger = generate(tmp_path / "bigger", triples=60_000, seed=3)
    assert 0.9 * 60_000 <= bigger["triples"] <= 1.15 * 60_000


def test_mix_has_enough_queries_each_with_a_comment() -> None:
    mix = load_mix()
    assert len(mix) >= 12
    kinds = {q.kind.split()[0] for q in mix}
    assert {"lookup", "join", "aggregation", "property", "text", "provenance"} <= kinds


def test_every_query_answers_on_the_generated_data(dataset: tuple[Path, dict], store: Store) -> None:
    folder, _ = dataset
    samples = json.loads((folder / "entities.json").read_text())
    empty = []
    for query in load_mix():
        # several draws: a single random entity may rightly have nothing (a company that holds nothing)
        plan = request_plan([query], samples, count=8, seed=1)
        rows = max(len(list(store.query(text, use_default_graph_as_union=True))) for _, text in plan)
        if rows == 0 and query.name not in DENSITY_DEPENDENT:
            empty.append(query.name)
    assert not empty, f"queries with no rows on the generated data: {empty}"
