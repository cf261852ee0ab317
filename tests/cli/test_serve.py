"""`critmin serve` as a real server process on loopback, configured through CRITMIN_ environment variables."""

import csv
import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from pyoxigraph import Literal, NamedNode, Quad

from kg.store import open_store
from tests.remote_fixtures import free_port

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?p ?y . ?c ?p ?z . ?d ?p ?w }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store_path = tmp_path_factory.mktemp("serve") / "store"
    store = open_store(store_path)
    graph = NamedNode("https://w3id.org/critmin/graph/numbers")
    store.extend(
        Quad(NamedNode(f"http://example.org/n{i}"), NamedNode("http://example.org/value"), Literal(i), graph)
        for i in range(3000)
    )
    store.flush()
    del store
    port = free_port()
    env = dict(os.environ, CRITMIN_STORE=str(store_path), CRITMIN_QUERY_TIMEOUT_MS="2000", CRITMIN_PORT=str(port))
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(base + "/sparql", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("critmin serve did not come up:\n" + (process.stdout.read() if process.stdout else ""))
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_csv_by_accept_over_a_form_post(server: str) -> None:
    query = "SELECT ?v WHERE { <http://example.org/n7> ?p ?v }"
    response = httpx.post(server + "/sparql", data={"query": query}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(response.text))) == [["v"], ["7"]]


def test_runaway_query_is_stopped_while_a_simple_one_is_answered(server: str) -> None:
    outcome: dict = {}

    def runaway() -> None:
        response = httpx.get(server + "/sparql", params={"query": RUNAWAY}, timeout=60)
        outcome["status"], outcome["body"] = response.status_code, response.text

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)
    quick = httpx.get(server + "/sparql", params={"query": "ASK { ?s ?p 42 }"},
                      headers={"Accept": "application/sparql-results+json"}, timeout=60)
    runaway_still_running = thread.is_alive()
    thread.join()
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert runaway_still_running
    assert outcome["status"] == 503
    assert "2000 ms" in outcome["body"] and "query_timeout_ms" in outcome["body"]
