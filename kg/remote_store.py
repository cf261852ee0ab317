"""A SPARQL 1.1 server (Query, Update, Graph Store Protocol) behind the part of ``pyoxigraph.Store`` that we use.

``RemoteStore`` answers ``query``, ``update``, ``quads_for_pattern``, ``named_graphs``, ``add``/``extend``/``remove``,
``load``/``dump``, the graph operations and ``len()`` with the same pyoxigraph types as the embedded store, so code
written against ``Store`` runs unchanged over HTTP. How it maps each method, and what differs per server, is in
``docs/remote-store.md``.

Two things the protocol does not have, and how they are emulated:

- ``substitutions`` (pre-bound variables): a one-row ``VALUES`` block is inserted as the first element of the
  query's WHERE group and of every group nested in it (OPTIONAL, MINUS, UNION branches, GRAPH, EXISTS), and of
  sub-selects that project the variables as themselves, as pyoxigraph binds them there too (a LIMIT of the sub-select
  then counts bound rows only); other sub-selects have their own variables. Inside every group, so that a FILTER
  evaluated within a group sees the value as pyoxigraph's substitution makes it see it; first, so that a FILTER
  EXISTS of the group is evaluated with the variable bound, not joined afterwards.
- ``use_default_graph_as_union``: only a server configured with a union default graph can answer it
  (``union_default_graph=True``); on any other server such a query raises ``RemoteStoreError``.

>>> store = RemoteStore("http://127.0.0.1:7878/query", "http://127.0.0.1:7878/update",
...                     "http://127.0.0.1:7878/store", timeout_s=30, union_default_graph=True)
>>> store.union_default_graph
True
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from os import PathLike
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

import httpx
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    Variable,
    parse,
    parse_query_results,
    serialize,
)

from kg.sparql_lexer import Token, scan_query, tokenize

log = logging.getLogger("critmin")

Subject = NamedNode | BlankNode | Triple
Term = NamedNode | BlankNode | Literal | Triple
GraphName = NamedNode | BlankNode | DefaultGraph
Input = str | bytes | IO[bytes] | IO[str]

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
BATCH_QUADS = 10_000  # quads per INSERT DATA / DELETE DATA request in the non-atomic bulk methods
# The Oxigraph server answers a request on a keep-alive connection idle for 40-70 s with this (PLATFORM.md): the
# request was not processed, so sending it again on a fresh connection is safe even for an update.
_STALE_CONNECTION = re.compile(r"Resource temporarily unavailable|os error 11")


class RemoteStoreError(RuntimeError):
    """The SPARQL server refused a request, failed, or did not answer in time; ``status`` is the HTTP status."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RemoteTriples:
    """The triples of a CONSTRUCT or DESCRIBE answer; iterable, and serialisable like pyoxigraph's QueryTriples."""

    def __init__(self, triples: list[Triple]) -> None:
        self._triples = triples

    def __iter__(self) -> Iterator[Triple]:
        return iter(self._triples)

    def serialize(self, output: Any = None, format: RdfFormat | None = None) -> bytes | None:
        return serialize(self._triples, output, format=format or RdfFormat.N_TRIPLES)


class RemoteStore:
    """A SPARQL 1.1 Query + Update + Graph Store server, used like a ``pyoxigraph.Store``.

    ``gsp_url`` may be None for a server without the Graph Store Protocol (Amazon Neptune): loads then go through
    INSERT DATA and dumps through SELECT. ``union_default_graph`` says whether the server answers a query's default
    graph as the union of all its graphs; it is configuration of the server, not something a request can choose.
    """

    is_remote = True

    def __init__(
        self,
        query_url: str,
        update_url: str,
        gsp_url: str | None,
        *,
        timeout_s: float,
        union_default_graph: bool,
        auth: httpx.Auth | tuple[str, str] | None = None,
    ) -> None:
        self.query_url = query_url
        self.update_url = update_url
        self.gsp_url = gsp_url
        self.timeout_s = timeout_s
        self.union_default_graph = union_default_graph
        self._client = httpx.Client(timeout=timeout_s, auth=auth)

    def __repr__(self) -> str:
        return f"<RemoteStore {self.query_url}>"

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- SPARQL ---------------------------------------------------------------------------------------------------

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
        """SELECT → QuerySolutions, ASK → QueryBoolean, CONSTRUCT / DESCRIBE → RemoteTriples (iterable of Triple)."""
        if use_default_graph_as_union and default_graph is None and not self.union_default_graph:
            raise RemoteStoreError(
                f"{self.query_url}: a query over the union of all graphs needs a server whose default graph is that "
                "union (oxigraph serve --union-default-graph, Fuseki tdb2:unionDefaultGraph, GraphDB and Neptune by "
                "default); configure the server so and set union_default_graph=True (docs/remote-store.md)"
            )
        scan = scan_query(query, base_iri=base_iri)
        if substitutions:
            query = substitute(query, substitutions)
        text = _with_prologue(query, scan.prefixes, prefixes, base_iri)
        data: list[tuple[str, str]] = [("query", text)]
        # Given one part of the dataset, pyoxigraph keeps the store's other part; the protocol makes the other part
        # empty. The named graphs can be listed; the store's own default graph cannot be named in the protocol.
        if named_graphs is not None and default_graph is None:
            raise ValueError("named_graphs without default_graph cannot be sent to a remote store: the SPARQL "
                             "protocol has no name for the store's default graph; give default_graph too")
        if default_graph is not None and named_graphs is None:
            named_graphs = list(self.named_graphs())
        if default_graph is not None:
            graphs = default_graph if isinstance(default_graph, Sequence) else [default_graph]
            data += [("default-graph-uri", _graph_iri(g, "default_graph")) for g in graphs]
        if named_graphs is not None:
            data += [("named-graph-uri", _graph_iri(g, "named_graphs")) for g in named_graphs]
        accept = {"SELECT": RESULTS_JSON, "ASK": RESULTS_JSON, "CONSTRUCT": N_TRIPLES, "DESCRIBE": N_TRIPLES}.get(
            scan.form or "", f"{RESULTS_JSON}, {N_TRIPLES};q=0.9"
        )
        headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
        response = self._send("POST", self.query_url, kind="query", content=urlencode(data).encode(), headers=headers)
        return _parse_answer(response, self.query_url)

    def update(
        self, update: str, *, base_iri: str | None = None, prefixes: Mapping[str, str] | None = None
    ) -> None:
        scan = scan_query(update, base_iri=base_iri)
        text = _with_prologue(update, scan.prefixes, prefixes, base_iri)
        self._send(
            "POST", self.update_url, kind="update", content=text.encode(),
            headers={"Content-Type": "application/sparql-update; charset=utf-8"},
        )

    # -- quads ----------------------------------------------------------------------------------------------------

    def quads_for_pattern(
        self,
        subject: Subject | None,
        predicate: NamedNode | None,
        object: Term | None,
        graph_name: GraphName | None = None,
    ) -> Iterator[Quad]:
        """The quads matching the pattern (None matches anything; ``graph_name`` None: every graph, default too)."""
        fixed = [_pattern_term(t, name) for t, name in ((subject, "subject"), (predicate, "predicate"),
                                                         (object, "object"))]
        s, p, o = (f or var for f, var in zip(fixed, ("?s", "?p", "?o"), strict=True))
        if isinstance(graph_name, NamedNode):
            for row in self._select(f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph_name} {{ {s} {p} {o} }} }}"):
                yield _quad(subject, predicate, object, row, graph_name)
            return
        if isinstance(graph_name, BlankNode):
            raise ValueError(f"{graph_name} cannot be named in a request to a remote store: blank nodes are local")
        if graph_name is None:
            for row in self._select(f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ {s} {p} {o} }} }}"):
                yield _quad(subject, predicate, object, row, row["g"])
        yield from self._default_graph_quads(subject, predicate, object, (s, p, o))

    def __iter__(self) -> Iterator[Quad]:
        return self.quads_for_pattern(None, None, None)

    def __contains__(self, quad: Quad) -> bool:
        return any(True for _ in self.quads_for_pattern(quad.subject, quad.predicate, quad.object, quad.graph_name))

    def __len__(self) -> int:
        named = self._count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        if self.union_default_graph:
            return named + sum(1 for _ in self._default_graph_quads(None, None, None, ("?s", "?p", "?o")))
        return named + self._count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")

    def add(self, quad: Quad) -> None:
        self._write_data("INSERT", [quad])

    def extend(self, quads: Iterable[Quad]) -> None:
        """All in one INSERT DATA: atomic, as pyoxigraph's ``extend`` is."""
        self._write_data("INSERT", list(quads))

    def bulk_extend(self, quads: Iterable[Quad]) -> None:
        """In batches of ``BATCH_QUADS``: not atomic, as pyoxigraph's ``bulk_extend`` is not.

        The quads with blank nodes go together in one last request: a blank node label means one node within a
        request only, and a blank node split over two batches would become two."""
        with_blank_nodes: list[Quad] = []

        def without_blank_nodes() -> Iterator[Quad]:
            for quad in quads:
                if _has_blank_node(quad):
                    with_blank_nodes.append(quad)
                else:
                    yield quad

        iterator = without_blank_nodes()
        while batch := list(islice(iterator, BATCH_QUADS)):
            self._write_data("INSERT", batch)
        self._write_data("INSERT", with_blank_nodes)

    def remove(self, quad: Quad) -> None:
        self._write_data("DELETE", [quad])

    # -- graphs ---------------------------------------------------------------------------------------------------

    def named_graphs(self) -> Iterator[NamedNode | BlankNode]:
        for row in self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"):
            yield row["g"]

    def contains_named_graph(self, graph_name: NamedNode | BlankNode) -> bool:
        return bool(self.query(f"ASK {{ GRAPH {_graph_ref(graph_name)} {{ }} }}"))

    def add_graph(self, graph_name: GraphName) -> None:
        if not isinstance(graph_name, DefaultGraph):
            self.update(f"CREATE SILENT GRAPH {_graph_ref(graph_name)}")

    def clear_graph(self, graph_name: GraphName) -> None:
        self.update("CLEAR SILENT " + _graph_target(graph_name))

    def remove_graph(self, graph_name: GraphName) -> None:
        self.update("DROP SILENT " + _graph_target(graph_name))

    def clear(self) -> None:
        self.update("DROP SILENT ALL")

    # -- files ----------------------------------------------------------------------------------------------------

    def load(
        self,
        input: Input | None = None,
        format: RdfFormat | None = None,
        *,
        path: str | PathLike[str] | None = None,
        base_iri: str | None = None,
        to_graph: GraphName | None = None,
        lenient: bool = False,
    ) -> None:
        """Parsed here by pyoxigraph (same syntax errors, base IRI and blank nodes as the embedded store), then sent
        in one request, so that the load is atomic as pyoxigraph's is."""
        graphs = self._parse_file(input, format, path, base_iri, to_graph, lenient)
        if self.gsp_url is not None and len(graphs) == 1:
            graph, triples = next(iter(graphs.items()))
            self._post_graph(graph, triples)
        else:
            self._write_data("INSERT", [Quad(t.subject, t.predicate, t.object, g) for g, ts in graphs.items()
                                        for t in ts])

    def bulk_load(
        self,
        input: Input | None = None,
        format: RdfFormat | None = None,
        *,
        path: str | PathLike[str] | None = None,
        base_iri: str | None = None,
        to_graph: GraphName | None = None,
        lenient: bool = False,
    ) -> None:
        """One Graph Store request per graph (INSERT DATA batches without one): not atomic, like pyoxigraph's.

        Triples with blank nodes go in one last INSERT DATA, so that a blank node in two graphs stays one node."""
        graphs = self._parse_file(input, format, path, base_iri, to_graph, lenient)
        with_blank_nodes: list[Quad] = []
        for graph, triples in graphs.items():
            plain = [t for t in triples if not _has_blank_node(t)]
            with_blank_nodes += [Quad(t.subject, t.predicate, t.object, graph) for t in triples if _has_blank_node(t)]
            if self.gsp_url is not None:
                if plain:
                    self._post_graph(graph, plain)
            else:
                self.bulk_extend(Quad(t.subject, t.predicate, t.object, graph) for t in plain)
        self._write_data("INSERT", with_blank_nodes)

    def dump(
        self,
        output: str | PathLike[str] | IO[bytes] | None = None,
        format: RdfFormat | None = None,
        *,
        from_graph: GraphName | None = None,
        prefixes: Mapping[str, str] | None = None,
        base_iri: str | None = None,
    ) -> bytes | None:
        """Serialised here by pyoxigraph, so the output (prefixes, layout) is the embedded store's."""
        if format is None:
            if output is None or not isinstance(output, str | PathLike):
                raise ValueError("the format is needed when dumping to bytes or to a file object")
            format = RdfFormat.from_extension(Path(output).suffix.lstrip("."))
            if format is None:
                raise ValueError(f"no RDF format for the extension of {output}")
        if from_graph is None:
            if not format.supports_datasets:
                raise ValueError(f"A RDF format supporting datasets was expected, {format.name} found")
            content: list[Quad] | list[Triple] = list(self.quads_for_pattern(None, None, None))
        else:
            # Triples even in a quad format: pyoxigraph writes one graph's triples in the default graph too.
            content = self._graph_triples(from_graph)
        return serialize(content, output, format=format, prefixes=prefixes, base_iri=base_iri)

    # -- the embedded store's housekeeping, which the server does itself --------------------------------------

    def flush(self) -> None:
        """Nothing to do: the server commits every request."""

    def optimize(self) -> None:
        """Nothing to do: compaction is the server's own business."""

    def backup(self, target_directory: str | PathLike[str]) -> None:
        raise NotImplementedError(
            f"a remote store ({self.query_url}) cannot be checkpointed from here: the server makes its own backups "
            "(oxigraph backup, Fuseki's /$/backup, Virtuoso's backup_online, GraphDB and Neptune snapshots)"
        )

    # -- internals ------------------------------------------------------------------------------------------------

    def _send(self, method: str, url: str, *, kind: str, **request: Any) -> httpx.Response:
        for attempt in (1, 2):
            try:
                response = self._client.request(method, url, **request)
            except httpx.TimeoutException as error:
                raise RemoteStoreError(
                    f"{url} did not answer the {kind} within {self.timeout_s} s (timeout_s)"
                ) from error
            except httpx.RemoteProtocolError as error:
                # A pooled connection the server had closed: nothing was processed. Only a read is sent again
                # blindly; an update is reported, as it cannot be told whether it ran.
                if attempt == 1 and kind in ("query", "read"):
                    continue
                raise RemoteStoreError(f"{url}: the connection failed during the {kind}: {error}") from error
            except httpx.TransportError as error:
                raise RemoteStoreError(f"{url}: cannot reach the SPARQL server: {error}") from error
            if response.status_code == 500 and attempt == 1 and _STALE_CONNECTION.search(response.text):
                log.debug("%s: stale keep-alive connection, sending the %s again", url, kind)
                continue
            if response.is_success or (response.status_code == 404 and kind == "read"):
                return response
            message = response.text.strip() or response.reason_phrase
            if response.status_code == 400 and kind in ("query", "update"):
                raise SyntaxError(message)
            raise RemoteStoreError(f"{url} answered {response.status_code} to the {kind}: {message}",
                                   status=response.status_code)
        raise AssertionError("unreachable")

    def _select(self, sparql: str) -> QuerySolutions:
        result = self.query(sparql)
        assert isinstance(result, QuerySolutions)
        return result

    def _count(self, sparql: str) -> int:
        return int(next(iter(self._select(sparql)))["n"].value)

    def _default_graph_quads(
        self, subject: Subject | None, predicate: NamedNode | None, obj: Term | None, pattern: tuple[str, str, str]
    ) -> Iterator[Quad]:
        """The quads of the server's own default graph, which a union server's SPARQL cannot tell from the rest."""
        default = DefaultGraph()
        if not self.union_default_graph:
            s, p, o = pattern
            for row in self._select(f"SELECT ?s ?p ?o WHERE {{ {s} {p} {o} }}"):
                yield _quad(subject, predicate, obj, row, default)
        elif self.gsp_url is not None:
            for t in self._graph_triples(default):
                if (subject is None or t.subject == subject) and (predicate is None or t.predicate == predicate) \
                        and (obj is None or t.object == obj):
                    yield Quad(t.subject, t.predicate, t.object, default)
        else:
            # Without the Graph Store Protocol, the default graph of a union server is approximated as what no
            # named graph holds (docs/remote-store.md).
            s, p, o = pattern
            sparql = f"SELECT ?s ?p ?o WHERE {{ {s} {p} {o} FILTER NOT EXISTS {{ GRAPH ?any {{ {s} {p} {o} }} }} }}"
            for row in self._select(sparql):
                yield _quad(subject, predicate, obj, row, default)

    def _graph_triples(self, graph: GraphName) -> list[Triple]:
        """One graph's triples (an unknown graph has none, as in pyoxigraph)."""
        if self.gsp_url is None:
            return [q.triple for q in self.quads_for_pattern(None, None, None, graph)]
        response = self._send("GET", self.gsp_url, kind="read", params=_graph_param(graph),
                              headers={"Accept": N_TRIPLES})
        if response.status_code == 404:
            return []
        return [q.triple for q in parse(response.content, format=RdfFormat.N_TRIPLES)]

    def _post_graph(self, graph: GraphName, triples: list[Triple]) -> None:
        assert self.gsp_url is not None
        body = serialize(triples, format=RdfFormat.N_TRIPLES) or b""
        self._send("POST", self.gsp_url, kind="load", params=_graph_param(graph), content=body,
                   headers={"Content-Type": N_TRIPLES})

    def _write_data(self, operation: str, quads: list[Quad]) -> None:
        if not quads:
            return
        if operation == "DELETE" and any(_has_blank_node(q) for q in quads):
            raise ValueError("a quad with a blank node cannot be removed from a remote store: DELETE DATA does not "
                             "allow blank nodes, and a blank node's label means nothing to the server")
        self.update(f"{operation} DATA {{\n{_quads_block(quads)}}}")

    def _parse_file(
        self,
        input: Input | None,
        format: RdfFormat | None,
        path: str | PathLike[str] | None,
        base_iri: str | None,
        to_graph: GraphName | None,
        lenient: bool,
    ) -> dict[GraphName, list[Triple]]:
        if format is None:
            if path is None:
                raise ValueError("the format is needed when loading from bytes or a file object")
            format = RdfFormat.from_extension(Path(path).suffix.lstrip("."))
            if format is None:
                raise ValueError(f"no RDF format for the extension of {path}")
        graphs: dict[GraphName, list[Triple]] = defaultdict(list)
        for quad in parse(input, format=format, path=path, base_iri=base_iri, lenient=lenient):
            graph = to_graph if to_graph is not None and isinstance(quad.graph_name, DefaultGraph) \
                else quad.graph_name
            graphs[graph].append(quad.triple)
        return graphs


def substitute(query: str, substitutions: Mapping[Variable, Term]) -> str:
    """``query`` with a one-row VALUES block for ``substitutions`` at the start of every group of its WHERE clause.

    >>> print(substitute("SELECT ?c ?f { ?f <c> ?h FILTER EXISTS { ?h <b> ?c } }", {Variable("c"): NamedNode("x:li")}))
    SELECT ?c ?f { VALUES (?c) { (<x:li>) } ?f <c> ?h FILTER EXISTS { VALUES (?c) { (<x:li>) } ?h <b> ?c } }
    """
    names = [variable.value for variable in substitutions]
    for variable, term in substitutions.items():
        if isinstance(term, BlankNode | Triple) or not isinstance(term, NamedNode | Literal):
            raise ValueError(f"?{variable.value}: only IRIs and literals can be substituted in a remote query "
                             f"(VALUES takes no blank node), not {term!r}")
    tokens = tokenize(query)
    starts = [0] + [m.end() for m in re.finditer("\n", query)]

    def offset(token: Token) -> int:
        return starts[token.line - 1] + token.column - 1

    form_at = next((i for i, t in enumerate(tokens) if t.is_word("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")), None)
    if form_at is None:
        raise ValueError("substitutions need a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    if tokens[form_at].value == "SELECT":
        _check_projection(tokens, form_at, names)
    where_at = _where_group(tokens, form_at)
    groups: list[int] = []
    _collect_groups(tokens, where_at, groups, set(names))
    block = " VALUES ({}) {{ ({}) }}".format(" ".join(f"?{n}" for n in names),
                                              " ".join(str(term) for term in substitutions.values()))
    for index in sorted(groups, reverse=True):
        at = offset(tokens[index]) + 1
        query = query[:at] + block + query[at:]
    return query


def _check_projection(tokens: list[Token], select_at: int, names: list[str]) -> None:
    """pyoxigraph refuses a substitution of a variable that the SELECT does not project: so do we."""
    projected: set[str] = set()
    for token in tokens[select_at + 1:]:
        if token.is_word("WHERE", "FROM") or token.is_punct("{"):
            break
        if token.is_punct("*"):
            return
        if token.kind == "var":
            projected.add(token.value)
    for name in names:
        if name not in projected:
            raise RemoteStoreError(f"The SPARQL query does not contains variable ?{name} in its SELECT projection")


def _where_group(tokens: list[Token], form_at: int) -> int:
    index = form_at + 1
    if tokens[form_at].value == "CONSTRUCT":
        if index < len(tokens) and tokens[index].is_word("WHERE"):
            raise ValueError("substitutions in the short form CONSTRUCT WHERE { } cannot be sent to a remote store: "
                             "write the template out (CONSTRUCT { … } WHERE { … })")
        if index < len(tokens) and tokens[index].is_punct("{"):
            index = _matching(tokens, index) + 1  # the template
    for i in range(index, len(tokens)):
        if tokens[i].is_punct("{"):
            return i
    raise ValueError("substitutions need a query with a WHERE clause")


def _collect_groups(tokens: list[Token], at: int, groups: list[int], names: set[str]) -> int:
    """Records the group opening at ``at`` and the groups nested in it; returns the index after its ``}``."""
    following = tokens[at + 1] if at + 1 < len(tokens) else None
    if following is not None and following.is_punct("|"):
        return _matching(tokens, at) + 1  # {| |} is an annotation
    if following is not None and following.is_word("SELECT"):
        end = _matching(tokens, at)
        inner = _passes_through(tokens, at + 1, end, names)
        if inner is not None:
            # pyoxigraph binds a substituted variable inside a sub-select that projects it (so a LIMIT there counts
            # the bound rows only: kg/entity_sources.rq), and the server then need not compute the sub-select for
            # every value (kg/count_kind.rq: 0.09 s instead of 4.6 s on the Oxigraph server)
            _collect_groups(tokens, inner, groups, names)
        return end + 1  # a sub-select that does not project them has its own variables
    groups.append(at)
    index, values_pending = at + 1, False
    while index < len(tokens):
        token = tokens[index]
        if token.is_word("VALUES"):
            values_pending = True
        elif token.is_punct("{"):
            if values_pending:
                values_pending = False
                index = _matching(tokens, index) + 1
            else:
                index = _collect_groups(tokens, index, groups, names)
            continue
        elif token.is_punct("}"):
            return index + 1
        index += 1
    return index


def _passes_through(tokens: list[Token], select_at: int, end: int, names: set[str]) -> int | None:
    """The WHERE group of the sub-select from ``select_at`` to ``end`` when pyoxigraph would bind ``names`` inside
    it: it projects each of them as itself."""
    projected: set[str] = set()
    where_at = None
    index = select_at + 1
    while index < end:
        token = tokens[index]
        if token.is_punct("{"):
            where_at = index
            break
        if token.is_punct("*"):
            projected |= names
        elif token.is_punct("("):
            index = _closing_paren(tokens, index, end)  # (expression AS ?x): ?x is not passed through
        elif token.kind == "var":
            projected.add(token.value)
        index += 1
    if where_at is None or not names <= projected:
        return None
    return where_at


def _closing(tokens: list[Token], at: int, end: int, opening: str, closing: str) -> int | None:
    """The index of the bracket closing the one at ``at``, looking before ``end``; None when it is not closed."""
    depth = 0
    for index in range(at, end):
        if tokens[index].is_punct(opening):
            depth += 1
        elif tokens[index].is_punct(closing):
            depth -= 1
            if depth == 0:
                return index
    return None


def _closing_paren(tokens: list[Token], at: int, end: int) -> int:
    found = _closing(tokens, at, end, "(", ")")
    return end if found is None else found


def _matching(tokens: list[Token], at: int) -> int:
    found = _closing(tokens, at, len(tokens), "{", "}")
    return len(tokens) - 1 if found is None else found


def _with_prologue(text: str, declared: Mapping[str, str], prefixes: Mapping[str, str] | None,
                   base_iri: str | None) -> str:
    """The query with BASE and the given prefixes in front; a prefix the query declares itself is left to it."""
    lines = [f"BASE <{base_iri}>"] if base_iri else []
    lines += [f"PREFIX {name}: <{iri}>" for name, iri in (prefixes or {}).items() if name not in declared]
    return "\n".join([*lines, text]) if lines else text


def _parse_answer(response: httpx.Response, url: str) -> QuerySolutions | QueryBoolean | RemoteTriples:
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    results_format = QueryResultsFormat.from_media_type(media_type) if media_type else None
    try:
        if results_format is not None:
            if results_format == QueryResultsFormat.JSON:
                # pyoxigraph parses solutions lazily, so a body cut short would fail in the caller's loop, as a
                # SyntaxError: check it whole here (the JSON parser is fast next to the request).
                json.loads(response.content)
            return parse_query_results(response.content, format=results_format)
        rdf_format = RdfFormat.from_media_type(media_type) if media_type else None
        if rdf_format is None:
            raise RemoteStoreError(f"{url} answered with {media_type or 'no media type'}, which is neither query "
                                   "results nor RDF", status=response.status_code)
        return RemoteTriples([q.triple for q in parse(response.content, format=rdf_format)])
    except (SyntaxError, ValueError) as error:
        # The Oxigraph server, cancelling a query at --timeout-s, still answers 200 with the body cut short.
        raise RemoteStoreError(f"{url} sent results that do not parse (cut short by a server-side timeout?): "
                               f"{error}", status=response.status_code) from error


def _quad(subject: Subject | None, predicate: NamedNode | None, obj: Term | None, row: Any,
          graph: GraphName) -> Quad:
    """A quad from a pattern's fixed terms and a solution's values for the others."""
    return Quad(row["s"] if subject is None else subject, row["p"] if predicate is None else predicate,
                row["o"] if obj is None else obj, graph)


def _pattern_term(term: Term | None, name: str) -> str | None:
    if term is None:
        return None
    if isinstance(term, BlankNode) or (isinstance(term, Triple) and _has_blank_node(term)):
        raise ValueError(f"a blank node cannot be the {name} of a pattern sent to a remote store: its label means "
                         "nothing to the server")
    return str(term) if not isinstance(term, Triple) else f"<<( {term} )>>"


def _has_blank_node(value: Quad | Triple) -> bool:
    parts = [value.subject, value.predicate, value.object]
    if isinstance(value, Quad):
        parts.append(value.graph_name)
    return any(isinstance(p, BlankNode) or (isinstance(p, Triple) and _has_blank_node(p)) for p in parts)


def _graph_ref(graph: NamedNode | BlankNode | DefaultGraph) -> str:
    if not isinstance(graph, NamedNode):
        raise ValueError(f"only a named graph can be named in a request to a remote store, not {graph!r}")
    return str(graph)


def _graph_target(graph: GraphName) -> str:
    return "DEFAULT" if isinstance(graph, DefaultGraph) else f"GRAPH {_graph_ref(graph)}"


def _graph_iri(graph: GraphName, option: str) -> str:
    if not isinstance(graph, NamedNode):
        raise ValueError(f"{option}: the SPARQL protocol names graphs by IRI only, not {graph!r}")
    return graph.value


def _graph_param(graph: GraphName) -> dict[str, str]:
    return {"default": ""} if isinstance(graph, DefaultGraph) else {"graph": _graph_iri(graph, "graph")}


def _quads_block(quads: list[Quad]) -> str:
    """The body of INSERT DATA / DELETE DATA: default-graph triples, then one GRAPH block per named graph."""
    by_graph: dict[GraphName, list[Triple]] = defaultdict(list)
    for quad in quads:
        by_graph[quad.graph_name].append(quad.triple)
    parts = []
    for graph, triples in by_graph.items():
        lines = (serialize(triples, format=RdfFormat.N_TRIPLES) or b"").decode()
        parts.append(lines if isinstance(graph, DefaultGraph) else f"GRAPH {_graph_ref(graph)} {{\n{lines}}}\n")
    return "".join(parts)
