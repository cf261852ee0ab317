"""The real Oxigraph server (PyPI package `oxigraph`) on loopback, for the tests of the remote store backend.

Import the fixtures into a test module (``from tests.remote_fixtures import oxigraph_union, ...``). Each server is
in memory and lives for the session; a test that needs an empty store calls ``RemoteStore.clear()``.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest

from kg.remote_store import RemoteStore

START_TIMEOUT_S = 20.0
_PORTS = random.Random()  # its own: a test seeding the random module does not make it repeat ports


def oxigraph_binary() -> str | None:
    """The `oxigraph` CLI of this environment (the venv's bin folder is not always on PATH), else one on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


@dataclass(frozen=True)
class OxigraphServer:
    base_url: str
    union_default_graph: bool

    def store(self, *, timeout_s: float = 30.0) -> RemoteStore:
        return RemoteStore(f"{self.base_url}/query", f"{self.base_url}/update", f"{self.base_url}/store",
                           timeout_s=timeout_s, union_default_graph=self.union_default_graph)


def free_port() -> int:
    """A loopback port free now, below the ephemeral range (so no client connection holds it meanwhile). Under
    pytest-xdist, one that no other worker of the run is given: the port is released before the server binds it, so
    two workers could otherwise pick the same one, and one's server answer the other's start-up probe. Worker k of n
    takes the ports p with (p - 20000) % n == k."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    index = int(worker.removeprefix("gw")) % workers if worker.startswith("gw") else 0
    while True:
        port = _PORTS.randrange(20000 + index, 32768, workers)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


@contextmanager
def oxigraph_server(*, union_default_graph: bool, location: Path | None = None) -> Iterator[OxigraphServer]:
    """A running ``oxigraph serve`` on a free loopback port, stopped on exit; skips the test when there is none."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the Oxigraph server is not installed (pip install -e '.[test]' installs the oxigraph package)")
    port = free_port()
    command = [binary, "serve", "--bind", f"127.0.0.1:{port}"]
    if union_default_graph:
        command.append("--union-default-graph")
    if location is not None:
        command += ["--location", str(location)]
    # A file, not a pipe, takes what the server writes: a full pipe would block it.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_answering(process, base_url, log)
            yield OxigraphServer(base_url, union_default_graph)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_answering(process: subprocess.Popen[bytes], base_url: str, log: IO[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            error = log.read().decode(errors="replace")
            raise RuntimeError(f"oxigraph serve exited with {process.returncode}: {error}")
        try:
            if httpx.get(f"{base_url}/query", params={"query": "ASK {}"}, timeout=1).is_success:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"oxigraph serve did not answer at {base_url} within {START_TIMEOUT_S} s")


@pytest.fixture(scope="session")
def oxigraph_union() -> Iterator[OxigraphServer]:
    """A server whose default graph is the union of all graphs, as the service needs (``--union-default-graph``)."""
    with oxigraph_server(union_default_graph=True) as server:
        yield server


@pytest.fixture(scope="session")
def oxigraph_plain() -> Iterator[OxigraphServer]:
    """A server with a separate default graph, as SPARQL 1.1 describes it and pyoxigraph's Store has by default."""
    with oxigraph_server(union_default_graph=False) as server:
        yield server
