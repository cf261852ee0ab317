"""The store backend the app tests run over: embedded (default) or remote, by ``CRITMIN_TEST_STORE_BACKEND``.

``CRITMIN_TEST_STORE_BACKEND=remote pytest tests/api`` (``make test-remote``) runs the same app tests with
``store_backend = remote``: each app is served over the test's private store folder by a real ``oxigraph serve
--location <folder> --union-default-graph`` on a free loopback port (pyoxigraph and the oxigraph CLI of the same
version share the RocksDB format), started and stopped with the app. So a test prepares its store with pyoxigraph
as before, closes it, and calls ``serve_app``::

    with serve_app(path, query_workers=1, accounts_db=accounts) as client:
        client.get("/sparql", params={"query": "ASK {}"})

A test that reads the store folder itself while or after the app wrote (``Store.read_only(path)``) cannot run
remotely, where the server holds the folder: it reads through ``client.app.state.store`` instead, or is marked
``embedded_only`` with its reason.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from kg.settings import Settings
from tests.remote_fixtures import free_port, oxigraph_server

BACKEND = os.environ.get("CRITMIN_TEST_STORE_BACKEND", "embedded")
if BACKEND not in ("embedded", "remote"):
    raise ValueError(f"CRITMIN_TEST_STORE_BACKEND is {BACKEND!r}: use embedded or remote")
REMOTE = BACKEND == "remote"


def embedded_only(reason: str) -> pytest.MarkDecorator:
    """Skips a test in the remote pass, saying why (``reason``: what it needs of the embedded store)."""
    return pytest.mark.skipif(REMOTE, reason=f"embedded store only: {reason}")


@contextmanager
def app_settings(store: Path, **settings: object) -> Iterator[Settings]:
    """Settings of an app over the store folder ``store`` with the selected backend (remote: a server runs over it
    until the block ends; the service's local caches go in a folder beside it)."""
    if not REMOTE:
        yield Settings(store=store, **settings)
        return
    store.parent.mkdir(parents=True, exist_ok=True)
    with oxigraph_server(union_default_graph=True, location=store) as server:
        yield Settings(store=store.with_name(store.name + "-local") / "store", store_backend="remote",
                       remote_query_url=f"{server.base_url}/query", remote_update_url=f"{server.base_url}/update",
                       remote_gsp_url=f"{server.base_url}/store", **settings)


@contextmanager
def backend_app(store: Path, **settings: object) -> Iterator[FastAPI]:
    """The app (not started) over ``store`` with the selected backend, for tests that serve it themselves."""
    with app_settings(store, **settings) as configured:
        yield create_app(configured)


@contextmanager
def serve_app(store: Path, **settings: object) -> Iterator[TestClient]:
    """A started app over ``store`` with the selected backend, and a client of it."""
    with backend_app(store, **settings) as app, TestClient(app) as client:
        yield client


@contextmanager
def live_server(app) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread, until the block ends."""
    import uvicorn

    port = free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=30)
