"""The SPARQL tokenizer: query forms, declarations, and every SERVICE / LOAD target, checked against pyoxigraph.

The last test is the property that matters: for random queries built from awkward pieces, every endpoint that
pyoxigraph actually calls (recorded by a local HTTP server) is one that ``scan_query`` reported.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from kg.iris import PREFIXES
from kg.sparql_lexer import resolve_iri, scan_query, tokenize

E = "http://endpoint.example/sparql"


def service_iris(query: str, **options: object) -> list[str | None]:
    return [target.iri for target in scan_query(query, **options).services]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("select*{?s ?p ?o}", "SELECT"),
        ("PREFIX ex: <http://e/> BASE <http://b/> ASK { ?s ?p ?o }", "ASK"),
        ("# SELECT\nCONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <http://e/a>", "DESCRIBE"),
        ("SELECTDISTINCT * { ?s ?p ?o }", "SELECT"),
        ("PREFIXex:<http://e/> ASK{}", "ASK"),
        ('VERSION "1.2" PREFIX ex: <http://e/> SELECT * {}', "SELECT"),
        ("INSERT DATA { <http://a> <http://b> <http://c> }", "UPDATE"),
        ("PREFIX ex: <http://e/> DELETE WHERE { ?s ex:p ?o }", "UPDATE"),
        ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "UPDATE"),
        ("load <http://e/data.ttl>", "UPDATE"),
        ("LOAD:x", "UPDATE"),
        ("CLEAR ALL", "UPDATE"),
        ("DROP SILENT GRAPH <http://g>", "UPDATE"),
        ("", None),
        ("# only a comment", None),
        ("{ ?s ?p ?o }", None),
    ],
)
def test_the_query_form_is_read_after_the_prologue(query: str, form: str | None) -> None:
    assert scan_query(query).form == form


def test_declarations_are_reported_in_order_and_resolved() -> None:
    scan = scan_query("BASE <http://b/x/> PREFIX ex: <ns/> PREFIX : <http://e/> BASE <../y/> SELECT * {}")
    assert [(d.keyword, d.name, d.iri) for d in scan.declarations] == [
        ("BASE", None, "http://b/x/"),
        ("PREFIX", "ex", "http://b/x/ns/"),
        ("PREFIX", "", "http://e/"),
        ("BASE", None, "http://b/y/"),
    ]
    assert scan.prefixes == {"ex": "http://b/x/ns/", "": "http://e/"}
    assert scan.base_iri == "http://b/y/"


@pytest.mark.parametrize(
    "query",
    [
        f"SELECT * {{ ?s ?p 'SERVICE <{E}> {{}}' }}",
        f'SELECT * {{ ?s ?p "SERVICE <{E}> {{}}" }}',
        f"SELECT * {{ ?s ?p '''x\nSERVICE <{E}> {{}}\n''' }}",
        f'SELECT * {{ ?s ?p """x\nSERVICE <{E}> {{}}\n""" }}',
        f"SELECT * {{ ?s ?p 'it\\'s SERVICE <{E}> {{}}' }}",
        f'SELECT * {{ ?s ?p "a \\" SERVICE <{E}> {{}}" }}',
        f"SELECT * {{ ?s ?p '''a '' SERVICE <{E}> {{}} ''' }}",
        f"SELECT * {{ ?s ?p ?o }} # SERVICE <{E}> {{}}",
        f"# SERVICE <{E}> {{}}\nSELECT * {{ ?s ?p ?o }}",
        f"SELECT * {{ ?s <http://x/#SERVICE> ?o }} # SERVICE <{E}> {{}}",
        "SELECT * { ?s <http://x/SERVICE/a> ?o . ?s <http://x/load> ?o }",
        "PREFIX service: <http://x/> SELECT * { ?s service:p ?o . service:s ?p ?o }",
        "SELECT ?service ?load { ?service ?load ?o }",
        "SELECT * { ?s ?p 'x'@en-service }",
        "SELECT * { GRAPH <http://g> { ?s ?p ?o } }",
    ],
)
def test_service_inside_strings_comments_iris_and_names_is_not_a_call(query: str) -> None:
    assert scan_query(query).services == ()


@pytest.mark.parametrize(
    ("query", "iris"),
    [
        (f"SELECT * {{ SERVICE <{E}> {{ ?s ?p ?o }} }}", [E]),
        (f"select * where {{ service <{E}> {{ ?s ?p ?o }} }}", [E]),
        (f"SELECT * {{ SeRvIcE <{E}> {{ }} }}", [E]),
        (f"SELECT * {{ SERVICE<{E}>{{}} }}", [E]),
        (f"SELECT * {{ SERVICE # comment\n <{E}> {{}} }}", [E]),
        (f"SELECT * {{ ?s <http://x#y> ?o . SERVICE <{E}> {{}} }}", [E]),
        (f"SELECT * {{ ?s ?p 'a # b' . SERVICE <{E}> {{}} }}", [E]),
        ("PREFIX ex: <http://endpoint.example/> SELECT * { SERVICE ex:sparql { } }", [E]),
        ("PREFIX : <http://endpoint.example/> SELECT * { SERVICE :sparql { } }", [E]),
        ("PREFIX ex: <http://endpoint.example/> SELECT * { SERVICE ex:a\\#b { } }", ["http://endpoint.example/a#b"]),
        ("PREFIX ex: <http://endpoint.example/> SELECT * { SERVICE ex:a.b { } }", ["http://endpoint.example/a.b"]),
        ("BASE <http://endpoint.example/x/> SELECT * { SERVICE <../sparql> { } }", [E]),
        ("BASE <http://endpoint.example/> SELECT * { SERVICE <sparql> { } }", [E]),
        ("SELECT * { SERVICE <http://endpoint.example/sp\\u0061rql> { } }", [E]),
        ("SELECT * { SERVICE wd:x { } }", ["http://www.wikidata.org/entity/x"]),  # predeclared by the runner
        ("PREFIX wd: <http://other/> SELECT * { SERVICE wd:x { } }", ["http://other/x"]),  # the query's own wins
        ("PREFIX ex: <http://a/> PREFIX ex: <http://b/> SELECT * { SERVICE ex:x { } }", ["http://b/x"]),
        ("PREFIX : <http://endpoint.example/> SELECT * { SERVICE:sparql { } }", [E]),
        ("PREFIX ex: <http://endpoint.example/> SELECT * { SERVICEex:sparql { } }", [E]),
        ("PREFIXex:<http://endpoint.example/> SELECT * { SERVICE ex:sparql { } }", [E]),
        (f"SELECT * {{ VALUES ?o {{ 1 }} FILTER(?o<'x>') SERVICE <{E}> {{ }} }}", [E]),
        (f"SELECT * {{ VALUES ?o {{ 1 }} FILTER(?o<'x')SERVICE#>\n<{E}>{{}} }}", [E]),
        (f"SELECT * {{ FILTER(?a<?b&&?c>1) SERVICE <{E}> {{}} }}", [E]),
        (f"SELECT (COUNT(DISTINCT <http://a#b>) AS ?n) {{ SERVICE <{E}> {{}} }}", [E]),
        (f"SELECT * {{ ?s ?p ( ?a <http://x#y> ) SERVICE <{E}> {{}} }}", [E]),
        (f"SELECT * {{ VALUES (?a ?b) {{ (<http://x#a> <http://x#b>) }} SERVICE <{E}> {{}} }}", [E]),
        (f"SELECT * {{ FILTER NOT EXISTS {{ SERVICE <{E}> {{}} }} }}", [E]),
        (f"SELECT * {{ {{ SELECT * {{ SERVICE <{E}> {{}} }} }} }}", [E]),
        (f"SELECT * {{ SERVICE <{E}> {{ SERVICE <{E}/2> {{}} }} }}", [E, E + "/2"]),
        (f"SELECT * {{ FILTER ex:f(?o<'x>') SERVICE <{E}> {{ }} }}", [E]),
        (f"SELECT * {{ FILTERex:f(?o<'x>') SERVICE <{E}> {{ }} }}", [E]),
        (f"SELECT * {{ FILTER <http://f>(?o<'x>') SERVICE <{E}> {{ }} }}", [E]),
        ("SELECT * { ?s ?p ?o } ORDER BY ex:f(?o<'x>') # SERVICE\n", []),
        (f"SELECT * {{ ?s ?p true.SERVICE <{E}> {{}} }}", [E]),
        (f"SELECT * {{ ?s ?p 'x'@en.SERVICE <{E}> {{}} }}", [E]),
        (f"SELECT * {{ ?s ?p 1.SERVICE <{E}> {{}} }}", [E]),
        (f"SELECT * {{ VALUES ?o {{ UNDEF }}SERVICE <{E}> {{}} }}", [E]),
    ],
)
def test_every_real_service_is_found_and_resolved(query: str, iris: list[str]) -> None:
    assert service_iris(query, prefixes=PREFIXES) == iris


def test_silent_is_reported_in_each_spelling() -> None:
    for query in [
        f"SELECT * {{ SERVICE SILENT <{E}> {{}} }}",
        f"SELECT * {{ service silent <{E}> {{}} }}",
        f"SELECT * {{ SERVICESILENT<{E}>{{}} }}",
    ]:
        assert [(t.iri, t.silent) for t in scan_query(query).services] == [(E, True)], query


def test_a_glued_silent_is_read_both_ways() -> None:
    query = "PREFIX ex: <http://e/> PREFIX SILENTex: <http://s/> SELECT * { SERVICE SILENTex:x { } }"
    assert sorted((t.iri, t.silent) for t in scan_query(query).services) == [
        ("http://e/x", True),
        ("http://s/x", False),
    ]


def test_a_variable_endpoint_is_reported_as_such() -> None:
    (target,) = scan_query("SELECT * { BIND(<http://e/> AS ?e) SERVICE ?e { } }").services
    assert (target.iri, target.variable, target.text) == (None, "e", "?e")


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("SELECT * { SERVICE <relative> { } }", "no BASE"),
        ("SELECT * { SERVICE nowhere:x { } }", "not declared"),
        ("SELECT * { SERVICE { } }", "no endpoint"),
        ("SELECT * { SERVICE", "no endpoint"),
    ],
)
def test_a_target_that_cannot_be_resolved_says_why(query: str, problem: str) -> None:
    (target,) = scan_query(query).services
    assert target.iri is None
    assert problem in (target.problem or "")


def test_graph_and_from_names_that_start_with_service_are_not_calls() -> None:
    query = "PREFIX serviceA: <http://g/> SELECT * FROM serviceA:g { GRAPH serviceA:h { ?s ?p ?o } }"
    assert scan_query(query).services == ()


@pytest.mark.parametrize(
    ("update", "sources"),
    [
        ("LOAD <http://e/data.ttl>", ["http://e/data.ttl"]),
        ("load silent <http://e/data.ttl> into graph <http://g>", ["http://e/data.ttl"]),
        ("PREFIX ex: <http://e/> LOAD ex:data.ttl", ["http://e/data.ttl"]),
        ("PREFIX ex: <http://e/> LOADex:data", ["http://e/data"]),
        ("PREFIX : <http://e/> LOAD:data", ["http://e/data"]),
        ("BASE <http://e/x/> LOAD <../data>", ["http://e/data"]),
        ("CLEAR ALL ; LOAD <http://e/a> ; LOAD <http://e/b>", ["http://e/a", "http://e/b"]),
        ("INSERT DATA { <http://a> <http://b> 'LOAD <http://e/x>' }", []),
        ("# LOAD <http://e/x>\nCLEAR ALL", []),
        ("PREFIX load: <http://l/> INSERT DATA { load:a load:b load:c }", []),
    ],
)
def test_load_sources_are_found_in_updates(update: str, sources: list[str]) -> None:
    scan = scan_query(update)
    assert scan.form == "UPDATE"
    assert [target.iri for target in scan.loads] == sources


def test_tokens_carry_line_and_column() -> None:
    tokens = tokenize("SELECT *\n  WHERE { ?s <http://x#y> 'a' }")
    assert [(t.text, t.line, t.column) for t in tokens][2:5] == [("WHERE", 2, 3), ("{", 2, 9), ("?s", 2, 11)]


def test_less_than_is_an_operator_after_an_operand_inside_an_expression() -> None:
    texts = [t.text for t in tokenize("SELECT * { ?s <http://p> ?o FILTER(?o<'x>' && <http://f>(?o)) }")]
    assert "<http://p>" in texts and "<http://f>" in texts
    assert "<" in texts and "'x>'" in texts


@pytest.mark.parametrize(
    "reference",
    [
        "g",
        "./g",
        "g/",
        "/g",
        "//g",
        "?y",
        "g?y",
        "#s",
        "g#s",
        "g?y#s",
        ";x",
        "g;x",
        "",
        ".",
        "./",
        "..",
        "../",
        "../g",
        "../..",
        "../../",
        "../../g",
        "../../../g",
        "/./g",
        "/../g",
        "g.",
        ".g",
        "g..",
        "..g",
        "./../g",
        "./g/.",
        "g/./h",
        "g/../h",
        "g;x=1/./y",
        "g;x=1/../y",
        "g?y/./x",
        "g#s/../x",
        "http:g",
        "http://o/a/../b",
    ],
)
def test_relative_iris_resolve_as_in_pyoxigraph(reference: str) -> None:
    base = "http://a/b/c/d;p?q"
    (solution,) = Store().query(f"BASE <{base}> SELECT (<{reference}> AS ?i) {{}}")
    assert resolve_iri(reference, base) == solution["i"].value


# -- the property: pyoxigraph never calls an endpoint that the scan did not report ---------------------------------


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str]
    ONE_EMPTY_SOLUTION = json.dumps({"head": {"vars": []}, "results": {"bindings": [{}]}}).encode()

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        self.hits.append(urlsplit(self.path).path)
        self.send_response(200)
        self.send_header("content-type", "application/sparql-results+json")
        self.send_header("content-length", str(len(self.ONE_EMPTY_SOLUTION)))
        self.end_headers()
        self.wfile.write(self.ONE_EMPTY_SOLUTION)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def recorder() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []
    handler = type("Handler", (_Recorder,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


# Well-formed group elements, most of them tricky for a tokenizer...
PIECES = [
    "SERVICE <{u}/s{n}> {{ }}",
    "service silent <{u}/s{n}> {{}}",
    "SERVICESILENT<{u}/s{n}>{{}}",
    "SERVICE p:s{n} {{ }}",
    "SERVICE:s{n}{{}}",
    "SERVICEp:s{n}{{}}",
    "SERVICE #x\n<{u}/s{n}> {{}}",
    "SERVICE <rel/s{n}> {{}}",
    "FILTER(STR(?o)<'x>')",
    "FILTER(STR(?o)<'a')",
    "FILTER(STR(?o)<'a')SERVICE#>\n<{u}/s{n}>{{}}",
    "FILTER(?o<2)",
    "FILTER(?o>0)",
    "FILTER(?o<<{u}/x>)",
    "FILTER(?o != 'SERVICE <{u}/f{n}> {{}}')",
    "# SERVICE <{u}/c{n}> {{}}\n",
    "OPTIONAL {{ ?o <{u}/p#{n}> ?z{n} }}",
    "OPTIONAL {{ ?o <{u}/p'{n}> ?z{n} }}",
    "OPTIONAL {{ ?o p:a\\#b ?z{n} }}",
    "OPTIONAL {{ ?o p:a ( 1 <{u}/l#{n}> ) }}",
    "BIND('x' AS ?v{n})",
    'BIND("SERVICE <{u}/b{n}> {{}}" AS ?w{n})',
    "BIND('''a''SERVICE <{u}/b{n}> {{}}''' AS ?w{n})",
    "{{ SELECT (COUNT(DISTINCT <{u}/d#{n}>) AS ?n{n}) {{ }} }}",
    "?t{n} ?q{n} true.SERVICE <{u}/s{n}> {{}}",
    "?t{n} ?q{n} 'yes'@en.SERVICE <{u}/s{n}> {{}}",
    "?t{n} ?q{n} 2.SERVICE <{u}/s{n}> {{}}",
]
# ...and fragments that break the structure, so that the scan also meets queries it must read leniently.
NOISE = ["#", "\n", "'", "''", '"', '"""', "'''", "\\'", "<", ">", "<{u}/i#{n}>", "{{", "}}", "(", ")", ".", ";"]


def test_pyoxigraph_never_calls_an_endpoint_the_scan_missed(recorder: tuple[str, list[str]]) -> None:
    url, hits = recorder
    rng = random.Random(20261101)
    store = Store()
    for value in [Literal(True), Literal("yes", language="en"), Literal(2)]:
        store.add(Quad(NamedNode("http://example.org/t"), NamedNode("http://example.org/q"), value))
    prologue = f"BASE <{url}/base/> PREFIX p: <{url}/p/> PREFIX : <{url}/c/> PREFIX servicep: <{url}/sp/> "
    called = 0
    for _ in range(1500):
        pieces = [
            rng.choice(NOISE if rng.random() < 0.1 else PIECES).format(u=url, n=n) for n in range(rng.randint(1, 7))
        ]
        query = prologue + "SELECT * WHERE { VALUES ?o { 1 } " + " ".join(pieces) + " }"
        hits.clear()
        with contextlib.suppress(SyntaxError, OSError, RuntimeError, ValueError):
            list(store.query(query))  # most fail: syntax errors, SERVICE <rel/…> with no such endpoint…
        reported = {urlsplit(target.iri).path for target in scan_query(query).services if target.iri}
        assert set(hits) <= reported, query
        called += bool(hits)
    assert called > 300  # the pieces do produce real calls
