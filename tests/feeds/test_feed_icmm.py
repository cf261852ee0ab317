"""The ICMM Global Mining Dataset feed, against the bundled file and small malformed fixtures."""

from __future__ import annotations

import csv
from collections import Counter
from decimal import Decimal

import pyoxigraph
import pytest
import rdflib
from pyoxigraph import Literal, NamedNode

from extractors.feeds.base import FeedError
from extractors.feeds.countries import FEED as COUNTRIES
from extractors.feeds.icmm import ASSET_TYPES, CONFIDENCE_LEVELS, IcmmFeed, facility_triples, split_list
from kg import iris
from kg.validation import ONTOLOGY_DIR, validate_graph

from .conftest import DATA, PROJECT, objects, one, subjects_of_type

BUNDLED = PROJECT / "data/icmm-global-mining-dataset/icmm_gmd_battery_minerals_india_uk_subset.csv"
BAD_ROWS = DATA / "icmm_bad_rows.csv"
GRAPH = "icmm-gmd"
CM = iris.term
RDF_TYPE = iris.ns("rdf", "type")
LABEL = iris.ns("rdfs", "label")
ALT = iris.ns("skos", "altLabel")
HIDDEN = iris.ns("skos", "hiddenLabel")
GEOMETRY = iris.ns("geo", "hasGeometry")
WKT = iris.ns("geo", "asWKT")
LAT = iris.ns("schema", "latitude")
LON = iris.ns("schema", "longitude")
DERIVED = iris.ns("prov", "wasDerivedFrom")


def facility(icmm_id: str) -> NamedNode:
    return iris.facility(f"icmm-{icmm_id}")


def record(row: int) -> NamedNode:
    return iris.source_record(GRAPH, row)


@pytest.fixture(scope="module")
def feed(commodity_index) -> IcmmFeed:
    return IcmmFeed(commodity_index)


@pytest.fixture(scope="module")
def bundled(feed):
    return feed.read(BUNDLED)


@pytest.fixture(scope="module")
def bad(feed):
    return feed.read(BAD_ROWS)


@pytest.fixture(scope="module")
def country_triples() -> list[pyoxigraph.Triple]:
    return COUNTRIES.read(COUNTRIES.default_file).triples


@pytest.fixture(scope="module")
def csv_rows() -> list[dict[str, str]]:
    with BUNDLED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# ---------------------------------------------------------------------------------------------------------------------
# The bundled file


def test_every_row_has_a_source_record_and_every_id_a_facility(bundled, csv_rows):
    assert len(csv_rows) == 915
    assert bundled.records_read == 915
    assert bundled.graph_name == GRAPH
    records = subjects_of_type(bundled.triples, CM("SourceRecord"))
    assert records == {record(n).value for n in range(2, 917)}
    facilities = subjects_of_type(bundled.triples, CM("Facility"))
    assert len({r["ICMMID"] for r in csv_rows}) == 915
    assert facilities == {facility(r["ICMMID"]).value for r in csv_rows}
    row3 = record(3)
    assert one(bundled.triples, row3, CM("sourceRow")).value == "3"
    assert one(bundled.triples, row3, CM("sourceFile")).value == "icmm-global-mining-dataset/" + BUNDLED.name
    assert one(bundled.triples, row3, CM("rawValue")).value.startswith(
        "ICMM00566,High,Caraiba,Caraiba Copper Deposit;Caraiba;Cara\u00c3\u00adba;"
    )
    assert len(bundled.triples) == len(set(bundled.triples))


def test_every_facility_has_one_label_a_type_and_its_record(bundled, csv_rows):
    t = bundled.triples
    for number, row in enumerate(csv_rows, start=2):
        node = facility(row["ICMMID"])
        assert one(t, node, LABEL).value == row["Mine Name"]
        assert one(t, node, DERIVED) == record(number)
        assert one(t, node, CM("icmmId")).value == row["ICMMID"]
        assert len(objects(t, node, CM("facilityType"))) == len(row["Asset Type"].split(";"))


def test_problems_of_the_bundled_file(bundled, csv_rows, commodity_index):
    # Four rows have mojibake; no country (Kosovo resolves to its user-assigned code), coordinate, asset type or
    # confidence problems.
    by_column = Counter(p.column for p in bundled.problems)
    assert by_column[None] == 4 and by_column["Country"] == 0
    assert set(by_column) <= {None, "Primary Commodity", "Secondary Commodity", "Other Commodities"}
    repaired = sorted(p.row for p in bundled.problems if p.reason.startswith("repaired mojibake"))
    assert repaired == [3, 398, 411, 683]
    # Exactly the commodity names that no concept of ontology/commodities.ttl carries are reported (with
    # today's concepts: thermal coal 262 times, ferronickel, "bopper", ...), each where it occurs.
    expected = Counter()
    for number, row in enumerate(csv_rows, start=2):
        for column in ("Primary Commodity", "Secondary Commodity", "Other Commodities"):
            for name in split_list(row[column]):
                if commodity_index.resolve(name) is None:
                    expected[(number, column, name)] += 1
    reported = Counter((p.row, p.column, p.value) for p in bundled.problems if p.column and "Commodit" in p.column)
    assert reported == expected
    assert expected, "the file names commodities that are not concepts (thermal coal)"


def test_a_row_with_several_asset_types(bundled):
    # Row 43: ICMM03143,Moderate,Magmont Mine,Magmont Mine;Magmont Mine;Buick Plant;Boss Smelter;Boss Refinery,
    # 37.637928,-91.128972,Mine;Smelter;Refinery,United States,lead,zinc,silver;copper;nickel;cadmium
    t = bundled.triples
    node = facility("ICMM03143")
    assert set(objects(t, node, RDF_TYPE)) == {CM("Facility"), CM("Mine"), CM("Smelter"), CM("Refinery")}
    assert set(objects(t, node, CM("facilityType"))) == {
        iris.concept("facility-type", key) for key in ("mine", "smelter", "refinery")
    }
    assert set(objects(t, node, CM("stage"))) == {iris.concept("stage", "mining"), iris.concept("stage", "refining")}
    assert one(t, node, LABEL) == Literal("Magmont Mine")
    assert sorted(a.value for a in objects(t, node, ALT)) == ["Boss Refinery", "Boss Smelter", "Buick Plant"]
    assert objects(t, node, HIDDEN) == []
    assert one(t, node, CM("country")) == iris.country("USA")
    assert one(t, node, CM("primaryCommodity")) == iris.commodity("lead")
    assert one(t, node, CM("secondaryCommodity")) == iris.commodity("zinc")
    others = {"silver", "copper", "nickel", "cadmium"}
    assert set(objects(t, node, CM("otherCommodity"))) == {iris.commodity(k) for k in others}
    assert set(objects(t, node, CM("commodity"))) == {iris.commodity(k) for k in others | {"lead", "zinc"}}
    assert one(t, node, CM("confidence")) == iris.concept("confidence", "moderate")
    assert one(t, node, DERIVED) == record(43)


def test_a_row_with_aliases_and_mojibake(bundled):
    # Row 3: ICMM00566,High,Caraiba,Caraiba Copper Deposit;Caraiba;Cara\u00c3\u00adba;MCSA Mining Complex SXEW;
    # Jaguarari Caraiba,-9.864831575,-39.8674088,Mine,Brazil,copper,gold,cobalt;nickel;palladium;platinum;rhodium;silver
    t = bundled.triples
    node = facility("ICMM00566")
    assert one(t, node, LABEL) == Literal("Caraiba")
    assert [a.value for a in objects(t, node, ALT)] == [
        "Caraiba Copper Deposit",
        "Cara\u00edba",
        "MCSA Mining Complex SXEW",
        "Jaguarari Caraiba",
    ]
    assert one(t, node, HIDDEN) == Literal("Cara\u00c3\u00adba")
    assert one(t, node, CM("confidence")) == iris.concept("confidence", "high")
    assert one(t, node, CM("country")) == iris.country("BRA")
    problem = next(p for p in bundled.problems if p.row == 3)
    assert problem.reason.startswith("repaired mojibake") and "Cara\u00edba" in problem.reason
    # Row 398 (San Juan de Nieva): "Avil\u00c3\u00a9s" -> "Avil\u00e9s"; "cadimium" is a hidden label of cadmium.
    node = facility("ICMM08754")
    assert Literal("Avil\u00e9s") in objects(t, node, ALT)
    assert one(t, node, HIDDEN) == Literal("Avil\u00c3\u00a9s")
    assert set(objects(t, node, RDF_TYPE)) == {CM("Facility"), CM("Smelter"), CM("Refinery")}
    assert iris.commodity("cadmium") in objects(t, node, CM("otherCommodity"))


def test_geometry_is_a_wkt_point_longitude_first(bundled):
    t = bundled.triples
    node = facility("ICMM00566")
    geometry = one(t, node, GEOMETRY)
    assert geometry == iris.geometry("icmm-ICMM00566")
    assert iris.ns("geo", "Geometry") in objects(t, geometry, RDF_TYPE)
    wkt = one(t, geometry, WKT)
    assert wkt.value == "POINT(-39.8674088 -9.864831575)"
    assert wkt.datatype == iris.ns("geo", "wktLiteral")
    assert one(t, node, LAT) == Literal("-9.864831575", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))
    assert one(t, node, LON).value == "-39.8674088"
    # Every point of the file: longitude first.
    points = {tr.subject.value: tr.object.value for tr in t if tr.predicate == WKT}
    assert len(points) == 915
    lats = {tr.subject.value: Decimal(tr.object.value) for tr in t if tr.predicate == LAT}
    lons = {tr.subject.value: Decimal(tr.object.value) for tr in t if tr.predicate == LON}
    for tr in t:
        if tr.predicate == GEOMETRY:
            lon, lat = points[tr.object.value].removeprefix("POINT(").removesuffix(")").split()
            assert (Decimal(lon), Decimal(lat)) == (lons[tr.subject.value], lats[tr.subject.value])


def test_a_plant_is_a_processing_plant(bundled):
    # Row 20: ICMM01869,Very Low,Falcondo Ferronickel Plant,,18.9173,-70.4163,Plant,Dominican Republic,nickel,,
    t = bundled.triples
    node = facility("ICMM01869")
    assert objects(t, node, RDF_TYPE) == [CM("Facility")]
    assert one(t, node, CM("facilityType")) == iris.concept("facility-type", "processing-plant")
    assert objects(t, node, ALT) == []
    assert one(t, node, CM("confidence")) == iris.concept("confidence", "very-low")
    assert one(t, node, CM("country")) == iris.country("DOM")


def test_kosovo_has_its_user_assigned_code(bundled):
    # Row 115: ICMM05844,Very Low,Kosovo Mines,,42.4654,21.0518,Mine,Kosovo,nickel,,
    t = bundled.triples
    node = facility("ICMM05844")
    assert objects(t, node, CM("country")) == [iris.country("XKX")]
    assert one(t, node, CM("primaryCommodity")) == iris.commodity("nickel")
    assert one(t, one(t, node, GEOMETRY), WKT).value == "POINT(21.0518 42.4654)"


def test_facility_records_for_the_matcher(feed, bundled, csv_rows):
    records = feed.facility_records(BUNDLED)
    assert len(records) == 915
    by_id = {r.record_id: r for r in records}
    caraiba = by_id["ICMM00566"]
    assert caraiba.source == GRAPH
    assert caraiba.iri == facility("ICMM00566")
    assert caraiba.name == "Caraiba"
    assert caraiba.aliases == (
        "Caraiba Copper Deposit",
        "Cara\u00edba",
        "MCSA Mining Complex SXEW",
        "Jaguarari Caraiba",
    )
    assert (caraiba.latitude, caraiba.longitude) == (-9.864831575, -39.8674088)
    assert caraiba.country == iris.country("BRA")
    assert caraiba.commodities[:2] == (iris.commodity("copper"), iris.commodity("gold"))
    assert caraiba.facility_types == ("mine",)
    assert by_id["ICMM03143"].facility_types == ("mine", "smelter", "refinery")
    assert by_id["ICMM05844"].country == iris.country("XKX")
    # The records say what the triples say.
    t = bundled.triples
    for rec in records[:50]:
        assert set(rec.commodities) == set(objects(t, rec.iri, CM("commodity")))
        assert {iris.concept("facility-type", k) for k in rec.facility_types} == set(
            objects(t, rec.iri, CM("facilityType"))
        )


def test_the_feed_output_conforms_to_the_shapes(bundled, country_triples):
    data = _rdflib_graph(bundled.triples + country_triples)
    report = validate_graph(data)
    assert report.conforms, report.text[:3000]


# ---------------------------------------------------------------------------------------------------------------------
# Malformed input


def test_missing_column_is_a_feed_error_naming_it(feed):
    with pytest.raises(FeedError) as caught:
        feed.read(DATA / "icmm_missing_column.csv")
    assert "'Asset Type'" in caught.value.message
    assert "icmm_missing_column.csv" in caught.value.message


def test_bad_latitude_is_a_row_problem_and_the_facility_is_still_mapped(bad):
    problems = [p for p in bad.problems if p.row == 3]
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.file, problem.row, problem.column, problem.value) == ("icmm_bad_rows.csv", 3, "Latitude", "95.5")
    assert "out of range" in problem.reason
    node = facility("ICMM90002")
    t = bad.triples
    assert one(t, node, LABEL).value == "Bad Latitude Mine"
    assert one(t, node, CM("country")) == iris.country("CAN")
    assert objects(t, node, GEOMETRY) == [] and objects(t, node, LAT) == [] and objects(t, node, LON) == []
    # A missing longitude: same.
    missing = next(p for p in bad.problems if p.row == 4 and p.column == "Longitude")
    assert missing.value == "" and "missing" in missing.reason
    assert objects(t, facility("ICMM90003"), GEOMETRY) == []


def test_unknown_commodity_is_reported_and_the_others_are_mapped(bad):
    # Row 4: unobtainium,copper,gold; cadimium ;kryptonite
    reported = {(p.column, p.value) for p in bad.problems if p.row == 4 and "commodity" in p.reason}
    assert reported == {("Primary Commodity", "unobtainium"), ("Other Commodities", "kryptonite")}
    t = bad.triples
    node = facility("ICMM90003")
    assert objects(t, node, CM("primaryCommodity")) == []
    assert one(t, node, CM("secondaryCommodity")) == iris.commodity("copper")
    assert set(objects(t, node, CM("otherCommodity"))) == {iris.commodity("gold"), iris.commodity("cadmium")}
    assert set(objects(t, node, CM("commodity"))) == {iris.commodity(k) for k in ("copper", "gold", "cadmium")}


def test_other_malformed_rows(bad):
    t = bad.triples
    assert bad.records_read == 9
    assert subjects_of_type(t, CM("SourceRecord")) == {record(n).value for n in range(2, 11)}
    facilities = subjects_of_type(t, CM("Facility"))
    assert facilities == {facility(i).value for i in ("ICMM90001", "ICMM90002", "ICMM90003", "ICMM90004", "ICMM90007")}
    reasons = {(p.row, p.column, p.value): p.reason for p in bad.problems}
    # Row 2 is clean: aliases deduplicated case-insensitively, the name not repeated; Mine;Plant gives two types.
    assert not [p for p in bad.problems if p.row == 2]
    good = facility("ICMM90001")
    assert [a.value for a in objects(t, good, ALT)] == ["Bonne Mine", "Good Pit"]
    assert set(objects(t, good, RDF_TYPE)) == {CM("Facility"), CM("Mine")}
    assert set(objects(t, good, CM("stage"))) == {
        iris.concept("stage", s) for s in ("mining", "concentration", "refining")
    }
    assert one(t, one(t, good, GEOMETRY), WKT).value == "POINT(133.25 -23.5)"
    # Row 5: an unknown asset type beside a known one, an unknown country and confidence factor.
    assert "asset type" in reasons[(5, "Asset Type", "Quarry")]
    assert (5, "Country", "Atlantis") in reasons and (5, "Confidence Factor", "Sure") in reasons
    odd = facility("ICMM90004")
    assert one(t, odd, CM("facilityType")) == iris.concept("facility-type", "mine")
    assert objects(t, odd, CM("confidence")) == [] and objects(t, odd, CM("country")) == []
    # Row 6 repeats row 2's id, row 7 has no asset type, row 8 no id, row 9 too few cells: no facility.
    assert "row 2" in reasons[(6, "ICMMID", "ICMM90001")]
    assert one(t, good, LABEL).value == "Good Mine"
    assert "empty Asset Type" in reasons[(7, "Asset Type", "")]
    assert "empty ICMMID" in reasons[(8, "ICMMID", "")]
    assert "cells" in reasons[(9, None, "ICMM90006,High,Short row")]
    # Row 10: mojibake in the name itself.
    repaired = facility("ICMM90007")
    assert one(t, repaired, LABEL).value == "S\u00e3o Bento"
    assert [a.value for a in objects(t, repaired, ALT)] == ["Sao Bento Mine"]
    assert one(t, repaired, HIDDEN).value == "S\u00c3\u00a3o Bento"
    assert reasons[(10, None, bad_raw(bad, 10))].startswith("repaired mojibake")


def bad_raw(output, row: int) -> str:
    return one(output.triples, record(row), CM("rawValue")).value


def test_malformed_output_still_conforms(bad, country_triples):
    report = validate_graph(_rdflib_graph(bad.triples + country_triples))
    assert report.conforms, report.text[:3000]


def test_the_shapes_catch_bad_facilities(bundled, country_triples):
    node = facility("ICMM00566")
    keep = [t for t in bundled.triples if t.subject == node or t.subject == record(3)]
    keep = [t for t in keep if t.predicate not in (LAT, LABEL, CM("facilityType"))]
    geometry = iris.geometry("icmm-ICMM00566")
    keep += [
        pyoxigraph.Triple(node, LAT, Literal("95.5", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))),
        pyoxigraph.Triple(node, GEOMETRY, geometry),
        pyoxigraph.Triple(geometry, WKT, Literal("POINT(-39.8 -9.8)")),
    ]
    report = validate_graph(_rdflib_graph(keep + country_triples))
    assert not report.conforms
    facility_results = {r["path"] for r in report.results if r["focus_node"] == node.value}
    assert LABEL.value in facility_results
    assert CM("facilityType").value in facility_results
    assert LAT.value in facility_results
    assert any(r["value"] == "POINT(-39.8 -9.8)" for r in report.results)


# ---------------------------------------------------------------------------------------------------------------------
# Helpers and vocabulary


def test_split_list():
    assert split_list(" a ;b;; c  d ;") == ["a", "b", "c d"]
    assert split_list("") == []


def test_asset_types_agree_with_the_facility_type_concepts():
    vocab = rdflib.Graph().parse(ONTOLOGY_DIR / "vocabularies.ttl", format="turtle")
    cm = rdflib.Namespace(iris.ONTOLOGY)
    for asset_type in ASSET_TYPES.values():
        concept = rdflib.URIRef(iris.concept("facility-type", asset_type.facility_type).value)
        assert vocab.value(concept, cm.facilityClass) == cm[asset_type.facility_class], asset_type
        stages = {str(s) for s in vocab.objects(concept, cm.stage)}
        assert stages == {iris.concept("stage", s).value for s in asset_type.stages}, asset_type


def test_confidence_levels_are_a_scheme_with_definitions():
    vocab = rdflib.Graph().parse(ONTOLOGY_DIR / "vocabularies.ttl", format="turtle")
    skos = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
    scheme = rdflib.URIRef(iris.concept_scheme("confidence-levels").value)
    members = {str(c) for c in vocab.subjects(skos.inScheme, scheme)}
    assert members == {iris.concept("confidence", level).value for level in CONFIDENCE_LEVELS}
    for member in members:
        node = rdflib.URIRef(member)
        assert vocab.value(node, skos.definition) is not None
        assert (node, rdflib.RDF.type, rdflib.URIRef(CM("ConfidenceLevel").value)) in vocab
    # The confidence factors of the file are levels of the scheme.
    with BUNDLED.open(encoding="utf-8", newline="") as handle:
        factors = {row["Confidence Factor"] for row in csv.DictReader(handle)}
    assert {iris.slug(f) for f in factors} <= set(CONFIDENCE_LEVELS)


def test_facility_triples_without_location_or_country():
    from extractors.feeds.icmm import FacilityRow

    row = FacilityRow(
        record=None,  # type: ignore[arg-type]
        record_node=record(2),
        icmm_id="X1",
        name="Somewhere",
        aliases=[],
        hidden_labels=[],
        latitude=None,
        longitude=None,
        country=None,
        asset_types=[ASSET_TYPES["mine"]],
        commodities={},
        confidence=None,
    )
    triples = facility_triples(row)
    assert {t.predicate for t in triples} == {RDF_TYPE, LABEL, CM("icmmId"), DERIVED, CM("facilityType"), CM("stage")}


def _rdflib_graph(triples: list[pyoxigraph.Triple]) -> rdflib.Graph:
    text = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=text, format="nt")
