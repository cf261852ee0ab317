"""Fixtures of the hostile-input tests: the real app over a copy of the bundled store, its callers, and a fingerprint
of everything the store holds (to prove that a refused request changed nothing)."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import DefaultGraph, NamedNode

from kg import iris
from tests.backends import serve_app
from tests.conftest import issue_token

# Small enough that "just under the limit" stays quick to validate, large enough for every ordinary case here.
UPLOAD_MAX_BYTES = 256 * 1024
ALPHA_GRAPH = f"{iris.BASE}graph/partner/alpha/sites"
SECRET_GRAPH = f"{iris.BASE}graph/partner/beta/secret"
SECRET = "beta-private-canary-7f3a"  # a literal only partner beta and admins may ever see


@dataclass
class Tally:
    """What one test module tried: printed as its summary line."""

    tried: int = 0
    rejected: int = 0
    accepted: list[str] = field(default_factory=list)  # cases rightly answered 2xx (e.g. plain-text formulas)

    def line(self, what: str) -> str:
        accepted = f", {len(self.accepted)} accepted as harmless data" if self.accepted else ""
        return f"{what}: {self.tried} tried, {self.rejected} rejected with 4xx{accepted}, store unchanged in all"


@dataclass
class Hub:
    client: TestClient
    admin: dict[str, str]
    alpha: dict[str, str]  # partner alpha, read + write
    beta: dict[str, str]  # partner beta, owner of SECRET_GRAPH
    accounts: Path

    def state(self) -> tuple[tuple[str, ...], str]:
        """A quick fingerprint, taken around every hostile request: the list of graphs, the full content of the
        graphs a write can touch (every write path records itself in the catalog graph and writes partner graphs
        with their companions), and the graphs registered in the accounts file (a refused upload must not leave a
        registration behind). ``full_state`` adds the quad count of every graph."""
        store = self.client.app.state.store
        graphs = tuple(sorted(str(g) for g in store.named_graphs()))
        digest = hashlib.sha256()
        for name in [iris.CATALOG_GRAPH.value, *(g for g in graphs if "/graph/partner/" in g)]:
            graph = NamedNode(name.strip("<>"))
            digest.update("\n".join(sorted(str(q) for q in store.quads_for_pattern(None, None, None, graph))).encode())
        with sqlite3.connect(self.accounts) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            for table in sorted(tables - {"token"}):  # token use times change on every request
                digest.update(repr(sorted(db.execute(f"SELECT * FROM {table}").fetchall())).encode())
        return graphs, digest.hexdigest()

    def full_state(self) -> tuple[object, ...]:
        """``state`` and the number of quads in every graph and in the default graph (about half a second for the
        bundled store's ~340k quads: taken once per module, before and after all its hostile requests)."""
        store = self.client.app.state.store
        counts = sorted((str(row["g"]), int(row["n"].value)) for row in store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"))
        default = sum(1 for _ in store.quads_for_pattern(None, None, None, DefaultGraph()))
        return self.state(), tuple(counts), default


@pytest.fixture(scope="module")
def hub(bundled_copy, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """The app over a private copy of the bundled store, with partner beta's private graph holding ``SECRET``."""
    accounts = Path(tmp_path_factory.mktemp("security-accounts")) / "accounts.sqlite3"

    def bearer(*scopes: str, partner: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(accounts, *scopes, partner=partner)}"}

    admin = bearer("admin", partner="hub-admins")
    alpha, beta = bearer("read", "write", partner="alpha"), bearer("read", "write", partner="beta")
    # no rate limit: the hostile requests probe the routes, and a 429 would stand in for a route's own answer (CI
    # once saw one after the traversal module's 1,416 requests); tests/api/test_rate_limits.py tests the limiter
    with serve_app(bundled_copy(), query_workers=1, accounts_db=accounts, upload_max_bytes=UPLOAD_MAX_BYTES,
                   document_max_upload_bytes=UPLOAD_MAX_BYTES, rate_limit_per_s=0) as client:
        secret = f'<{iris.BASE}id/beta-thing> <http://www.w3.org/2000/01/rdf-schema#label> "{SECRET}" .\n'
        response = client.put("/store", params={"graph": SECRET_GRAPH}, content=secret.encode(),
                              headers={**beta, "Content-Type": "application/n-triples"})
        assert response.status_code == 201, response.text
        yield Hub(client, admin, alpha, beta, accounts)


@pytest.fixture(scope="module")
def baseline(hub: Hub) -> tuple[object, ...]:
    """The store's ``full_state`` when a module's first hostile request is sent; its last test compares."""
    return hub.full_state()
