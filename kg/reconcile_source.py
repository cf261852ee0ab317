"""What reconciliation may read: the one door through which every reconciliation read passes.

Matching, suggest, preview and data extension read the graph only through a ``ReconcileSource``: label look-ups
go to the search index, facts to our ``reconcile_*.rq`` files. Nothing in ``kg/reconcile_*.py`` touches the store
or the index directly. Visibility (issue 6, item 3: only the graphs a caller may read) comes from what it is given:
``api/routers/reconcile.py:source_for`` builds one per request from the caller's view (``kg/views.py``), whose store
and index hold only those graphs, and every reconciliation route follows.

>>> from pyoxigraph import Store
>>> from kg.search import SearchIndex
>>> source = ReconcileSource(Store(), SearchIndex.from_rows([]))
>>> source.entity("https://w3id.org/critmin/id/country/AUS") is None
True
"""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import QuerySolutions, Store

from kg.rq import load_query
from kg.search import Hit, SearchIndex
from kg.store import query


class ReconcileSource:
    """The store and search index that reconciliation reads, for one caller."""

    def __init__(self, store: Store, index: SearchIndex) -> None:
        self._store = store
        self._index = index

    def search(self, text: str, *, kinds: Iterable[str] | None = None, limit: int = 10) -> list[Hit]:
        """Entities whose label or alias starts with ``text`` (or has a word that does), best first."""
        return self._index.search(text, types=kinds, limit=limit)

    def entity(self, iri: str) -> tuple[str, str] | None:
        """(display label, kind) of an entity; None when there is no such entity."""
        return self._index.entity(iri)

    def labels(self, iri: str) -> list[str]:
        """The entity's labels and aliases, its display label first."""
        return self._index.labels(iri)

    def select(self, name: str, **bindings: object) -> QuerySolutions:
        """Run ``kg/<name>.rq`` with ``bindings`` substituted (pyoxigraph substitutions, never text)."""
        return query(self._store, load_query(__file__, name), **bindings)
