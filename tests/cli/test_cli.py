"""The `critmin` command, run as a real process against a real store."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from kg.store import open_store

DATA = Path(__file__).resolve().parent.parent / "data"


def critmin(*args: str | Path, store: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "kg.cli", *map(str, args), "--store", str(store)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_load_query_and_stats(tmp_path: Path) -> None:
    store = tmp_path / "store"
    loaded = critmin("load", DATA / "small.ttl", "--graph", "small", "--title", "Small", store=store)
    assert loaded.returncode == 0, loaded.stderr
    assert "6 triples" in loaded.stdout and "triples/s" in loaded.stdout

    query = "SELECT ?label WHERE { ?c a cm:Commodity ; rdfs:label ?label } ORDER BY ?label"
    as_csv = critmin("query", query, "--format", "csv", store=store)
    assert as_csv.returncode == 0, as_csv.stderr
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == [["label"], ["cobalt"], ["lithium"]]

    as_json = critmin("query", query, "--format", "json", store=store)
    assert [b["label"]["value"] for b in json.loads(as_json.stdout)["results"]["bindings"]] == ["cobalt", "lithium"]

    table = critmin("query", query, store=store)
    assert table.stdout.splitlines()[2:] == ["cobalt", "lithium", "(2 rows)"]

    stats = critmin("stats", "--format", "json", store=store)
    entries = {e["graph"]: e for e in json.loads(stats.stdout)}
    # the load ends by recomputing the indicators and the hub summaries, so their graphs are there too
    assert set(entries) == {"https://w3id.org/critmin/graph/small", "https://w3id.org/critmin/graph/analytics",
                            "https://w3id.org/critmin/graph/summaries"}
    assert entries["https://w3id.org/critmin/graph/small"]["triples"] == 6


def test_query_from_a_file_and_a_syntax_error(tmp_path: Path) -> None:
    store = tmp_path / "store"
    critmin("load", DATA / "small.ttl", store=store)
    query_file = tmp_path / "q.rq"
    query_file.write_text("ASK { ?s a cm:Country }")
    assert critmin("query", f"@{query_file}", store=store).stdout.strip() == "true"
    bad = critmin("query", "SELECT * WHERE { ?s ?p }", store=store)
    assert bad.returncode == 2
    assert "critmin: error:" in bad.stderr and "1:" in bad.stderr


def test_a_broken_file_is_refused_with_its_position_and_changes_nothing(tmp_path: Path) -> None:
    store = tmp_path / "store"
    critmin("load", DATA / "small.ttl", "--graph", "small", store=store)
    before = critmin("query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "--format", "csv", store=store)
    broken = critmin("load", DATA / "broken.ttl", "--graph", "small", store=store)
    assert broken.returncode == 2
    assert "broken.ttl: line 3, column" in broken.stderr
    after = critmin("query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "--format", "csv", store=store)
    assert after.stdout == before.stdout


def test_load_into_a_store_in_use_says_so(tmp_path: Path) -> None:
    store_path = tmp_path / "store"
    held = open_store(store_path)
    result = critmin("load", DATA / "small.ttl", store=store_path)
    assert result.returncode == 2
    assert "in use by another process" in result.stderr
    del held


def test_query_without_a_store_says_what_to_do(tmp_path: Path) -> None:
    result = critmin("query", "ASK {}", store=tmp_path / "nothing")
    assert result.returncode == 2 and "critmin load" in result.stderr
