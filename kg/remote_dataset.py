"""The dataset a query is sent with to a remote SPARQL server: what the request asked, within what the reader sees.

Over the embedded store a restricted reader queries a copy without the hidden graphs (``kg/views.py``). A remote
server has no such copy, so every query of a restricted reader carries the protocol's ``default-graph-uri`` and
``named-graph-uri``: the graphs the request asked for (its protocol parameters, else the query's FROM and
FROM NAMED, else everything) intersected with the graphs the reader may see. The protocol's parameters replace the
query's own FROM / FROM NAMED (SPARQL 1.1 Protocol, 2.1.4), which is why the intersection is ours to compute and why
a FROM that this module failed to read could not widen what a reader sees: the parameters are always sent.

A part of the dataset given without the other makes the other empty (the protocol's rule), but a dataset that comes
out empty altogether cannot be sent as no parameter at all (that would mean "the server's own dataset", which is
everything): its default graph is sent as ``EMPTY_GRAPH``, a graph IRI nobody writes, and no named graph.

>>> dataset("SELECT * FROM <http://x/a> WHERE { ?s ?p ?o }", (), (), VisibleGraphs(frozenset({"http://x/b"})))
(('urn:x-critmin:empty-dataset',), ())
>>> dataset("SELECT * WHERE { ?s ?p ?o }", (), (), None)
((), ())
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kg.iris import PREFIXES
from kg.sparql_lexer import resolve_iri, scan_query, tokenize

EMPTY_GRAPH = "urn:x-critmin:empty-dataset"
_FROM_WORDS = ("FROM", "FROMNAMED")


@dataclass(frozen=True)
class VisibleGraphs:
    """The named graphs one reader class may see on a remote store (what a restricted view hands the runner)."""

    graphs: frozenset[str]


def query_dataset(query: str, *, base_iri: str | None = None,
                  prefixes: Mapping[str, str] = PREFIXES) -> tuple[list[str], list[str]] | None:
    """The IRIs of the query's FROM and FROM NAMED clauses, or None when it has none.

    >>> query_dataset("PREFIX g: <http://x/> SELECT * FROM g:a FROM NAMED <http://x/b> { ?s ?p ?o }")
    (['http://x/a'], ['http://x/b'])
    """
    scan = scan_query(query, base_iri=base_iri, prefixes=prefixes)
    known = {**prefixes, **scan.prefixes}
    tokens = tokenize(query)
    default: list[str] = []
    named: list[str] = []
    depth = 0
    for index, token in enumerate(tokens):
        if token.is_punct("{"):
            depth += 1
        elif token.is_punct("}"):
            depth -= 1
        if depth or not token.is_word(*_FROM_WORDS):
            continue
        at = index + 1
        is_named = token.value == "FROMNAMED"
        if not is_named and at < len(tokens) and tokens[at].is_word("NAMED"):
            is_named, at = True, at + 1
        if at >= len(tokens):
            break
        iri = _iri(tokens[at].kind, tokens[at].value, tokens[at].text, known, scan.base_iri)
        if iri is not None:
            (named if is_named else default).append(iri)
    if not default and not named:
        return None
    return default, named


def dataset(query: str, default_graph_uris: Iterable[str], named_graph_uris: Iterable[str],
            visible: VisibleGraphs | None, *, base_iri: str | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ``default-graph-uri`` and ``named-graph-uri`` values to send; two empty tuples: send none.

    ``visible`` None is a reader from whom nothing is hidden: the request's own parameters, else the query's FROM and
    FROM NAMED, go to the server as they are (read here so that FROM means what SPARQL says on a union server too).
    """
    asked_default, asked_named = tuple(default_graph_uris), tuple(named_graph_uris)
    if not asked_default and not asked_named:
        from_clauses = query_dataset(query, base_iri=base_iri)
        if from_clauses is not None:
            asked_default, asked_named = tuple(from_clauses[0]), tuple(from_clauses[1])
    if visible is None:
        return _or_empty(asked_default, asked_named) if asked_default or asked_named else ((), ())
    if not asked_default and not asked_named:
        everything = tuple(sorted(visible.graphs))
        return _or_empty(everything, everything)
    return _or_empty(tuple(g for g in asked_default if g in visible.graphs),
                     tuple(g for g in asked_named if g in visible.graphs))


def _or_empty(default: tuple[str, ...], named: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return (default, named) if default or named else ((EMPTY_GRAPH,), ())


def _iri(kind: str, value: str, text: str, prefixes: Mapping[str, str], base_iri: str | None) -> str | None:
    if kind == "iri":
        return resolve_iri(value, base_iri)
    if kind == "pname" and ":" in text:
        prefix, local = text.split(":", 1)
        namespace = prefixes.get(prefix)
        return namespace + local if namespace is not None else None
    return None
