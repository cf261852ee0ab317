"""A partner graph's linkset (kg/iris.py partner_links_graph) has the visibility of its partner graph."""

from __future__ import annotations

from pathlib import Path

from kg import iris
from kg.accounts import ANONYMOUS, Caller, add_partner
from kg.graph_access import hidden_graphs, may_read, may_write, register_graph, set_access

GRAPH = iris.partner_graph("bgs", "sites").value
LINKS = iris.partner_links_graph("bgs", "sites").value


def test_linkset_is_hidden_and_shown_with_its_graph(tmp_path: Path) -> None:
    db = tmp_path / "accounts.sqlite3"
    add_partner(db, "bgs", name="BGS")
    add_partner(db, "ibm", name="IBM")
    register_graph(db, GRAPH)
    ibm = Caller("ibm", frozenset({"read"}))
    for caller in (ibm, ANONYMOUS):
        assert LINKS in hidden_graphs(db, caller) and not may_read(db, caller, LINKS)
    assert LINKS not in hidden_graphs(db, Caller("bgs", frozenset({"read"})))
    set_access(db, GRAPH, visibility="partners", readers=["ibm"])
    assert LINKS not in hidden_graphs(db, ibm) and may_read(db, ibm, LINKS)
    assert LINKS in hidden_graphs(db, ANONYMOUS)
    set_access(db, GRAPH, visibility="public", readers=[])
    assert not hidden_graphs(db, ANONYMOUS)


def test_unregistered_graph_in_the_store_hides_its_linkset_too(tmp_path: Path) -> None:
    db = tmp_path / "accounts.sqlite3"
    assert LINKS in hidden_graphs(db, ANONYMOUS, store_graphs=[LINKS])


def test_nobody_writes_a_linkset_through_the_store(tmp_path: Path) -> None:
    assert not may_write(Caller("bgs", frozenset({"write"})), LINKS)
    assert not may_write(Caller("root", frozenset({"admin"})), LINKS)
    assert may_write(Caller("bgs", frozenset({"write"})), GRAPH)
