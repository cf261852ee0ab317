"""kg/views.py on a real on-disk store: what a view holds, and when its folder goes."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from kg import iris
from kg.search import build_index
from kg.store import Snapshots
from kg.views import Views

LABEL = iris.ns("rdfs", "label")
PRIVATE = iris.partner_graph("alpha", "private")
COMPANION = iris.partner_catalog_graph("alpha", "private")
PUBLIC = iris.graph("countries")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(str(tmp_path / "store"))
    store.extend([
        Quad(NamedNode(f"{iris.ID}facility/alpha/secret"), LABEL, Literal("Secret works"), PRIVATE),
        Quad(PRIVATE, LABEL, Literal("alpha's private graph"), COMPANION),
        Quad(iris.country("AUS"), LABEL, Literal("Australia"), PUBLIC),
        Quad(iris.country("AUS"), LABEL, Literal("Alpha's name for Australia"), PRIVATE),
    ])
    return store


def test_a_view_holds_everything_but_the_hidden_graphs_and_the_store_keeps_them(store, tmp_path) -> None:
    views = Views(tmp_path / "store")
    view = views.acquire(store, frozenset({PRIVATE.value, COMPANION.value}), build_index(store))
    assert {q.graph_name for q in view.store} == {PUBLIC}
    assert len(store) == 4
    assert [hit.iri for hit in view.search_index().search("secret")] == []
    assert [hit.label for hit in view.search_index().search("austr")] == ["Australia"]
    assert view.snapshot is not None and view.snapshot.parent.parent == views.folder
    with pytest.raises(RuntimeError):  # read-only: nothing can write hidden data back into a view
        view.store.add(Quad(iris.country("AUS"), LABEL, Literal("x"), PRIVATE))
    views.release(view)


def test_one_view_per_class_and_generation(store, tmp_path) -> None:
    views = Views(tmp_path / "store")
    hidden = frozenset({PRIVATE.value})
    first, again = views.acquire(store, hidden, build_index(store)), views.acquire(store, hidden, build_index(store))
    assert first is again and first.users == 2
    other = views.acquire(store, frozenset({COMPANION.value}), build_index(store))
    assert other is not first
    views.advance()
    assert views.acquire(store, hidden, build_index(store)) is not first


def test_old_views_go_once_no_request_and_no_worker_uses_them(store, tmp_path) -> None:
    views = Views(tmp_path / "store")
    held = views.acquire(store, frozenset({PRIVATE.value}), build_index(store))
    views.advance()
    views.remove_unused(keep=set())
    assert held.snapshot is not None and held.snapshot.exists()  # a request still reads it
    views.release(held)
    views.remove_unused(keep={held.snapshot})
    assert held.snapshot.exists()  # a query worker still has it open
    views.remove_unused(keep=set())
    assert not held.snapshot.parent.exists()
    current = views.acquire(store, frozenset({PRIVATE.value}), build_index(store))
    views.release(current)
    views.remove_unused(keep=set())
    assert current.snapshot is not None and current.snapshot.exists()  # this generation's views stay
    views.clear()
    assert not views.folder.exists()


def writes_under_way(store: Store) -> set[NamedNode]:
    """Puts in ``store`` what writes under way leave there: a partner's private upload being staged (under a staging
    graph no access rule covers), and a new graph half loaded with its incomplete-load marker."""
    staged = NamedNode(f"{iris.STAGING_GRAPH_PREFIX}upload/0123/data")
    marker = NamedNode(f"{iris.STAGING_GRAPH_PREFIX}new-feed/0456/{iris.INCOMPLETE_MARKER}")
    loading = iris.graph("new-feed")
    store.extend([
        Quad(NamedNode(f"{iris.ID}facility/alpha/staged"), LABEL, Literal("Staged secret"), staged),
        Quad(marker, iris.term("incompleteGraph"), loading, marker),
        Quad(iris.country("AUS"), LABEL, Literal("half a feed"), loading),
    ])
    return {staged, marker, loading}


def test_a_view_built_while_writes_are_under_way_holds_none_of_them(store, tmp_path) -> None:
    under_way = writes_under_way(store)
    view = Views(tmp_path / "store").acquire(store, frozenset({PRIVATE.value, COMPANION.value}), build_index(store))
    assert {q.graph_name for q in view.store} == {PUBLIC}
    assert under_way <= set(store.named_graphs())  # the writes go on in the store itself


def test_a_snapshot_taken_while_writes_are_under_way_holds_none_of_them(store, tmp_path) -> None:
    """The query workers' snapshot, published by another write while these are under way: as after a crash."""
    under_way = writes_under_way(store)
    snapshot = Store.read_only(str(Snapshots(tmp_path / "store").create(store)))
    assert {q.graph_name for q in snapshot} == {PUBLIC, PRIVATE, COMPANION}
    assert under_way <= set(store.named_graphs())
