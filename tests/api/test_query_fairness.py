"""The query workers are shared between clients (settings query_workers_per_client and query_quick_workers):
through the real app, a partner's queries sent while an anonymous client's runaway queries run are answered at once
rather than after the runaways' deadlines."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Quad

from kg.store import open_store
from tests.backends import embedded_only, serve_app
from tests.conftest import issue_token

EX = "http://example.org/"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{i} <{EX}value> ?v{i} ." for i in range(6)) + " }"


def small_store(tmp_path: Path) -> Path:
    store = open_store(tmp_path / "store")
    store.extend(Quad(NamedNode(f"{EX}e{i}"), NamedNode(f"{EX}value"), Literal(i), NamedNode(f"{EX}g"))
                 for i in range(500))
    store.flush()
    return tmp_path / "store"


def look_ups_beside_runaways(client: TestClient, headers: dict[str, str]) -> tuple[list[bool], int]:
    """The answers to five look-ups sent while three anonymous runaway queries run, and how many of the runaways
    still ran after them."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        runaways = [pool.submit(client.get, "/sparql", params={"query": RUNAWAY}) for _ in range(3)]
        answers = [client.get("/sparql", params={"query": f"ASK {{ ?s <{EX}value> {i} }}"}, headers=headers)
                   for i in range(5)]
        runaways_still_running = sum(not future.done() for future in runaways)
        runner = client.app.state.query_runner  # closed: ends the runaways rather than waiting a minute
        client.portal.call(runner.aclose) if hasattr(runner, "aclose") else runner.close()
        for future in runaways:
            future.result()
    return [json.loads(a.text)["boolean"] for a in answers], runaways_still_running


def test_a_partners_queries_do_not_wait_behind_an_anonymous_clients_runaways(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.sqlite3"
    partner = {"Authorization": f"Bearer {issue_token(accounts, 'read', partner='polite')}"}
    with serve_app(small_store(tmp_path), accounts_db=accounts, query_workers=2, query_workers_per_client=1,
                   query_quick_workers=0, query_timeout_ms=60_000) as client:
        answers, runaways_still_running = look_ups_beside_runaways(client, partner)
    assert answers == [True] * 5
    assert runaways_still_running == 3


@embedded_only("the quick workers are the embedded runner's")
def test_quick_workers_answer_a_partner_while_runaways_hold_every_main_worker(tmp_path: Path) -> None:
    """The runaways may take both main workers; the third tries the quick worker, outruns its limit and waits for
    a main one; the partner's look-ups are answered on the quick worker meanwhile."""
    accounts = tmp_path / "accounts.sqlite3"
    partner = {"Authorization": f"Bearer {issue_token(accounts, 'read', partner='polite')}"}
    with serve_app(small_store(tmp_path), accounts_db=accounts, query_workers=2, query_workers_per_client=2,
                   query_quick_workers=1, query_quick_limit_ms=300, query_timeout_ms=60_000) as client:
        answers, runaways_still_running = look_ups_beside_runaways(client, partner)
        metrics = client.get("/metrics").text
    assert answers == [True] * 5
    assert runaways_still_running == 3
    assert "critmin_queries_moved_out_of_quick_lane_total 1.0" in metrics
