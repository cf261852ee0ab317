"""The search index after writes (api/search_upkeep.py): a refresh that leaves the index due a rebuild publishes it
as it is, and the rebuild follows in the background; what is refreshed while the rebuild runs is in the index the
rebuild publishes."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from pyoxigraph import Store

import kg.search
from api.search_upkeep import SearchUpkeep
from kg.search import SearchIndex, build_index
from kg.timings import recording
from tests.kg.test_search_index import PARTNER, SECRET, answers, label
from tests.kg.test_search_index import store as store  # the fixture


@pytest.fixture
def upkeep_of() -> Iterator:
    made: list[SearchUpkeep] = []

    def make(store: Store, **options) -> tuple[SearchUpkeep, SimpleNamespace]:
        state = SimpleNamespace()
        made.append(SearchUpkeep(state, store, **options))
        return made[-1], state

    yield make
    for upkeep in made:
        upkeep.stop(60)


def relabel(store: Store, old: str, new: str) -> None:
    store.remove(label(SECRET, old, PARTNER))
    store.add(label(SECRET, new, PARTNER))


def test_the_write_that_makes_a_rebuild_due_does_not_wait_for_it(store: Store, upkeep_of,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    upkeep, state = upkeep_of(store)
    monkeypatch.setattr(kg.search, "MAX_DEAD_LABEL_SHARE", 0.0)  # any label re-read makes a rebuild due
    relabel(store, "Secret Pit", "Hidden Valley Pit")
    with recording() as steps:
        upkeep.refresh({PARTNER.value})
    assert "rebuild the search index" not in steps and "search" in steps
    assert answers(state.search_index) == answers(build_index(store))  # published at once, and right
    assert upkeep.wait_idle(60)
    assert state.search_index.dead_labels == 0 and not state.search_index.compaction_due  # rebuilt since
    assert answers(state.search_index) == answers(build_index(store))


def test_a_refresh_while_the_rebuild_runs_is_in_the_rebuilt_index(store: Store, upkeep_of,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    rebuilds: list[SearchIndex] = []

    def build_with_a_write_meanwhile(read: Store) -> SearchIndex:
        index = build_index(read)
        if upkeep_of_store and not rebuilds:  # the background rebuild, not the first build
            rebuilds.append(index)
            monkeypatch.setattr(kg.search, "MAX_DEAD_LABEL_SHARE", 0.25)  # this write makes no rebuild due
            relabel(read, "Hidden Valley Pit", "Quiet Creek Pit")
            upkeep_of_store[0].refresh({PARTNER.value})  # while the rebuild has read the store and not swapped
        return index

    upkeep_of_store: list[SearchUpkeep] = []
    upkeep, state = upkeep_of(store, build=build_with_a_write_meanwhile)
    upkeep_of_store.append(upkeep)
    monkeypatch.setattr(kg.search, "MAX_DEAD_LABEL_SHARE", 0.0)
    relabel(store, "Secret Pit", "Hidden Valley Pit")
    upkeep.refresh({PARTNER.value})
    assert upkeep.wait_idle(60) and len(rebuilds) == 1
    assert [hit.label for hit in rebuilds[0].search("pit")] == ["Hidden Valley Pit"]  # what the rebuild read
    assert [hit.label for hit in state.search_index.search("pit")] == ["Quiet Creek Pit"]  # what it published
    assert answers(state.search_index) == answers(build_index(store))
