"""A restricted reader's view of a remote store: a read-only ``RemoteStore`` whose every query sees listed graphs only.

The embedded store gives a restricted reader class a checkpoint without its hidden graphs (``kg/views.py``); a
server cannot be copied, so here each request the view sends is restricted instead:

- every query (in-process reads through ``kg.store.query``, ``quads_for_pattern``, ``named_graphs``, ``len``,
  ``dump``) carries a dataset of the visible graphs only: ``default-graph-uri`` = ``named-graph-uri`` = those graphs,
  intersected with a dataset the caller gave (``kg.remote_dataset``); so ``GRAPH <hidden>`` and ``GRAPH ?g`` find
  nothing hidden, and the default graph is the union of the visible graphs only;
- a Graph Store read of a graph that is not visible returns nothing, as for a graph that does not exist;
- every write is refused: writes go to the main store.

The visible graphs are listed when the view is made (per class and generation, ``kg.views.Views``): a graph that
appears later is invisible to the view until the next generation, which fails closed.

>>> from kg.remote_store import RemoteStore
>>> main = RemoteStore("http://127.0.0.1:7878/query", "http://127.0.0.1:7878/update", None, timeout_s=5,
...                    union_default_graph=True)
>>> restricted(main, {"https://w3id.org/critmin/graph/ontology"}).update("CLEAR ALL")
Traceback (most recent call last):
PermissionError: a restricted view of the remote store is read-only: writes go to the main store
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from pyoxigraph import BlankNode, NamedNode, QueryBoolean, QuerySolutions, Triple, Variable

from kg.remote_dataset import EMPTY_GRAPH, VisibleGraphs
from kg.remote_store import GraphName, RemoteStore, RemoteTriples, Term


class RestrictedRemoteStore(RemoteStore):
    """``base``'s server, seen through ``visible`` (graph IRIs); shares ``base``'s connections, read-only."""

    def __init__(self, base: RemoteStore, visible: Iterable[str]) -> None:
        # not RemoteStore.__init__: the view borrows the main store's client rather than opening its own
        self.query_url, self.update_url, self.gsp_url = base.query_url, base.update_url, base.gsp_url
        self.timeout_s, self.union_default_graph = base.timeout_s, base.union_default_graph
        self._client = base._client
        self.visible = VisibleGraphs(frozenset(visible))

    def __repr__(self) -> str:
        return f"<RestrictedRemoteStore {self.query_url}: {len(self.visible.graphs)} graphs visible>"

    def close(self) -> None:
        """Nothing to close: the connections are the main store's."""

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: GraphName | Sequence[GraphName] | None = None,
        named_graphs: Sequence[NamedNode | BlankNode] | None = None,
        substitutions: Mapping[Variable, Term] | None = None,
    ) -> QuerySolutions | QueryBoolean | RemoteTriples:
        """As ``RemoteStore.query``, over the visible graphs (within ``default_graph`` / ``named_graphs`` if given).

        With or without ``use_default_graph_as_union``, the default graph is the union of the visible graphs: the
        server's own default graph cannot be named in a dataset (and the service writes none)."""
        visible = sorted(self.visible.graphs)
        default = visible if default_graph is None else self._within(
            default_graph if isinstance(default_graph, Sequence) else [default_graph])
        named = visible if named_graphs is None else self._within(named_graphs)
        if not default and not named:
            default = [EMPTY_GRAPH]  # no dataset at all would be the server's whole one
        # a part given as an empty list is sent as no parameter, which the protocol reads as empty
        return super().query(query, base_iri=base_iri, prefixes=prefixes,
                             default_graph=[NamedNode(g) for g in default],
                             named_graphs=[NamedNode(g) for g in named], substitutions=substitutions)

    def named_graphs(self) -> Iterator[NamedNode | BlankNode]:
        for graph in super().named_graphs():
            if isinstance(graph, NamedNode) and graph.value in self.visible.graphs:
                yield graph

    def contains_named_graph(self, graph_name: NamedNode | BlankNode) -> bool:
        return isinstance(graph_name, NamedNode) and graph_name.value in self.visible.graphs and \
            super().contains_named_graph(graph_name)

    def update(self, update: str, *, base_iri: str | None = None, prefixes: Mapping[str, str] | None = None) -> None:
        raise PermissionError("a restricted view of the remote store is read-only: writes go to the main store")

    def _post_graph(self, graph: GraphName, triples: list[Triple]) -> None:
        self.update("")

    def _graph_triples(self, graph: GraphName) -> list[Triple]:
        if isinstance(graph, NamedNode) and graph.value not in self.visible.graphs:
            return []  # as for a graph that does not exist
        return super()._graph_triples(graph)

    def _within(self, graphs: Sequence[GraphName]) -> list[str]:
        return [g.value for g in graphs if isinstance(g, NamedNode) and g.value in self.visible.graphs]


def restricted(store: RemoteStore, visible: Iterable[str]) -> RestrictedRemoteStore:
    """``store`` seen through the graphs ``visible`` only."""
    return RestrictedRemoteStore(store, visible)
