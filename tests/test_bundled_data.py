"""All bundled data, loaded as `critmin load` loads it, checked against the shapes and against the source files."""

from collections import Counter
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import BlankNode, NamedNode, RdfFormat, Store

from extractors.feeds.registry import FEEDS
from kg import iris
from kg.catalog import list_catalog
from kg.loading import LoadReport, load_bundled
from kg.store import open_store, query
from kg.validation import validate_graph


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, list[LoadReport]]:
    """Its own store: test_reloading_everything_changes_nothing reloads into it."""
    store = open_store(tmp_path_factory.mktemp("bundled") / "store")
    return store, load_bundled(store)


def test_every_source_has_its_own_graph_and_catalog_entry(loaded: tuple[Store, list[LoadReport]]) -> None:
    store, reports = loaded
    names = {r.graph.removeprefix(iris.GRAPH) for r in reports}
    assert names == {"ontology", *FEEDS}
    entries = {e.graph: e for e in list_catalog(store)}
    assert set(entries) == {r.graph for r in reports}
    for report in reports:
        in_graph = sum(1 for _ in store.quads_for_pattern(None, None, None, NamedNode(report.graph)))
        assert entries[report.graph].triples == in_graph == report.triples
        assert entries[report.graph].records == report.records_read > 0
        assert entries[report.graph].license or _rights(store, report.graph)


def _rights(store: Store, graph: str) -> bool:
    return any(store.quads_for_pattern(NamedNode(graph), iris.ns("dct", "rights"), None, iris.CATALOG_GRAPH))


def test_all_bundled_data_conforms_to_the_shapes(loaded: tuple[Store, list[LoadReport]]) -> None:
    store, _ = loaded
    data = rdflib.Graph()
    for name in store.named_graphs():
        if name != iris.ONTOLOGY_GRAPH:
            data.parse(data=store.dump(format=RdfFormat.N_TRIPLES, from_graph=name), format="nt")
    report = validate_graph(data)
    assert report.conforms, report.text[:5000]


def test_reloading_everything_changes_nothing(loaded: tuple[Store, list[LoadReport]], tmp_path: Path) -> None:
    store, _ = loaded

    def data_quads() -> tuple[set, Counter]:
        """Quads without blank nodes (the shapes' blank nodes are new on each parse), and counts per graph."""
        quads = [q for q in store if q.graph_name != iris.CATALOG_GRAPH]
        named = {q for q in quads if not isinstance(q.subject, BlankNode) and not isinstance(q.object, BlankNode)}
        return named, Counter(q.graph_name.value for q in quads)

    before = data_quads()
    load_bundled(store)
    assert data_quads() == before


def test_the_uk_2024_list_shows_as_incomplete(loaded: tuple[Store, list[LoadReport]]) -> None:
    store, _ = loaded
    [row] = query(store, """
        SELECT ?official ?recorded ?complete WHERE {
          cmlist:UK_CMIC_2024 cm:officialMemberCount ?official ; cm:recordedMemberCount ?recorded ;
                              cm:isComplete ?complete .
        }""")
    assert (row["official"].value, row["recorded"].value, row["complete"].value) == ("34", "14", "false")


@pytest.mark.parametrize("fact_class", ["Observation", "Facility", "CriticalityList", "ListMembership",
                                        "ImportSource", "ImportSourceSummary"])
def test_every_fact_traces_to_a_source_row(loaded: tuple[Store, list[LoadReport]], fact_class: str) -> None:
    store, _ = loaded
    # subclasses first: a path from every typed node up the hierarchy is slow over the union graph
    classes = "{ SELECT ?class ?sub WHERE { ?sub rdfs:subClassOf* ?class } }"
    count = f"SELECT ?class (COUNT(DISTINCT ?o) AS ?n) WHERE {{ {classes} ?o a ?sub }} GROUP BY ?class"
    assert int(next(iter(query(store, count, **{"class": iris.term(fact_class)})))["n"].value) > 0
    untraced = list(query(store, f"""
        SELECT ?o ?class WHERE {{
          {classes} ?o a ?sub .
          OPTIONAL {{ ?o prov:wasDerivedFrom ?record . ?record cm:sourceRow ?row }}
          FILTER (!BOUND(?row))
        }} LIMIT 5""", **{"class": iris.term(fact_class)}))
    assert untraced == []


def test_world_production_of_lithium_2024_by_country(loaded: tuple[Store, list[LoadReport]]) -> None:
    """The README's example query, against numbers read from the USGS file by hand."""
    store, _ = loaded
    rows = {
        r["place"].value.rsplit("/", 1)[-1]: float(r["tonnes"].value)
        for r in query(store, """
            PREFIX cm: <https://w3id.org/critmin/ontology/>
            PREFIX qudt: <http://qudt.org/schema/qudt/>
            PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
            SELECT ?place ?tonnes WHERE {
              ?o a cm:ProductionObservation ; cm:commodity <https://w3id.org/critmin/id/commodity/lithium> ;
                 cm:refYear "2024"^^xsd:gYear ; cm:refArea ?place ; qudt:numericValue ?tonnes .
            }""")
    }
    assert rows["AUS"] == 88000 and rows["CHL"] == 49000 and rows["ZWE"] == 22000 and rows["world"] == 240000
    assert "USA" not in rows  # withheld: no number, never a zero
