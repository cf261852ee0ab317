"""``/healthz`` and ``/readyz`` (api/routers/health.py) over a real app: liveness touches nothing, readiness checks the
store, the accounts database and search, and names what fails with a 503."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Store

from tests.api.conftest import serve_copy


@pytest.fixture(scope="module")
def client(reference_store: Store, tmp_path_factory: pytest.TempPathFactory, accounts: Path) -> Iterator[TestClient]:
    yield from serve_copy(reference_store, tmp_path_factory.mktemp("health"), accounts)


def test_healthz_answers_while_the_process_runs(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"


def test_readyz_reports_each_check(client: TestClient) -> None:
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ready", body
    assert body["checks"]["store"]["ok"] and body["checks"]["store"]["graphs"] >= 2  # the ontology and countries
    assert body["checks"]["accounts"] == {"ok": True}
    assert body["checks"]["search"]["ok"] and body["checks"]["search"]["labels"] > 100
    assert response.headers["cache-control"] == "no-store"


def test_readyz_names_an_accounts_database_it_cannot_open(reference_store: Store, tmp_path: Path) -> None:
    unusable = tmp_path / "accounts-is-a-folder"
    unusable.mkdir()
    for client in serve_copy(reference_store, tmp_path, unusable):
        response = client.get("/readyz")
        body = response.json()
        assert response.status_code == 503 and body["status"] == "not ready"
        assert not body["checks"]["accounts"]["ok"] and "accounts-is-a-folder" in body["checks"]["accounts"]["error"]
        assert body["checks"]["store"]["ok"] and body["checks"]["search"]["ok"]
        assert client.get("/healthz").status_code == 200  # alive all the same: a restart would not help
