"""Keeping the search index (``app.state.search_index``) current as the store changes.

After a write, the graphs it changed are re-read into a new index (``SearchIndex.refreshed``), one refresh at a time,
each starting from the index the one before left. Refreshes leave dead labels and unsorted new keys behind; once they
are many, the index is due a rebuild (``compaction_due``: 2.3 s on the bundled data, 10 s and more under load).
That rebuild runs in a background thread, not on the path of the write that tipped it over: the write publishes
the index as it is, correct if slower to search. The rebuild reads the live store unlocked, so that writes go on
meanwhile; then, under the lock, it re-reads the graphs refreshed since it began and takes the index's place.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from pyoxigraph import Store

from api.background import Refresher
from kg.search import SearchIndex, build_index
from kg.timings import holding, step


class SearchUpkeep:
    """Builds the first index into ``state.search_index`` and keeps it current (``refresh``). ``build``: how a whole
    index is built (a test slips a write in while it runs)."""

    def __init__(self, state: Any, store: Store, *, build: Callable[[Store], SearchIndex] = build_index) -> None:
        self._state = state
        self._store: Store | None = store  # None once stopped: the app closes the store by letting go of it
        self._build = build
        self._lock = threading.Lock()
        # what refreshes re-read while a rebuild runs (None: a whole new index); None when no rebuild runs
        self._refreshed_during_rebuild: list[set[str] | None] | None = None
        state.search_index = build(store)
        self._rebuilder = Refresher(self._rebuild, name="critmin-search-rebuild")

    @property
    def index(self) -> SearchIndex:
        return self._state.search_index

    def refresh(self, graphs: set[str] | None) -> None:
        """Re-read ``graphs`` (IRIs) into the index, or build it anew (None)."""
        store = self._store
        if store is None:
            raise RuntimeError("the search index is no longer kept: the service is stopping")
        with holding(self._lock, "the search lock"), step("search"):
            index = self._build(store) if graphs is None else self.index.refreshed(store, graphs, compact=False)
            if self._refreshed_during_rebuild is not None:
                self._refreshed_during_rebuild.append(graphs)
            self._state.search_index = index
        if index.compaction_due:
            self._rebuilder.request()

    def wait_idle(self, timeout_s: float | None = None) -> bool:
        """Whether no rebuild is due or running (within ``timeout_s``)."""
        return self._rebuilder.wait_idle(timeout_s)

    def stop(self, timeout_s: float) -> None:
        self._rebuilder.stop(timeout_s)
        self._store = None

    def _rebuild(self) -> None:
        store = self._store
        with self._lock:
            if store is None or not self.index.compaction_due:
                return
            self._refreshed_during_rebuild = []
        try:
            rebuilt = self._build(store)
        except BaseException:
            with self._lock:
                self._refreshed_during_rebuild = None
            raise
        with self._lock:
            since, self._refreshed_during_rebuild = self._refreshed_during_rebuild or [], None
            if any(graphs is None for graphs in since):
                return  # an index was built whole meanwhile: as compact as this one, and newer
            changed = set().union(*since)
            self._state.search_index = rebuilt.refreshed(store, changed) if changed else rebuilt
