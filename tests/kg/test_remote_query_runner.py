"""SPARQL from the network over a remote store (kg/remote_query_runner.py): against the real Oxigraph server for what
it answers, and against a scripted HTTP server for what a server can do wrong (stall, cut its answer short)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pyoxigraph import Literal, NamedNode, Quad, QueryResultsFormat, RdfFormat, Store, parse

from kg.iris import PREFIXES
from kg.query_runner import (
    QueryFailed,
    QueryRequest,
    QueryResultTooLarge,
    QuerySyntaxError,
    QueryTimeout,
    UpstreamFailed,
)
from kg.remote_dataset import VisibleGraphs
from kg.remote_query_runner import RemoteQueryRunner
from kg.remote_store import RemoteStore
from tests.remote_fixtures import OxigraphServer, oxigraph_union  # noqa: F401 (a fixture)

LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PUBLIC = NamedNode("https://w3id.org/critmin/graph/public-test")
HIDDEN = NamedNode("https://w3id.org/critmin/graph/partner/alpha/secret")
QUADS = [Quad(NamedNode(f"https://w3id.org/critmin/id/commodity/c{i}"), LABEL, Literal(f"commodity {i}"), PUBLIC)
         for i in range(50)] + [Quad(NamedNode("https://w3id.org/critmin/id/facility/h"), LABEL, Literal("Zzyzx"),
                                     HIDDEN)]


@pytest.fixture
def server(oxigraph_union: OxigraphServer) -> Iterator[OxigraphServer]:  # noqa: F811
    with oxigraph_union.store() as store:
        store.clear()
        store.extend(QUADS)
    yield oxigraph_union
    with oxigraph_union.store() as store:
        store.clear()


def run(url: str, request: QueryRequest, *, timeout_ms: int = 30_000, max_bytes: int = 1024 * 1024,
        visible: VisibleGraphs | None = None):
    async def once():
        runner = RemoteQueryRunner(query_url=url, timeout_ms=timeout_ms, max_result_bytes=max_bytes)
        try:
            return await runner.execute(request, snapshot=visible)
        finally:
            await runner.aclose()

    return asyncio.run(once())


def embedded() -> Store:
    store = Store()
    store.extend(QUADS)
    return store


def test_answers_in_every_format_as_the_embedded_store_does(server: OxigraphServer) -> None:
    sparql = "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s"  # rdfs: is predeclared
    url = f"{server.base_url}/query"
    for media_type in ("application/sparql-results+json", "text/csv", "text/tab-separated-values",
                       "application/sparql-results+xml"):
        result = run(url, QueryRequest(sparql, results_format=media_type))
        expected = embedded().query(sparql, prefixes=PREFIXES, use_default_graph_as_union=True)
        assert result.kind == "solutions" and result.media_type == media_type
        theirs = expected.serialize(format=QueryResultsFormat.from_media_type(media_type))
        if media_type == "application/sparql-results+json":  # the server's own JSON, passed on as it came
            assert json.loads(result.body) == json.loads(theirs)
        else:
            assert result.body == theirs
    boolean = run(url, QueryRequest("ASK { ?s rdfs:label 'commodity 3' }"))
    assert boolean.kind == "boolean" and json.loads(boolean.body)["boolean"] is True
    for media_type in ("text/turtle", "application/n-quads", "application/ld+json", "application/rdf+xml"):
        graph = run(url, QueryRequest("CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l }",
                                      graph_format=media_type))
        assert graph.kind == "graph" and graph.media_type == media_type
        assert len(list(parse(graph.body, format=RdfFormat.from_media_type(media_type)))) == len(QUADS)


def test_a_syntax_error_names_the_line_and_column_of_the_query_sent(server: OxigraphServer) -> None:
    sparql = "SELECT * WHERE {\n  ?s ?p }"
    with pytest.raises(QuerySyntaxError) as remote:
        run(f"{server.base_url}/query", QueryRequest(sparql))
    with pytest.raises(SyntaxError) as local:
        Store().query(sparql, prefixes=PREFIXES)
    assert remote.value.line == 2  # not counting the predeclared prefixes sent in front of it
    assert f"error at {remote.value.line}:{remote.value.column}:" in str(local.value)


def test_a_result_over_the_limit_is_refused_never_cut(server: OxigraphServer) -> None:
    with pytest.raises(QueryResultTooLarge):
        run(f"{server.base_url}/query", QueryRequest("SELECT * WHERE { ?s ?p ?o }"), max_bytes=1024)


def test_a_restricted_reader_reaches_no_hidden_graph(server: OxigraphServer) -> None:
    url, visible = f"{server.base_url}/query", VisibleGraphs(frozenset({PUBLIC.value}))
    requests = [QueryRequest("SELECT ?o WHERE { ?s ?p ?o }"),
                QueryRequest(f"SELECT ?o FROM {HIDDEN} WHERE {{ ?s ?p ?o }}"),
                QueryRequest(f"SELECT ?g ?o FROM NAMED {HIDDEN} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"),
                QueryRequest(f"SELECT ?o WHERE {{ GRAPH {HIDDEN} {{ ?s ?p ?o }} }}"),
                QueryRequest("SELECT ?g ?o WHERE { GRAPH ?g { ?s ?p ?o } }"),
                QueryRequest("SELECT ?o WHERE { ?s ?p ?o }", default_graph_uris=(HIDDEN.value,),
                             named_graph_uris=(HIDDEN.value,))]
    for request in requests:
        assert b"Zzyzx" not in run(url, request, visible=visible).body, request.query
    assert b"Zzyzx" in run(url, requests[0]).body  # nothing hidden: everything


def test_from_means_what_sparql_says(server: OxigraphServer) -> None:
    """On a union server FROM would be ignored; it is sent as the protocol's dataset, so it is not."""
    body = run(f"{server.base_url}/query", QueryRequest(f"SELECT (COUNT(*) AS ?n) FROM {HIDDEN} {{ ?s ?p ?o }}")).body
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "1"


def test_a_restriction_it_does_not_understand_is_refused(server: OxigraphServer) -> None:
    with pytest.raises(TypeError):
        run(f"{server.base_url}/query", QueryRequest("ASK {}"), visible="everything")  # type: ignore[arg-type]


class _Scripted(BaseHTTPRequestHandler):
    """Answers every POST as the server's ``behaviour`` says: stall, cut its body short, or fail."""

    behaviour = "stall"
    release = threading.Event()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.behaviour == "stall":
            self.release.wait(30)
            return
        if self.behaviour == "cut":
            body = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://x/'
            status = 200
        elif self.behaviour in ("refuse", "unavailable"):
            body, status = b"no", 401 if self.behaviour == "refuse" else 503
        else:
            body, status = b"the store is on fire", 500
        self.send_response(status)
        self.send_header("Content-Type", "application/sparql-results+json" if status == 200 else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[tuple[str, type[_Scripted]]]:
    handler = type("Handler", (_Scripted,), {"release": threading.Event()})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/query", handler
    handler.release.set()
    httpd.shutdown()
    httpd.server_close()


def test_a_server_that_does_not_answer_in_time_is_a_timeout(scripted) -> None:
    url, handler = scripted
    handler.behaviour = "stall"
    with pytest.raises(QueryTimeout) as error:
        run(url, QueryRequest("SELECT * { ?s ?p ?o }"), timeout_ms=300)
    assert "query_timeout_ms" in error.value.message


def test_an_answer_cut_short_is_an_error_not_a_200(scripted) -> None:
    url, handler = scripted
    handler.behaviour = "cut"
    with pytest.raises(QueryFailed, match="incomplete"):
        run(url, QueryRequest("SELECT * { ?s ?p ?o }"))


def test_a_failing_or_missing_server_is_a_failure_naming_it(scripted) -> None:
    url, handler = scripted
    handler.behaviour = "fail"
    with pytest.raises(QueryFailed, match="500: the store is on fire"):
        run(url, QueryRequest("SELECT * { ?s ?p ?o }"))
    with pytest.raises(QueryFailed, match=r"cannot reach the SPARQL server at http://127\.0\.0\.1:1/query"):
        run("http://127.0.0.1:1/query", QueryRequest("ASK {}"))


def test_a_failure_of_the_server_is_told_from_a_query_it_cannot_evaluate(scripted) -> None:
    """UpstreamFailed (a 502 at /sparql): the server refused us, is down or unreachable; a 500 is the query's."""
    url, handler = scripted
    handler.behaviour = "refuse"
    with pytest.raises(UpstreamFailed, match="remote_username and remote_password"):
        run(url, QueryRequest("ASK {}"))
    handler.behaviour = "unavailable"
    with pytest.raises(UpstreamFailed, match="503"):
        run(url, QueryRequest("ASK {}"))
    with pytest.raises(UpstreamFailed):
        run("http://127.0.0.1:1/query", QueryRequest("ASK {}"))
    handler.behaviour = "fail"
    with pytest.raises(QueryFailed) as evaluated:
        run(url, QueryRequest("ASK {}"))
    assert not isinstance(evaluated.value, UpstreamFailed)


def test_the_remote_store_and_the_runner_agree(server: OxigraphServer) -> None:
    with RemoteStore(f"{server.base_url}/query", f"{server.base_url}/update", None, timeout_s=10,
                     union_default_graph=True) as store:
        assert len(store) == len(QUADS)
