"""The query workers are shared between clients (setting query_workers_per_client): through the real app, an
anonymous client's runaway queries hold no more than their share, and a partner's queries sent meanwhile are
answered at once rather than after the runaways' deadlines."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from kg.store import open_store
from tests.backends import serve_app
from tests.conftest import issue_token

EX = "http://example.org/"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{i} <{EX}value> ?v{i} ." for i in range(6)) + " }"


def test_a_partners_queries_do_not_wait_behind_an_anonymous_clients_runaways(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    store.extend(Quad(NamedNode(f"{EX}e{i}"), NamedNode(f"{EX}value"), Literal(i), NamedNode(f"{EX}g"))
                 for i in range(500))
    store.flush()
    del store
    accounts = tmp_path / "accounts.sqlite3"
    partner = {"Authorization": f"Bearer {issue_token(accounts, 'read', partner='polite')}"}
    with serve_app(tmp_path / "store", accounts_db=accounts, query_workers=2, query_workers_per_client=1,
                   query_timeout_ms=60_000) as client, ThreadPoolExecutor(max_workers=4) as pool:
        runaways = [pool.submit(client.get, "/sparql", params={"query": RUNAWAY}) for _ in range(3)]
        answers = [client.get("/sparql", params={"query": f"ASK {{ ?s <{EX}value> {i} }}"}, headers=partner)
                   for i in range(5)]
        runaways_still_running = sum(not future.done() for future in runaways)
        runner = client.app.state.query_runner  # closed: ends the runaways rather than waiting a minute
        client.portal.call(runner.aclose) if hasattr(runner, "aclose") else runner.close()
        for future in runaways:
            future.result()
    assert [json.loads(a.text)["boolean"] for a in answers] == [True] * 5
    assert runaways_still_running == 3
