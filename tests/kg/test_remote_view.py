"""A restricted reader over a remote store (kg/remote_view.py, kg/remote_dataset.py), against the real Oxigraph
server: a hidden graph is unreachable by FROM, FROM NAMED, GRAPH <iri>, GRAPH ?g, a dataset the caller gives, and by
every in-process read (quads, graphs, dumps, counts, the search index); writes are refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions, RdfFormat

from kg.remote_dataset import EMPTY_GRAPH, VisibleGraphs, dataset, query_dataset
from kg.remote_store import RemoteStore
from kg.remote_view import RestrictedRemoteStore, restricted
from kg.search import build_index
from kg.store import query
from tests.remote_fixtures import OxigraphServer, oxigraph_union  # noqa: F401 (a fixture)

LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PUBLIC = NamedNode("https://w3id.org/critmin/graph/public-test")
HIDDEN = NamedNode("https://w3id.org/critmin/graph/partner/alpha/secret")
SECRET = "Zzyzx"


@pytest.fixture
def remote(oxigraph_union: OxigraphServer) -> Iterator[RemoteStore]:  # noqa: F811
    store = oxigraph_union.store()
    store.clear()
    store.extend([Quad(NamedNode("https://w3id.org/critmin/id/facility/open"), LABEL, Literal("Open Works"), PUBLIC),
                  Quad(NamedNode("https://w3id.org/critmin/id/facility/hidden"), LABEL,
                       Literal(f"{SECRET} Works"), HIDDEN)])
    yield store
    store.clear()
    store.close()


@pytest.fixture
def view(remote: RemoteStore) -> RestrictedRemoteStore:
    return restricted(remote, {PUBLIC.value})


def texts(result: object) -> str:
    assert isinstance(result, QuerySolutions)
    return " ".join(str(value) for row in result for value in row if value is not None)


@pytest.mark.parametrize("sparql", [
    "SELECT ?s ?o WHERE { ?s ?p ?o }",
    f"SELECT ?o FROM {HIDDEN} WHERE {{ ?s ?p ?o }}",
    f"SELECT ?g ?o FROM NAMED {HIDDEN} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    f"SELECT ?o WHERE {{ GRAPH {HIDDEN} {{ ?s ?p ?o }} }}",
    "SELECT ?g ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?g WHERE { GRAPH ?g { } }",
])
def test_no_query_reaches_a_hidden_graph(view: RestrictedRemoteStore, sparql: str) -> None:
    assert SECRET not in texts(view.query(sparql))
    assert HIDDEN.value not in texts(view.query(sparql, use_default_graph_as_union=True))
    assert SECRET not in texts(query(view, sparql))


def test_a_dataset_the_caller_gives_is_cut_to_the_visible_graphs(view: RestrictedRemoteStore) -> None:
    asked = view.query("SELECT ?o WHERE { ?s ?p ?o }", default_graph=[HIDDEN], named_graphs=[HIDDEN])
    assert texts(asked) == ""
    both = view.query("SELECT ?o WHERE { ?s ?p ?o }", default_graph=[HIDDEN, PUBLIC], named_graphs=[])
    assert texts(both) == '"Open Works"'


def test_in_process_reads_see_the_visible_graphs_only(view: RestrictedRemoteStore, remote: RemoteStore) -> None:
    assert list(view.named_graphs()) == [PUBLIC]
    assert not view.contains_named_graph(HIDDEN) and view.contains_named_graph(PUBLIC)
    assert list(view.quads_for_pattern(None, None, None, HIDDEN)) == []
    assert [q.graph_name for q in view.quads_for_pattern(None, None, None)] == [PUBLIC]
    assert len(view) == 1 and len(remote) == 2
    assert SECRET.encode() not in (view.dump(format=RdfFormat.N_QUADS) or b"")
    assert view.dump(format=RdfFormat.N_TRIPLES, from_graph=HIDDEN) == b""
    assert SECRET.encode() in (remote.dump(format=RdfFormat.N_TRIPLES, from_graph=HIDDEN) or b"")
    index = build_index(view)
    assert index.search("Open") and not index.search(SECRET)


def test_a_view_is_read_only(view: RestrictedRemoteStore, remote: RemoteStore) -> None:
    quad = Quad(NamedNode("http://e/s"), LABEL, Literal("x"), PUBLIC)
    for write in (lambda: view.add(quad), lambda: view.update("CLEAR ALL"), lambda: view.remove_graph(HIDDEN),
                  lambda: view.load(b"<http://e/s> <http://e/p> \"1\" .", RdfFormat.N_TRIPLES, to_graph=PUBLIC)):
        with pytest.raises(PermissionError):
            write()
    assert len(remote) == 2


def test_a_view_with_nothing_visible_sees_nothing(remote: RemoteStore) -> None:
    nothing = restricted(remote, set())
    assert texts(nothing.query("SELECT ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")) == ""
    assert texts(nothing.query("SELECT ?g WHERE { GRAPH ?g { } }")) == ""  # not even the empty dataset's IRI


A, B, H = "http://x/a", "http://x/b", "http://x/hidden"
VISIBLE = VisibleGraphs(frozenset({A, B}))


@pytest.mark.parametrize(("sparql", "default", "named", "visible", "expected"), [
    ("SELECT * { ?s ?p ?o }", (), (), None, ((), ())),
    (f"SELECT * FROM <{A}> {{ ?s ?p ?o }}", (), (), None, ((A,), ())),
    ("SELECT * { ?s ?p ?o }", (), (), VISIBLE, ((A, B), (A, B))),
    ("SELECT * { ?s ?p ?o }", (A, H), (), VISIBLE, ((A,), ())),
    (f"SELECT * FROM <{H}> FROM NAMED <{A}> {{ ?s ?p ?o }}", (), (), VISIBLE, ((), (A,))),
    (f"SELECT * FROM <{H}> FROM NAMED <{H}> {{ ?s ?p ?o }}", (), (), VISIBLE, ((EMPTY_GRAPH,), ())),
    # the protocol's parameters replace the query's FROM (SPARQL 1.1 Protocol 2.1.4)
    (f"SELECT * FROM <{A}> {{ ?s ?p ?o }}", (B,), (H,), VISIBLE, ((B,), ())),
])
def test_the_dataset_sent(sparql: str, default: tuple[str, ...], named: tuple[str, ...],
                          visible: VisibleGraphs | None, expected: tuple) -> None:
    assert dataset(sparql, default, named, visible) == expected


def test_from_clauses_are_read_wherever_they_are_written() -> None:
    assert query_dataset("CONSTRUCT { ?s ?p 'FROM <http://x/no>' } FROM cmg:catalog FROMNAMED<http://x/n> "
                         "WHERE { ?s ?p ?o }") == (["https://w3id.org/critmin/graph/catalog"], ["http://x/n"])
    assert query_dataset("BASE <http://x/> SELECT * from named <b> { ?s ?p ?o } # FROM <c>") == ([], ["http://x/b"])
    assert query_dataset("SELECT * { ?s ?p 'FROM <http://x/a>' }") is None
