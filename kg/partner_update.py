"""SPARQL Update for partners, confined to the graphs they may write.

An update runs first in a scratch in-memory store that holds only the caller's own partner graphs (an admin's: every
partner graph), so its WHERE clauses read those graphs and its writes can land nowhere else that matters. What it
changed is then checked: a write to any other graph, or to the default graph, refuses the whole update. Graphs it did
change go back to the store through the same validated, atomic write as a Graph Store upload. Reading only one's own
graphs is the price of this: an update cannot join a partner's data with the shared graph (do that with a query,
then PUT the result).

>>> from pyoxigraph import Store
>>> changes = run_update(Store(), 'INSERT DATA { GRAPH <https://w3id.org/critmin/graph/partner/bgs/sites> '
...                                '{ <https://example.org/a> <https://example.org/b> "c" } }', partner="bgs")
>>> [(c.graph.value, len(c.triples)) for c in changes]
[('https://w3id.org/critmin/graph/partner/bgs/sites', 1)]
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import DefaultGraph, NamedNode, Store, Triple

from kg import iris


class UpdateRefused(Exception):
    """The update writes where the caller may not; nothing was written."""


@dataclass(frozen=True)
class GraphChange:
    graph: NamedNode
    triples: list[Triple] | None  # the graph's new content; None when the update dropped it


def writable_graphs(store: Store, partner: str | None, *, base: str = iris.BASE) -> list[NamedNode]:
    """The partner graphs (not their catalog companions) that ``partner`` owns; every one for ``None`` (an admin)."""
    out = []
    for graph in store.named_graphs():
        parsed = iris.parse_partner_graph(graph.value, base=base) if isinstance(graph, NamedNode) else None
        if parsed is not None and not parsed.catalog and (partner is None or parsed.slug == partner):
            out.append(graph)
    return out


def run_update(store: Store, update: str, *, partner: str | None, base: str = iris.BASE) -> list[GraphChange]:
    """The graphs ``update`` changes, run over a copy of what ``partner`` may write (``None``: an admin). Raises
    ``SyntaxError`` (with line and column) for a malformed update and ``UpdateRefused`` for a write elsewhere."""
    scratch = Store()
    before: dict[NamedNode, set[Triple]] = {}
    for graph in writable_graphs(store, partner, base=base):
        quads = list(store.quads_for_pattern(None, None, None, graph))
        scratch.extend(quads)
        before[graph] = {Triple(q.subject, q.predicate, q.object) for q in quads}
    scratch.update(update, base_iri=base, prefixes=iris.PREFIXES)  # as /sparql predeclares them
    if any(True for _ in scratch.quads_for_pattern(None, None, None, DefaultGraph())):
        raise UpdateRefused("the update writes into the default graph; name one of your graphs with GRAPH <…> or "
                            "WITH <…>")
    after: dict[NamedNode, set[Triple]] = {}
    for quad in scratch.quads_for_pattern(None, None, None, None):
        after.setdefault(quad.graph_name, set()).add(Triple(quad.subject, quad.predicate, quad.object))
    present = {g for g in scratch.named_graphs() if isinstance(g, NamedNode)}
    for graph in present - set(before):
        parsed = iris.parse_partner_graph(graph.value, base=base)
        if parsed is None or parsed.catalog or (partner is not None and parsed.slug != partner):
            mine = f"{base}graph/partner/{partner}/…" if partner else "partner graphs"
            raise UpdateRefused(f"the update writes <{graph.value}>, which you may not write (you may write {mine})")
    changes = [GraphChange(g, sorted(after.get(g, set()), key=str)) for g in sorted(present, key=str)
               if after.get(g, set()) != before.get(g)]
    changes += [GraphChange(g, None) for g in sorted(set(before) - present, key=str)]
    return changes

