"""Commodity names resolve through the labels of the commodity ontology, never a table in code."""

from __future__ import annotations

from kg import iris
from kg.commodity_index import CommodityIndex


def test_normalised_lookup(fixture_index):
    assert fixture_index.resolve("Lithium ") == iris.commodity("lithium")
    assert fixture_index.resolve("  RARE   earths") == iris.commodity("rare-earth-elements")
    assert fixture_index.resolve("Aluminum") == iris.commodity("aluminium")
    assert fixture_index.resolve("kryptonite") is None
    assert fixture_index.by_symbol("Nd") == iris.commodity("neodymium")
    assert fixture_index.by_symbol("Xx") is None


def test_ambiguous_labels_resolve_to_nothing():
    index = CommodityIndex.from_turtle(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        '<https://w3id.org/critmin/id/commodity/a> skos:prefLabel "a" ; skos:altLabel "shared" .\n'
        '<https://w3id.org/critmin/id/commodity/b> skos:prefLabel "b"@en ; skos:altLabel "Shared"@fr .\n'
        '<https://example.org/other> skos:prefLabel "other" .\n'
    )
    assert index.resolve("a") == iris.commodity("a")
    assert index.resolve("shared") is None
    assert "shared" in index.ambiguous
    assert index.resolve("other") is None
    assert len(index) == 2


def test_real_ontology_knows_the_source_spellings(commodity_index):
    for name in ("Lithium ", "Cobalt", "Copper ", "Graphite", "Manganese", "Nickel", "Rare earths", "Aluminum",
                 "Cesium", "PGE", "REE", "phosphorous"):
        assert commodity_index.resolve(name) is not None, name
