"""The analytics graph: indicators with their method, inputs and PROV-O provenance, written atomically."""

from __future__ import annotations

import pytest
from pyoxigraph import Store

from kg import iris
from kg.analytics.materialise import materialise
from kg.store import open_store, query


@pytest.fixture(scope="module")
def analysed(bundled_copy) -> tuple[Store, object]:
    store = open_store(bundled_copy())
    return store, materialise(store)


def test_lithium_2024_indicator_with_method_inputs_and_provenance(analysed) -> None:
    store, report = analysed
    rows = list(query(store, """SELECT ?hhi ?top ?flag ?version ?formula ?run ?at WHERE {
        GRAPH cmg:analytics {
          ?i a cm:ConcentrationIndicator ; cm:commodity commodity:lithium ; cm:stage stage:mining ;
             cm:quantityKind <https://w3id.org/critmin/id/quantity-kind/production> ;
             cm:refYear "2024"^^xsd:gYear ; cm:hhi ?hhi ; cm:topCountry ?top ; cm:hhiOver2500 ?flag ;
             cm:method ?m ; prov:wasGeneratedBy ?run ; prov:generatedAtTime ?at ;
             cm:inputGraph cmg:usgs-mcs2025-world .
          ?m a cm:IndicatorMethod ; owl:versionInfo ?version ; cm:formula ?formula .
          ?run a prov:Activity ; prov:used cmg:usgs-mcs2025-world .
        } }"""))
    assert len(rows) == 1
    row = rows[0]
    assert 2200 < float(row["hhi"].value) < 2400  # 2,303 recomputed in test_analytics.py
    assert row["top"] == iris.country("AUS") and row["flag"].value == "false"
    assert row["version"].value == "1" and "HHI" in row["formula"].value
    assert row["run"].value == report.run


def test_every_share_traces_to_an_observation_and_exclusions_say_why(analysed) -> None:
    store, _ = analysed
    rows = list(query(store, """SELECT ?obs ?reason WHERE { GRAPH cmg:analytics {
        ?i cm:commodity commodity:lithium ; cm:refYear "2024"^^xsd:gYear ; cm:quantityKind ?qk ;
           cm:excludedInput ?x . ?x cm:excludedObservation ?obs ; cm:exclusionReason ?reason .
        FILTER (?qk = <https://w3id.org/critmin/id/quantity-kind/production>) } }"""))
    assert {r["obs"].value.split("/")[-3] for r in rows} == {"world", "USA"}
    shares = list(query(store, """SELECT ?area ?obs WHERE { GRAPH cmg:analytics {
        ?i cm:commodity commodity:lithium ; cm:refYear "2024"^^xsd:gYear ; cm:countryShare ?s .
        ?s cm:refArea ?area ; prov:wasDerivedFrom ?obs } ?obs qudt:numericValue ?v }"""))
    assert len({r["area"] for r in shares}) >= 9  # mine production and reserves countries


def test_catalog_entry_and_no_partner_graph_read(analysed) -> None:
    store, report = analysed
    assert all(not g.startswith(iris.GRAPH + "partner") for g in report.input_graphs)
    rows = list(query(store, "SELECT ?n WHERE { GRAPH cmg:catalog { cmg:analytics cm:recordCount ?n } }"))
    assert int(rows[0]["n"].value) == report.concentration + report.import_reliance + report.list_overlap


def test_recomputation_replaces_the_graph(analysed) -> None:
    store, first = analysed
    second = materialise(store)
    runs = {r["run"].value for r in query(store, "SELECT DISTINCT ?run WHERE { GRAPH cmg:analytics { "
                                                 "?i prov:wasGeneratedBy ?run } }")}
    assert runs == {second.run} and second.run != first.run
    assert second.triples == first.triples
