"""Fixtures of the partner-data tests: a small store holding what partner data points to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Store

from extractors.feeds.registry import FEEDS
from kg.loading import load_feed, load_ontology
from kg.store import open_store
from tests.backends import serve_app
from tests.conftest import issue_token


@pytest.fixture(scope="session")
def reference_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The ontology and the countries: what partner graphs point to (read it, do not change it)."""
    store = open_store(Path(tmp_path_factory.mktemp("reference")) / "store")
    load_ontology(store)
    load_feed(store, FEEDS["countries"])
    return store


def serve_copy(reference_store: Store, folder: Path, accounts_db: Path, **settings: object) -> Iterator[TestClient]:
    """The app over a private copy of ``reference_store`` in ``folder``."""
    reference_store.backup(str(folder / "store"))
    with serve_app(folder / "store", query_workers=1, accounts_db=accounts_db, **settings) as client:
        yield client


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An accounts file shared by one test module's app and its callers."""
    return Path(tmp_path_factory.mktemp("accounts")) / "accounts.sqlite3"


@pytest.fixture(scope="module")
def callers(accounts: Path) -> dict[str, dict[str, str]]:
    """Request headers of partners alpha and beta (read, write), an admin and an anonymous caller."""
    def bearer(*scopes: str, partner: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(accounts, *scopes, partner=partner)}"}

    return {"alpha": bearer("read", "write", partner="alpha"), "beta": bearer("read", "write", partner="beta"),
            "admin": bearer("admin", partner="hub-admins"), "anonymous": {}}
