"""Rows of an extracted statement read by pattern (kg/statement_rows.py): restricted to some graphs, nothing another
graph says about the statement or its other end shows; and the rows survive the JSON table a hub summary keeps."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Quad, QueryResultsFormat, Store, parse_query_results

from kg import iris
from kg.statement_rows import STATEMENT_VARIABLES, rows_json, statement_rows

CM, RDF = iris.ONTOLOGY, iris.PREFIXES["rdf"]
PUBLIC, PARTNER = NamedNode(iris.GRAPH + "documents"), NamedNode(iris.GRAPH + "partner/alpha/notes")
HUB = NamedNode(iris.ID + "commodity/lithium")
OTHER = NamedNode(iris.ID + "company/acme")
STATEMENT = NamedNode(iris.ID + "statement/1")


def store() -> Store:
    store = Store()
    store.extend([Quad(STATEMENT, NamedNode(p), o, PUBLIC) for p, o in (
        (RDF + "type", NamedNode(CM + "ExtractedStatement")), (RDF + "subject", OTHER), (RDF + "object", HUB),
        (CM + "relationType", Literal("produces")), (CM + "evidence", Literal("Acme produces lithium.")))])
    store.add(Quad(OTHER, iris.ns("rdfs", "label"), Literal("Acme", language="en"), PUBLIC))
    store.add(Quad(OTHER, iris.ns("rdfs", "label"), Literal("!Alpha name for Acme"), PARTNER))
    store.add(Quad(STATEMENT, NamedNode(CM + "evidence"), Literal("!Alpha evidence"), PARTNER))
    return store


def test_rows_of_some_graphs_leave_the_others_out() -> None:
    everything = statement_rows(store(), HUB, STATEMENT, {})
    public = statement_rows(store(), HUB, STATEMENT, {}, graphs=lambda graph: graph == PUBLIC.value)
    assert {row["evidence"].value for row in everything} == {"Acme produces lithium.", "!Alpha evidence"}
    assert everything[0]["otherLabel"].value == "!Alpha name for Acme"  # the least label, whichever graph has it
    assert [(row["role"].value, row["other"], row["otherLabel"], row["evidence"].value) for row in public] == [
        ("object", OTHER, Literal("Acme", language="en"), "Acme produces lithium.")]


def test_rows_survive_the_json_table() -> None:
    rows = statement_rows(store(), HUB, STATEMENT, {})
    parsed = list(parse_query_results(rows_json(STATEMENT_VARIABLES, rows).encode(), format=QueryResultsFormat.JSON))
    assert [{name: row[name] for name in STATEMENT_VARIABLES} for row in parsed] == rows
