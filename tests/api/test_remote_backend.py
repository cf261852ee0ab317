"""The service over a remote SPARQL server (store_backend = remote), whatever CRITMIN_TEST_STORE_BACKEND says:
settings that cannot work are refused with a clear error, start-up checks the server and repairs interrupted loads
on it, and writes reach the server and its readers without snapshots."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from pyoxigraph import Literal, NamedNode, Quad

from api.app import create_app
from kg import iris
from kg.analytics.freshness import analytics_status
from kg.remote_query_runner import RemoteQueryRunner
from kg.remote_store import RemoteStore
from kg.settings import Settings
from kg.store import StoreUnavailableError
from tests.backends import REMOTE
from tests.remote_fixtures import OxigraphServer, oxigraph_plain, oxigraph_server  # noqa: F401 (a fixture)

LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def remote_settings(tmp_path: Path, base_url: str, **settings: object) -> Settings:
    return Settings(store=tmp_path / "local" / "store", store_backend="remote", remote_query_url=f"{base_url}/query",
                    remote_update_url=f"{base_url}/update", remote_gsp_url=f"{base_url}/store",
                    accounts_db=tmp_path / "accounts.sqlite3", **settings)


def test_remote_settings_without_urls_are_refused_naming_them() -> None:
    with pytest.raises(ValidationError, match="remote_query_url and remote_update_url are empty"):
        Settings(store_backend="remote")
    with pytest.raises(ValidationError, match="union-default-graph"):
        Settings(store_backend="remote", remote_query_url="http://x/q", remote_update_url="http://x/u",
                 remote_union_default_graph=False)


def test_a_server_that_does_not_answer_stops_the_start_naming_its_url(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailableError, match=r"http://127\.0\.0\.1:1/query does not answer"), \
            TestClient(create_app(remote_settings(tmp_path, "http://127.0.0.1:1"))):
        pass


def test_a_server_without_a_union_default_graph_is_refused(tmp_path: Path,
                                                           oxigraph_plain: OxigraphServer) -> None:  # noqa: F811
    with oxigraph_plain.store() as store:
        store.clear()
        store.add(Quad(NamedNode("http://e/s"), LABEL, Literal("x"), iris.graph("plain-test")))
        try:
            with pytest.raises(StoreUnavailableError, match="--union-default-graph"), \
                    TestClient(create_app(remote_settings(tmp_path, oxigraph_plain.base_url))):
                pass
        finally:
            store.clear()


def test_the_service_runs_on_the_server_and_repairs_an_interrupted_load(tmp_path: Path) -> None:
    with oxigraph_server(union_default_graph=True) as server, server.store() as store:
        half = iris.graph("half")
        marker = NamedNode(iris.STAGING_GRAPH_PREFIX + "half/abc/" + iris.INCOMPLETE_MARKER)
        store.extend([Quad(marker, iris.term("incompleteGraph"), half, marker),
                      Quad(NamedNode("http://e/s"), LABEL, Literal("half a load"), half)])
        with TestClient(create_app(remote_settings(tmp_path, server.base_url))) as client:
            assert isinstance(client.app.state.store, RemoteStore)
            assert isinstance(client.app.state.query_runner, RemoteQueryRunner)
            assert not store.contains_named_graph(half) and not store.contains_named_graph(marker)
            assert analytics_status(store).fresh  # the start-up check of the indicators ran over the server
            answer = client.get("/sparql", params={"query": "ASK { ?s ?p 'half a load' }"})
            assert answer.status_code == 200 and answer.json()["boolean"] is False
            assert client.get("/", params={"format": "json"}).status_code == 200
        assert not (tmp_path / "local" / "store.snapshots").exists()  # nothing to snapshot


@pytest.mark.skipif(not REMOTE, reason="checks the remote pass itself: run with CRITMIN_TEST_STORE_BACKEND=remote")
def test_the_remote_pass_serves_the_app_tests_from_a_server(tmp_path: Path) -> None:
    from tests.backends import serve_app

    with serve_app(tmp_path / "store", query_workers=1) as client:
        assert isinstance(client.app.state.store, RemoteStore)
