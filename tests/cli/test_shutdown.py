"""Graceful shutdown of `critmin serve` (api/serving.py), a real server process stopped by SIGTERM mid-upload.

With a grace long enough, the upload in flight completes (its client gets its 201) while new connections are
refused, and the process then ends. With a grace shorter than the upload, the process ends within the grace (plus
its clean-up) and the upload is cut off (503, saying so). Either way the store, once opened as the service opens it
(which removes a half-written graph), holds the graph whole with a catalog entry that counts it, or neither.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from pyoxigraph import Literal, NamedNode

from kg import iris
from kg.loading import load_ontology
from kg.store import open_store
from tests.conftest import issue_token
from tests.remote_fixtures import free_port

GRAPH = "https://w3id.org/critmin/graph/partner/shutdown/rows"
COMPANION = "https://w3id.org/critmin/graph/partner-catalog/shutdown/rows"
VOID_TRIPLES = NamedNode("http://rdfs.org/ns/void#triples")
CLEAN_UP_MARGIN_S = 30.0  # after the grace: the app's lifespan stops (query workers, snapshots) and the process ends
START_TIMEOUT_S = 60.0


def rows(count: int) -> bytes:
    return "".join(f'<https://w3id.org/critmin/id/record/shutdown/r{i}> '
                   f'<http://www.w3.org/2000/01/rdf-schema#label> "row {i}" .\n' for i in range(count)).encode()


def start_server(tmp_path: Path, grace_s: float) -> tuple[subprocess.Popen, str, str, Path]:
    store_path, accounts = tmp_path / "store", tmp_path / "accounts.sqlite3"
    store = open_store(store_path)
    load_ontology(store)
    del store
    token = issue_token(accounts, "read", "write", partner="shutdown")
    port = free_port()
    log = tmp_path / "server.log"
    env = dict(os.environ, CRITMIN_STORE=str(store_path), CRITMIN_ACCOUNTS_DB=str(accounts), CRITMIN_PORT=str(port),
               CRITMIN_QUERY_WORKERS="1", CRITMIN_SHUTDOWN_GRACE_S=str(grace_s), CRITMIN_LOG_FORMAT="json")
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve"], env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(base + "/readyz", timeout=5).status_code == 200:
                return process, base, token, store_path
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    pytest.fail("critmin serve did not come up:\n" + log.read_text())


def upload_in_background(base: str, token: str, body: bytes) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def send() -> None:
        try:
            response = httpx.put(base + "/store", params={"graph": GRAPH}, content=body, timeout=300,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/n-triples"})
            outcome["status"] = response.status_code
        except httpx.TransportError as error:  # cut off by the shutdown
            outcome["error"] = repr(error)

    thread = threading.Thread(target=send)
    thread.start()
    return thread, outcome


def wait_until_in_flight(base: str, thread: threading.Thread) -> None:
    """Until the server counts a request in flight (the upload: scrapes are not counted)."""
    while thread.is_alive():
        if "critmin_http_requests_in_flight 1.0" in httpx.get(base + "/metrics", timeout=10).text:
            return
        time.sleep(0.05)
    pytest.fail("the upload ended before it was seen in flight")


def graph_and_catalog(store_path: Path) -> tuple[int, list[int]]:
    """The graph's triples and its catalog companion's counts of it, from the store opened as the service opens it."""
    store = open_store(store_path)  # removes a half-written graph (kg.loading.recover_interrupted_loads)
    try:
        count = sum(1 for _ in store.quads_for_pattern(None, None, None, NamedNode(GRAPH)))
        counted = [int(q.object.value) for q in store.quads_for_pattern(NamedNode(GRAPH), VOID_TRIPLES, None,
                                                                        NamedNode(COMPANION))
                   if isinstance(q.object, Literal)]
        staging = [g.value for g in store.named_graphs() if g.value.startswith(iris.STAGING_GRAPH_PREFIX)]
        assert staging == [], staging
        return count, counted
    finally:
        del store


def test_an_upload_in_flight_completes_within_the_grace(tmp_path: Path) -> None:
    size = 8000
    process, base, token, store_path = start_server(tmp_path, grace_s=120.0)
    try:
        thread, outcome = upload_in_background(base, token, rows(size))
        wait_until_in_flight(base, thread)
        process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        still_uploading = thread.is_alive()
        with pytest.raises(httpx.TransportError):  # no new connections once stopping began
            httpx.get(base + "/healthz", timeout=5)
        thread.join()
        process.wait(timeout=120.0 + CLEAN_UP_MARGIN_S)
    finally:
        process.kill()
    assert still_uploading  # else this test did not stop the server mid-upload
    assert outcome == {"status": 201}, outcome
    assert graph_and_catalog(store_path) == (size, [size])
    log = (tmp_path / "server.log").read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    [upload] = [line for line in lines if line.get("route") == "/store"]
    assert upload["status"] == 201 and upload["partner"] == "shutdown" and upload["request_id"]
    assert token not in log


def test_past_the_grace_the_process_ends_and_the_upload_is_whole_or_absent(tmp_path: Path) -> None:
    size, grace_s = 30000, 1.0
    process, base, token, store_path = start_server(tmp_path, grace_s=grace_s)
    try:
        thread, outcome = upload_in_background(base, token, rows(size))
        wait_until_in_flight(base, thread)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=grace_s + CLEAN_UP_MARGIN_S)  # TimeoutExpired: it outlived its grace
        thread.join()
    finally:
        process.kill()
    assert outcome.get("status") in (201, 503, None), outcome  # None: the connection was cut, no answer
    count, counted = graph_and_catalog(store_path)
    assert (count, counted) in ((size, [size]), (0, [])), (count, counted, outcome)
    if outcome.get("status") == 201:  # answered before the end: then it must be there
        assert count == size
