"""Bound values written into our queries' text (kg/query_inlining.py) give what pyoxigraph's substitutions give."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Variable

from kg import iris
from kg.query_inlining import inline_bindings
from kg.rq import load_query
from kg.store import query
from tests.kg.chain_fixture import chain_store, fac

LITHIUM, AUS = iris.commodity("lithium"), iris.entity("country", "AUS")
KG = Path(__file__).resolve().parents[2] / "kg"


@pytest.mark.parametrize(("sparql", "expected"), [
    ("SELECT ?x WHERE { ?x ?p ?o }", "SELECT (<urn:v> AS ?x) WHERE { <urn:v> ?p ?o }"),
    ("SELECT DISTINCT ?x (COUNT(?x) AS ?n) { ?x ?p ?o } GROUP BY ?x",
     "SELECT DISTINCT (<urn:v> AS ?x) (COUNT(<urn:v>) AS ?n) { <urn:v> ?p ?o } GROUP BY (<urn:v>)"),
    ("ASK { ?x <p> '?x' # ?x\n}", "ASK { <urn:v> <p> '?x' # ?x\n}"),
    ("SELECT ?y { BIND (1 AS ?x) }", None),  # the query gives ?x a value of its own
    ("SELECT ?x { { SELECT ?x { ?x ?p ?o } } }", None),  # a nested SELECT: another scope
    ("SELECT ?x { VALUES ?x { <urn:a> } }", None),
    ("SELECT * { ?x ?p ?o }", None),  # every variable, ?x too: its column would go
    ("SELECT ?p (COUNT(*) AS ?n) { ?x ?p ?o } GROUP BY ?p",  # a star inside parentheses is not SELECT *
     "SELECT ?p (COUNT(*) AS ?n) { <urn:v> ?p ?o } GROUP BY ?p"),
])
def test_shapes(sparql: str, expected: str | None) -> None:
    assert inline_bindings(sparql, {"x": NamedNode("urn:v")}) == expected


def test_literals_are_written_by_pyoxigraph() -> None:
    text = inline_bindings('SELECT ?x { ?s ?p ?x }', {"x": Literal('a "quoted" } value')})
    assert text == 'SELECT ("a \\"quoted\\" } value" AS ?x) { ?s ?p "a \\"quoted\\" } value" }'


QUERIES = [  # (module folder, query, bindings): queries of ours with bound variables in every shape they use
    (KG / "analytics", "concentration_observations",
     {"commodity": LITHIUM, "year": Literal("2024", datatype=iris.ns("xsd", "gYear"))}),
    (KG / "analytics", "chain_facilities", {"commodity": LITHIUM}),
    (KG / "analytics", "dashboard_label", {"node": AUS}),
    (KG / "analytics", "import_reliance_readings", {"country": iris.entity("country", "USA")}),
    (KG, "browse_facilities", {"country": AUS}),
]


@pytest.mark.parametrize(("folder", "name", "bindings"), QUERIES, ids=[q[1] for q in QUERIES])
def test_same_answers_as_substitutions(bundled, folder: Path, name: str, bindings: dict) -> None:
    store, _ = bundled
    sparql = load_query(str(folder / "x.py"), name)
    substituted = store.query(sparql, use_default_graph_as_union=True, prefixes=iris.PREFIXES,
                              substitutions={Variable(k): v for k, v in bindings.items()})
    variables = [v.value for v in substituted.variables]
    expected = sorted(tuple(str(row[v]) for v in variables) for row in substituted)
    answer = query(store, sparql, **bindings)
    assert sorted(tuple(str(row[v]) for v in variables) for row in answer) == expected
    assert expected, f"{name}: nothing to compare on the bundled data"


def test_entity_statements_on_the_chain_fixture(tmp_path: Path) -> None:
    store = chain_store(tmp_path / "store")  # holds one candidate statement, M3 supplies R1; give it its relation
    candidate = NamedNode("https://w3id.org/critmin/id/test-record/candidate-m3")
    store.add(Quad(candidate, iris.term("relationType"), Literal("SUPPLIES"), iris.graph("doc-test")))
    sparql = load_query(str(KG / "x.py"), "entity_extracted_statements")
    for subject in fac("M3", "R1"):
        node = NamedNode(subject)
        substituted = store.query(sparql, use_default_graph_as_union=True, prefixes=iris.PREFIXES,
                                  substitutions={Variable("subject"): node})
        expected = [(str(row["statement"]), str(row["role"])) for row in substituted]
        assert [(str(row["statement"]), str(row["role"])) for row in query(store, sparql, subject=node)] == expected
        assert len(expected) == 1
