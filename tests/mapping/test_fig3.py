"""The bundled Fig. 3 mapping against the numbers of the CSV, its loading, and the SHACL shapes."""

from __future__ import annotations

import csv

import rdflib
from pyoxigraph import Literal, NamedNode, Store

from extractors.feeds.countries import FEED as COUNTRIES
from extractors.mapping import mapping_feed
from kg import iris
from kg.loading import load_feed
from kg.validation import validate_graph

from .conftest import FIG3_CSV, FIG3_MAPPING

XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
GRAPH = "usgs-mcs2025-import-summary"


def _rows() -> list[dict[str, str]]:
    with FIG3_CSV.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _summary(alpha3: str) -> NamedNode:
    return iris.entity("import-source-summary", f"{GRAPH}/USA/{alpha3}")


def _objects(triples, subject, predicate):
    return [t.object for t in triples if t.subject == subject and t.predicate == predicate]


def test_fig3_maps_every_row_with_the_numbers_of_the_csv():
    feed = mapping_feed(FIG3_MAPPING)
    assert feed.name == GRAPH
    assert feed.default_file.resolve() == FIG3_CSV.resolve()
    output = feed.read(feed.default_file)
    rows = _rows()
    assert len(rows) == 43
    assert output.records_read == 43
    assert output.problems == []
    assert len(output.triples) == 516  # 43 rows x (6 source-record triples + 6 summary triples)
    summaries = {t.subject for t in output.triples
                 if t.predicate == iris.ns("rdf", "type") and t.object == iris.term("ImportSourceSummary")}
    assert len(summaries) == 43
    # Numbers read from the CSV: China 24, Canada 23, Germany 12, Australia 6, DR Congo 1.
    for alpha3, count in (("CHN", "24"), ("CAN", "23"), ("DEU", "12"), ("AUS", "6"), ("COD", "1")):
        node = _summary(alpha3)
        assert _objects(output.triples, node, iris.term("commodityCount")) == [Literal(count, datatype=XSD_INTEGER)]
        assert _objects(output.triples, node, iris.term("exporter")) == [iris.country(alpha3)]
        assert _objects(output.triples, node, iris.term("importer")) == [iris.country("USA")]
    total = sum(int(r["Commodity_Count"]) for r in rows)
    mapped = sum(int(t.object.value) for t in output.triples if t.predicate == iris.term("commodityCount"))
    assert mapped == total
    # Provenance: every summary derives from its row's record, which keeps the row verbatim.
    record = iris.source_record(GRAPH, 2)
    assert _objects(output.triples, _summary("AUS"), iris.ns("prov", "wasDerivedFrom")) == [record]
    assert _objects(output.triples, record, iris.term("rawValue")) == [Literal("MCS2024,Australia,6,4 to 6")]
    assert _objects(output.triples, record, iris.term("sourceRow")) == [Literal("2", datatype=XSD_INTEGER)]


def test_fig3_output_conforms_to_the_shapes():
    output = mapping_feed(FIG3_MAPPING).read(FIG3_CSV)
    data = rdflib.Graph()
    for t in output.triples + COUNTRIES.read(COUNTRIES.default_file).triples:
        data.parse(data=f"{t} .", format="nt")
    report = validate_graph(data)
    assert report.conforms, report.text


def test_fig3_loads_like_any_feed():
    store = Store()
    report = load_feed(store, mapping_feed(FIG3_MAPPING))
    count = next(iter(store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        named_graphs=[iris.graph(GRAPH)], use_default_graph_as_union=False,
    )))["n"]
    assert int(count.value) == 516
    assert report is not None
